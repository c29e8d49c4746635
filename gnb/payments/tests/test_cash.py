"""Cash to the driver and money staff record by hand: confirmed unpaid, then paid through the same services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from gnb.accounts.roles import DISPATCHER
from gnb.bookings.models import Booking, BookingEvent
from gnb.bookings.services import TRAVELLER, booking_cancel
from gnb.core.audit import audit_entries
from gnb.core.errors import InvalidTransition, ValidationFailed
from gnb.payments.models import Payment
from gnb.payments.services import payment_mark_paid, payment_record_cash
from gnb.testing.payments import card_booking, queued
from gnb.testing.personas import persona, staff_login


@pytest.fixture
def driver(db):
    return get_user_model().objects.create_user("driver1", "driver1@example.com", "x")


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("manager", "manager@example.com", "x", is_staff=True)


def test_a_cash_booking_is_confirmed_unpaid(catalog):
    booking = card_booking(payment_method="cash")
    assert (booking.status, booking.payment_state, booking.hold_expires_at) == ("confirmed", "unpaid", None)


def test_the_driver_records_the_cash_collected(catalog, driver, django_capture_on_commit_callbacks):
    booking = card_booking(payment_method="cash")
    with django_capture_on_commit_callbacks(execute=True):
        part = payment_record_cash(booking_id=booking.pk, amount="15.00", actor=driver, note="first half")
    booking.refresh_from_db()
    assert (part.provider, part.amount, part.state, part.recorded_by, part.note) == (
        "cash",
        Decimal("15.00"),
        Payment.State.CONFIRMED,
        driver,
        "first half",
    )
    assert booking.payment_state == Booking.PaymentState.UNPAID  # 15 of 40
    rest = payment_record_cash(booking_id=booking.pk, amount="25", actor=driver)
    booking.refresh_from_db()
    assert booking.payment_state == Booking.PaymentState.PAID
    # Each payment's email is queued with it, in its transaction (gnb.core.outbox).
    assert [k["object_id"] for k in queued("payment_received")] == [part.pk, rest.pk]


def test_recording_cash_is_audited_with_who_how_much_and_the_ip(catalog, client):
    dispatcher = persona(DISPATCHER, "selin", password="x", email="selin@example.com")
    staff_login(client, dispatcher)
    booking = card_booking(payment_method="cash")
    response = client.post(
        f"/admin/payments/payment/booking/{booking.pk}/record-cash/",
        {"amount": "40.00", "note": "driver Ali"},
        REMOTE_ADDR="203.0.113.40",
    )
    assert response.status_code == 302, response.content
    payment = Payment.objects.get(booking=booking)
    entry = audit_entries(action="payment.cash_recorded").get()
    assert (entry.actor, entry.target_id, entry.ip_address) == (dispatcher, str(payment.pk), "203.0.113.40")
    assert entry.details == {
        "booking": booking.reference,
        "amount": "40.00",
        "currency": booking.currency,
        "note": "driver Ali",
    }
    assert entry.get_action_display() == "Cash collected recorded"


def test_no_more_cash_than_is_due_and_none_for_a_cancelled_booking(catalog, driver):
    booking = card_booking(payment_method="cash")
    with pytest.raises(ValidationFailed) as excinfo:
        payment_record_cash(booking_id=booking.pk, amount="40.01", actor=driver)
    assert excinfo.value.errors == [("amount", "At most 40.00 EUR is due.")]
    with pytest.raises(ValidationFailed) as excinfo:
        payment_record_cash(booking_id=booking.pk, amount="", actor=driver)
    assert excinfo.value.errors == [("amount", "Enter an amount such as 25.00.")]
    booking_cancel(booking_id=booking.pk, actor=TRAVELLER, by_traveller=True)
    with pytest.raises(InvalidTransition):
        payment_record_cash(booking_id=booking.pk, amount="10", actor=driver)
    assert not Payment.objects.exists()


def test_marking_paid_by_hand_needs_cash_or_bank_and_a_reason(catalog, staff):
    booking = card_booking(payment_method="cash")
    with pytest.raises(ValidationFailed) as excinfo:
        payment_mark_paid(booking_id=booking.pk, amount="40", provider="stripe", actor=staff, reason="")
    assert excinfo.value.errors == [
        ("provider", "Only cash or bank payments can be marked paid by hand."),
        ("reason", "Give a reason."),
    ]
    assert not Payment.objects.exists()
    assert not audit_entries(action="payment.").exists()


def test_a_bank_transfer_marked_paid_confirms_a_waiting_card_booking_and_is_audited(catalog, staff):
    booking = card_booking()
    payment = payment_mark_paid(
        booking_id=booking.pk, amount="40.00", provider="bank", actor=staff, reason="Transfer ref 7781 seen"
    )
    booking.refresh_from_db()
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    assert (payment.provider, payment.recorded_by, payment.note) == ("bank", staff, "Transfer ref 7781 seen")
    event = BookingEvent.objects.get(booking=booking, kind=BookingEvent.Kind.STATUS)
    assert (event.from_status, event.to_status, event.actor) == ("pending_payment", "confirmed", staff)
    entry = audit_entries(action="payment.marked_paid").get()
    assert (entry.actor, entry.target_id, entry.get_action_display()) == (
        staff,
        str(payment.pk),
        "Booking marked paid by hand",
    )
    assert entry.details == {
        "booking": booking.reference,
        "amount": "40.00",
        "currency": "EUR",
        "provider": "bank",
        "reason": "Transfer ref 7781 seen",
    }
