"""Writes on payments and refunds. Webhooks, the website, the API, the back office and tasks call these.

Exactly once: a provider message is stored once (``ProviderEvent`` unique on provider and event id), and every
state change happens under row locks taken in one fixed order everywhere, **booking, then payment, then refund**,
and only from an allowed state, so a replayed or concurrent message changes nothing the second time.

No provider call runs inside an open transaction: rows are written and committed first, then the call is made (by
the caller right after the transaction for ``payment_start``, by the ``refund_submit`` task for refunds) and its
result recorded in a second, short transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from gnb.bookings import lifecycle
from gnb.bookings.models import Booking
from gnb.core.audit import AuditAction, audit_record, current_request
from gnb.core.errors import Busy, Conflict, DomainError, InvalidTransition, NotFound, ValidationFailed
from gnb.core.locking import lock_rows, lock_timeout_as_busy
from gnb.core.money import ZERO, quantize
from gnb.payments.models import Payment, Provider, ProviderEvent, Refund
from gnb.payments.payloads import PayloadTooDeep, payload_clean, text_clean
from gnb.payments.providers import registry
from gnb.payments.providers.base import ProviderError, StartResult

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)

PaymentState = Payment.State
RefundState = Refund.State
BookingStatus = Booking.Status

# A payment may be confirmed from any state but confirmed: money the provider says arrived is a fact even after an
# earlier "failed" (a retried card in the same checkout) or "cancelled" (the hold expired meanwhile).
CONFIRMABLE = frozenset({PaymentState.CREATED, PaymentState.PENDING, PaymentState.FAILED, PaymentState.CANCELLED})
# Why a payment was cancelled when its booking's hold ran out (payment_close acts only on these).
HOLD_EXPIRED = "hold expired"
OPEN = frozenset({PaymentState.CREATED, PaymentState.PENDING})
# Refunds that count against what is left to refund on a payment.
REFUND_COUNTED = frozenset({RefundState.REQUESTED, RefundState.PENDING, RefundState.SUCCEEDED})
# Bookings whose money we keep: a payment confirmed for any other (expired, cancelled, refunded) is given back.
KEEPS_MONEY = frozenset(
    {
        BookingStatus.PENDING_PAYMENT,
        BookingStatus.CONFIRMED,
        BookingStatus.ASSIGNED,
        BookingStatus.ON_THE_WAY,
        BookingStatus.PICKED_UP,
        BookingStatus.COMPLETED,
        BookingStatus.NO_SHOW,
    }
)
# Bookings a cash or bank payment can be recorded for.
RECORDABLE = KEEPS_MONEY
OFFLINE_PROVIDERS = frozenset({Provider.CASH, Provider.BANK})

PAYMENT_RECEIVED = "payment_received"
PAYMENT_FAILED = "payment_failed"
REFUND_ISSUED = "refund_issued"

# Failed card payments are normal one by one (a declined card); many in a short time point at a broken integration.
FAILED_BURST_THRESHOLD = 10
FAILED_BURST_WINDOW_SECONDS = 900
# A refund the provider could not take for a temporary reason is sent again, at most this many times in all, waiting
# REFUND_RETRY_FIRST_DELAY after the first attempt and REFUND_RETRY_FACTOR times longer after each next one.
REFUND_SUBMIT_ATTEMPTS = 5
REFUND_RETRY_FIRST_DELAY = dt.timedelta(minutes=1)
REFUND_RETRY_FACTOR = 4


class PaymentProviderUnavailable(DomainError):
    """The provider could not open the payment; nothing was charged and the traveller may try again."""

    code = "payment_provider_error"
    status = 502


# --- helpers ----------------------------------------------------------------------------------------------
def _actor_label(actor: AbstractBaseUser | None, default: str = "system") -> str:
    return actor.get_username() if actor is not None and actor.is_authenticated else default


def _actor_id(actor: AbstractBaseUser | None) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


def _money(value: Any, *, field: str) -> Decimal:
    """A positive amount with at most two decimal places, or ``ValidationFailed`` naming ``field``."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed([(field, _("Enter an amount such as 25.00."))]) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationFailed([(field, _("The amount must be more than zero."))])
    if quantize(amount) != amount:
        raise ValidationFailed([(field, _("At most two decimal places."))])
    if amount >= Decimal("100000000"):
        raise ValidationFailed([(field, _("This amount is too large."))])
    return quantize(amount)


