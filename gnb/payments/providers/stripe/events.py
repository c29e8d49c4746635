"""What a verified Stripe event does to our rows, once.

The webhook stores the event (``ProviderEvent``, unique on provider and event id) and queues its application
(``provider_event_accept``); the worker's task locks the stored row and, unless it was processed already, calls
:func:`event_apply` in the same transaction. It acts through the payment services, which lock the booking, payment
and refund rows and change them only from an allowed state. So a replayed event, two events about the same payment
(``checkout.session.completed`` and ``payment_intent.succeeded``) or events in any order change state at most once.
Every event is recorded with its outcome, also the ones that change nothing; one that could not be applied to a
payment or refund of ours is recorded as refused and, like PayTR's, does not block a later delivery under its id
(only an event that was acted on blocks its duplicates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from gnb.core.errors import ValidationFailed
from gnb.core.money import ZERO
from gnb.core.taskpriority import FOLLOW_UP, URGENT
from gnb.payments.models import Payment, ProviderEvent, Refund
from gnb.payments.providers.stripe.provider import from_minor
from gnb.payments.services import (
    payment_cancel,
    payment_confirm,
    payment_fail,
    provider_event_finish,
    refund_confirm,
    refund_fail,
)

PROVIDER = "stripe"
Obj = dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What a handler did with an event. ``refused``: it could not be applied to the payment or refund it is about
    (none of ours matches, the amount or currency differs), so it is recorded without blocking a later delivery."""

    text: str
    refused: bool = False


UNKNOWN_PAYMENT = Outcome("ignored: unknown payment", refused=True)
UNKNOWN_REFUND = Outcome("ignored: unknown refund", refused=True)


def event_apply(row: ProviderEvent) -> str:
    """Act on the stored Stripe event ``row``, record its outcome and return the one that stands.

    Called by ``provider_event_apply`` (the worker's task) inside its transaction, with the event row locked and
    not processed yet; works from the stored (sanitised) payload only.
    """
    event = row.payload
    data = event.get("data") if isinstance(event, dict) else None
    obj = data.get("object") if isinstance(data, dict) else None
    handler = HANDLERS.get(row.kind)
    if not isinstance(obj, dict):  # the webhook stores only events with data.object; an older row may not be one
        outcome = Outcome("refused: the stored event has no data.object", refused=True)
    elif handler is None:
        outcome = Outcome(f"ignored: {row.kind} is not used")
    else:
        outcome = handler(obj, row)
    # A payment service the handler called may have recorded its own outcome first; that one stands.
    return provider_event_finish(event_pk=row.pk, outcome=outcome.text, refused=outcome.refused)


