"""Roles: who may do what in the back office, defined here and nowhere else.

A role is a group of the same name holding exactly the permissions listed below. The groups are written by
:func:`roles_sync`, run after every ``migrate`` (a ``post_migrate`` receiver) and by ``manage.py sync_roles``, so
a permission added to or removed from a group in the back office is put back as defined here on the next sync.
A user is given a role with :func:`user_role_set`, which also sets the staff and superuser flags the role implies
and records the change in the audit log.

The permissions are listed per app, so a new app's rights are one entry in :data:`APP_PERMISSIONS`::

    "payments": {"admin": _crud("payments", "payment", "refund"), "manager": _view("payments", "payment")},

Roles left out of an app's entry get nothing in it. A codename that does not exist stops the sync with an error
naming it: a typo here never silently grants less (or more) than intended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from gnb.core.audit import AuditAction, audit_record

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

SUPERADMIN, ADMIN, MANAGER, DISPATCHER, DRIVER, CUSTOMER = (
    "superadmin",
    "admin",
    "manager",
    "dispatcher",
    "driver",
    "customer",
)
ROLES = (SUPERADMIN, ADMIN, MANAGER, DISPATCHER, DRIVER, CUSTOMER)
# Roles that use the back office (``is_staff``); drivers and customers never do.
STAFF_ROLES = frozenset({SUPERADMIN, ADMIN, MANAGER, DISPATCHER})

_CRUD = ("add", "change", "delete", "view")


def _perms(app_label: str, actions: Iterable[str], *models: str) -> frozenset[str]:
    return frozenset(f"{app_label}.{action}_{model}" for model in models for action in actions)


def _crud(app_label: str, *models: str) -> frozenset[str]:
    return _perms(app_label, _CRUD, *models)


def _view(app_label: str, *models: str) -> frozenset[str]:
    return _perms(app_label, ("view",), *models)


_CATALOG = ("zone", "place", "vehicleclass", "fare", "season", "extra", "tour", "tourdeparture", "coupon", "currency")
# Rows the booking services write; the back office only shows them.
_BOOKING_ROWS = ("transferleg", "passenger", "bookingextra", "bookingevent", "couponredemption", "idempotencykey")
# What a dispatcher needs to run the day: the booking, its legs, passengers, extras and history.
_DISPATCH_ROWS = ("transferleg", "passenger", "bookingextra", "bookingevent")
# Placing bookings, their lifecycle actions (change) and CSV exports. Nobody but a superuser deletes a booking.
_BOOKING_OFFICE = frozenset(
    {"bookings.add_booking", "bookings.change_booking", "bookings.view_booking", "bookings.export_booking"}
)
# Groups too large for any vehicle ask for an offer; staff read them and answer (change) them.
_GROUP_QUOTES = _perms("bookings", ("view", "change"), "groupquoterequest")
_PAYMENTS_OFFICE = _view("payments", "payment", "refund", "providerevent") | frozenset(
    {"payments.add_refund", "payments.mark_paid"}
)
# The fleet's rows kept by hand in the back office, and what running the day takes.
_FLEET_KEPT = ("driver", "drivershift", "drivertimeoff", "vehicle", "zonedrivetime")
_DISPATCH_TRIPS = _perms("fleet", ("view", "change"), "trip") | _view("fleet", "tripevent")
# Flight tracking's watches (gnb.fleet.flights): written by the polling, read by whoever dispatches.
_DISPATCH_TRIPS |= _view("fleet", "flightwatch")
# What drivers were told of their trips, the phones that take the messages, and a no-show's evidence: read by
# whoever dispatches; a phone that no longer exists can be removed by managers.
_DRIVER_NOTICES = _view("fleet", "drivernotice", "driverpushsubscription", "tripevidence")
_DRIVER_PHONES = frozenset({"fleet.delete_driverpushsubscription"})

# app label → role → exact permissions ("app_label.codename") in that app.
APP_PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    # Saved passengers are the customers' own address book: nobody in the back office reads them.
    "accounts": {
        ADMIN: _perms("accounts", ("add", "change", "view"), "user", "apikey")
        | _perms("accounts", ("change", "view"), "tokenfamily"),
    },
    "auth": {
        ADMIN: _view("auth", "group"),
    },
    "catalog": {
        ADMIN: _crud("catalog", *_CATALOG),
        MANAGER: _crud("catalog", *_CATALOG),
        DISPATCHER: _view("catalog", *_CATALOG),
    },
    "bookings": {
        ADMIN: _BOOKING_OFFICE | _view("bookings", *_BOOKING_ROWS) | _GROUP_QUOTES,
        MANAGER: _BOOKING_OFFICE | _view("bookings", *_BOOKING_ROWS) | _GROUP_QUOTES,
        DISPATCHER: frozenset({"bookings.change_booking", "bookings.view_booking"})
        | _view("bookings", *_DISPATCH_ROWS),
    },
    "notifications": {
        ADMIN: _view("notifications", "sentemail", "contactmessage"),
        MANAGER: _view("notifications", "sentemail", "contactmessage"),
    },
    # Refunds and recorded payments go through the payment services, each with its own permission; providers' rows
    # are only read. Dispatchers record the cash the drivers collected, and never refund.
    "payments": {
        ADMIN: _PAYMENTS_OFFICE,
        MANAGER: _PAYMENTS_OFFICE,
        DISPATCHER: frozenset({"payments.view_payment", "payments.mark_paid"}),
    },
    # Drivers, vehicles and drive times are kept by managers; trips are made and moved by the dispatch services
    # (change is the right to dispatch), and their history is only read.
    "fleet": {
        ADMIN: _crud("fleet", *_FLEET_KEPT) | _DISPATCH_TRIPS | _DRIVER_NOTICES | _DRIVER_PHONES,
        MANAGER: _crud("fleet", *_FLEET_KEPT) | _DISPATCH_TRIPS | _DRIVER_NOTICES | _DRIVER_PHONES,
        DISPATCHER: _view("fleet", *_FLEET_KEPT) | _DISPATCH_TRIPS | _DRIVER_NOTICES,
    },
    # Travellers' export and erasure requests, and the consent decisions kept as proof.
    "privacy": {
        ADMIN: frozenset({"privacy.handle_datasubjectrequest"})
        | _view("privacy", "consentdecision", "datasubjectrequest"),
    },
    "django_tasks_database": {
        ADMIN: _view("django_tasks_database", "dbtaskresult"),
    },
}


def role_permissions(role: str, table: Mapping[str, Mapping[str, frozenset[str]]] | None = None) -> frozenset[str]:
    """The exact permissions of ``role``'s group, gathered from every app's entry.

    The superadmin group holds none: its members are superusers, who have every permission there is (the audit
    log's included) whatever their groups say.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
    table = APP_PERMISSIONS if table is None else table
    return frozenset().union(*(by_role.get(role, frozenset()) for by_role in table.values()))


class UnknownPermissionError(Exception):
    """A role names a permission that no installed app defines."""


def _permission_rows(names: Iterable[str], using: str) -> dict[str, Permission]:
    wanted = set(names)
    for name in wanted:
        if name.count(".") != 1:
            raise UnknownPermissionError(f"permission {name!r} is not of the form app_label.codename")
    rows = (
        Permission.objects.using(using)
        .filter(
            content_type__app_label__in={name.split(".")[0] for name in wanted},
            codename__in={name.split(".")[1] for name in wanted},
        )
        .select_related("content_type")
    )
    found = {f"{row.content_type.app_label}.{row.codename}": row for row in rows}
    missing = sorted(wanted - set(found))
    if missing:
        raise UnknownPermissionError(f"unknown permission(s) in the roles: {', '.join(missing)}")
    return {name: found[name] for name in wanted}


def roles_sync(
    *, table: Mapping[str, Mapping[str, frozenset[str]]] | None = None, using: str = "default"
) -> dict[str, frozenset[str]]:
    """Create the role groups and set each one's permissions to exactly those defined; return them by role.

    Safe to run any number of times. Raises :class:`UnknownPermissionError`, naming every unknown permission,
    before changing anything.
    """
    wanted = {role: role_permissions(role, table) for role in ROLES}
    with transaction.atomic(using=using):
        rows = _permission_rows(frozenset().union(*wanted.values()), using)
        for role, names in wanted.items():
            _group_sync(role, names, rows, using)
    return wanted


def _group_sync(role: str, names: frozenset[str], rows: Mapping[str, Permission], using: str) -> None:
    group, created = Group.objects.using(using).get_or_create(name=role)
    through = Group.permissions.through
    held = {_label(p): p for p in group.permissions.select_related("content_type")}
    if set(held) == names:
        return
    # Written through the join table, so a new database's groups add no entries to the audit log; a group found
    # changed since the last sync is recorded once, with what the sync put back.
    through.objects.using(using).filter(
        group=group, permission__in=[p for n, p in held.items() if n not in names]
    ).delete()
    through.objects.using(using).bulk_create(
        [through(group=group, permission=rows[name]) for name in sorted(names - set(held))]
    )
    if not created:
        audit_record(
            action=AuditAction.GROUP_PERMISSIONS_CHANGED,
            actor=None,
            target=group,
            details={"permissions": {"old": sorted(held), "new": sorted(names)}, "source": "sync_roles"},
        )


def _label(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def user_roles(user: AbstractBaseUser) -> list[str]:
    """The role groups ``user`` belongs to, in the order of :data:`ROLES`."""
    names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))  # type: ignore[attr-defined]
    return [role for role in ROLES if role in names]


