"""Planning random small days on PostgreSQL: whatever the rides, drivers and vehicles, a proposal applied never
breaks a constraint, every trip it makes keeps the fleet's rules (read back from the database), and a change made
by hand between the plan and its application is never overwritten."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gnb.bookings.models import Booking
from gnb.bookings.services import booking_cancel
from gnb.core.errors import DomainError
from gnb.fleet import board as board_selector
from gnb.fleet import dispatch, rules, services
from gnb.fleet.models import DispatchProposalItem, Trip
from gnb.fleet.planning import from_db
from gnb.fleet.services import Actor, RideRef
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraints: PostgreSQL"),
]

DAYS_AHEAD = 6
Outcome = DispatchProposalItem.Outcome
_plates = itertools.count(100)

rides = st.lists(
    st.tuples(
        st.integers(5, 21),  # hour
        st.sampled_from([0, 20, 40]),  # minute
        st.integers(1, 6),  # adults
        st.sampled_from(["regnum-carya", "titanic-lara"]),
    ),
    min_size=1,
    max_size=6,
)
SHIFTS = {"all day": (dt.time(0), dt.time(0)), "early": (dt.time(5), dt.time(14)), "late": (dt.time(13), dt.time(23))}
drivers = st.lists(st.tuples(st.sampled_from(sorted(SHIFTS)), st.booleans()), min_size=1, max_size=3)
vehicles = st.lists(st.tuples(st.sampled_from(["sedan", "minivan"]), st.booleans()), min_size=1, max_size=3)
# Between the plan and its application: nothing, a ride given a driver by hand, or a booking cancelled.
changes = st.tuples(st.sampled_from(["none", "by hand", "cancel"]), st.integers(0, 5))


@pytest.fixture
def quick_solver(settings):
    settings.GNB_DISPATCH_TIME_LIMIT_SECONDS = 0.3


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rides=rides, drivers=drivers, vehicles=vehicles, change=changes)
def test_a_random_day_planned_and_applied_keeps_every_rule_and_every_change_by_hand(
    catalog, dispatcher, quick_solver, rides, drivers, vehicles, change
):
    with transaction.atomic():
        _plan_and_apply(catalog, Actor.for_user(dispatcher), rides, drivers, vehicles, change)
        transaction.set_rollback(True)  # each example starts from the same empty day


def _plan_and_apply(catalog, actor, rides, drivers, vehicles, change) -> None:
    make_drive_times(catalog)
    day = future_local(days=DAYS_AHEAD, hour=12).date()
    expired = day - dt.timedelta(days=1)
    bookings = [
        place_transfer(
            transfer_request(
                pickup_at=future_local(days=DAYS_AHEAD, hour=hour, minute=minute),
                destination=destination,
                adults=adults,
                luggage=adults,
            ),
            vehicle_class="sedan" if adults <= 3 else "minivan",
        )
        for hour, minute, adults, destination in rides
    ]
    made_drivers = [
        make_driver(
            f"D{n}",
            shifts=tuple((weekday, *SHIFTS[shift]) for weekday in range(7)),
            **({} if valid else {"licence_expires_on": expired}),
        )
        for n, (shift, valid) in enumerate(drivers)
    ]
    made_vehicles = [
        make_vehicle(
            getattr(catalog, kind), f"07 HP {next(_plates)}", **({} if valid else {"insurance_expires_on": expired})
        )
        for kind, valid in vehicles
    ]
    start = board_selector.day_start(day)
    proposal = dispatch.dispatch_propose(start=start, end=start + dt.timedelta(days=1), actor=actor)

    kind, index = change
    touched = bookings[index % len(bookings)]
    by_hand = None
    if kind == "by hand":
        for driver, vehicle in itertools.product(made_drivers, made_vehicles):
            try:
                by_hand = services.fleet_assign(
                    ride=RideRef(leg_id=touched.legs.get().pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor
                )
                break
            except DomainError:
                continue
    elif kind == "cancel":
        booking_cancel(booking_id=touched.pk, actor=services.SYSTEM, reason="Changed plans")

    results = dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=None, actor=actor)

    assert len(results) == proposal.items.count()
    touched_key = from_db.leg_key(touched.legs.get().pk)
    for result in results:
        if result.ride_key == touched_key and (by_hand is not None or kind == "cancel"):
            assert result.outcome == Outcome.SKIPPED, result
    if by_hand is not None:
        kept = Trip.objects.get(pk=by_hand.pk)
        assert (kept.driver_id, kept.vehicle_id, kept.status) == (
            by_hand.driver_id,
            by_hand.vehicle_id,
            Trip.Status.ASSIGNED,
        )
        assert list(touched.legs.get().rides.values_list("trip_id", flat=True)) == [by_hand.pk]
    if kind == "cancel":
        assert Booking.objects.get(pk=touched.pk).status == Booking.Status.CANCELLED
        assert not Trip.objects.exclude(status=Trip.Status.RELEASED).filter(riders__booking=touched).exists()
    _every_live_trip_keeps_the_rules()


def _every_live_trip_keeps_the_rules() -> None:
    """Read back from the database: no driver or vehicle on two overlapping trips, every vehicle holds its party and
    the class booked (or bigger), every document valid through the day the trip ends."""
    trips = list(
        Trip.objects.exclude(status=Trip.Status.RELEASED)
        .select_related("driver", "vehicle__vehicle_class")
        .prefetch_related("riders__booking__vehicle_class")
    )
    for first, second in itertools.combinations(trips, 2):
        if first.starts_at < second.ends_at and second.starts_at < first.ends_at:
            assert first.driver_id != second.driver_id, (first, second)
            assert first.vehicle_id != second.vehicle_id, (first, second)
    for trip in trips:
        assert trip.driver is not None and trip.vehicle is not None
        assert trip.passengers <= trip.vehicle.seats and trip.luggage <= trip.vehicle.luggage
        last_day = trip.ends_at.astimezone(rules.LOCAL).date()
        assert all(expires_on >= last_day for _name, expires_on in trip.driver.documents())
        assert all(expires_on >= last_day for _name, expires_on in trip.vehicle.documents())
        for rider in trip.riders.all():
            booked = rider.booking.vehicle_class
            carried = trip.vehicle.vehicle_class
            assert carried == booked or (
                carried.max_passengers >= booked.max_passengers and carried.max_luggage >= booked.max_luggage
            )
