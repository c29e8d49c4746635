"""A driver and a vehicle are never on two overlapping trips, proven by racing dispatchers on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from functools import partial

import pytest
from django.db import IntegrityError, connection, transaction

from gnb.core.errors import Conflict
from gnb.fleet import services
from gnb.fleet.models import Trip
from gnb.fleet.services import Actor, AssignmentRefused, RideRef
from gnb.testing import races
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle

THREADS = 40

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and exclusion constraints: PostgreSQL"),
]


def outcome(error: BaseException | None, trip) -> tuple[str, object]:
    if error is None:
        return ("assigned", trip.pk)
    if isinstance(error, AssignmentRefused):
        return (error.code, error.conflicting_trip_id)
    if isinstance(error, Conflict):
        return (error.code, None)
    return ("error", repr(error))  # anything else fails the test with its repr


def overlapping_legs(count: int) -> list[int]:
    """``count`` rides whose busy ranges all overlap: pickups a minute apart on the same afternoon."""
    return [
        place_transfer(transfer_request(pickup_at=future_local(days=6, hour=14, minute=number % 50))).legs.get().pk
        for number in range(count)
    ]


@pytest.fixture
def actor(dispatcher) -> Actor:
    return Actor.for_user(dispatcher)


def test_forty_dispatchers_giving_one_driver_forty_overlapping_rides_assign_exactly_one(catalog, actor):
    make_drive_times(catalog)
    legs = overlapping_legs(THREADS)
    driver = make_driver()

    outcomes = races.race(
        [
            partial(services.fleet_assign, ride=RideRef(leg_id=leg), driver_id=driver.pk, vehicle_id=None, actor=actor)
            for leg in legs
        ],
        outcome=outcome,
    )

    winner = Trip.objects.get(driver=driver)
    assert Counter(kind for kind, _ in outcomes) == {"assigned": 1, "driver_busy": THREADS - 1}
    assert {detail for kind, detail in outcomes if kind == "driver_busy"} == {winner.pk}


def test_forty_dispatchers_giving_one_vehicle_forty_overlapping_rides_assign_exactly_one(catalog, actor):
    make_drive_times(catalog)
    legs = overlapping_legs(THREADS)
    vehicle = make_vehicle(catalog.sedan)

    outcomes = races.race(
        [
            partial(services.fleet_assign, ride=RideRef(leg_id=leg), driver_id=None, vehicle_id=vehicle.pk, actor=actor)
            for leg in legs
        ],
        outcome=outcome,
    )

    winner = Trip.objects.get(vehicle=vehicle)
    assert Counter(kind for kind, _ in outcomes) == {"assigned": 1, "vehicle_busy": THREADS - 1}
    assert {detail for kind, detail in outcomes if kind == "vehicle_busy"} == {winner.pk}


def test_twenty_dispatchers_giving_one_ride_twenty_drivers_make_one_trip(catalog, actor):
    make_drive_times(catalog)
    leg = overlapping_legs(1)[0]
    drivers = [make_driver() for _ in range(20)]

    outcomes = races.race(
        [
            partial(services.fleet_assign, ride=RideRef(leg_id=leg), driver_id=d.pk, vehicle_id=None, actor=actor)
            for d in drivers
        ],
        outcome=outcome,
    )

    assert Counter(kind for kind, _ in outcomes) == {"assigned": 1, "already_assigned": 19}
    assert Trip.objects.count() == 1


def test_without_the_row_locks_the_exclusion_constraint_still_refuses_the_overlap(catalog, actor, monkeypatch):
    # The control: with the driver's row lock gone and the overlap check blind, every dispatcher writes at once;
    # the database's exclusion constraint alone lets one trip through and the others get the named conflict.
    make_drive_times(catalog)
    legs = overlapping_legs(10)
    driver = make_driver()
    monkeypatch.setattr(services, "_lock_driver_and_vehicle", lambda d, v: (services.Driver.objects.get(pk=d), None))
    monkeypatch.setattr(services, "_check", lambda *args, **kwargs: None)

    outcomes = races.race(
        [
            partial(services.fleet_assign, ride=RideRef(leg_id=leg), driver_id=driver.pk, vehicle_id=None, actor=actor)
            for leg in legs
        ],
        outcome=outcome,
    )

    assert Counter(kind for kind, _ in outcomes) == {"assigned": 1, "driver_busy": 9}
    assert Trip.objects.filter(driver=driver).count() == 1


def test_the_database_refuses_an_overlapping_trip_written_directly(catalog, actor):
    make_drive_times(catalog)
    leg = overlapping_legs(1)[0]
    driver = make_driver()
    trip = services.fleet_assign(ride=RideRef(leg_id=leg), driver_id=driver.pk, vehicle_id=None, actor=actor)

    with pytest.raises(IntegrityError, match="trip_driver_no_overlap"), transaction.atomic():
        Trip.objects.create(
            kind="transfer",
            starts_at=trip.ends_at - (trip.ends_at - trip.starts_at) / 2,
            ends_at=trip.ends_at + (trip.ends_at - trip.starts_at),
            origin_zone=trip.origin_zone,
            destination_zone=trip.destination_zone,
            driver=driver,
            passengers=1,
        )
    # A released trip holds nothing: the same range is free once the first is released.
    services.fleet_unassign(trip_id=trip.pk, actor=actor)
    assert services.fleet_assign(ride=RideRef(leg_id=leg), driver_id=driver.pk, vehicle_id=None, actor=actor)
