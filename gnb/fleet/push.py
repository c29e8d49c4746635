"""Telling a driver of a trip given, changed or taken away: Web Push to each of their phones, email when none took it.

A :class:`~gnb.fleet.models.DriverNotice` is recorded in the transaction of the dispatcher's change and its task
queued with it (:mod:`gnb.fleet.notices`); the worker runs :func:`driver_notice_deliver`. The message is encrypted
for each subscription (RFC 8291, ``aes128gcm``) and signed with the operator's VAPID key (RFC 8292) by pywebpush; a
push service that answers 404 or 410 has forgotten the subscription, which is then deleted; any other failure is
counted on it. When no phone accepted the message (no subscription, every one failed, or push is not configured)
the notice goes out as an email instead (``EmailKind.DRIVER_NOTICE``, sent by gnb.notifications).

Safe to run twice: the notice is its own sent-record (:func:`gnb.core.outbox.send_claimed`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task
from py_vapid.utils import b64urlencode
from pywebpush import WebPushException, webpush

from gnb.catalog.models import Place, Tour
from gnb.core import taskpriority
from gnb.core.outbox import EmailKind, email_enqueue, send_claimed
from gnb.fleet.models import DriverNotice, DriverPushSubscription
from gnb.fleet.selectors import driver_language

logger = logging.getLogger(__name__)

# Push services refuse larger messages (RFC 8030: at least 4096 bytes of payload must be accepted).
MAX_PAYLOAD_BYTES = 3800
# The push service no longer knows the subscription: the browser dropped it or the user revoked permission.
GONE = frozenset({404, 410})


def push_enabled() -> bool:
    """Whether Web Push is configured (both VAPID keys); without them drivers are told by email."""
    return bool(settings.GNB_VAPID_PUBLIC_KEY and settings.GNB_VAPID_PRIVATE_KEY)


def vapid_keys_generate() -> tuple[str, str]:
    """A new VAPID key pair as the settings take it: (private key, public key), base64url without padding; the
    private key is the raw 32-byte P-256 scalar, the public key the uncompressed point browsers subscribe with."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64urlencode(private), b64urlencode(public)


@dataclass(frozen=True)
class NoticeMessage:
    title: str
    body: str
    url: str  # a path on this site: the trip in the drivers' app, or the app's start page

    def as_payload(self) -> bytes:
        return json.dumps({"title": self.title, "body": self.body, "url": self.url}, ensure_ascii=False).encode()


def _change_label(name: str) -> str:
    labels = {
        "time": _("pickup time"),
        "pickup_place": _("pickup place"),
        "pickup_point": _("meeting point"),
        "flight": _("flight"),
        "landing": _("landing time"),
        "vehicle": _("vehicle"),
        "passengers": _("passengers"),
        "contact": _("traveller's contact"),
        "notes": _("notes"),
    }
    return labels.get(name, name)


def _trip_url(notice: DriverNotice) -> str:
    # The drivers' app is a front end above fleet: it is reached by its URL names, never imported.
    try:
        if notice.kind in (DriverNotice.Kind.ASSIGNED, DriverNotice.Kind.CHANGED):
            return reverse("driver:trip", kwargs={"trip_id": notice.trip_id})
        return reverse("driver:trips")
    except NoReverseMatch:
        return "/driver/"


def _place_text(details: dict[str, Any]) -> str:
    if details.get("place"):
        place = Place.objects.filter(pk=details["place"]).first()
        if place is not None:
            return place.name
    if details.get("tour"):
        tour = Tour.objects.filter(pk=details["tour"]).first()
        if tour is not None:
            return tour.name
    return str(details.get("place_name", ""))


