"""Roles: each group holds exactly its permissions, the sync is idempotent and strict, and each role can open (or
not) each back-office page and run (or not) each action."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from gnb.accounts import roles
from gnb.accounts.roles import ROLES, role_permissions, roles_sync, user_role_set
from gnb.bookings.models import Booking, GroupQuoteRequest
from gnb.core.models import AuditEntry
from gnb.driver.services import driver_device_start
from gnb.fleet.services import SYSTEM as fleet_system
from gnb.fleet.services import RideRef, fleet_assign
from gnb.notifications.models import ContactMessage
from gnb.testing.bookings import place_sedan_transfer
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle
from gnb.testing.personas import staff_login

User = get_user_model()
PASSWORD = "Correct-Horse-7-Battery!"

CATALOG = ("zone", "place", "vehicleclass", "fare", "season", "extra", "tour", "tourdeparture", "coupon", "currency")
CATALOG_ALL = {f"catalog.{action}_{model}" for model in CATALOG for action in ("add", "change", "delete", "view")}
CATALOG_VIEW = {f"catalog.view_{model}" for model in CATALOG}
BOOKING_OFFICE = {
    "bookings.add_booking",
    "bookings.change_booking",
    "bookings.view_booking",
    "bookings.export_booking",
    "bookings.view_transferleg",
    "bookings.view_passenger",
    "bookings.view_bookingextra",
    "bookings.view_bookingevent",
    "bookings.view_couponredemption",
    "bookings.view_idempotencykey",
}
NOTIFICATIONS_VIEW = {"notifications.view_sentemail", "notifications.view_contactmessage"}
# Groups too large for any vehicle: read and answered by admins and managers.
GROUP_QUOTES = {"bookings.view_groupquoterequest", "bookings.change_groupquoterequest"}
PAYMENTS_OFFICE = {
    "payments.view_payment",
    "payments.view_refund",
    "payments.view_providerevent",
    "payments.add_refund",
    "payments.mark_paid",
}
FLEET_KEPT = ("driver", "drivershift", "drivertimeoff", "vehicle", "zonedrivetime")
FLEET_DISPATCH = {"fleet.view_trip", "fleet.change_trip", "fleet.view_tripevent"}
FLEET_ALL = {f"fleet.{action}_{model}" for model in FLEET_KEPT for action in ("add", "change", "delete", "view")}
FLEET_OFFICE = FLEET_ALL | FLEET_DISPATCH
FLEET_VIEW = {f"fleet.view_{model}" for model in FLEET_KEPT} | FLEET_DISPATCH

EXPECTED = {
    "superadmin": set(),  # superusers: every permission through the flag, none needed on the group
    "admin": CATALOG_ALL
    | BOOKING_OFFICE
    | GROUP_QUOTES
    | FLEET_OFFICE
    | NOTIFICATIONS_VIEW
    | PAYMENTS_OFFICE
    | {
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "accounts.add_apikey",
        "accounts.change_apikey",
        "accounts.view_apikey",
        "accounts.change_tokenfamily",
        "accounts.view_tokenfamily",
        "auth.view_group",
        "django_tasks_database.view_dbtaskresult",
        "privacy.handle_datasubjectrequest",
        "privacy.view_consentdecision",
        "privacy.view_datasubjectrequest",
    },
    "manager": CATALOG_ALL | BOOKING_OFFICE | GROUP_QUOTES | NOTIFICATIONS_VIEW | PAYMENTS_OFFICE | FLEET_OFFICE,
    "dispatcher": CATALOG_VIEW
    | FLEET_VIEW
    | {
        "bookings.change_booking",
        "bookings.view_booking",
        "bookings.view_transferleg",
        "bookings.view_passenger",
        "bookings.view_bookingextra",
        "bookings.view_bookingevent",
        "payments.view_payment",
        "payments.mark_paid",
    },
    "driver": set(),
    "customer": set(),
}


def group_permissions(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def make_user(role: str, username: str | None = None) -> User:
    user = User.objects.create_user(username=username or role, password=PASSWORD, email=f"{role}@example.com")
    user_role_set(user=user, role=role, actor=None)
    user.refresh_from_db()
    return user


def client_for(role: str) -> Client:
    """A client signed in as a user of ``role``: staff past the second factor, others with their password."""
    client = Client()
    user = make_user(role)
    if user.is_staff:
        staff_login(client, user)
    else:
        client.force_login(user)
    return client


# --- the permission sets ------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_migrate_leaves_each_role_group_with_exactly_its_permissions(role):
    assert group_permissions(role) == EXPECTED[role]
    assert role_permissions(role) == EXPECTED[role]


@pytest.mark.django_db
def test_no_role_but_superadmin_may_read_the_audit_log_or_delete_a_booking():
    for role in ROLES:
        assert not {p for p in group_permissions(role) if p.startswith("core.")}, role
        assert "bookings.delete_booking" not in group_permissions(role)


@pytest.mark.django_db
def test_the_sync_puts_back_a_changed_group_once_and_is_idempotent():
    dispatcher = Group.objects.get(name="dispatcher")
    dispatcher.permissions.remove(Permission.objects.get(codename="view_booking"))
    dispatcher.permissions.add(Permission.objects.get(codename="delete_booking"))
    AuditEntry.objects.all().delete()

    out = StringIO()
    call_command("sync_roles", stdout=out)
    assert group_permissions("dispatcher") == EXPECTED["dispatcher"]
    assert "dispatcher: 26 permission(s)" in out.getvalue()
    sync_entries = AuditEntry.objects.filter(action="permission.group_permissions_changed", target_repr="dispatcher")
    # The removal and addition above were recorded by the m2m receiver (actor: system); the sync adds exactly one.
    (entry,) = sync_entries.filter(details__source="sync_roles")
    assert entry.details["permissions"]["new"] == sorted(EXPECTED["dispatcher"])
    assert "bookings.delete_booking" in entry.details["permissions"]["old"]
    assert "bookings.view_booking" not in entry.details["permissions"]["old"]

    before = AuditEntry.objects.count()
    roles_sync()
    roles_sync()
    assert AuditEntry.objects.count() == before
    for role in ROLES:
        assert group_permissions(role) == EXPECTED[role]


@pytest.mark.django_db
def test_an_unknown_codename_stops_the_sync_naming_it_and_changes_nothing(monkeypatch):
    table = {**roles.APP_PERMISSIONS, "catalog": {"manager": frozenset({"catalog.fly_tour", "catalog.view_tour"})}}
    monkeypatch.setattr(roles, "APP_PERMISSIONS", table)
    with pytest.raises(CommandError, match=r"unknown permission\(s\) in the roles: catalog\.fly_tour$"):
        call_command("sync_roles", stdout=StringIO())
    assert group_permissions("manager") == EXPECTED["manager"]
    with pytest.raises(roles.UnknownPermissionError, match="'bookingsview_booking' is not of the form"):
        roles_sync(table={"bookings": {"admin": frozenset({"bookingsview_booking"})}})


def test_adding_an_apps_permissions_is_one_entry():
    table = {**roles.APP_PERMISSIONS, "reviews": {"manager": frozenset({"reviews.view_review"})}}
    assert role_permissions("manager", table) == frozenset(EXPECTED["manager"] | {"reviews.view_review"})
    assert role_permissions("dispatcher", table) == frozenset(EXPECTED["dispatcher"])
    # Replacing an app's entry replaces exactly that app's rights.
    table = {**roles.APP_PERMISSIONS, "payments": {"manager": frozenset({"payments.view_payment"})}}
    assert role_permissions("manager", table) == frozenset(
        EXPECTED["manager"] - PAYMENTS_OFFICE | {"payments.view_payment"}
    )
    assert role_permissions("dispatcher", table) == frozenset(
        EXPECTED["dispatcher"] - {"payments.view_payment", "payments.mark_paid"}
    )
    with pytest.raises(ValueError, match="unknown role 'owner'"):
        role_permissions("owner")


# --- giving someone a role ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_role_sets_its_group_the_staff_and_superuser_flags_and_is_audited():
    boss = make_user("superadmin", "boss")
    user = User.objects.create_user(username="selin", password=PASSWORD)
    office = Group.objects.create(name="Antalya office")
    user.groups.add(office)

    user_role_set(user=user, role="manager", actor=boss)
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, False)
    assert sorted(user.groups.values_list("name", flat=True)) == ["Antalya office", "manager"]
    entry = AuditEntry.objects.filter(action="permission.role_set", target_id=str(user.pk)).get()
    assert (entry.actor, entry.details) == (
        boss,
        {
            "roles": {"old": [], "new": ["manager"]},
            "flags": {"is_staff": {"old": False, "new": True}, "is_superuser": {"old": False, "new": False}},
        },
    )

    user_role_set(user=user, role="driver", actor=boss)
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert sorted(user.groups.values_list("name", flat=True)) == ["Antalya office", "driver"]

    user_role_set(user=user, role="superadmin", actor=boss)
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert sorted(user.groups.values_list("name", flat=True)) == ["Antalya office", "superadmin"]
    with pytest.raises(ValueError, match="unknown role 'owner'"):
        user_role_set(user=user, role="owner", actor=boss)


@pytest.mark.django_db
def test_set_role_command():
    User.objects.create_user(username="ali", password=PASSWORD)
    out = StringIO()
    call_command("set_role", "ali", "dispatcher", stdout=out)
    assert out.getvalue().strip() == "ali is now dispatcher (staff: yes, superuser: no)"
    assert list(User.objects.get(username="ali").groups.values_list("name", flat=True)) == ["dispatcher"]
    with pytest.raises(CommandError, match="no user with username 'nobody'"):
        call_command("set_role", "nobody", "admin")


@pytest.mark.django_db
def test_ensure_admin_makes_a_superadmin(settings, tmp_path):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    call_command("ensure_admin", stdout=StringIO())
    user = User.objects.get(username="admin")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert list(user.groups.values_list("name", flat=True)) == ["superadmin"]


# --- the back office, page by page ----------------------------------------------------------------------------
# Models each role may list and open (view or change permission); superadmins see them all.
ALL_MODELS = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin.site._registry}
CATALOG_MODELS = {f"catalog.{model}" for model in CATALOG}
BOOKING_MODELS = {
    f"bookings.{m}" for m in ("booking", "transferleg", "passenger", "bookingextra", "bookingevent", "couponredemption")
} | {"bookings.idempotencykey"}
GROUP_QUOTE_MODELS = {"bookings.groupquoterequest"}
PAYMENT_MODELS = {"payments.payment", "payments.refund", "payments.providerevent"}
FLEET_KEPT_MODELS = {"fleet.driver", "fleet.vehicle", "fleet.zonedrivetime"}
# The devices drivers signed in on go with the drivers: whoever reads drivers sees them (written by the app only).
FLEET_MODELS = FLEET_KEPT_MODELS | {"fleet.trip", "driver.driverdevice"}
VISIBLE = {
    "superadmin": ALL_MODELS,
    "admin": ALL_MODELS - {"core.auditentry"},
    "manager": CATALOG_MODELS
    | BOOKING_MODELS
    | GROUP_QUOTE_MODELS
    | PAYMENT_MODELS
    | FLEET_MODELS
    | {"notifications.sentemail", "notifications.contactmessage"},
    "dispatcher": CATALOG_MODELS
    | FLEET_MODELS
    | {"bookings.booking", "bookings.transferleg", "bookings.passenger", "bookings.bookingextra"}
    | {"bookings.bookingevent", "payments.payment"},
}
# Models whose add page each role may open (service-written rows have none, for anybody).
ADDABLE = {
    "superadmin": CATALOG_MODELS
    | FLEET_KEPT_MODELS
    | {"bookings.booking", "accounts.user", "accounts.apikey", "auth.group"},
    "admin": CATALOG_MODELS | FLEET_KEPT_MODELS | {"bookings.booking", "accounts.user", "accounts.apikey"},
    "manager": CATALOG_MODELS | FLEET_KEPT_MODELS | {"bookings.booking"},
    "dispatcher": set(),
}


def test_the_tables_name_every_registered_model():
    assert (
        CATALOG_MODELS
        | BOOKING_MODELS
        | GROUP_QUOTE_MODELS
        | PAYMENT_MODELS
        | FLEET_MODELS
        | {"accounts.user", "accounts.apikey", "accounts.tokenfamily"}
        | {"auth.group", "core.auditentry", "django_tasks_database.dbtaskresult"}
        | {"notifications.sentemail", "notifications.contactmessage"}
        | {"privacy.consentdecision", "privacy.datasubjectrequest"}
    ) == ALL_MODELS


@pytest.fixture
def office(catalog):
    """One row of every registered model with a page to open."""
    booking = place_sedan_transfer()
    ContactMessage.objects.create(name="Anna", email="anna@example.com", message="Hello", language="en")
    GroupQuoteRequest.objects.create(
        origin=catalog.ayt,
        destination=catalog.belek_hotel,
        pickup_at=booking.starts_at,
        adults=20,
        name="Olga",
        email="olga@example.com",
        phone="+79123456789",
        language="ru",
    )
    # The fleet's rows, and a trip of another booking (so the office's own booking stays confirmed).
    make_drive_times(catalog)
    driver, vehicle = make_driver(), make_vehicle(catalog.sedan)
    ridden = place_sedan_transfer(days=21)
    fleet_assign(
        ride=RideRef(leg_id=ridden.legs.get().pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=fleet_system
    )
    driver_device_start(driver=driver, user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile")
    return booking


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["superadmin", "admin", "manager", "dispatcher"])
def test_each_staff_role_opens_exactly_its_pages(role, office):
    client = client_for(role)
    index = client.get("/admin/")
    assert index.status_code == 200
    listed = {
        f"{app['app_label']}.{model['object_name'].lower()}"
        for app in index.context["app_list"]
        for model in app["models"]
    }
    assert listed == VISIBLE[role]
    for label in sorted(ALL_MODELS):
        app_label, model_name = label.split(".")
        changelist = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
        expected = 200 if label in VISIBLE[role] else 403
        assert changelist.status_code == expected, (role, label, "list")
        add = client.get(reverse(f"admin:{app_label}_{model_name}_add"))
        assert add.status_code == (200 if label in ADDABLE[role] else 403), (role, label, "add")
        row = next(m for m in admin.site._registry if m._meta.label_lower == label)._default_manager.first()
        if row is not None:
            change = client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[row.pk]))
            assert change.status_code == expected, (role, label, "change")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["driver", "customer"])
def test_drivers_and_customers_have_no_back_office(role, office):
    client = client_for(role)
    for url in ("/admin/", "/admin/bookings/booking/", f"/admin/bookings/booking/{office.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/?next="), url


# The booking pages of their own, and who opens them: (name, args, roles answered 200; the others 403).
BOOKING_PAGES = [
    ("admin:bookings_booking_dashboard", False, {"superadmin", "admin", "manager", "dispatcher"}),
    ("admin:bookings_booking_export", False, {"superadmin", "admin", "manager"}),
    ("admin:bookings_booking_add_tour", False, {"superadmin", "admin", "manager"}),
    ("admin:bookings_booking_edit_details", True, {"superadmin", "admin", "manager", "dispatcher"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["superadmin", "admin", "manager", "dispatcher"])
def test_each_role_opens_only_its_booking_pages(role, office):
    client = client_for(role)
    for name, with_id, allowed in BOOKING_PAGES:
        url = reverse(name, args=[office.pk] if with_id else [])
        assert client.get(url).status_code == (200 if role in allowed else 403), (role, name)
    export_link = reverse("admin:bookings_booking_export")
    assert (export_link in client.get("/admin/bookings/booking/").content.decode()) == (role != "dispatcher")


ACTIONS = {
    "superadmin": {"confirm_bookings", "cancel_bookings", "complete_bookings", "no_show_bookings", "export_csv"},
    "admin": {"confirm_bookings", "cancel_bookings", "complete_bookings", "no_show_bookings", "export_csv"},
    "manager": {"confirm_bookings", "cancel_bookings", "complete_bookings", "no_show_bookings", "export_csv"},
    "dispatcher": {"confirm_bookings", "cancel_bookings", "complete_bookings", "no_show_bookings"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["superadmin", "admin", "manager", "dispatcher"])
def test_each_role_runs_only_its_booking_actions(role, office):
    client = client_for(role)
    offered = {
        value
        for value, _label in client.get("/admin/bookings/booking/").context["action_form"].fields["action"].choices
    } - {""}
    assert offered == ACTIONS[role]
    export = client.post(
        "/admin/bookings/booking/", {"action": "export_csv", "_selected_action": [office.pk], "index": 0}
    )
    if "export_csv" in ACTIONS[role]:
        assert (export.status_code, export["Content-Type"]) == (200, "text/csv; charset=utf-8")
    else:
        # An action the role lacks is not run: the list comes back with "No action selected".
        assert export.status_code == 302
        assert not AuditEntry.objects.filter(action="export.csv").exists()
    confirmed = client.post(
        "/admin/bookings/booking/", {"action": "no_show_bookings", "_selected_action": [office.pk], "index": 0}
    )
    assert confirmed.status_code == 302
    # The transfer is 20 days ahead: a no-show is refused by the lifecycle for every role, the action itself ran.
    assert Booking.objects.get(pk=office.pk).status == office.status


@pytest.mark.django_db
def test_an_admin_cannot_make_anyone_superuser_nor_change_a_superusers_account(office):
    client = client_for("admin")
    root = make_user("superadmin", "root")
    clerk = User.objects.create_user(username="clerk", password=PASSWORD)
    # A superuser's account is shown read-only to an admin, and its password cannot be set by them.
    read_only = client.get(reverse("admin:accounts_user_change", args=[root.pk]))
    assert (read_only.status_code, read_only.context["has_change_permission"]) == (200, False)
    assert client.post(reverse("admin:accounts_user_change", args=[root.pk]), {"username": "root"}).status_code == 403
    assert client.get(reverse("admin:auth_user_password_change", args=[root.pk])).status_code == 403
    page = client.get(reverse("admin:accounts_user_change", args=[clerk.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
    assert "is_staff" in form.fields
    assert "superadmin" not in {group.name for group in form.fields["groups"].queryset}


def test_the_persona_fixtures_hold_their_roles_as_the_role_service_gives_them(
    customer, manager, dispatcher, driver, superadmin
):
    people = [customer, manager, dispatcher, driver, superadmin]
    assert [
        (list(user.groups.values_list("name", flat=True)), user.is_staff, user.is_superuser) for user in people
    ] == [
        (["customer"], False, False),
        (["manager"], True, False),
        (["dispatcher"], True, False),
        (["driver"], False, False),
        (["superadmin"], True, True),
    ]
