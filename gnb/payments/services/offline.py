"""Cash and bank payments recorded by drivers and staff, confirmed at once and audited."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.bookings import lifecycle
from gnb.bookings.models import Booking
from gnb.core.audit import AuditAction, audit_record, current_request
from gnb.core.errors import InvalidTransition, ValidationFailed
from gnb.core.locking import lock_timeout_as_busy
from gnb.core.money import ZERO
from gnb.core.outbox import EmailKind, email_enqueue
from gnb.payments.models import Payment, Provider
from gnb.payments.services.common import (
    OFFLINE_PROVIDERS,
    PAYMENT_RECEIVED,
    RECORDABLE,
    BookingStatus,
    PaymentState,
    _actor_id,
    _actor_label,
    _locked_booking,
    _money,
    _net_paid,
    _queue_email,
    booking_payment_state_sync,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)


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
        email_enqueue(kind=EmailKind.CONFIRMATION, booking_id=booking.pk)
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
