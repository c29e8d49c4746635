"""Audit receivers: staff sign-ins and sign-outs, failed sign-ins, and changes to who may do what.

The project keeps business logic out of signals; these receivers hold none. They only record, and signals are the
one place that sees every path to the same change: Django's login view raises the auth signals whichever form or
backend is used, and a user's groups, permissions and staff or superuser flags change from the back office's user
and group pages, ``createsuperuser``, ``ensure_admin`` and the shell alike. A receiver on each catches them all
without touching those views. Connected in :meth:`gnb.core.apps.CoreConfig.ready`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Model

from gnb.core.audit import AuditAction, audit_record, current_request

# Flags of a user that grant or take away access; a change to any of them is a permission change.
USER_FLAGS = ("is_staff", "is_superuser", "is_active")
_FLAGS_BEFORE = "_gnb_audit_flags_before"
_M2M_BEFORE = "_gnb_audit_m2m_before"


# --- sign-in ----------------------------------------------------------------------------------------------
def _is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))


def login_receiver(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if _is_staff(user):
        audit_record(action=AuditAction.LOGIN, actor=user, request=request, details=_path(request))


def logout_receiver(sender: Any, request: Any, user: Any = None, **kwargs: Any) -> None:
    if user is not None and _is_staff(user):
        audit_record(action=AuditAction.LOGOUT, actor=user, request=request, details=_path(request))


def login_failed_receiver(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # Only the username tried is kept. ``credentials`` holds the password too (Django masks it before sending), and
    # nothing else from it is ever read here.
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or ""
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        actor=None,
        actor_label=str(username),
        request=request,
        details=_path(request),
    )


def _path(request: Any) -> dict[str, str]:
    return {"path": request.path} if request is not None else {}


# --- staff, superuser and active flags --------------------------------------------------------------------
def user_pre_save_receiver(
    sender: type[Model], instance: Model, raw: bool, update_fields: Iterable[str] | None, **kwargs: Any
) -> None:
    # Only the flags this save writes can change; a login saves only ``last_login``, so no query is spent on it.
    saved = USER_FLAGS if update_fields is None else tuple(flag for flag in USER_FLAGS if flag in set(update_fields))
    if raw or instance._state.adding or not saved:
        instance.__dict__.pop(_FLAGS_BEFORE, None)
        return
    instance.__dict__[_FLAGS_BEFORE] = sender._default_manager.filter(pk=instance.pk).values(*saved).first()


def user_post_save_receiver(sender: type[Model], instance: Model, created: bool, raw: bool, **kwargs: Any) -> None:
    before = instance.__dict__.pop(_FLAGS_BEFORE, None)
    if raw:
        return
    after = {flag: getattr(instance, flag) for flag in USER_FLAGS}
    if created:
        if not _is_staff(instance):  # a customer or driver account grants no back-office access
            return
        changes = {flag: {"old": None, "new": value} for flag, value in after.items()}
    else:
        if before is None:
            return
        changes = {flag: {"old": old, "new": after[flag]} for flag, old in before.items() if old != after[flag]}
        if not changes:
            return
    request = current_request()
    audit_record(
        action=AuditAction.USER_FLAGS_CHANGED,
        actor=getattr(request, "user", None),
        request=request,
        target=instance,
        details=changes,
    )


# --- groups and permissions -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Relation:
    """A many-to-many relation that grants permissions, seen from the side whose change is recorded."""

    action: str
    owner: type[Model]
    field: str
    label_parts: tuple[str, ...]  # joined with "." into each related row's label
    key: str

    def labels(self, owner_pks: Iterable[Any]) -> dict[Any, list[str]]:
        """Each owner's related rows as sorted labels ("Managers", "catalog.change_fare"), one query."""
        result: dict[Any, list[str]] = {pk: [] for pk in owner_pks}
        lookups = [f"{self.field}__{part}" for part in self.label_parts]
        rows = self.owner._default_manager.filter(pk__in=list(result)).values_list("pk", *lookups)
        for pk, *parts in rows:
            if parts[0] is not None:  # an owner with no related rows comes back once, with NULLs
                result[pk].append(".".join(str(part) for part in parts))
        return {pk: sorted(labels) for pk, labels in result.items()}

    def owners(self, instance: Model, reverse: bool, pk_set: set[Any] | None) -> list[Any]:
        if not reverse:
            return [instance.pk]
        if pk_set is not None:
            return sorted(pk_set)
        # Clearing from the other side (``group.user_set.clear()``): every owner that had it.
        related = self.owner._default_manager.filter(**{self.field: instance})
        return list(related.values_list("pk", flat=True))


_RELATIONS: dict[type[Model], _Relation] = {}


def connect_relations() -> list[type[Model]]:
    """Fill the table of audited relations and return their through models (they exist once the models are loaded)."""
    user_model = get_user_model()
    permission_parts = ("content_type__app_label", "codename")
    _RELATIONS.update(
        {
            user_model.groups.through: _Relation(AuditAction.GROUPS_CHANGED, user_model, "groups", ("name",), "groups"),
            user_model.user_permissions.through: _Relation(
                AuditAction.USER_PERMISSIONS_CHANGED, user_model, "user_permissions", permission_parts, "permissions"
            ),
            Group.permissions.through: _Relation(
                AuditAction.GROUP_PERMISSIONS_CHANGED, Group, "permissions", permission_parts, "permissions"
            ),
        }
    )
    return list(_RELATIONS)


def m2m_changed_receiver(
    sender: type[Model],
    instance: Model,
    action: str,
    reverse: bool,
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    """Before an add, remove or clear, note the labels of every owner it touches; after it, record what changed."""
    relation = _RELATIONS.get(sender)
    if relation is None:
        return
    phase, _sep, change = action.partition("_")
    pending: dict[tuple[type[Model], str], dict[Any, list[str]]] = instance.__dict__.setdefault(_M2M_BEFORE, {})
    if phase == "pre":
        pending[(sender, change)] = relation.labels(relation.owners(instance, reverse, pk_set))
        return
    before = pending.pop((sender, change), None)
    if not before:
        return
    after = relation.labels(before)
    changed = [pk for pk in before if before[pk] != after[pk]]
    if not changed:
        return
    owners = {instance.pk: instance} if not reverse else relation.owner._default_manager.in_bulk(changed)
    request = current_request()
    for pk in changed:
        audit_record(
            action=relation.action,
            actor=getattr(request, "user", None),
            request=request,
            target=owners.get(pk),
            details={relation.key: {"old": before[pk], "new": after[pk]}},
        )
