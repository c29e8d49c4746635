"""The audit log: staff logins, permission changes, price changes, exports and refunds, with who, when and from where.

Write with :func:`audit_record`; read with :func:`audit_entries`. Superusers read the log in the back office
(``gnb/core/admin.py``). Rows are append-only: nothing in the application changes or deletes them.

What a row never holds: passwords, tokens or card numbers. ``details`` goes through the same scrubber as logs and
Sentry events (:func:`gnb.core.scrub.scrub_data`), and the login receivers pass only the username tried, never
the credentials Django hands them.

Callers outside this app:

- ``gnb/catalog/admin.py``: price additions, changes and deletions (:class:`gnb.core.admin.PriceAuditMixin`);
- ``gnb/bookings/admin.py``: CSV exports (:func:`audit_export`);
- the payments work, when it issues a refund, must call::

      audit_record(action=AuditAction.REFUND_ISSUED, actor=request.user, request=request, target=refund,
                   details={"booking": booking.reference, "amount": str(refund.amount), "currency": refund.currency,
                            "reason": reason})

  with the refund row as target, and the provider's reference at most, never a card number or provider secret.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
from collections.abc import Mapping
from contextvars import ContextVar
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import auth
from django.contrib.contenttypes.models import ContentType
from django.core.handlers.wsgi import WSGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.utils import translation

from gnb.core.models import AuditEntry
from gnb.core.ratelimit import client_ip
from gnb.core.requests import NO_REQUEST_ID, current_request_id
from gnb.core.scrub import scrub_data

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

logger = logging.getLogger(__name__)

AuditAction = AuditEntry.Action

SYSTEM_LABEL = "system"  # changes made outside a request: management commands, the shell, migrations
ANONYMOUS_LABEL = "anonymous"

_LABEL_LENGTH = AuditEntry._meta.get_field("actor_label").max_length or 150
_REPR_LENGTH = AuditEntry._meta.get_field("target_repr").max_length or 200
_USER_AGENT_LENGTH = AuditEntry._meta.get_field("user_agent").max_length or 256
_REQUEST_ID_LENGTH = AuditEntry._meta.get_field("request_id").max_length or 64
# Query parameters of a list page that are not filters: paging and the admin's "invalid filter" marker.
_NOT_FILTERS = frozenset({"p", "e", "_changelist_filters"})


# --- writes -----------------------------------------------------------------------------------------------
def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | AnonymousUser | None,
    request: HttpRequest | None = None,
    target: Model | type[Model] | None = None,
    details: Mapping[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """Append one entry to the audit log and return it.

    ``actor`` is the user who acted (None or anonymous for nobody signed in); ``actor_label`` replaces the label
    taken from the user (a failed login has no user, only the username tried). ``target`` is the object acted on,
    or a model class for an action on many rows (an export). ``request`` gives the address, user agent and request
    id. ``details`` is scrubbed of secrets and personal data and stored as JSON.
    """
    user = actor if actor is not None and actor.is_authenticated else None
    if not actor_label:
        if user is not None:
            actor_label = user.get_username()
        else:
            actor_label = ANONYMOUS_LABEL if request is not None else SYSTEM_LABEL
    target_type, target_id, target_repr = _target_columns(target)
    entry = AuditEntry.objects.create(
        action=action,
        actor_id=user.pk if user is not None else None,
        actor_label=_clean_text(actor_label, _LABEL_LENGTH),
        target_type=target_type,
        target_id=target_id,
        target_repr=_clean_text(target_repr, _REPR_LENGTH),
        details=audit_details(details or {}),
        ip_address=_client_ip(request),
        user_agent=_clean_text(
            request.META.get("HTTP_USER_AGENT", "") if request is not None else "", _USER_AGENT_LENGTH
        ),
        request_id=_request_id(request),
    )
    # The same event in the application log, so it reaches the log store even if this database is lost.
    logger.info(
        "audit %s by %s on %s",
        entry.action,
        entry.actor_label,
        entry.target_repr or "-",
        extra={"audit_entry": entry.pk, "audit_action": entry.action},
    )
    return entry


def audit_export(*, request: HttpRequest, model: type[Model], rows: int, source: str, fmt: str = "csv") -> AuditEntry:
    """Record a back-office export: the rows of ``model`` it holds and the list filters and search it came from.

    ``source`` says what was exported: ``"selection"`` (ticked rows) or ``"list"`` (the whole filtered list).
    """
    return audit_record(
        action=f"export.{fmt}",
        actor=request.user,
        request=request,
        target=model,
        details={"rows": rows, "source": source, "filters": list_filters(request)},
    )


def audit_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """``details`` as stored: plain JSON (decimals and times as text), secrets and personal data scrubbed."""
    plain = json.loads(json.dumps(dict(details), cls=DjangoJSONEncoder))
    scrubbed: dict[str, Any] = _without_nul(scrub_data(plain))
    return scrubbed


def list_filters(request: HttpRequest) -> dict[str, str | list[str]]:
    """The filters, search and ordering of the list page a request came from (its query string, without paging)."""
    return {
        key: values[0] if len(values) == 1 else values
        for key, values in sorted(request.GET.lists())
        if key not in _NOT_FILTERS
    }


# --- reads ------------------------------------------------------------------------------------------------
def audit_entries(
    *,
    action: str | None = None,
    actor: AbstractBaseUser | None = None,
    target: Model | type[Model] | None = None,
    since: dt.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Entries, newest first, narrowed by action (``"price.changed"``, or a prefix ending in a dot: ``"auth."``),
    actor, target (an object, or a model for every entry on its rows) and time."""
    entries = AuditEntry.objects.select_related("actor", "target_type")
    if action is not None:
        entries = entries.filter(action__startswith=action) if action.endswith(".") else entries.filter(action=action)
    if actor is not None:
        entries = entries.filter(actor_id=actor.pk)
    if target is not None:
        target_type, target_id, _repr = _target_columns(target)
        entries = entries.filter(target_type=target_type)
        if target_id:
            entries = entries.filter(target_id=target_id)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    return entries.order_by("-created_at", "-pk")