def notice_message(notice: DriverNotice) -> NoticeMessage:
    """What ``notice`` says, in the driver's language (the push message, and the email's subject and text)."""
    with translation.override(driver_language(notice.driver)):
        details = notice.details or {}
        starts_at = timezone.localtime(dt.datetime.fromisoformat(details["starts_at"]))
        values = {
            "trip": f"T{notice.trip_id}",
            "when": formats.date_format(starts_at, "SHORT_DATETIME_FORMAT"),
            "place": _place_text(details),
        }
        kind = notice.kind
        if kind == DriverNotice.Kind.ASSIGNED:
            title = _("New trip %(trip)s: %(when)s") % values
            body = _("Pickup at %(place)s. Open the app for the passengers and the details.") % values
        elif kind == DriverNotice.Kind.CHANGED:
            title = _("Trip %(trip)s changed: %(when)s") % values
            changed = ", ".join(_change_label(name) for name in details.get("changes", []))
            body = _("Changed: %(changes)s. Pickup at %(place)s.") % {**values, "changes": changed}
            if details.get("conflict_trip"):
                body += " " + _("This runs into your trip T%(next)s; the dispatcher will call you about it.") % {
                    "next": details["conflict_trip"]
                }
        elif kind == DriverNotice.Kind.REMOVED:
            title = _("Trip %(trip)s is no longer yours") % values
            body = _("The trip of %(when)s from %(place)s was taken off you; do not go to it.") % values
        else:
            title = _("Trip %(trip)s cancelled") % values
            body = _("The booking of %(when)s from %(place)s was cancelled; do not go to it.") % values
        return NoticeMessage(title=title, body=body, url=_trip_url(notice))


def _subscription_info(subscription: DriverPushSubscription) -> dict[str, Any]:
    return {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}


def _push(subscription: DriverPushSubscription, payload: bytes) -> bool:
    """Send ``payload`` to one subscription; True when the push service took it. A subscription the service no
    longer knows is deleted, any other failure counted on it."""
    try:
        webpush(
            subscription_info=_subscription_info(subscription),
            data=payload.decode(),
            vapid_private_key=settings.GNB_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.GNB_VAPID_SUBJECT},
            ttl=settings.GNB_PUSH_TTL_SECONDS,
            timeout=settings.GNB_PUSH_TIMEOUT_SECONDS,
            # A change to the trip matters now: wake the phone even on battery saving (RFC 8030 section 5.3).
            headers={"Urgency": "high"},
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in GONE:
            DriverPushSubscription.objects.filter(pk=subscription.pk).delete()
            logger.info("push subscription gone", extra={"subscription": subscription.pk, "status": status})
        else:
            DriverPushSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
            logger.warning("push failed", extra={"subscription": subscription.pk, "status": status})
        return False
    except OSError as error:  # requests' connection errors and timeouts are OSErrors
        DriverPushSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
        logger.warning("push failed", extra={"subscription": subscription.pk, "error": type(error).__name__})
        return False
    DriverPushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now(), failures=0)
    return True


def driver_notice_deliver(*, notice_id: int) -> bool:
    """Send the notice ``notice_id`` to its driver: Web Push to each of their phones, and the email when no phone
    took it. Returns False when it had been sent before (or is being sent by another run)."""

    def send() -> bool:
        notice = DriverNotice.objects.select_related("driver").get(pk=notice_id)
        delivered = False
        if push_enabled():
            payload = notice_message(notice).as_payload()
            if len(payload) > MAX_PAYLOAD_BYTES:
                raise ValueError(f"driver notice {notice_id} is {len(payload)} bytes, more than a push may carry")
            for subscription in DriverPushSubscription.objects.filter(driver=notice.driver_id).order_by("pk"):
                # Every phone is told, not only the first that answers: the driver may carry the other one.
                delivered = _push(subscription, payload) or delivered
        if delivered:
            channel = DriverNotice.Channel.PUSH
        else:
            channel = DriverNotice.Channel.EMAIL
            email_enqueue(kind=EmailKind.DRIVER_NOTICE, notice_id=notice.pk)
        DriverNotice.objects.filter(pk=notice.pk).update(channel=channel)
        return True

    return send_claimed(DriverNotice.objects.filter(pk=notice_id), send)


# The task lives beside what it runs (not in gnb.fleet.tasks) so the services that queue it never import the task
# module, which imports flight tracking, which tells drivers through those services: one way, no cycle.
@task(priority=taskpriority.PROMPT)
def driver_notice_send_task(*, notice_id: int) -> bool:
    """Tell a driver of a trip given, changed or taken away (Web Push, else email); False if sent before."""
    return driver_notice_deliver(notice_id=notice_id)
