"""Payments' part of expiring unpaid holds (the step itself is :func:`gnb.bookings.lifecycle.holds_expire`):
the booking's open attempts are cancelled and their checkouts closed at the provider.
"""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

from gnb.bookings import lifecycle
from gnb.bookings.models import Booking
from gnb.core import taskpriority
from gnb.core.locking import lock_rows
from gnb.payments.models import Payment
from gnb.payments.providers import registry
from gnb.payments.providers.base import ProviderError
from gnb.payments.services.common import OPEN, PaymentState

logger = logging.getLogger(__name__)


# Why a payment was cancelled when its booking's hold ran out (payment_close acts only on these).
HOLD_EXPIRED = "hold expired"


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


@task(priority=taskpriority.URGENT)
def payment_close_task(*, payment_id: int) -> None:
    """Close at its provider the checkout of a payment whose hold expired."""
    payment_close(payment_id=payment_id)
