"""Refunds: requested under the payment's lock and audited, sent to the provider by a task (retried with
backoff when the provider fails for a temporary reason), confirmed or failed; and the refund of a traveller's
cancellation.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from gnb.bookings import lifecycle
from gnb.bookings.models import Booking
from gnb.core import taskpriority
from gnb.core.audit import AuditAction, audit_record, current_request
from gnb.core.errors import Conflict, InvalidTransition, ValidationFailed
from gnb.core.locking import lock_rows, lock_timeout_as_busy
from gnb.core.money import ZERO
from gnb.payments.models import Payment, Refund
from gnb.payments.providers import registry
from gnb.payments.providers.base import ProviderError
from gnb.payments.services.common import (
    OFFLINE_PROVIDERS,
    OPEN,
    REFUND_ISSUED,
    BookingStatus,
    PaymentState,
    RefundState,
    _actor_id,
    _alert,
    _lock_payment,
    _lock_refund,
    _locked_booking,
    _mark_event,
    _money,
    _net_paid,
    _queue_email,
    booking_payment_state_sync,
    refundable_amount,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)


# A refund the provider could not take for a temporary reason is sent again, at most this many times in all, waiting
# REFUND_RETRY_FIRST_DELAY after the first attempt and REFUND_RETRY_FACTOR times longer after each next one.
REFUND_SUBMIT_ATTEMPTS = 5
REFUND_RETRY_FIRST_DELAY = dt.timedelta(minutes=1)
REFUND_RETRY_FACTOR = 4


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


# Declared beside the code they run, which enqueues them (a refund to send, a checkout to close, a retry): a task
# declared in gnb.payments.tasks would make that module and this one import each other. gnb.payments.tasks
# re-exports them for the worker and the scheduler and imports this module, never the reverse.
@task(priority=taskpriority.URGENT)
def refund_submit_task(*, refund_id: int, attempt: int = 1) -> str:
    """Send a requested refund to its provider and record the answer; returns the refund's state."""
    return refund_submit(refund_id=refund_id, attempt=attempt).state