_locked_booking = lifecycle.locked_booking


def _lock_payment(payment_id: int) -> tuple[Booking, Payment]:
    """Lock a payment's booking, then the payment: the one order used everywhere."""
    booking_id = Payment.objects.filter(pk=payment_id).values_list("booking_id", flat=True).first()
    if booking_id is None:
        raise NotFound(_("Payment not found."))
    booking = _locked_booking(booking_id)
    payment = lock_rows(Payment.objects.filter(pk=payment_id))[0]
    return booking, payment


def _lock_refund(refund_id: int) -> tuple[Booking, Payment, Refund]:
    payment_id = Refund.objects.filter(pk=refund_id).values_list("payment_id", flat=True).first()
    if payment_id is None:
        raise NotFound(_("Refund not found."))
    booking, payment = _lock_payment(payment_id)
    refund = lock_rows(Refund.objects.filter(pk=refund_id))[0]
    return booking, payment, refund


def _mark_event(event_id: int | str | None, *, provider: str, outcome: str, refused: bool = False) -> None:
    """Record what a provider event did (``event_id``: the ``ProviderEvent`` pk, or the provider's own id).

    The first outcome recorded stands. ``refused``: the event could not be applied to the payment or refund it is
    about, so it no longer blocks a later delivery under the same id (see ``ProviderEvent``).
    """
    if event_id is None:
        return
    events = ProviderEvent.objects.filter(processed_at__isnull=True)
    if isinstance(event_id, int):
        events = events.filter(pk=event_id)
    else:
        events = events.filter(provider=provider, event_id=event_id)
    events.update(processed_at=timezone.now(), outcome=outcome[:500], refused=refused)


def _queue_email(booking: Booking, kind: str, object_id: int) -> None:
    from gnb.notifications.services import booking_email_enqueue

    booking_email_enqueue(booking_id=booking.pk, kind=kind, object_id=object_id)


def booking_payment_state_sync(booking: Booking) -> str:
    """Derive ``booking.payment_state`` from its rows and save it when it changed; return it.

    Paid when confirmed payments minus succeeded refunds cover the total; refunded when money was paid and all of
    it went back; partially refunded when some went back and what is left no longer covers the total.
    """
    paid = Payment.objects.filter(booking=booking, state=PaymentState.CONFIRMED).aggregate(s=Sum("amount"))["s"]
    refunded = Refund.objects.filter(payment__booking=booking, state=RefundState.SUCCEEDED).aggregate(s=Sum("amount"))[
        "s"
    ]
    paid, refunded = paid or ZERO, refunded or ZERO
    net = paid - refunded
    states = Booking.PaymentState
    if paid <= 0:
        state = states.UNPAID
    elif net >= booking.total:
        state = states.PAID
    elif refunded <= 0:
        state = states.UNPAID  # part paid: still owes money, and nothing was given back
    elif net <= 0:
        state = states.REFUNDED
    else:
        state = states.PARTIALLY_REFUNDED
    if state != booking.payment_state:
        booking.payment_state = state
        booking.save(update_fields=["payment_state", "updated_at"])
    return state


def _net_paid(booking: Booking) -> Decimal:
    paid = Payment.objects.filter(booking=booking, state=PaymentState.CONFIRMED).aggregate(s=Sum("amount"))["s"]
    refunded = Refund.objects.filter(payment__booking=booking, state__in=REFUND_COUNTED).aggregate(s=Sum("amount"))["s"]
    return (paid or ZERO) - (refunded or ZERO)


