"""``POST /payments/stripe/webhook``: Stripe's signed events, acknowledged fast.

Order of work: the ``Stripe-Signature`` header is checked (the library's ``WebhookSignature``, 300 s tolerance)
before the body is even parsed; then the event is stored once and the task that applies it is queued, in one short
transaction (``provider_event_accept``), and the answer goes out. The worker applies it (see :mod:`.events`): the
acknowledgement never waits on the booking's row locks or on what a payment sets off.

Answers: 200 ``{"received": true, "duplicate": …, "outcome": …}`` for every verified event, also a duplicate; the
outcome is ``"queued"`` until the worker applied the event, then what it did (a repeat of an applied event gets the
stored outcome). 400 for a missing, forged or stale signature (nothing stored, nothing parsed); 400 and an alert for
staff for a signed body that cannot be an event of ours: not a Stripe event, an id that is not a Stripe id (a NUL in
it, say), or JSON nested too deeply; 404 while Stripe is not configured; 503 with ``Retry-After`` in the rare case
the insert waits past the lock timeout (Stripe retries).

A signed event is stored without what PostgreSQL refuses (NUL characters, lone surrogates; see
:mod:`gnb.payments.payloads`), so no verified message is ever answered 500 on every retry.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import stripe
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gnb.core.alerts import alert_raise
from gnb.core.errors import Busy
from gnb.payments.payloads import MAX_DEPTH, PayloadTooDeep, payload_clean
from gnb.payments.providers import registry
from gnb.payments.providers.stripe.events import PROVIDER, event_priority
from gnb.payments.services import provider_event_accept

logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 512 * 1024
# An event id as Stripe makes them (evt_1NG8Du2eZvKYlo2C…): letters, digits, _ and -, nothing else.
STRIPE_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
ALERT_KEY = "payments.stripe_webhook"


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


class SignedBodyRefused(Exception):
    """A correctly signed body that cannot be stored or acted on: ``message`` is the answer, ``detail`` the alert's."""

    def __init__(self, message: str, *, detail: str) -> None:
        super().__init__(detail)
        self.message = message
        self.detail = detail


def _too_deep() -> SignedBodyRefused:
    return SignedBodyRefused(
        "The body is nested too deeply for a Stripe event.",
        detail=f"The body is nested more than {MAX_DEPTH} levels deep.",
    )


def _is_event(event: object) -> bool:
    if not isinstance(event, dict):
        return False
    data = event.get("data")
    event_id, kind = event.get("id"), event.get("type")
    return (
        isinstance(event_id, str)
        and isinstance(kind, str)
        and 0 < len(kind) <= 100
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


def _signed_event(body: bytes) -> dict[str, Any]:
    """The event in a body whose signature verified, ready to store; ``SignedBodyRefused`` when it cannot be one."""
    try:
        event = json.loads(body)
    except RecursionError:  # the json module's own limit, far past any Stripe event
        raise _too_deep() from None
    except ValueError:
        event = None
    if not _is_event(event):
        raise SignedBodyRefused(
            "The body is not a Stripe event.",
            detail="The body is not a Stripe event (a JSON object with id, type and data.object).",
        )
    # An id that is not Stripe's (a NUL, a space…) names no event of Stripe's and no payment of ours; cleaning it
    # would make it name another event.
    if not STRIPE_ID.fullmatch(event["id"]):
        raise SignedBodyRefused(
            "The event id is not a Stripe event id.",
            detail=f"The event id is not a Stripe id (letters, digits, _ and -): {event['id'][:100]!r}.",
        )
    try:
        return payload_clean(event)
    except PayloadTooDeep:
        raise _too_deep() from None


def _refuse(refusal: SignedBodyRefused) -> JsonResponse:
    """A 400 (nothing stored) and an alert: Stripe signed it, so a person has to find out why it makes no sense."""
    logger.warning("stripe webhook refused after its signature verified: %s", refusal.detail)
    alert_raise(key=ALERT_KEY, title="A signed Stripe webhook was refused", detail=refusal.detail, severity="error")
    return _error(400, "invalid_event", refusal.message)


@csrf_exempt  # Stripe cannot send our CSRF token; the signature proves where the request comes from.
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    if not registry.get("stripe").enabled():
        return _error(404, "not_found", "Stripe payments are not configured.")
    payload = request.body
    if len(payload) > MAX_BODY_BYTES:
        return _error(400, "invalid_event", "The body is too large for a Stripe event.")
    try:
        stripe.WebhookSignature.verify_header(
            payload, request.headers.get("Stripe-Signature"), settings.STRIPE_WEBHOOK_SECRET, TOLERANCE_SECONDS
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        logger.warning("stripe webhook refused: %s", exc)
        return _error(400, "invalid_signature", "The Stripe-Signature header does not verify.")
    # Parsed only now, once the signature is checked on the raw bytes.
    try:
        event = _signed_event(payload)
    except SignedBodyRefused as refusal:
        return _refuse(refusal)
    try:
        stored, created = provider_event_accept(
            provider=PROVIDER,
            event_id=event["id"],
            kind=event["type"],
            payload=event,
            priority=event_priority(event["type"]),
        )
    except Busy:  # the database could not take the insert in time (see provider_event_accept)
        response = _error(503, "busy", "The event could not be stored right now; send it again.")
        response["Retry-After"] = "5"
        return response
    # Known only once the worker applied it; a repeat of an applied event gets what it did.
    outcome = stored.outcome if stored.processed_at is not None else "queued"
    logger.info(
        "stripe event",
        extra={"event": event["id"], "kind": event["type"], "duplicate": not created, "outcome": outcome},
    )
    return JsonResponse({"received": True, "duplicate": not created, "outcome": outcome})
