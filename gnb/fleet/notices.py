"""Drivers' phones that take push messages, and the notices a driver gets when a dispatcher changes their trips.

:func:`driver_notice_record` is called by the dispatch services inside the transaction of the change: the notice and
its sending task are written with it (the transactional outbox of :mod:`gnb.core.outbox`), so a dispatcher's change
and the driver's message commit together or not at all. The worker sends it (:mod:`gnb.fleet.push`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.core.errors import NotFound, ValidationFailed
from gnb.core.outbox import in_transaction_queue
from gnb.fleet import push
from gnb.fleet.models import Driver, DriverNotice, DriverPushSubscription, Trip, TripBooking


def _trip_summary(trip: Trip, rider: TripBooking | None = None) -> dict[str, Any]:
    """When and where the trip starts, kept on the notice: a released trip no longer has its riders."""
    summary: dict[str, Any] = {"starts_at": trip.starts_at.isoformat()}
    if rider is None:
        rider = TripBooking.objects.filter(trip=trip).select_related("leg").order_by("pk").first()
    if rider is not None and rider.leg is not None:
        summary["place"] = rider.leg.origin_id
    elif trip.departure_id is not None:
        summary["tour"] = trip.departure.tour_id if trip.departure else None
    return summary


def driver_notice_record(
    *,
    trip: Trip,
    driver_id: int,
    kind: str,
    now: dt.datetime,
    changes: list[str] | None = None,
    rider: TripBooking | None = None,
    pickup_at: dt.datetime | None = None,
    conflict_trip_id: int | None = None,
) -> DriverNotice:
    """Record that driver ``driver_id`` is to be told ``kind`` about ``trip``, and queue its sending in the current
    transaction (call it inside the ``transaction.atomic`` block of the change). ``changes`` names what changed
    (:data:`gnb.fleet.push` labels them); ``rider``: the ride the trip is about when it has just left the trip.
    ``pickup_at``: the new pickup when the trip itself could not move yet (its range runs into
    ``conflict_trip_id``, which the dispatcher resolves)."""
    details = _trip_summary(trip, rider)
    if pickup_at is not None:
        details["starts_at"] = pickup_at.isoformat()
    if conflict_trip_id is not None:
        details["conflict_trip"] = conflict_trip_id
    if changes:
        details["changes"] = sorted(set(changes))
    notice = DriverNotice.objects.create(driver_id=driver_id, trip=trip, kind=kind, details=details, created_at=now)
    task = push.driver_notice_send_task
    if in_transaction_queue(task):
        task.enqueue(notice_id=notice.pk)
    else:
        # A backend outside this database (tests' immediate backend) must not see the notice before the commit.
        transaction.on_commit(partial(task.enqueue, notice_id=notice.pk))
    return notice


# --- subscriptions ------------------------------------------------------------------------------------------
def _b64url_bytes(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _clean_endpoint(endpoint: str) -> str | None:
    """An endpoint the worker may post to: an https URL of a push service on the internet (never this network)."""
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.hostname or len(endpoint) > 1000:
        return None
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return None if parts.hostname == "localhost" or parts.hostname.endswith(".local") else endpoint
    return endpoint if address.is_global else None


def driver_push_subscribe(
    *,
    driver_id: int,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> DriverPushSubscription:
    """Keep the push subscription of one of the driver's phones (as ``PushSubscription.toJSON()`` gives it).

    The endpoint is unique: the same phone subscribing again (new keys), or after another driver signed in on it,
    updates the one row, so a phone is never told of someone else's trips."""
    errors: list[tuple[str, str]] = []
    endpoint = (endpoint or "").strip()
    if _clean_endpoint(endpoint) is None:
        errors.append(("endpoint", _("The endpoint must be the https address of a push service.")))
    key = _b64url_bytes((p256dh or "").strip())
    if key is None or len(key) != 65 or key[0] != 4:
        errors.append(("keys.p256dh", _("The p256dh key must be an uncompressed P-256 public key, base64url.")))
    secret = _b64url_bytes((auth or "").strip())
    if secret is None or len(secret) != 16:
        errors.append(("keys.auth", _("The auth secret must be 16 bytes, base64url.")))
    if errors:
        raise ValidationFailed(errors)
    if not Driver.objects.filter(pk=driver_id, is_active=True).exists():
        raise NotFound(_("Driver not found."), field="driver")
    subscription, _created = DriverPushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "driver_id": driver_id,
            "p256dh": p256dh.strip(),
            "auth": auth.strip(),
            "user_agent": (user_agent or "")[:300],
            "failures": 0,
        },
        create_defaults={
            "driver_id": driver_id,
            "p256dh": p256dh.strip(),
            "auth": auth.strip(),
            "user_agent": (user_agent or "")[:300],
            "created_at": now or timezone.now(),
        },
    )
    return subscription


def driver_push_unsubscribe(*, driver_id: int, endpoint: str) -> bool:
    """Forget one phone's subscription (the driver turned messages off, or signs out); True if there was one."""
    deleted, _rows = DriverPushSubscription.objects.filter(
        driver_id=driver_id, endpoint=(endpoint or "").strip()
    ).delete()
    return deleted > 0