@transaction.atomic
def user_role_set(
    *,
    user: AbstractBaseUser,
    role: str,
    actor: AbstractBaseUser | AnonymousUser | None,
    request: HttpRequest | None = None,
) -> AbstractBaseUser:
    """Give ``user`` exactly one role: its group (other role groups removed, other groups kept), ``is_staff`` for
    back-office roles and ``is_superuser`` for superadmins only. Records the change in the audit log."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
    user_model = get_user_model()
    locked = user_model._default_manager.select_for_update().get(pk=user.pk)
    before = user_roles(locked)
    flags_before = {"is_staff": locked.is_staff, "is_superuser": locked.is_superuser}  # type: ignore[attr-defined]
    group, _created = Group.objects.get_or_create(name=role)
    locked.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(pk=group.pk))  # type: ignore[attr-defined]
    locked.groups.add(group)  # type: ignore[attr-defined]
    locked.is_staff = role in STAFF_ROLES  # type: ignore[attr-defined]
    locked.is_superuser = role == SUPERADMIN  # type: ignore[attr-defined]
    locked.save(update_fields=["is_staff", "is_superuser"])
    audit_record(
        action=AuditAction.ROLE_SET,
        actor=actor,
        request=request,
        target=locked,
        details={
            "roles": {"old": before, "new": [role]},
            "flags": {name: {"old": old, "new": getattr(locked, name)} for name, old in flags_before.items()},
        },
    )
    return locked


def customer_role_give(*, user_id: int) -> None:
    """Put a newly opened customer account in the ``customer`` group.

    Written through the join table, so the group receiver of the audit log stays quiet: opening an account is not a
    change of anybody's rights, and an entry per sign-up would bury the changes that are. Giving a role to an
    existing user (which may change what they can do) goes through :func:`user_role_set`, which is audited.
    """
    group, _created = Group.objects.get_or_create(name=CUSTOMER)
    through = get_user_model().groups.through  # type: ignore[attr-defined]
    through.objects.get_or_create(user_id=user_id, group_id=group.pk)
