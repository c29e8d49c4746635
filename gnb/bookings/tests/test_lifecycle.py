"""The booking lifecycle: guarded transitions, each recorded, and the cancellation policy from settings."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django_tasks_db.models import DBTaskResult

from gnb.bookings import policies
from gnb.bookings.models import Booking, BookingEvent
from gnb.bookings.services import Actor, booking_cancel, booking_transition
from gnb.core.errors import InvalidTransition, NotFound, ValidationFailed
from gnb.testing.bookings import place_transfer

S = Booking.Status
DISPATCH = Actor("dispatcher")


@pytest.fixture
def booking(catalog) -> Booking:
    """A confirmed cash booking for 40.00 EUR, thirty days ahead."""
    return place_transfer()


def status_events(booking: Booking) -> list[tuple[str, str, str, str]]:
    return [
        (event.from_status, event.to_status, event.actor_label, event.reason)
        for event in booking.events.filter(kind=BookingEvent.Kind.STATUS)
    ]


def set_status(booking: Booking, status: str) -> None:
    Booking.objects.filter(pk=booking.pk).update(status=status)


def test_a_trip_runs_from_confirmed_to_completed_and_every_step_is_recorded(booking):
    after_pickup = booking.starts_at + dt.timedelta(minutes=5)
    steps = [
        (S.ASSIGNED, "Driver Mehmet, 07 ABC 123"),
        (S.ON_THE_WAY, ""),
        (S.PICKED_UP, ""),
        (S.COMPLETED, "Dropped at the hotel"),
    ]
    for to_status, reason in steps:
        booking = booking_transition(
            booking_id=booking.pk, to_status=to_status, actor=DISPATCH, reason=reason, now=after_pickup
        )
        assert booking.status == to_status
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED
    assert status_events(booking) == [
        ("confirmed", "assigned", "dispatcher", "Driver Mehmet, 07 ABC 123"),
        ("assigned", "on_the_way", "dispatcher", ""),
        ("on_the_way", "picked_up", "dispatcher", ""),
        ("picked_up", "completed", "dispatcher", "Dropped at the hotel"),
    ]


def test_a_transition_records_the_user_who_made_it(booking):
    manager = get_user_model().objects.create_user(username="selin", password="a-long-password-123")
    booking_transition(booking_id=booking.pk, to_status=S.ASSIGNED, actor=Actor.for_user(manager), reason="Ali")
    event = booking.events.get(kind=BookingEvent.Kind.STATUS)
    assert (event.actor, event.actor_label, event.reason) == (manager, "selin", "Ali")
    assert event.created_at is not None


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        (S.PENDING_PAYMENT, S.ASSIGNED),  # not paid yet
        (S.CONFIRMED, S.PICKED_UP),  # skips "on the way"
        (S.CONFIRMED, S.EXPIRED),  # only an unpaid hold expires
        (S.ON_THE_WAY, S.CANCELLED),
        (S.COMPLETED, S.CONFIRMED),
        (S.COMPLETED, S.REFUNDED),
        (S.CANCELLED, S.CONFIRMED),
        (S.CANCELLED, S.CANCELLED),
        (S.EXPIRED, S.CONFIRMED),
        (S.NO_SHOW, S.COMPLETED),
        (S.REFUNDED, S.CANCELLED),
    ],
)
def test_a_transition_the_lifecycle_does_not_allow_is_refused_and_nothing_changes(booking, from_status, to_status):
    set_status(booking, from_status)
    with pytest.raises(InvalidTransition) as excinfo:
        booking_transition(
            booking_id=booking.pk,
            to_status=to_status,
            actor=DISPATCH,
            reason="Trying",
            now=booking.starts_at + dt.timedelta(hours=1),
        )
    labels = dict(S.choices)
    assert excinfo.value.field == "status"
    assert excinfo.value.message == (
        f"A booking in status “{labels[from_status]}” cannot move to “{labels[to_status]}”."
    )
    booking.refresh_from_db()
    assert booking.status == from_status
    assert status_events(booking) == []


@pytest.mark.parametrize("to_status", [S.COMPLETED, S.NO_SHOW])
def test_completion_and_no_show_wait_for_the_pickup_time(booking, to_status):
    with pytest.raises(InvalidTransition) as excinfo:
        booking_transition(
            booking_id=booking.pk, to_status=to_status, actor=DISPATCH, now=booking.starts_at - dt.timedelta(minutes=1)
        )
    assert excinfo.value.message == "This can only be recorded once the pickup time has passed."
    booking_transition(booking_id=booking.pk, to_status=to_status, actor=DISPATCH, now=booking.starts_at)
    booking.refresh_from_db()
    assert booking.status == to_status


def test_an_unknown_status_or_booking_is_refused(booking):
    with pytest.raises(InvalidTransition) as excinfo:
        booking_transition(booking_id=booking.pk, to_status="teleported", actor=DISPATCH)
    assert (excinfo.value.field, excinfo.value.message) == ("status", "Unknown status “teleported”.")
    with pytest.raises(NotFound):
        booking_transition(booking_id=booking.pk + 1000, to_status=S.ASSIGNED, actor=DISPATCH)


def emails_queued(booking: Booking) -> list[str]:
    """The kinds of the emails queued for ``booking`` so far, each in the transaction of its change."""
    rows = DBTaskResult.objects.filter(task_path="gnb.notifications.tasks.send_booking_email").order_by("enqueued_at")
    return [row.args_kwargs["kwargs"]["kind"] for row in rows if row.args_kwargs["kwargs"]["booking_id"] == booking.pk]


def test_an_unpaid_hold_can_expire_or_be_confirmed_with_its_email(catalog, django_capture_on_commit_callbacks):
    expiring = place_transfer(payment_method="card")
    booking_transition(booking_id=expiring.pk, to_status=S.EXPIRED, actor=Actor("system"), reason="Not paid")
    assert status_events(expiring) == [("pending_payment", "expired", "system", "Not paid")]
    paid = place_transfer(payment_method="card")
    booking_transition(booking_id=paid.pk, to_status=S.CONFIRMED, actor=Actor("system"), reason="Card paid")
    assert emails_queued(paid) == ["confirmation"]


# --- cancellation -----------------------------------------------------------------------------------------
def test_a_traveller_cancels_free_until_the_free_cancellation_window_closes(booking, settings):
    settings.GNB_FREE_CANCELLATION_HOURS = 24
    settings.GNB_LATE_CANCELLATION_FEE_PERCENT = Decimal("50")
    now = booking.starts_at - dt.timedelta(hours=24, seconds=1)
    cancelled = booking_cancel(booking_id=booking.pk, actor=Actor("traveller"), by_traveller=True, now=now)
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.cancellation_fee, cancelled.cancelled_at) == (
        S.CANCELLED,
        Decimal("0.00"),
        now,
    )
    [event] = cancelled.events.filter(kind=BookingEvent.Kind.STATUS)
    assert (event.from_status, event.to_status, event.reason, event.details) == (
        "confirmed",
        "cancelled",
        "Cancelled by the traveller",
        {"cancellation_fee": "0.00"},
    )


@pytest.mark.parametrize(
    ("free_hours", "fee_percent", "hours_before", "fee"),
    [
        (24, "50", 24, "20.00"),  # the window closes exactly 24 hours before
        (24, "50", 23, "20.00"),
        (48, "50", 30, "20.00"),
        (12, "50", 30, "0.00"),
        (24, "100", 2, "40.00"),
        (24, "0", 2, "0.00"),
        (24, "12.5", 2, "5.00"),
    ],
)
def test_a_late_cancellation_costs_the_fee_in_settings(booking, settings, free_hours, fee_percent, hours_before, fee):
    settings.GNB_FREE_CANCELLATION_HOURS = free_hours
    settings.GNB_LATE_CANCELLATION_FEE_PERCENT = Decimal(fee_percent)
    now = booking.starts_at - dt.timedelta(hours=hours_before)
    cancelled = booking_cancel(booking_id=booking.pk, actor=Actor("traveller"), by_traveller=True, now=now)
    cancelled.refresh_from_db()
    assert cancelled.cancellation_fee == Decimal(fee)


def test_the_fee_is_a_share_of_the_total_in_the_booking_currency(settings):
    settings.GNB_FREE_CANCELLATION_HOURS = 24
    settings.GNB_LATE_CANCELLATION_FEE_PERCENT = Decimal("50")
    start = dt.datetime(2030, 7, 1, 12, 0, tzinfo=dt.UTC)
    assert policies.free_cancellation_until(start) == dt.datetime(2030, 6, 30, 12, 0, tzinfo=dt.UTC)
    late = start - dt.timedelta(hours=1)
    assert policies.cancellation_fee(total=Decimal("46.75"), starts_at=start, now=late) == Decimal("23.38")
    assert policies.cancellation_fee(total=Decimal("0.00"), starts_at=start, now=late) == Decimal("0.00")


@pytest.mark.parametrize(
    ("status", "minutes_before", "message"),
    [
        (S.CONFIRMED, 0, "The trip has already started; please call us."),
        (S.ON_THE_WAY, 30, "This booking can no longer be cancelled online."),
        (S.COMPLETED, -60, "This booking can no longer be cancelled online."),
        (S.CANCELLED, 600, "This booking can no longer be cancelled online."),
    ],
)
def test_a_traveller_cannot_cancel_once_the_trip_is_under_way(booking, status, minutes_before, message):
    set_status(booking, status)
    with pytest.raises(InvalidTransition) as excinfo:
        booking_cancel(
            booking_id=booking.pk,
            actor=Actor("traveller"),
            by_traveller=True,
            now=booking.starts_at - dt.timedelta(minutes=minutes_before),
        )
    assert excinfo.value.message == message
    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_fee) == (status, None)


def test_staff_cancel_free_of_charge_but_must_give_a_reason(booking, django_capture_on_commit_callbacks):
    late = booking.starts_at - dt.timedelta(hours=1)
    with pytest.raises(ValidationFailed) as excinfo:
        booking_cancel(booking_id=booking.pk, actor=DISPATCH, reason="  ", now=late)
    assert excinfo.value.errors == [("reason", "Give a reason for cancelling.")]
    booking_transition(booking_id=booking.pk, to_status=S.CANCELLED, actor=DISPATCH, reason="Flight cancelled")
    assert emails_queued(booking)[-1:] == ["cancellation"]
    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_fee) == (S.CANCELLED, Decimal("0.00"))
    assert status_events(booking) == [("confirmed", "cancelled", "dispatcher", "Flight cancelled")]


def test_a_cancelled_booking_can_be_marked_refunded(booking):
    booking_cancel(booking_id=booking.pk, actor=DISPATCH, reason="Weather")
    booking_transition(booking_id=booking.pk, to_status=S.REFUNDED, actor=DISPATCH, reason="Refund sent")
    booking.refresh_from_db()
    assert booking.status == S.REFUNDED
    assert [to for _from, to, _actor, _reason in status_events(booking)] == ["cancelled", "refunded"]
