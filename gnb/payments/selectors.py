"""Reads on payments, shared by the website, the API, emails and the back office."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet, Sum
from django.utils import timezone

from gnb.bookings.models import Booking
from gnb.core.money import ZERO
from gnb.payments.models import Payment, Refund
from gnb.payments.providers import registry
from gnb.payments.providers.base import PaymentProvider


def payment_currencies() -> list[str]:
    """Every currency a payment was taken in, alphabetically, as ``SELECT DISTINCT currency ... ORDER BY`` gives them.

    Read as a loose index scan: each step asks the index ``payment_currency`` for the first code after the last one
    found, so a handful of currencies cost a handful of index probes instead of a pass over every payment.
    """
    table = connection.ops.quote_name(Payment._meta.db_table)
    sql = f"""
        WITH RECURSIVE found (code) AS (
            SELECT MIN(currency) FROM {table}
            UNION ALL
            SELECT (SELECT MIN(currency) FROM {table} WHERE currency > found.code)
            FROM found WHERE found.code IS NOT NULL
        )
        SELECT code FROM found WHERE code IS NOT NULL
    """  # noqa: S608 (the table name is the model's own, quoted; nothing here comes from a request)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [code for (code,) in cursor.fetchall()]


def booking_amounts(booking: Booking) -> tuple[Decimal, Decimal, Decimal]:
    """``(paid, refunded, balance)``: confirmed payments, succeeded refunds, and what is still owed (≥ 0)."""
    paid = Payment.objects.filter(booking=booking, state=Payment.State.CONFIRMED).aggregate(s=Sum("amount"))["s"]
    refunded = Refund.objects.filter(payment__booking=booking, state=Refund.State.SUCCEEDED).aggregate(s=Sum("amount"))[
        "s"
    ]
    paid, refunded = paid or ZERO, refunded or ZERO
    owed = (
        ZERO
        if booking.status in (Booking.Status.CANCELLED, Booking.Status.EXPIRED, Booking.Status.REFUNDED)
        else booking.total
    )
    return paid, refunded, max(ZERO, owed - (paid - refunded))


def booking_amounts_loaded(booking: Booking) -> tuple[Decimal, Decimal, Decimal]:
    """``booking_amounts`` from the booking's payments and refunds as loaded (prefetched by the booking selectors),
    without another query."""
    paid = refunded = ZERO
    for payment in booking.payments.all():
        if payment.state == Payment.State.CONFIRMED:
            paid += payment.amount
        refunded += sum((r.amount for r in payment.refunds.all() if r.state == Refund.State.SUCCEEDED), ZERO)
    return paid, refunded, max(ZERO, _owed(booking) - (paid - refunded))


def card_providers(currency: str) -> list[PaymentProvider]:
    """The card providers that take ``currency`` now (enabled, currency supported): a booking in ``currency`` can be
    paid by card only with one of these. The website's pay step, the API and ``payment_start`` all ask here."""
    return registry.enabled_for(currency)


def card_currencies() -> list[str]:
    """Every currency some card provider takes now, sorted."""
    return sorted({currency for provider in registry.enabled_for_any() for currency in provider.currencies()})


def _owed(booking: Booking) -> Decimal:
    ended = (Booking.Status.CANCELLED, Booking.Status.EXPIRED, Booking.Status.REFUNDED)
    return ZERO if booking.status in ended else booking.total


def payments_for_booking(booking: Booking) -> QuerySet[Payment]:
    """A booking's payment attempts, newest first, each with its refunds."""
    return Payment.objects.filter(booking=booking).prefetch_related("refunds").order_by("-created_at", "-pk")


class PaymentStatus:
    PAID = "paid"
    WAITING = "waiting"  # a payment is open at the provider: its message has not come yet
    FAILED = "failed"  # the last attempt failed or was abandoned; the traveller can try again
    UNPAID = "unpaid"  # a card booking with no attempt yet
    EXPIRED = "expired"  # the hold is over: nothing to pay any more
    NOT_DUE = "not_due"  # cash to the driver, or a cancelled booking


@dataclass(frozen=True)
class BookingPaymentView:
    status: str
    last_payment: Payment | None
    can_retry: bool


def booking_payment_status(booking: Booking) -> BookingPaymentView:
    """What the payment page shows, read from our rows only (never from the provider's redirect)."""
    last = (
        Payment.objects.filter(booking=booking)
        .exclude(provider__in=["cash", "bank"])
        .order_by("-created_at", "-pk")
        .first()
    )
    if booking.payment_state == Booking.PaymentState.PAID:
        return BookingPaymentView(PaymentStatus.PAID, last, False)
    if booking.status == Booking.Status.EXPIRED:
        return BookingPaymentView(PaymentStatus.EXPIRED, last, False)
    if booking.status != Booking.Status.PENDING_PAYMENT:
        return BookingPaymentView(PaymentStatus.NOT_DUE, last, False)
    if booking.hold_expires_at is not None and booking.hold_expires_at <= timezone.now():
        # Over, even if the expiry task has not run yet; money arriving now is given back.
        return BookingPaymentView(PaymentStatus.EXPIRED, last, False)
    if last is None:
        return BookingPaymentView(PaymentStatus.UNPAID, None, True)
    if last.state in (Payment.State.CREATED, Payment.State.PENDING):
        # A traveller who left the provider's page without paying can start again; should both attempts be paid,
        # payment_confirm gives the second one back.
        return BookingPaymentView(PaymentStatus.WAITING, last, True)
    if last.state == Payment.State.CONFIRMED:  # confirmed, but the booking still owes the rest
        return BookingPaymentView(PaymentStatus.UNPAID, last, True)
    return BookingPaymentView(PaymentStatus.FAILED, last, True)
