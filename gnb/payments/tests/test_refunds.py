"""Refunds: never more than was paid, sent to the provider after commit, tracked until it confirms; the traveller's
cancellation refunds card money less the policy's fee."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import Booking, BookingEvent
from gnb.bookings.services import TRAVELLER, booking_cancel
from gnb.core.audit import audit_entries
from gnb.core.errors import Conflict, InvalidTransition, ValidationFailed
from gnb.ops.models import AlertState
from gnb.payments.models import Payment, Refund
from gnb.payments.providers.base import ProviderError
from gnb.payments.services import (
    booking_refund_on_cancel,
    payment_confirm,
    payment_start,
    refund_confirm,
    refund_fail,
    refund_request,
    refund_submit,
    refundable_amount,
)
from gnb.payments.tasks import refund_submit_task
from gnb.testing.payments import card_booking, queued


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("manager", "manager@example.com", "x", is_staff=True)


def paid_booking(**kwargs) -> tuple[Booking, Payment]:
    booking = card_booking(**kwargs)
    payment, _result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key=f"k-{booking.pk}", return_url="", cancel_url=""
    )
    payment = payment_confirm(payment_id=payment.pk, amount=booking.total, currency=booking.currency)
    booking.refresh_from_db()
    return booking, payment


def refund(payment: Payment, amount, key: str = "r-1", actor=None) -> Refund:
    return refund_request(payment_id=payment.pk, amount=amount, reason="Goodwill", actor=actor, idempotency_key=key)


def test_a_full_refund_goes_to_the_provider_after_commit_and_marks_the_booking_refunded(
    catalog, card_provider, staff, django_capture_on_commit_callbacks
):
    booking, payment = paid_booking()
    assert booking.total == Decimal("40.00")
    requested = refund(payment, "40.00", actor=staff)
    assert (requested.state, requested.amount, requested.currency) == (Refund.State.REQUESTED, Decimal("40.00"), "EUR")
    assert card_provider.refunded == []  # nothing sent inside the transaction: the task queued with the refund sends it
    task = DBTaskResult.objects.get(task_path=refund_submit_task.module_path)
    assert task.args_kwargs["kwargs"] == {"refund_id": requested.pk}

    with django_capture_on_commit_callbacks(execute=True):
        done = refund_submit(refund_id=requested.pk)
        refund_submit(refund_id=requested.pk)  # a second run sends nothing
    assert card_provider.refunded == [requested.pk]
    assert (done.state, done.provider_reference) == (Refund.State.SUCCEEDED, "re_r-1")
    booking.refresh_from_db()
    assert booking.payment_state == Booking.PaymentState.REFUNDED
    assert queued("refund_issued") == [{"booking_id": booking.pk, "kind": "refund_issued", "object_id": requested.pk}]
    entry = audit_entries(action="refund.issued").get()
    assert (entry.actor, entry.target_id) == (staff, str(requested.pk))
    assert entry.details == {"booking": booking.reference, "amount": "40.00", "currency": "EUR", "reason": "Goodwill"}


def test_partial_refunds_never_exceed_the_payment(catalog, card_provider):
    _booking, payment = paid_booking()
    refund(payment, "30.00", key="r-1")
    refund(payment, Decimal("10.00"), key="r-2")
    assert refundable_amount(payment) == Decimal("0.00")
    with pytest.raises(ValidationFailed) as excinfo:
        refund(payment, "0.01", key="r-3")
    assert excinfo.value.errors == [("amount", "At most 0.00 EUR can be refunded.")]
    assert Refund.objects.count() == 2


def test_a_refund_after_a_partial_one_keeps_the_booking_partially_refunded(catalog, card_provider):
    booking, payment = paid_booking()
    refund_submit(refund_id=refund(payment, "10.00").pk)
    booking.refresh_from_db()
    assert booking.payment_state == Booking.PaymentState.PARTIALLY_REFUNDED
    with pytest.raises(ValidationFailed) as excinfo:
        refund(payment, "30.01", key="r-2")
    assert excinfo.value.errors == [("amount", "At most 30.00 EUR can be refunded.")]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The amount must be more than zero."),
        ("-5", "The amount must be more than zero."),
        ("1.001", "At most two decimal places."),
        ("ten", "Enter an amount such as 25.00."),
        ("NaN", "The amount must be more than zero."),
    ],
)
def test_a_wrong_refund_amount_names_the_field(catalog, card_provider, amount, message):
    _booking, payment = paid_booking()
    with pytest.raises(ValidationFailed) as excinfo:
        refund(payment, amount)
    assert excinfo.value.errors == [("amount", message)]


def test_a_refund_needs_a_reason_and_a_confirmed_payment(catalog, card_provider):
    _booking, payment = paid_booking()
    with pytest.raises(ValidationFailed) as excinfo:
        refund_request(payment_id=payment.pk, amount="1", reason=" ", actor=None, idempotency_key="r")
    assert excinfo.value.errors == [("reason", "Give a reason for the refund.")]
    open_booking = card_booking()
    open_payment, _result = payment_start(
        booking_id=open_booking.pk, provider="stripe", idempotency_key="open", return_url="", cancel_url=""
    )
    with pytest.raises(InvalidTransition):
        refund(open_payment, "1.00")


def test_the_same_refund_key_gives_the_same_refund_and_another_amount_is_a_conflict(catalog, card_provider):
    _booking, payment = paid_booking()
    first = refund(payment, "5.00")
    assert refund(payment, "5.00").pk == first.pk
    with pytest.raises(Conflict):
        refund(payment, "6.00")
    assert Refund.objects.count() == 1


def test_a_pending_refund_waits_for_the_provider_and_is_confirmed_once(
    catalog, card_provider, django_capture_on_commit_callbacks
):
    card_provider.refund_succeeds = False
    booking, payment = paid_booking()
    pending = refund_submit(refund_id=refund(payment, "40.00").pk)
    assert (pending.state, pending.provider_reference) == (Refund.State.PENDING, "re_r-1")
    booking.refresh_from_db()
    assert booking.payment_state == Booking.PaymentState.PAID
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            confirmed = refund_confirm(refund_id=pending.pk)
    assert confirmed.state == Refund.State.SUCCEEDED
    assert len(queued("refund_issued")) == 1
    assert refund_fail(refund_id=pending.pk, reason="late").state == Refund.State.SUCCEEDED


def test_a_refund_the_provider_refuses_fails_flags_the_payment_and_alerts(catalog, card_provider):
    card_provider.fail_refund = ProviderError("charge disputed", permanent=True)
    booking, payment = paid_booking()
    failed = refund_submit(refund_id=refund(payment, "40.00").pk)
    assert (failed.state, failed.failure_reason) == (Refund.State.FAILED, "charge disputed")
    payment.refresh_from_db()
    assert payment.needs_attention is True
    assert AlertState.objects.get(key="payments.refund_failed").status == "firing"
    # A failed refund gives its amount back to what can be refunded: staff can try again.
    assert refundable_amount(payment) == Decimal("40.00")
    booking.refresh_from_db()
    assert booking.payment_state == Booking.PaymentState.PAID


# --- the traveller's cancellation -------------------------------------------------------------------------
def test_a_late_cancellation_refunds_the_card_money_less_the_fee(catalog, card_provider, settings):
    settings.GNB_LATE_CANCELLATION_FEE_PERCENT = Decimal("50")
    booking, payment = paid_booking()
    late = booking.starts_at - dt.timedelta(hours=2)
    booking_cancel(booking_id=booking.pk, actor=TRAVELLER, by_traveller=True, now=late)
    refunds = booking_refund_on_cancel(booking_id=booking.pk, actor=None)
    assert [(r.payment_id, r.amount, r.reason) for r in refunds] == [
        (payment.pk, Decimal("20.00"), "Cancelled by the traveller")
    ]
    assert audit_entries(action="refund.issued").get().actor_label == "traveller"
    # Called again (a retried request): the refund in flight already covers it, nothing more.
    assert booking_refund_on_cancel(booking_id=booking.pk, actor=None) == []
    assert Refund.objects.count() == 1
    refund_submit(refund_id=refunds[0].pk)
    booking.refresh_from_db()
    assert (booking.status, booking.payment_state) == (Booking.Status.REFUNDED, Booking.PaymentState.PARTIALLY_REFUNDED)
    event = BookingEvent.objects.filter(booking=booking).latest("pk")
    assert (event.from_status, event.to_status) == ("cancelled", "refunded")


def test_a_free_cancellation_refunds_everything(catalog, card_provider):
    booking, _payment = paid_booking()
    booking_cancel(booking_id=booking.pk, actor=TRAVELLER, by_traveller=True)
    [full] = booking_refund_on_cancel(booking_id=booking.pk, actor=None)
    assert full.amount == Decimal("40.00")


def test_cancelling_an_unpaid_card_booking_refunds_nothing_and_closes_its_checkout(catalog, card_provider):
    booking = card_booking()
    payment, _result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key="k", return_url="", cancel_url=""
    )
    booking_cancel(booking_id=booking.pk, actor=TRAVELLER, by_traveller=True)
    assert booking_refund_on_cancel(booking_id=booking.pk, actor=None) == []
    payment.refresh_from_db()
    assert (payment.state, payment.failure_reason) == (Payment.State.CANCELLED, "booking cancelled")
    # Paid anyway, a moment later: the money goes back in full.
    payment_confirm(payment_id=payment.pk, amount=booking.total, currency="EUR")
    assert Refund.objects.get().amount == booking.total


def test_cash_money_is_not_refunded_online(catalog, staff):
    from gnb.payments.services import payment_record_cash

    booking = card_booking(payment_method="cash")
    payment_record_cash(booking_id=booking.pk, amount=booking.total, actor=staff)
    booking_cancel(booking_id=booking.pk, actor=TRAVELLER, by_traveller=True, now=timezone.now())
    assert booking_refund_on_cancel(booking_id=booking.pk, actor=None) == []