def refundable_amount(payment: Payment) -> Decimal:
    """What can still be refunded on ``payment``: its amount less refunds succeeded or in flight."""
    if payment.state != PaymentState.CONFIRMED:
        return ZERO
    counted = payment.refunds.filter(state__in=REFUND_COUNTED).aggregate(s=Sum("amount"))["s"] or ZERO
    return max(ZERO, payment.amount - counted)


# --- provider events --------------------------------------------------------------------------------------
def provider_event_record(
    *, provider: str, event_id: str, kind: str, payload: dict[str, Any]
) -> tuple[ProviderEvent, bool]:
    """Store a verified provider message once; return it and whether this call stored it.

    A second delivery of the same ``(provider, event_id)`` returns the first row and ``False``: the caller answers
    2xx and acts only when ``created`` (or when the stored one has not been processed yet). Two deliveries at the
    same moment are settled by the unique constraint, not by a check before the insert. A stored event that was
    refused does not count: the new delivery is stored beside it and acted on.

    ``kind`` and ``payload`` are stored without what PostgreSQL refuses (NUL, lone surrogates; see
    :mod:`gnb.payments.payloads`); an ``event_id`` containing such characters, or any unprintable one, is refused,
    as is a payload nested deeper than ``payloads.MAX_DEPTH``: the webhooks check both before they get here.
    """
    if provider not in Provider.values:
        raise ValidationFailed([("provider", _("Unknown payment provider."))])
    if not event_id or len(event_id) > 255 or not event_id.isprintable():
        raise ValidationFailed([("event_id", _("An event id of 1 to 255 characters is required."))])
    try:
        payload = payload_clean(payload)
    except PayloadTooDeep:
        raise ValidationFailed([("payload", _("The message is nested too deeply to be stored."))]) from None
    kind = text_clean(kind)
    # Twice at most: the row this insert ran into may be refused by its own delivery between the insert and the
    # read (PayTR's callback records and acts in separate transactions); then this delivery is a first one.
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return ProviderEvent.objects.create(
                    provider=provider, event_id=event_id, kind=kind[:100], payload=payload
                ), True
        except IntegrityError:
            stored = ProviderEvent.objects.filter(provider=provider, event_id=event_id, refused=False).first()
            if stored is not None:
                return stored, False
    raise Busy(_("This is being booked by someone else right now. Please try again."))


def provider_event_finish(*, event_pk: int, outcome: str, refused: bool = False) -> None:
    """Record what a stored provider event did, unless a payment service already recorded its own outcome.

    ``refused``: the event could not be applied to a payment or refund of ours (none matches, a wrong amount); it is
    kept with its outcome and does not block a later delivery under the same id.
    """
    _mark_event(event_pk, provider="", outcome=outcome, refused=refused)


# --- starting a payment -----------------------------------------------------------------------------------
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
            if not (chosen.online and chosen.enabled() and booking.currency in chosen.currencies()):
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


# --- confirming, failing, cancelling ----------------------------------------------------------------------
def payment_confirm(
    *,
    payment_id: int,
    amount: Decimal | str,
    currency: str,
    provider_payment_id: str = "",
    event_id: int | str | None = None,
) -> Payment:
    """Record that the provider took ``amount`` ``currency`` for the payment; act exactly once.

    Under the booking's and the payment's row locks: a payment already confirmed is returned unchanged; a wrong
    amount or currency changes no state, flags the payment ``needs_attention``, raises an alert and raises
    ``ValidationFailed``. Otherwise the payment is confirmed, a pending booking confirmed, the booking's payment
    state synced and the ``payment_received`` email queued. Money for a booking that no longer keeps it (expired,
    cancelled) is refunded automatically through the provider, or flagged when that fails; so is money paid beyond
    the booking's total. ``event_id``: the ``ProviderEvent`` (pk, or the provider's event id) this came from.
    """
    now = timezone.now()
    mismatch = ""
    auto_refund_id: int | None = None
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
                from gnb.notifications.services import booking_email_enqueue

                booking_email_enqueue(booking_id=booking.pk, kind="confirmation")
            surplus = _surplus(booking, payment)
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
            booking_payment_state_sync(booking)
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


