"""gnb.bookings.lifecycle: the one place a booking's status changes, guarded and recorded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from gnb.bookings import lifecycle
from gnb.bookings.models import Booking, BookingEvent
from gnb.core.errors import InvalidTransition
from gnb.testing.bookings import place_transfer

S = Booking.Status


def status_events(booking: Booking) -> list[tuple[str, str, str, int | None, str, dict]]:
    return [
        (event.from_status, event.to_status, event.actor_label, event.actor_id, event.reason, event.details)
        for event in booking.events.filter(kind=BookingEvent.Kind.STATUS)
    ]


def test_a_transition_saves_the_status_and_its_fields_and_records_who_when_from_to_and_why(catalog):
    booking = place_transfer()  # cash: confirmed at once
    now = booking.starts_at - dt.timedelta(days=2)
    with transaction.atomic():
        locked = lifecycle.locked_booking(booking.pk)
        event = lifecycle.transition(
            locked,
            to_status=S.CANCELLED,
            actor_label="dispatcher",
            actor_id=None,
            reason="Flight cancelled",
            details={"cancellation_fee": "0.00"},
            changes={"cancelled_at": now, "cancellation_fee": Decimal("0.00")},
            now=now,
        )
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_at, booking.cancellation_fee) == (S.CANCELLED, now, Decimal("0.00"))
    assert (event.created_at, event.kind) == (now, BookingEvent.Kind.STATUS)
    assert status_events(booking) == [
        ("confirmed", "cancelled", "dispatcher", None, "Flight cancelled", {"cancellation_fee": "0.00"})
    ]


def test_a_move_the_lifecycle_forbids_changes_and_records_nothing(catalog):
    booking = place_transfer()
    with transaction.atomic():
        locked = lifecycle.locked_booking(booking.pk)
        with pytest.raises(InvalidTransition) as excinfo:
            lifecycle.transition(locked, to_status=S.REFUNDED, actor_label="system")
    assert (excinfo.value.field, excinfo.value.message) == (
        "status",
        "A booking in status “Confirmed” cannot move to “Refunded”.",
    )
    booking.refresh_from_db()
    assert (booking.status, status_events(booking)) == (S.CONFIRMED, [])


def test_a_trip_step_waits_for_the_pickup_time(catalog):
    booking = place_transfer()
    with transaction.atomic():
        locked = lifecycle.locked_booking(booking.pk)
        with pytest.raises(InvalidTransition) as excinfo:
            lifecycle.transition(
                locked, to_status=S.COMPLETED, actor_label="system", now=booking.starts_at - dt.timedelta(minutes=1)
            )
        assert excinfo.value.message == "This can only be recorded once the pickup time has passed."
        lifecycle.transition(locked, to_status=S.COMPLETED, actor_label="system", now=booking.starts_at)
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED


def test_an_unpaid_hold_expires_once_with_the_step_of_the_caller_run_under_the_lock_first(catalog):
    held = place_transfer(payment_method="card")
    other = place_transfer(payment_method="card")
    assert (held.status, other.status) == (S.PENDING_PAYMENT, S.PENDING_PAYMENT)
    seen: list[tuple[int, str]] = []

    def on_expire(booking: Booking) -> None:
        # Called inside the booking's transaction, before its status changes.
        assert transaction.get_connection().in_atomic_block
        seen.append((booking.pk, Booking.objects.get(pk=booking.pk).status))

    assert lifecycle.holds_expire(now=held.hold_expires_at - dt.timedelta(seconds=1), on_expire=on_expire) == 0
    assert lifecycle.holds_expire(now=other.hold_expires_at, on_expire=on_expire) == 2
    assert lifecycle.holds_expire(now=other.hold_expires_at, on_expire=on_expire) == 0
    assert seen == [(held.pk, S.PENDING_PAYMENT), (other.pk, S.PENDING_PAYMENT)]
    held.refresh_from_db()
    assert held.status == S.EXPIRED
    assert status_events(held) == [
        (
            "pending_payment",
            "expired",
            "system",
            None,
            "Unpaid hold expired",
            {"hold_expires_at": held.hold_expires_at.isoformat()},
        )
    ]


def test_a_booking_confirmed_before_its_hold_ran_out_is_not_expired(catalog):
    held = place_transfer(payment_method="card")
    with transaction.atomic():
        lifecycle.transition(lifecycle.locked_booking(held.pk), to_status=S.CONFIRMED, actor_label="stripe")
    assert lifecycle.holds_expire(now=held.hold_expires_at + dt.timedelta(hours=1)) == 0
    held.refresh_from_db()
    assert held.status == S.CONFIRMED