def _text(value: Any) -> str:
    """An id field that may come expanded (an object) or as a plain id."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _metadata_id(obj: Obj, key: str) -> int | None:
    metadata = obj.get("metadata")
    value = metadata.get(key) if isinstance(metadata, dict) else None
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


# --- payments ---------------------------------------------------------------------------------------------
def _session_payment(session: Obj) -> Payment | None:
    """The payment a Checkout Session is for: by our payment id in its metadata (set when we opened it, so it
    works even before we stored the session id), else by the session id."""
    payment_id = _metadata_id(session, "payment_id")
    if payment_id is None and isinstance(session.get("client_reference_id"), str):
        reference = session["client_reference_id"]
        payment_id = int(reference) if reference.isdigit() and len(reference) < 19 else None
    payments = Payment.objects.filter(provider=PROVIDER)
    if payment_id is not None:
        payment = payments.filter(pk=payment_id).first()
        # Our id with another session than the one we opened for it is not about this payment.
        if (
            payment is not None
            and payment.provider_reference
            and payment.provider_reference != _text(session.get("id"))
        ):
            return None
        return payment
    session_id = _text(session.get("id"))
    return payments.filter(provider_reference=session_id).first() if session_id else None


def _intent_payment(intent: Obj) -> Payment | None:
    payment_id = _metadata_id(intent, "payment_id")
    payments = Payment.objects.filter(provider=PROVIDER)
    if payment_id is not None:
        payment = payments.filter(pk=payment_id).first()
        if (
            payment is not None
            and payment.provider_payment_id
            and payment.provider_payment_id != _text(intent.get("id"))
        ):
            return None
        return payment
    intent_id = _text(intent.get("id"))
    return payments.filter(provider_payment_id=intent_id).first() if intent_id else None


def _confirm(payment: Payment, *, amount: Any, currency: Any, intent_id: str, row: ProviderEvent) -> Outcome:
    currency = currency.upper() if isinstance(currency, str) else ""
    paid = from_minor(amount, currency) if currency else None
    try:
        payment_confirm(
            payment_id=payment.pk,
            amount=paid if paid is not None else "",
            currency=currency,
            provider_payment_id=intent_id,
            event_id=row.pk,
            seen=payment,
        )
    except ValidationFailed:
        # Wrong amount or currency: the service changed no state, flagged the payment for staff, raised an alert
        # and recorded the outcome on the event (as refused).
        return Outcome("refused: amount or currency does not match the payment", refused=True)
    return Outcome("confirmed")


def session_completed(session: Obj, row: ProviderEvent) -> Outcome:
    payment = _session_payment(session)
    if payment is None:
        return UNKNOWN_PAYMENT
    if session.get("payment_status") != "paid":
        # A delayed method (e.g. a bank debit): the money is not there yet; async_payment_succeeded follows.
        return Outcome(f"waiting: payment_status {session.get('payment_status')}")
    return _confirm(
        payment,
        amount=session.get("amount_total"),
        currency=session.get("currency"),
        intent_id=_text(session.get("payment_intent")),
        row=row,
    )


def session_failed(session: Obj, row: ProviderEvent) -> Outcome:
    payment = _session_payment(session)
    if payment is None:
        return UNKNOWN_PAYMENT
    payment_fail(payment_id=payment.pk, reason="stripe: the delayed payment failed", event_id=row.pk)
    return Outcome("failed")


def session_expired(session: Obj, row: ProviderEvent) -> Outcome:
    payment = _session_payment(session)
    if payment is None:
        return UNKNOWN_PAYMENT
    payment = payment_cancel(payment_id=payment.pk, reason="stripe: the Checkout Session expired")
    if payment.state == Payment.State.CANCELLED:
        return Outcome("cancelled")
    return Outcome(f"ignored: payment is {payment.state}")


def intent_succeeded(intent: Obj, row: ProviderEvent) -> Outcome:
    payment = _intent_payment(intent)
    if payment is None:
        return UNKNOWN_PAYMENT
    received = intent.get("amount_received")
    return _confirm(
        payment,
        amount=received if received is not None else intent.get("amount"),
        currency=intent.get("currency"),
        intent_id=_text(intent.get("id")),
        row=row,
    )


def intent_failed(intent: Obj, row: ProviderEvent) -> Outcome:
    payment = _intent_payment(intent)
    if payment is None:
        return UNKNOWN_PAYMENT
    error = intent.get("last_payment_error")
    error = error if isinstance(error, dict) else {}
    detail = error.get("message") or error.get("decline_code") or error.get("code") or "the card payment failed"
    payment_fail(payment_id=payment.pk, reason=f"stripe: {detail}", event_id=row.pk)
    return Outcome("failed")


# --- refunds ----------------------------------------------------------------------------------------------
def _refund_of(stripe_refund: Obj) -> Refund | None:
    """Our refund row for a Stripe refund: by our refund id in its metadata (there before we store Stripe's id),
    else by Stripe's id."""
    refund_id = _metadata_id(stripe_refund, "refund_id")
    refunds = Refund.objects.filter(provider=PROVIDER)
    stripe_id = _text(stripe_refund.get("id"))
    if refund_id is not None:
        refund = refunds.filter(pk=refund_id).first()
        if refund is not None and refund.provider_reference and refund.provider_reference != stripe_id:
            return None
        return refund
    return refunds.filter(provider_reference=stripe_id).first() if stripe_id else None


def refund_update(stripe_refund: Obj, row: ProviderEvent) -> Outcome:
    """A refund's state at Stripe: succeeded → confirmed; failed or canceled → failed; otherwise still pending."""
    refund = _refund_of(stripe_refund)
    if refund is None:
        return UNKNOWN_REFUND
    currency = stripe_refund.get("currency")
    currency = currency.upper() if isinstance(currency, str) else ""
    amount = from_minor(stripe_refund.get("amount"), currency) if currency else None
    if amount != refund.amount or currency != refund.currency:
        expected = f"{refund.amount} {refund.currency}"
        return Outcome(f"refused: refund of {amount} {currency}, expected {expected}", refused=True)
    status = stripe_refund.get("status")
    if status == "succeeded":
        refund_confirm(refund_id=refund.pk, event_id=row.pk)
        # Stripe's id, when its webhook came before the refund call's answer was stored.
        Refund.objects.filter(pk=refund.pk, provider_reference="").update(
            provider_reference=_text(stripe_refund.get("id"))[:255]
        )
        return Outcome("refund succeeded")
    if status in ("failed", "canceled"):
        reason = stripe_refund.get("failure_reason") or status
        refund_fail(refund_id=refund.pk, reason=f"stripe: {reason}", event_id=row.pk)
        return Outcome("refund failed")
    return Outcome(f"waiting: refund is {status}")


def charge_refunded(charge: Obj, row: ProviderEvent) -> Outcome:
    """A charge was (partly) refunded. With its refunds listed, each is handled as a refund update; without them
    (newer API versions leave them out), our pending refunds of the payment are confirmed when Stripe's refunded
    total is exactly what they and the ones already confirmed add up to. Otherwise ``refund.updated`` settles it."""
    listed = charge.get("refunds")
    data = listed.get("data") if isinstance(listed, dict) else None
    if isinstance(data, list) and data:
        parts = [refund_update(item, row) for item in data if isinstance(item, dict)]
        # Acted on when any of its refunds was: the others are recorded in the text.
        text = "; ".join(part.text for part in parts)[:500]
        return Outcome(text, refused=bool(parts) and all(part.refused for part in parts))
    intent_id = _text(charge.get("payment_intent"))
    payment_id = _metadata_id(charge, "payment_id")
    payments = Payment.objects.filter(provider=PROVIDER)
    if intent_id:
        payment = payments.filter(provider_payment_id=intent_id).first()
    elif payment_id is not None:
        payment = payments.filter(pk=payment_id).first()
    else:
        payment = None
    if payment is None:
        return UNKNOWN_PAYMENT
    currency = charge.get("currency")
    currency = currency.upper() if isinstance(currency, str) else ""
    refunded = from_minor(charge.get("amount_refunded"), currency) if currency else None
    if refunded is None or currency != payment.currency:
        return Outcome("ignored: no refunded amount in the payment's currency", refused=True)
    done = _sum(payment.refunds.filter(state=Refund.State.SUCCEEDED))
    open_refunds = list(payment.refunds.filter(state__in=[Refund.State.REQUESTED, Refund.State.PENDING]))
    if refunded == done:
        return Outcome("duplicate: every refund already succeeded")
    if not open_refunds or refunded != done + sum((r.amount for r in open_refunds), ZERO):
        return Outcome(f"waiting: {refunded} refunded at Stripe, {done} succeeded here")
    for refund in open_refunds:
        refund_confirm(refund_id=refund.pk)
    return Outcome(f"refund succeeded ({len(open_refunds)})")


def _sum(refunds: Any) -> Decimal:
    return refunds.aggregate(s=Sum("amount"))["s"] or ZERO


HANDLERS: dict[str, Callable[[Obj, ProviderEvent], Outcome]] = {
    "checkout.session.completed": session_completed,
    "checkout.session.async_payment_succeeded": session_completed,
    "checkout.session.async_payment_failed": session_failed,
    "checkout.session.expired": session_expired,
    "payment_intent.succeeded": intent_succeeded,
    "payment_intent.payment_failed": intent_failed,
    "charge.refunded": charge_refunded,
    "refund.created": refund_update,
    "refund.updated": refund_update,
    "refund.failed": refund_update,
    "charge.refund.updated": refund_update,
}

# Stripe sends these beside an event that already settles the same payment: every payment of ours is a Checkout
# Session, whose checkout.session.completed (or async_payment_succeeded) confirms it, and the intent's success
# follows a moment later and finds it confirmed. Applied after the events a traveller's return page waits for
# (taskpriority.FOLLOW_UP), so under a burst the completions are not queued behind their own echoes.
FOLLOW_UP_KINDS = frozenset({"payment_intent.succeeded"})


def event_priority(kind: str) -> int:
    """The priority of the task that applies a Stripe event of ``kind``."""
    return FOLLOW_UP if kind in FOLLOW_UP_KINDS else URGENT