def _surplus(booking: Booking, payment: Payment) -> Decimal:
    """What of a just-confirmed ``payment`` the booking must not keep (all of it for a dead booking)."""
    if booking.status not in KEEPS_MONEY:
        return payment.amount
    over = _net_paid(booking) - booking.total
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


def _alert(*, key: str, title: str, detail: str) -> None:
    from gnb.ops.alerts.services import alert_raise

    alert_raise(key=key, title=title, detail=detail, severity="error")


def _burst(key: str, title: str) -> None:
    from gnb.ops.alerts.services import alert_on_burst

    try:
        alert_on_burst(
            key=key, title=title, threshold=FAILED_BURST_THRESHOLD, window_seconds=FAILED_BURST_WINDOW_SECONDS
        )
    except Exception:  # the cache is down: the failure itself is recorded, the count is not worth a 500
        logger.exception("could not count %s", key)


# --- cash and bank ----------------------------------------------------------------------------------------
def _record_offline_payment(
    *,
    booking_id: int,
    amount: Any,
    provider: str,
    actor: AbstractBaseUser | None,
    note: str,
    audit_action: str,
    audit_details: dict[str, str],
) -> tuple[Booking, Payment]:
    """Write a confirmed cash or bank payment under the booking's lock, confirm a waiting booking and audit it."""
    value = _money(amount, field="amount")
    now = timezone.now()
    booking = _locked_booking(booking_id)
    if booking.status not in RECORDABLE:
        raise InvalidTransition(_("No payment can be recorded for a booking in this status."), field="status")
    due = booking.total - _net_paid(booking)
    if value > due:
        raise ValidationFailed(
            [
                (
                    "amount",
                    _("At most %(due)s %(currency)s is due.") % {"due": max(due, ZERO), "currency": booking.currency},
                )
            ]
        )
    payment = Payment.objects.create(
        booking=booking,
        provider=provider,
        amount=value,
        currency=booking.currency,
        state=PaymentState.CONFIRMED,
        created_at=now,
        confirmed_at=now,
        recorded_by_id=_actor_id(actor),
        note=note[:500],
    )
    if booking.status == BookingStatus.PENDING_PAYMENT:
        lifecycle.transition(
            booking,
            to_status=BookingStatus.CONFIRMED,
            actor_label=_actor_label(actor),
            actor_id=_actor_id(actor),
            reason=f"Paid ({provider})",
            details={"payment": payment.pk},
        )
        from gnb.notifications.services import booking_email_enqueue

        booking_email_enqueue(booking_id=booking.pk, kind="confirmation")
    booking_payment_state_sync(booking)
    _queue_email(booking, PAYMENT_RECEIVED, payment.pk)
    audit_record(
        action=audit_action,
        actor=actor,
        request=current_request(),
        target=payment,
        details={
            "booking": booking.reference,
            "amount": str(payment.amount),
            "currency": payment.currency,
            **audit_details,
        },
    )
    return booking, payment


def payment_record_cash(*, booking_id: int, amount: Any, actor: AbstractBaseUser, note: str = "") -> Payment:
    """Record cash the driver (or staff) collected for a booking: a confirmed cash payment of ``amount``.

    Never more than is still due. Whether ``actor`` may record for this booking (a driver only for their own jobs)
    is the caller's check.
    """
    with transaction.atomic(), lock_timeout_as_busy():
        _booking, payment = _record_offline_payment(
            booking_id=booking_id,
            amount=amount,
            provider=Provider.CASH,
            actor=actor,
            note=note,
            audit_action=AuditAction.PAYMENT_CASH_RECORDED,
            audit_details={"note": note.strip()},
        )
    logger.info("cash recorded", extra={"payment": payment.pk, "booking": booking_id})
    return payment


