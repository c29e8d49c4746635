"""What a verified PayTR notification does to our rows, once: applied by the worker from the stored event.

The callback (:mod:`.views`) checks the hash and the signed fields, stores the notification and queues its task;
``provider_event_apply`` locks the stored row and, unless it was processed already, calls :func:`callback_apply` in
the same transaction. The payment services lock the booking and the payment and change them only from an allowed
state, so a repeat changes nothing.

Amount rule: ``total_amount`` (signed) is what the card was charged and may include instalment interest the
traveller pays; ``payment_amount`` is the order amount we asked for. We confirm ``payment_amount`` against the
payment and require ``total_amount`` to be at least that (interest only adds); without ``payment_amount``,
``total_amount`` itself must equal the payment.
"""

from __future__ import annotations

import logging

from gnb.core.alerts import alert_raise
from gnb.core.errors import ValidationFailed
from gnb.payments.models import Payment, Provider, ProviderEvent
from gnb.payments.providers.paytr.provider import ISO_CURRENCY, from_kurus
from gnb.payments.services import payment_confirm, payment_fail, provider_event_finish

logger = logging.getLogger(__name__)


def _alert(title: str, detail: str) -> None:
    alert_raise(key="payments.paytr_callback", title=title, detail=detail, severity="error")


def callback_apply(event: ProviderEvent) -> str | None:
    """Act on the stored PayTR notification ``event`` and record its outcome; return it, or None where the payment
    service called recorded it.

    Called by ``provider_event_apply`` (the worker's task) inside its transaction, with the event row locked and
    not processed yet; works from the stored payload (the signed fields were checked before it was stored).
    """
    payload = {name: str(value) for name, value in event.payload.items()}
    merchant_oid, status = payload["merchant_oid"], payload["status"]
    payment = Payment.objects.filter(provider=Provider.PAYTR, provider_reference=merchant_oid).first()
    if payment is None:
        _alert("A PayTR notification for an unknown order", f"merchant_oid {merchant_oid}, status {status}.")
        return provider_event_finish(event_pk=event.pk, outcome="refused: unknown merchant_oid", refused=True)
    if status == "success":
        _confirm(event, payment, payload)
    elif status == "failed":
        code, message = payload.get("failed_reason_code", ""), payload.get("failed_reason_msg", "")
        payment_fail(payment_id=payment.pk, reason=f"PayTR {code}: {message}".strip(), event_id=event.pk)
    else:
        return provider_event_finish(event_pk=event.pk, outcome=f"refused: unknown status {status!r}", refused=True)
    return None


def _confirm(event: ProviderEvent, payment: Payment, payload: dict[str, str]) -> None:
    total = from_kurus(payload["total_amount"])
    ordered = from_kurus(payload["payment_amount"]) if payload.get("payment_amount") else total
    # The currency was signed into the token request, so PayTR charges in it; a callback naming another one is
    # refused by payment_confirm, and one naming none is in the payment's.
    raw = payload.get("currency", "")
    currency = ISO_CURRENCY.get(raw, raw) if raw else payment.currency
    if total is None or ordered is None or total < ordered:
        # Charged less than the order (or unreadable amounts): never confirmed, flagged like any mismatch.
        ordered = None
    try:
        payment_confirm(
            payment_id=payment.pk,
            amount=ordered if ordered is not None else "",
            currency=currency,
            event_id=event.pk,
            seen=payment,
        )
    except ValidationFailed:
        # payment_confirm flagged the payment and alerted staff; PayTR must not keep repeating it.
        logger.warning("PayTR callback refused", extra={"payment": payment.pk, "payload": payload})
