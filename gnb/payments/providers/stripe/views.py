"""``POST /payments/stripe/webhook``: Stripe's signed events, acknowledged fast.

Order of work: the ``Stripe-Signature`` header is checked (the library's ``WebhookSignature``, 300 s tolerance)
before the body is even parsed; then the event is stored and acted on in one short transaction (see
:mod:`.events`); emails and refunds the change causes are queued as tasks that run after the commit.

Answers: 200 for every verified event, also a duplicate, one about a payment we do not know, or one refused for a
wrong amount (its outcome is stored on the event; Stripe sending it again would not change anything); 400 for a
missing, forged or stale signature or a body that is not a Stripe event (nothing stored); 404 while Stripe is not
configured; 503 with ``Retry-After`` when the rows are locked longer than the lock timeout (Stripe retries).
"""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gnb.core.errors import Busy
from gnb.core.locking import lock_timeout_as_busy
from gnb.payments.providers import registry
from gnb.payments.providers.stripe.events import event_handle

logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 512 * 1024


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _is_event(event: object) -> bool:
    if not isinstance(event, dict):
        return False
    data = event.get("data")
    event_id, kind = event.get("id"), event.get("type")
    return (
        isinstance(event_id, str)
        and 0 < len(event_id) <= 255
        and isinstance(kind, str)
        and 0 < len(kind) <= 100
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


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
    try:
        event = json.loads(payload)
    except ValueError:
        event = None
    if not _is_event(event):
        return _error(400, "invalid_event", "The body is not a Stripe event.")
    try:
        with transaction.atomic(), lock_timeout_as_busy():
            handled = event_handle(event)
    except Busy:
        response = _error(503, "busy", "The payment is being changed right now; send the event again.")
        response["Retry-After"] = "5"
        return response
    logger.info(
        "stripe event",
        extra={"event": event["id"], "kind": event["type"], "duplicate": handled.duplicate, "outcome": handled.outcome},
    )
    return JsonResponse({"received": True, "duplicate": handled.duplicate, "outcome": handled.outcome})