def payment_mark_paid(*, booking_id: int, amount: Any, provider: str, actor: AbstractBaseUser, reason: str) -> Payment:
    """Staff record money received outside the card providers (``cash`` or ``bank``), with a reason; audited."""
    errors = []
    if provider not in OFFLINE_PROVIDERS:
        errors.append(("provider", _("Only cash or bank payments can be marked paid by hand.")))
    if not (reason or "").strip():
        errors.append(("reason", _("Give a reason.")))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic(), lock_timeout_as_busy():
        _booking, payment = _record_offline_payment(
            booking_id=booking_id,
            amount=amount,
            provider=provider,
            actor=actor,
            note=reason.strip(),
            audit_action=AuditAction.PAYMENT_MARKED_PAID,
            audit_details={"provider": provider, "reason": reason.strip()},
        )
    return payment


# --- refunds ----------------------------------------------------------------------------------------------
def _enqueue_refund_submit(refund_id: int) -> None:
    # Queued in the transaction that wrote the refund: both commit or neither (the queue is rows in this database).
    refund_submit_task.enqueue(refund_id=refund_id)


def refund_request(
    *,
    payment_id: int,
    amount: Any,
    reason: str,
    actor: AbstractBaseUser | None,
    idempotency_key: str,
    actor_label: str = "",
) -> Refund:
    """Give back ``amount`` of a confirmed payment (full or partial), never more than is left to refund.

    The refund row is written under the payment's lock (booking, then payment), audited as ``refund.issued``, and
    committed; the provider is called afterwards by the ``refund_submit`` task. The same ``idempotency_key`` again
    returns the same refund; with another payment or amount it is a ``Conflict``. ``actor_label`` names who asked
    when no user did (``traveller`` for a cancellation).
    """
    value = _money(amount, field="amount")
    if not (reason or "").strip():
        raise ValidationFailed([("reason", _("Give a reason for the refund."))])
    if not idempotency_key or len(idempotency_key) > 255:
        raise ValidationFailed([("idempotency_key", _("An idempotency key of 1 to 255 characters."))])
    replay = _refund_replay(idempotency_key, payment_id=payment_id, amount=value)
    if replay is not None:
        return replay
    try:
        refund, booking = _refund_write(
            payment_id=payment_id,
            amount=value,
            reason=reason,
            actor=actor,
            idempotency_key=idempotency_key,
            actor_label=actor_label,
        )
    except IntegrityError:
        # The same key written a moment ago by a request that held another payment's lock (the same payment's
        # lock makes the check inside wait instead): that refund is the answer, or a Conflict if it differs.
        replay = _refund_replay(idempotency_key, payment_id=payment_id, amount=value)
        if replay is None:
            raise
        return replay
    logger.info("refund requested", extra={"refund": refund.pk, "reference": booking.reference})
    return refund


def _refund_replay(idempotency_key: str, *, payment_id: int, amount: Decimal) -> Refund | None:
    """The refund already made under ``idempotency_key``, or None; a ``Conflict`` when it was for something else."""
    existing = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and (existing.payment_id != payment_id or existing.amount != amount):
        raise Conflict(_("This idempotency key was already used for another refund."), field="idempotency_key")
    return existing


