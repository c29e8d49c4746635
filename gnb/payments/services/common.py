"""Shared by the payment services: row locks in the one order, amounts, outcomes of provider events, the
booking's payment state, email and alert hand-offs, and the rule sets the modules agree on. Names with a leading
underscore are this package's internals, for its modules only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.bookings import lifecycle
from gnb.bookings.models import Booking
from gnb.core.alerts import alert_on_burst, alert_raise
from gnb.core.errors import NotFound, ValidationFailed
from gnb.core.locking import lock_rows
from gnb.core.money import ZERO, quantize
from gnb.core.outbox import EmailKind, email_enqueue
from gnb.payments.models import Payment, Provider, ProviderEvent, Refund

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)


PaymentState = Payment.State
RefundState = Refund.State
BookingStatus = Booking.Status


# A payment may be confirmed from any state but confirmed: money the provider says arrived is a fact even after an
# earlier "failed" (a retried card in the same checkout) or "cancelled" (the hold expired meanwhile).
CONFIRMABLE = frozenset({PaymentState.CREATED, PaymentState.PENDING, PaymentState.FAILED, PaymentState.CANCELLED})
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
PAYMENT_RECEIVED = EmailKind.PAYMENT_RECEIVED
PAYMENT_FAILED = EmailKind.PAYMENT_FAILED
REFUND_ISSUED = EmailKind.REFUND_ISSUED


# Failed card payments are normal one by one (a declined card); many in a short time point at a broken integration.
FAILED_BURST_THRESHOLD = 10
FAILED_BURST_WINDOW_SECONDS = 900


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
    """Lock a payment's booking, then the payment: the one order used everywhere.

    The booking is found by a subquery in its own locking statement (the lock covers the booking's row only): one
    round trip fewer for every payment event a worker applies.
    """
    bookings = lock_rows(Booking.objects.filter(pk__in=Payment.objects.filter(pk=payment_id).values("booking_id")))
    if not bookings:
        raise NotFound(_("Payment not found."))
    payment = lock_rows(Payment.objects.filter(pk=payment_id))[0]
    return bookings[0], payment


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


def _queue_email(booking: Booking, kind: EmailKind, object_id: int) -> None:
    email_enqueue(kind=kind, booking_id=booking.pk, object_id=object_id)


@dataclass(frozen=True, slots=True)
class BookingMoney:
    """What a booking's payments and refunds add up to, read at one moment."""

    paid: Decimal  # confirmed payments
    refunded: Decimal  # refunds the provider completed
    refunding: Decimal  # refunds completed, requested or in flight (money no longer the booking's to keep)

    @property
    def net(self) -> Decimal:
        """What the booking keeps: paid, less every refund completed or on its way."""
        return self.paid - self.refunding


def booking_money(booking: Booking) -> BookingMoney:
    """The sums of ``booking``'s payments and refunds (two statements: one per table)."""
    paid = Payment.objects.filter(booking=booking, state=PaymentState.CONFIRMED).aggregate(s=Sum("amount"))["s"]
    refunds = Refund.objects.filter(payment__booking=booking).aggregate(
        refunded=Sum("amount", filter=Q(state=RefundState.SUCCEEDED)),
        refunding=Sum("amount", filter=Q(state__in=REFUND_COUNTED)),
    )
    return BookingMoney(paid=paid or ZERO, refunded=refunds["refunded"] or ZERO, refunding=refunds["refunding"] or ZERO)


def booking_payment_state_sync(booking: Booking, money: BookingMoney | None = None) -> str:
    """Derive ``booking.payment_state`` from its rows and save it when it changed; return it.

    Paid when confirmed payments minus succeeded refunds cover the total; refunded when money was paid and all of
    it went back; partially refunded when some went back and what is left no longer covers the total. ``money``:
    the booking's sums when the caller has just read them in this transaction, with no payment confirmed and no
    refund completed since (they are read otherwise).
    """
    money = money or booking_money(booking)
    paid, refunded = money.paid, money.refunded
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
    return booking_money(booking).net


def refundable_amount(payment: Payment) -> Decimal:
    """What can still be refunded on ``payment``: its amount less refunds succeeded or in flight."""
    if payment.state != PaymentState.CONFIRMED:
        return ZERO
    counted = payment.refunds.filter(state__in=REFUND_COUNTED).aggregate(s=Sum("amount"))["s"] or ZERO
    return max(ZERO, payment.amount - counted)


def _alert(*, key: str, title: str, detail: str) -> None:
    alert_raise(key=key, title=title, detail=detail, severity="error")


def _burst(key: str, title: str) -> None:
    try:
        alert_on_burst(
            key=key, title=title, threshold=FAILED_BURST_THRESHOLD, window_seconds=FAILED_BURST_WINDOW_SECONDS
        )
    except Exception:  # the cache is down: the failure itself is recorded, the count is not worth a 500
        logger.exception("could not count %s", key)
