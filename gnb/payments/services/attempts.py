"""Card payment attempts: opening one at the provider, and its confirmation, failure or cancellation as the
provider reports them.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.bookings import lifecycle
from gnb.bookings.models import Booking
from gnb.core.errors import Conflict, DomainError, InvalidTransition, ValidationFailed
from gnb.core.locking import lock_timeout_as_busy
from gnb.core.money import ZERO, quantize
from gnb.core.outbox import EmailKind, email_enqueue
from gnb.payments.models import Payment, Refund
from gnb.payments.providers import registry
from gnb.payments.providers.base import ProviderError, StartResult
from gnb.payments.selectors import card_currencies, card_providers
from gnb.payments.services.common import (
    CONFIRMABLE,
    KEEPS_MONEY,
    OPEN,
    PAYMENT_FAILED,
    PAYMENT_RECEIVED,
    BookingMoney,
    BookingStatus,
    PaymentState,
    _alert,
    _burst,
    _lock_payment,
    _locked_booking,
    _mark_event,
    _net_paid,
    _queue_email,
    booking_money,
    booking_payment_state_sync,
)
from gnb.payments.services.refunds import _enqueue_refund_submit

logger = logging.getLogger(__name__)


class PaymentProviderUnavailable(DomainError):
    """The provider could not open the payment; nothing was charged and the traveller may try again."""

    code = "payment_provider_error"
    status = 502


def card_booking_allow(currency: str) -> None:
    """Refuse a booking to be paid by card in ``currency`` when no card provider takes it (``ValidationFailed`` on
    ``payment_method``), saying what can be done instead. Called in the transaction that places the booking, so no
    seats are held for a payment that could never be made."""
    if card_providers(currency):
        return
    if currencies := card_currencies():
        message = _(
            "Card payment is not available in %(currency)s: pay cash to the driver, or book in %(currencies)s to "
            "pay by card."
        ) % {"currency": currency, "currencies": ", ".join(currencies)}
    else:
        message = _("Card payment is not available at the moment: pay cash to the driver.")
    raise ValidationFailed([("payment_method", message)])


def payment_start(
    *, booking_id: int, provider: str, idempotency_key: str, return_url: str, cancel_url: str
) -> tuple[Payment, StartResult]:
    """Open a card payment for what a pending booking still owes, at ``provider``.

    The Payment row is committed first; the provider is called afterwards, outside any transaction of ours (the
    caller must not hold one either). A retry with the same ``idempotency_key`` returns the same payment (and asks
    the provider again, which answers the same for the same key). A failed or cancelled payment is retried with a
    new key: a new Payment row. Raises ``ValidationFailed`` (provider, booking state, hold over), ``Conflict`` (key
    used for another booking) or ``PaymentProviderUnavailable`` (the provider refused; the payment is failed).
    """
    try:
        chosen = registry.get(provider)
    except KeyError:
        raise ValidationFailed([("provider", _("Unknown payment provider."))]) from None
    if not idempotency_key or len(idempotency_key) > 255 or not idempotency_key.isprintable():
        raise ValidationFailed([("Idempotency-Key", _("An Idempotency-Key of 1 to 255 printable characters."))])

    existing = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.booking_id != booking_id or existing.provider != provider:
            raise Conflict(_("This Idempotency-Key was already used for another payment."), field="Idempotency-Key")
        payment = existing
    else:
        now = timezone.now()
        with transaction.atomic(), lock_timeout_as_busy():
            booking = _locked_booking(booking_id)
            if chosen not in card_providers(booking.currency):
                raise ValidationFailed([("provider", _("This payment method is not available for this booking."))])
            if booking.payment_method != Booking.PaymentMethod.CARD:
                raise ValidationFailed([("provider", _("This booking is paid in cash to the driver."))])
            if booking.status != BookingStatus.PENDING_PAYMENT:
                raise InvalidTransition(_("This booking is not waiting for a payment."), field="status")
            if booking.hold_expires_at is not None and booking.hold_expires_at <= now:
                raise InvalidTransition(
                    _("The time to pay for this booking is over. Please book again."), field="status"
                )
            due = booking.total - _net_paid(booking)
            if due <= 0:
                raise InvalidTransition(_("This booking is already paid."), field="status")
            try:
                with transaction.atomic():
                    payment = Payment.objects.create(
                        booking=booking,
                        provider=provider,
                        amount=due,
                        currency=booking.currency,
                        idempotency_key=idempotency_key,
                        created_at=now,
                    )
            except IntegrityError:  # the same key at the same moment: the other request created it
                payment = Payment.objects.get(idempotency_key=idempotency_key)
                if payment.booking_id != booking_id or payment.provider != provider:
                    raise Conflict(
                        _("This Idempotency-Key was already used for another payment."), field="Idempotency-Key"
                    ) from None
    if payment.state not in OPEN:
        raise InvalidTransition(
            _("This payment attempt is over (%(state)s). Start a new one.") % {"state": payment.get_state_display()},
            field="Idempotency-Key",
        )

    try:
        result = chosen.start(payment=payment, return_url=return_url, cancel_url=cancel_url)
    except ProviderError as exc:
        logger.warning(
            "payment start failed", extra={"payment": payment.pk, "provider": provider, "error": exc.message}
        )
        Payment.objects.filter(pk=payment.pk, state__in=OPEN).update(
            state=PaymentState.FAILED, failure_reason=f"start: {exc.message}"[:500]
        )
        raise PaymentProviderUnavailable(
            _("The payment could not be started. Please try again in a moment."), field="provider"
        ) from exc
    # The provider may have filled in its handles (a Checkout Session id); keep them, and mark the attempt pending.
    updates: dict[str, Any] = {}
    if payment.provider_reference:
        updates["provider_reference"] = payment.provider_reference
    if payment.provider_payment_id:
        updates["provider_payment_id"] = payment.provider_payment_id
    if updates:
        Payment.objects.filter(pk=payment.pk).update(**updates)
    Payment.objects.filter(pk=payment.pk, state=PaymentState.CREATED).update(state=PaymentState.PENDING)
    payment.refresh_from_db()
    return payment, result


def payment_confirm(
    *,
    payment_id: int,
    amount: Decimal | str,
    currency: str,
    provider_payment_id: str = "",
    event_id: int | str | None = None,
    seen: Payment | None = None,
) -> Payment:
    """Record that the provider took ``amount`` ``currency`` for the payment; act exactly once.

    A payment already confirmed is returned unchanged (CONFIRMED is final: no lock needed to see it). Otherwise
    under the booking's and the payment's row locks: a payment confirmed meanwhile is returned unchanged; a wrong
    amount or currency changes no state, flags the payment ``needs_attention``, raises an alert and raises
    ``ValidationFailed``. Otherwise the payment is confirmed, a pending booking confirmed, the booking's payment
    state synced and the ``payment_received`` email queued. Money for a booking that no longer keeps it (expired,
    cancelled) is refunded automatically through the provider, or flagged when that fails; so is money paid beyond
    the booking's total. ``event_id``: the ``ProviderEvent`` (pk, or the provider's event id) this came from.
    ``seen``: the payment as the caller has just read it (without a lock), so its state need not be read again.
    """
    now = timezone.now()
    mismatch = ""
    auto_refund_id: int | None = None
    # No move leaves CONFIRMED, so a repeat (Stripe sends checkout.session.completed and payment_intent.succeeded
    # for one payment) is recognised without taking the booking's and the payment's locks.
    if seen is not None and seen.pk != payment_id:
        raise ValueError(f"seen is payment {seen.pk}, not {payment_id}")
    if seen is None:
        confirmed = Payment.objects.filter(pk=payment_id, state=PaymentState.CONFIRMED).first()
    else:
        confirmed = seen if seen.state == PaymentState.CONFIRMED else None
    if confirmed is not None:
        _mark_event(event_id, provider=confirmed.provider, outcome="duplicate: already confirmed")
        return confirmed
    with transaction.atomic(), lock_timeout_as_busy():
        booking, payment = _lock_payment(payment_id)
        if payment.state == PaymentState.CONFIRMED:
            _mark_event(event_id, provider=payment.provider, outcome="duplicate: already confirmed")
            return payment
        try:
            paid_amount = quantize(Decimal(str(amount)))
        except (InvalidOperation, ValueError, TypeError):
            paid_amount = None
        paid_currency = (currency or "").upper()
        if paid_amount != payment.amount or paid_currency != payment.currency:
            mismatch = f"paid {amount} {paid_currency}, expected {payment.amount} {payment.currency}"
            payment.needs_attention = True
            payment.failure_reason = f"amount mismatch: {mismatch}"[:500]
            payment.save(update_fields=["needs_attention", "failure_reason"])
            _mark_event(event_id, provider=payment.provider, outcome=f"refused: {mismatch}", refused=True)
        elif payment.state not in CONFIRMABLE:  # pragma: no cover - every other state is confirmable today
            raise InvalidTransition(_("This payment cannot be confirmed."), field="state")
        else:
            payment.state = PaymentState.CONFIRMED
            payment.confirmed_at = now
            payment.failure_reason = ""
            if provider_payment_id:
                payment.provider_payment_id = provider_payment_id[:255]
            payment.save(update_fields=["state", "confirmed_at", "failure_reason", "provider_payment_id"])
            outcome = "confirmed"
            if booking.status == BookingStatus.PENDING_PAYMENT:
                lifecycle.transition(
                    booking,
                    to_status=BookingStatus.CONFIRMED,
                    actor_label=payment.provider,
                    reason="Paid by card",
                    details={"payment": payment.pk, "amount": str(payment.amount), "currency": payment.currency},
                )
                email_enqueue(kind=EmailKind.CONFIRMATION, booking_id=booking.pk)
            # Read once for the surplus and the payment state: the automatic refund below only requests money back,
            # which changes neither what was paid nor what was refunded.
            money = booking_money(booking)
            surplus = _surplus(booking, payment, money)
            if surplus > 0:
                reason = (
                    f"Paid after the booking became {booking.status}"
                    if booking.status not in KEEPS_MONEY
                    else "Paid more than the booking's total"
                )
                refund = Refund.objects.create(
                    payment=payment,
                    provider=payment.provider,
                    amount=surplus,
                    currency=payment.currency,
                    reason=reason,
                    idempotency_key=f"auto-{payment.pk}",
                )
                auto_refund_id = refund.pk
                outcome = f"confirmed; refunding {surplus} {payment.currency}: {reason}"
                logger.warning("payment refunded automatically", extra={"payment": payment.pk, "reason": reason})
                _enqueue_refund_submit(refund.pk)
            if booking.status in KEEPS_MONEY and surplus < payment.amount:
                _queue_email(booking, PAYMENT_RECEIVED, payment.pk)
            booking_payment_state_sync(booking, money)
            _mark_event(event_id, provider=payment.provider, outcome=outcome)
    if mismatch:
        _alert(
            key="payments.amount_mismatch",
            title="A payment arrived with a wrong amount or currency",
            detail=f"Payment {payment.pk} of booking {booking.reference}: {mismatch}.",
        )
        raise ValidationFailed([("amount", _("The amount or currency does not match the payment."))])
    logger.info(
        "payment confirmed",
        extra={"payment": payment.pk, "reference": booking.reference, "auto_refund": auto_refund_id},
    )
    return payment


def _surplus(booking: Booking, payment: Payment, money: BookingMoney) -> Decimal:
    """What of a just-confirmed ``payment`` the booking must not keep (all of it for a dead booking)."""
    if booking.status not in KEEPS_MONEY:
        return payment.amount
    over = money.net - booking.total
    return min(payment.amount, over) if over > 0 else ZERO


def payment_fail(*, payment_id: int, reason: str, event_id: int | str | None = None) -> Payment:
    """Record that the provider refused the payment; queue the ``payment_failed`` email (with a retry link) once.

    Only an open payment fails: a message about a payment already confirmed (out of order) or already failed
    changes nothing.
    """
    with transaction.atomic(), lock_timeout_as_busy():
        booking, payment = _lock_payment(payment_id)
        if payment.state not in OPEN:
            _mark_event(event_id, provider=payment.provider, outcome=f"ignored: payment is {payment.state}")
            return payment
        payment.state = PaymentState.FAILED
        payment.failure_reason = (reason or "failed")[:500]
        payment.save(update_fields=["state", "failure_reason"])
        # The retry link only helps while the booking still waits for its money.
        if booking.status == BookingStatus.PENDING_PAYMENT:
            _queue_email(booking, PAYMENT_FAILED, payment.pk)
        _mark_event(event_id, provider=payment.provider, outcome="failed")
    logger.info("payment failed", extra={"payment": payment.pk, "reference": booking.reference})
    _burst("payments.failed", "Many card payments are failing")
    return payment


def payment_cancel(*, payment_id: int, reason: str) -> Payment:
    """Close an open payment that will never be paid (the checkout expired, the traveller went back)."""
    with transaction.atomic(), lock_timeout_as_busy():
        _booking, payment = _lock_payment(payment_id)
        if payment.state in OPEN:
            payment.state = PaymentState.CANCELLED
            payment.failure_reason = (reason or "cancelled")[:500]
            payment.save(update_fields=["state", "failure_reason"])
    return payment