def _refund_write(
    *,
    payment_id: int,
    amount: Decimal,
    reason: str,
    actor: AbstractBaseUser | None,
    idempotency_key: str,
    actor_label: str,
) -> tuple[Refund, Booking]:
    with transaction.atomic(), lock_timeout_as_busy():
        booking, payment = _lock_payment(payment_id)
        # Checked again under the lock: an identical request that held it first has committed its refund by now,
        # and answering with that refund is what the key promises (never a second refund, never an error).
        replay = _refund_replay(idempotency_key, payment_id=payment_id, amount=amount)
        if replay is not None:
            return replay, booking
        if payment.state != PaymentState.CONFIRMED:
            raise InvalidTransition(_("Only a confirmed payment can be refunded."), field="payment")
        left = refundable_amount(payment)
        if amount > left:
            raise ValidationFailed(
                [
                    (
                        "amount",
                        _("At most %(left)s %(currency)s can be refunded.")
                        % {"left": left, "currency": payment.currency},
                    )
                ]
            )
        refund = Refund.objects.create(
            payment=payment,
            provider=payment.provider,
            amount=amount,
            currency=payment.currency,
            reason=reason.strip()[:500],
            requested_by_id=_actor_id(actor),
            idempotency_key=idempotency_key,
        )
        audit_record(
            action=AuditAction.REFUND_ISSUED,
            actor=actor,
            actor_label=actor_label,
            request=current_request(),
            target=refund,
            details={
                "booking": booking.reference,
                "amount": str(refund.amount),
                "currency": refund.currency,
                "reason": refund.reason,
            },
        )
        _enqueue_refund_submit(refund.pk)
    return refund, booking