# --- the request being served ------------------------------------------------------------------------------
# Some audited changes arrive through model signals, which carry no request: a superuser adding a user to a group
# in the back office, for instance. The WSGI environ of the request being served is kept here (set on
# ``request_started``, cleared on ``request_finished``), so such an entry still says who and from where.
_environ_var: ContextVar[dict[str, Any] | None] = ContextVar("gnb_audit_environ", default=None)
_request_var: ContextVar[HttpRequest | None] = ContextVar("gnb_audit_request", default=None)


def request_started_receiver(sender: Any, environ: dict[str, Any] | None = None, **kwargs: Any) -> None:
    _environ_var.set(environ)
    _request_var.set(None)


def request_finished_receiver(sender: Any, **kwargs: Any) -> None:
    _environ_var.set(None)
    _request_var.set(None)


def current_request() -> HttpRequest | None:
    """The request being served, rebuilt from its environ with ``user`` from its session; None outside a request.

    The session and user are read as ``SessionMiddleware`` and ``AuthenticationMiddleware`` read them (the session's
    auth hash is checked too), once per request and only when an entry needs them.
    """
    cached = _request_var.get()
    if cached is not None:
        return cached
    environ = _environ_var.get()
    if environ is None:
        return None
    request = WSGIRequest(environ)
    engine = import_module(settings.SESSION_ENGINE)
    stored = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    request.session = _SessionCopy(stored.items())  # type: ignore[assignment]
    request.user = auth.get_user(request)
    _request_var.set(request)
    return request


class _SessionCopy(dict[str, Any]):
    """The session data as ``auth.get_user`` reads it. A session whose auth hash no longer matches is flushed by
    ``get_user``; on this copy that changes nothing, so the request being served keeps its own session."""

    def flush(self) -> None:
        self.clear()

    def cycle_key(self) -> None:
        pass


# --- helpers ----------------------------------------------------------------------------------------------
def _target_columns(target: Model | type[Model] | None) -> tuple[ContentType | None, str, str]:
    if target is None:
        return None, "", ""
    if isinstance(target, type):
        # In the source language, whichever language the staff member reads the back office in.
        with translation.override(None):
            return ContentType.objects.get_for_model(target), "", str(target._meta.verbose_name_plural)
    return ContentType.objects.get_for_model(target), "" if target.pk is None else str(target.pk), str(target)


def _client_ip(request: HttpRequest | None) -> str | None:
    # The address the rate limiter counts by (REMOTE_ADDR): a header the client writes itself, such as
    # X-Forwarded-For, is never taken as the address.
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_ip(request)))
    except ValueError:  # "unknown", or a unix socket's path
        return None


def _request_id(request: HttpRequest | None) -> str:
    request_id = getattr(request, "request_id", None) or current_request_id()
    return "" if request_id == NO_REQUEST_ID else _clean_text(str(request_id), _REQUEST_ID_LENGTH)


def _clean_text(value: str, length: int) -> str:
    # PostgreSQL stores no NUL characters, and whatever a client sends must not stop the entry being written.
    return value.replace("\x00", "")[:length]


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value