def refund_retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after failed attempt number ``attempt`` before the next: 1, 4, 16, 64 minutes."""
    return REFUND_RETRY_FIRST_DELAY * REFUND_RETRY_FACTOR ** (attempt - 1)


def refund_submit(*, refund_id: int, attempt: int = 1) -> Refund:
    """Send a requested refund to its provider (outside any transaction) and record the answer.

    Safe to run twice: only a ``requested`` refund is sent, and the provider dedupes on the refund's idempotency
    key if two runs overlap. A permanent provider error (a refusal) fails the refund and flags the payment for
    staff at once. A temporary one (the provider unreachable, rate limited, a 5xx) leaves the refund requested
    and sends it again later, ``refund_retry_delay`` after this ``attempt``; after ``REFUND_SUBMIT_ATTEMPTS``
    attempts it fails like a permanent one, with its alert.
    """
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.state != RefundState.REQUESTED:
        return refund
    provider = registry.get(refund.provider)
    try:
        result = provider.refund(refund=refund)
    except ProviderError as exc:
        if not exc.permanent and attempt < REFUND_SUBMIT_ATTEMPTS:
            delay = refund_retry_delay(attempt)
            logger.warning(
                "refund not sent, trying again later",
                extra={
                    "refund": refund.pk,
                    "error": exc.message,
                    "attempt": attempt,
                    "delay": int(delay.total_seconds()),
                },
            )
            refund_submit_task.using(run_after=timezone.now() + delay).enqueue(refund_id=refund.pk, attempt=attempt + 1)
            return refund
        logger.warning(
            "refund failed at the provider", extra={"refund": refund.pk, "error": exc.message, "attempt": attempt}
        )
        reason = exc.message if exc.permanent else f"{exc.message} (after {attempt} attempts)"
        return refund_fail(refund_id=refund.pk, reason=reason)
    with transaction.atomic(), lock_timeout_as_busy():
        _booking, _payment, refund = _lock_refund(refund_id)
        if refund.state == RefundState.REQUESTED:
            refund.state = RefundState.PENDING
            if result.provider_reference:
                refund.provider_reference = result.provider_reference[:255]
            refund.save(update_fields=["state", "provider_reference"])
    if result.succeeded:
        return refund_confirm(refund_id=refund.pk)
    return refund


def refund_confirm(*, refund_id: int, event_id: int | str | None = None) -> Refund:
    """The provider gave the money back: mark the refund succeeded, sync the booking, email ``refund_issued`` once."""
    with transaction.atomic(), lock_timeout_as_busy():
        booking, payment, refund = _lock_refund(refund_id)
        if refund.state == RefundState.SUCCEEDED:
            _mark_event(event_id, provider=refund.provider, outcome="duplicate: refund already succeeded")
            return refund
        refund.state = RefundState.SUCCEEDED
        refund.confirmed_at = timezone.now()
        refund.save(update_fields=["state", "confirmed_at"])
        booking_payment_state_sync(booking)
        if (
            booking.status == BookingStatus.CANCELLED
            and not Refund.objects.filter(
                payment__booking=booking, state__in=[RefundState.REQUESTED, RefundState.PENDING]
            ).exists()
        ):
            lifecycle.transition(
                booking,
                to_status=BookingStatus.REFUNDED,
                actor_label=refund.provider,
                reason="Refunded",
                details={"refund": refund.pk, "amount": str(refund.amount)},
            )
        _queue_email(booking, REFUND_ISSUED, refund.pk)
        _mark_event(event_id, provider=refund.provider, outcome="refund succeeded")
    logger.info("refund succeeded", extra={"refund": refund.pk, "payment": payment.pk})
    return refund


def refund_fail(*, refund_id: int, reason: str, event_id: int | str | None = None) -> Refund:
    """The provider did not give the money back: mark the refund failed and flag the payment for staff."""
    with transaction.atomic(), lock_timeout_as_busy():
        booking, payment, refund = _lock_refund(refund_id)
        if refund.state in (RefundState.SUCCEEDED, RefundState.FAILED):
            _mark_event(event_id, provider=refund.provider, outcome=f"ignored: refund is {refund.state}")
            return refund
        refund.state = RefundState.FAILED
        refund.failure_reason = (reason or "failed")[:500]
        refund.save(update_fields=["state", "failure_reason"])
        payment.needs_attention = True
        payment.save(update_fields=["needs_attention"])
        _mark_event(event_id, provider=refund.provider, outcome="refund failed")
    _alert(
        key="payments.refund_failed",
        title="A refund failed",
        detail=f"Refund {refund.pk} of {refund.amount} {refund.currency} on booking {booking.reference}: {reason}",
    )
    return refund


def booking_refund_on_cancel(*, booking_id: int, actor: AbstractBaseUser | None) -> list[Refund]:
    """After a traveller cancelled: refund the card money paid, less the cancellation policy's fee.

    Safe to call twice: each payment's refund has a fixed idempotency key, and what is left to refund is computed
    under the locks. Cash and bank payments are handed back by staff, not here.
    """
    refunds: list[Refund] = []
    with transaction.atomic(), lock_timeout_as_busy():
        booking = _locked_booking(booking_id)
        if booking.status != BookingStatus.CANCELLED:
            return refunds
        # A checkout still open at the provider will not be paid for a cancelled booking; if it is paid anyway,
        # payment_confirm gives the money back.
        for payment in lock_rows(Payment.objects.filter(booking=booking, state__in=OPEN)):
            payment.state = PaymentState.CANCELLED
            payment.failure_reason = "booking cancelled"
            payment.save(update_fields=["state", "failure_reason"])
        card = list(
            Payment.objects.filter(booking=booking, state=PaymentState.CONFIRMED)
            .exclude(provider__in=OFFLINE_PROVIDERS)
            .order_by("-confirmed_at", "-pk")
        )
        if not card:
            return refunds
        kept = booking.cancellation_fee or ZERO
        net = _net_paid(booking)
        to_refund = net - kept
        plan: list[tuple[Payment, Decimal]] = []
        for payment in card:
            if to_refund <= 0:
                break
            share = min(to_refund, refundable_amount(payment))
            if share > 0:
                plan.append((payment, share))
                to_refund -= share
    for payment, share in plan:
        refunds.append(
            refund_request(
                payment_id=payment.pk,
                amount=share,
                reason="Cancelled by the traveller",
                actor=actor,
                actor_label="" if actor is not None else "traveller",
                idempotency_key=f"cancel-{booking_id}-{payment.pk}",
            )
        )
    return refunds


def booking_refund_after_cancel(*, booking_id: int, actor: AbstractBaseUser | None = None) -> list[Refund]:
    """``booking_refund_on_cancel`` for the traveller's cancel (website and API), once the cancellation committed.

    The cancellation stands whatever happens here; should the refund not be written (the database busy), staff are
    alerted to refund by hand rather than the traveller seeing an error for a cancellation that succeeded.
    """
    try:
        return booking_refund_on_cancel(booking_id=booking_id, actor=actor)
    except Exception as exc:
        logger.exception("refund after cancellation failed", extra={"booking": booking_id})
        _alert(
            key="payments.refund_on_cancel_failed",
            title="A cancelled booking's refund could not be requested",
            detail=f"Booking id {booking_id}: {exc!r}. Refund it from the back office.",
        )
        return []


# --- holds ------------------------------------------------------------------------------------------------
def holds_expire(*, now: dt.datetime | None = None) -> int:
    """Expire card bookings whose hold is over and still unpaid (the booking lifecycle's step); return how many.

    Payments' part, under the booking's lock and in its transaction: the booking's open attempts are cancelled
    and their checkouts closed at the provider after commit (``payment_close``). A webhook that confirmed the
    booking first wins; one that comes after finds the booking expired and refunds the money.
    """
    return lifecycle.holds_expire(now=now, on_expire=_hold_payments_cancel)


def _hold_payments_cancel(booking: Booking) -> None:
    for payment in lock_rows(Payment.objects.filter(booking=booking, state__in=OPEN)):
        payment.state = PaymentState.CANCELLED
        payment.failure_reason = HOLD_EXPIRED
        payment.save(update_fields=["state", "failure_reason"])
        _enqueue_payment_close(payment.pk)


def _enqueue_payment_close(payment_id: int) -> None:
    # Queued in the transaction that cancelled the payment: the worker sees it only once that committed.
    payment_close_task.enqueue(payment_id=payment_id)


def payment_close(*, payment_id: int) -> None:
    """Close at its provider the checkout of a payment cancelled because its hold expired (a task, after commit).

    Money paid on it anyway is refunded by ``payment_confirm``; closing makes that rare. A provider that cannot be
    reached is logged, not retried: the refund stays the safety net. Safe to run twice.
    """
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.state != PaymentState.CANCELLED or payment.failure_reason != HOLD_EXPIRED:
        return
    try:
        registry.get(payment.provider).close(payment=payment)
    except ProviderError as exc:
        logger.warning("payment checkout not closed", extra={"payment": payment.pk, "error": exc.message})


# --- tasks ------------------------------------------------------------------------------------------------
# Declared beside the code they run, which enqueues them (a refund to send, a checkout to close, a retry): a task
# declared in gnb.payments.tasks would make that module and this one import each other. gnb.payments.tasks
# re-exports them for the worker and the scheduler and imports this module, never the reverse.
@task()
def refund_submit_task(*, refund_id: int, attempt: int = 1) -> str:
    """Send a requested refund to its provider and record the answer; returns the refund's state."""
    return refund_submit(refund_id=refund_id, attempt=attempt).state


@task()
def payment_close_task(*, payment_id: int) -> None:
    """Close at its provider the checkout of a payment whose hold expired."""
    payment_close(payment_id=payment_id)


__all__ = [
    "PaymentProviderUnavailable",
    "booking_payment_state_sync",
    "booking_refund_on_cancel",
    "holds_expire",
    "payment_cancel",
    "payment_close",
    "payment_confirm",
    "payment_fail",
    "payment_mark_paid",
    "payment_record_cash",
    "payment_start",
    "provider_event_finish",
    "provider_event_record",
    "refund_confirm",
    "refund_fail",
    "refund_request",
    "refund_submit",
    "refundable_amount",
]
