"""Assigning rides and the steps of a trip: every refusal with its reason, and the booking lifecycle through trips."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from gnb.bookings.models import Booking, BookingEvent
from gnb.bookings.services import SYSTEM, booking_cancel
from gnb.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from gnb.fleet import services
from gnb.fleet.models import DriverTimeOff, Trip, TripBooking, TripEvent, ZoneDriveTime
from gnb.fleet.selectors import NoDriveTime
from gnb.fleet.services import Actor, AssignmentRefused, RideRef
from gnb.payments.models import Payment
from gnb.testing.bookings import passengers_for, place_tour, place_transfer, transfer_request
from gnb.testing.catalog import IST, future_local
from gnb.testing.fleet import at_the_pickup, make_drive_times, make_driver, make_vehicle

pytestmark = pytest.mark.django_db

S = Booking.Status
T = Trip.Status


@pytest.fixture
def fleet(catalog):
    make_drive_times(catalog)  # 45 minutes between the zones, a turnaround of 30 (the default setting)
    return catalog


@pytest.fixture
def actor(dispatcher) -> Actor:
    return Actor.for_user(dispatcher)


def leg_of(booking: Booking, sequence: int = 1) -> RideRef:
    return RideRef(leg_id=booking.legs.get(sequence=sequence).pk)


def refused(call) -> AssignmentRefused:
    with pytest.raises(AssignmentRefused) as caught:
        call()
    return caught.value


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    return future_local(days=days, hour=hour, minute=minute).replace(tzinfo=IST)


# --- assigning ----------------------------------------------------------------------------------------------
def test_assigning_a_driver_and_vehicle_makes_a_trip_and_the_booking_assigned(fleet, actor, dispatcher):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=14, minute=30)))
    driver, vehicle = make_driver("Ayşe"), make_vehicle(fleet.sedan)

    trip = services.fleet_assign(ride=leg_of(booking), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor)

    trip.refresh_from_db()
    assert (trip.kind, trip.status, trip.driver, trip.vehicle) == ("transfer", T.ASSIGNED, driver, vehicle)
    assert trip.starts_at == at(5, 14, 30)
    assert trip.ends_at == at(5, 14, 30) + dt.timedelta(minutes=45 + 30)
    assert (trip.origin_zone, trip.destination_zone) == (fleet.airport_zone, fleet.belek)
    assert (trip.passengers, trip.luggage) == (2, 0)
    assert list(TripBooking.objects.filter(trip=trip).values_list("booking_id", "leg_id")) == [
        (booking.pk, booking.legs.get().pk)
    ]
    booking.refresh_from_db()
    assert booking.status == S.ASSIGNED
    step = booking.events.get(kind=BookingEvent.Kind.STATUS, to_status=S.ASSIGNED)
    assert (step.from_status, step.actor, step.reason) == (S.CONFIRMED, dispatcher, "Driver and vehicle assigned")
    told = booking.events.get(kind=BookingEvent.Kind.CHANGED)
    assert told.details == {"trip": trip.pk, "driver": driver.pk, "vehicle": vehicle.pk}
    event = TripEvent.objects.get(trip=trip)
    assert (event.action, event.to_status, event.actor, event.details) == (
        "assigned",
        T.ASSIGNED,
        dispatcher,
        {"driver": driver.pk, "vehicle": vehicle.pk},
    )


def test_a_driver_alone_does_not_make_the_booking_assigned_until_a_vehicle_joins(fleet, actor):
    booking = place_transfer()
    driver, vehicle = make_driver(), make_vehicle(fleet.sedan)

    trip = services.fleet_assign(ride=leg_of(booking), driver_id=driver.pk, vehicle_id=None, actor=actor)
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    assert not booking.events.filter(kind=BookingEvent.Kind.CHANGED).exists()  # nobody to announce yet

    services.fleet_reassign(trip_id=trip.pk, driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor)
    booking.refresh_from_db()
    assert booking.status == S.ASSIGNED
    assert booking.events.filter(kind=BookingEvent.Kind.CHANGED).count() == 1


def test_nothing_to_assign_and_unknown_rides_drivers_or_vehicles_are_named(fleet, actor):
    booking = place_transfer()
    with pytest.raises(ValidationFailed) as nothing:
        services.fleet_assign(ride=leg_of(booking), driver_id=None, vehicle_id=None, actor=actor)
    assert nothing.value.errors == [("driver", "Choose a driver or a vehicle.")]
    with pytest.raises(NotFound) as ride:
        services.fleet_assign(ride=RideRef(leg_id=999999), driver_id=make_driver().pk, vehicle_id=None, actor=actor)
    assert (ride.value.field, ride.value.message) == ("ride", "Ride not found.")
    with pytest.raises(NotFound) as driver:
        services.fleet_assign(ride=leg_of(booking), driver_id=999999, vehicle_id=None, actor=actor)
    assert (driver.value.field, driver.value.message) == ("driver", "Driver not found.")
    with pytest.raises(NotFound) as vehicle:
        services.fleet_assign(ride=leg_of(booking), driver_id=None, vehicle_id=999999, actor=actor)
    assert (vehicle.value.field, vehicle.value.message) == ("vehicle", "Vehicle not found.")
    assert not Trip.objects.exists()


def test_a_ride_already_on_a_trip_is_a_conflict_naming_that_trip(fleet, actor):
    booking = place_transfer()
    trip = services.fleet_assign(ride=leg_of(booking), driver_id=make_driver().pk, vehicle_id=None, actor=actor)
    with pytest.raises(Conflict) as caught:
        services.fleet_assign(ride=leg_of(booking), driver_id=make_driver().pk, vehicle_id=None, actor=actor)
    assert caught.value.code == "already_assigned"
    assert caught.value.message == f"This ride is already on trip T{trip.pk}; change that trip instead."


def test_a_booking_waiting_for_payment_or_cancelled_gets_no_driver(fleet, actor):
    waiting = place_transfer(payment_method="card")
    assert waiting.status == S.PENDING_PAYMENT
    with pytest.raises(InvalidTransition) as unpaid:
        services.fleet_assign(ride=leg_of(waiting), driver_id=make_driver().pk, vehicle_id=None, actor=actor)
    assert unpaid.value.message == f"{waiting.reference} is still waiting for payment."
    cancelled = place_transfer()
    booking_cancel(booking_id=cancelled.pk, actor=SYSTEM, reason="Changed plans")
    with pytest.raises(InvalidTransition) as gone:
        services.fleet_assign(ride=leg_of(cancelled), driver_id=make_driver().pk, vehicle_id=None, actor=actor)
    assert gone.value.message == f"{cancelled.reference} is cancelled and needs no driver."


def test_a_missing_drive_time_is_named_rather_than_guessed(catalog, actor):
    booking = place_transfer()
    with pytest.raises(NoDriveTime) as caught:
        services.fleet_assign(ride=leg_of(booking), driver_id=make_driver().pk, vehicle_id=None, actor=actor)
    assert caught.value.message == (
        "No drive time is kept from Antalya Airport to Belek; add it under Fleet › Drive times."
    )
    # A time kept for the other direction serves this one.
    ZoneDriveTime.objects.create(origin=catalog.belek, destination=catalog.airport_zone, minutes=50)
    trip = services.fleet_assign(ride=leg_of(booking), driver_id=make_driver().pk, vehicle_id=None, actor=actor)
    assert trip.ends_at - trip.starts_at == dt.timedelta(minutes=80)


# --- every refusal, with its reason ---------------------------------------------------------------------------
def test_a_busy_driver_is_refused_naming_the_trip_they_are_on(fleet, actor):
    first = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=14, minute=30)))
    second = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=15, minute=30)))
    driver = make_driver("Ayşe", "Kaya")
    trip = services.fleet_assign(ride=leg_of(first), driver_id=driver.pk, vehicle_id=None, actor=actor)

    error = refused(
        lambda: services.fleet_assign(ride=leg_of(second), driver_id=driver.pk, vehicle_id=None, actor=actor)
    )

    assert error.code == "driver_busy"
    assert error.field == "driver"
    assert error.conflicting_trip_id == trip.pk
    assert error.message == f"Ayşe Kaya is on trip T{trip.pk} (Antalya Airport → Belek, 14:30–15:45) at that time."


def test_the_minute_a_trip_frees_its_driver_the_next_may_start(fleet, actor):
    first = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=14, minute=30)))
    # 14:30 + 45 minutes' drive + 30 minutes' turnaround = 15:45: free from then on (half-open ranges).
    second = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=15, minute=45)))
    driver = make_driver()
    services.fleet_assign(ride=leg_of(first), driver_id=driver.pk, vehicle_id=None, actor=actor)
    services.fleet_assign(ride=leg_of(second), driver_id=driver.pk, vehicle_id=None, actor=actor)
    assert Trip.objects.filter(driver=driver).count() == 2


def test_a_busy_vehicle_is_refused_naming_the_trip_it_is_on(fleet, actor):
    first = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=9, minute=0)))
    second = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=9, minute=30)))
    vehicle = make_vehicle(fleet.sedan, plate="07 ABC 123")
    trip = services.fleet_assign(ride=leg_of(first), driver_id=None, vehicle_id=vehicle.pk, actor=actor)

    error = refused(
        lambda: services.fleet_assign(ride=leg_of(second), driver_id=None, vehicle_id=vehicle.pk, actor=actor)
    )

    assert (error.code, error.field, error.conflicting_trip_id) == ("vehicle_busy", "vehicle", trip.pk)
    assert error.message == f"07 ABC 123 is on trip T{trip.pk} (Antalya Airport → Belek, 09:00–10:15) at that time."


def test_an_inactive_driver_or_vehicle_is_refused(fleet, actor):
    booking = place_transfer()
    driver = make_driver("Can", "Demir", is_active=False)
    vehicle = make_vehicle(fleet.sedan, plate="07 CD 456", is_active=False)
    error = refused(
        lambda: services.fleet_assign(ride=leg_of(booking), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor)
    )
    assert [r.code for r in error.refusals] == ["driver_inactive", "vehicle_inactive"]
    assert error.message == "Can Demir is not an active driver. 07 CD 456 is not an active vehicle."


def test_documents_that_expire_before_the_trip_refuse_it_and_the_last_valid_day_is_enough(fleet, actor):
    pickup = future_local(days=5, hour=10, minute=0)
    booking = place_transfer(transfer_request(pickup_at=pickup))
    day_before = pickup.date() - dt.timedelta(days=1)
    driver = make_driver("Can", "Demir", src_expires_on=day_before)
    vehicle = make_vehicle(fleet.sedan, plate="07 CD 456", inspection_expires_on=day_before)
    error = refused(
        lambda: services.fleet_assign(ride=leg_of(booking), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor)
    )
    assert [r.code for r in error.refusals] == ["driver_document_expired", "vehicle_document_expired"]
    short = day_before.strftime("%m/%d/%Y")
    assert error.refusals[0].message == f"Can Demir's SRC certificate expires on {short}, before this trip."
    assert error.refusals[1].message == f"07 CD 456's inspection (muayene) expires on {short}, before this trip."

    on_the_day = make_driver("Deniz", licence_expires_on=pickup.date())
    assert services.fleet_assign(ride=leg_of(booking), driver_id=on_the_day.pk, vehicle_id=None, actor=actor)


def test_a_driver_off_that_day_or_outside_their_shift_is_refused(fleet, actor):
    pickup = future_local(days=5, hour=6, minute=30)
    booking = place_transfer(transfer_request(pickup_at=pickup))
    off = make_driver("Elif", "Şahin")
    DriverTimeOff.objects.create(driver=off, starts_on=pickup.date(), ends_on=pickup.date(), reason="Leave")
    weekday = pickup.weekday()
    early = make_driver("Emre", "Aydın", shifts=((weekday, dt.time(7), dt.time(19)),))

    assert [
        r.message
        for r in refused(
            lambda: services.fleet_assign(ride=leg_of(booking), driver_id=off.pk, vehicle_id=None, actor=actor)
        ).refusals
    ] == [f"Elif Şahin is off from {pickup:%m/%d/%Y} to {pickup:%m/%d/%Y}."]
    error = refused(
        lambda: services.fleet_assign(ride=leg_of(booking), driver_id=early.pk, vehicle_id=None, actor=actor)
    )
    assert (error.code, error.message) == ("driver_off_shift", "Emre Aydın does not work at 06:30 on that day.")

    # A night shift that began the evening before covers 06:30.
    night = make_driver("Gül", shifts=(((weekday - 1) % 7, dt.time(19), dt.time(7)),))
    assert services.fleet_assign(ride=leg_of(booking), driver_id=night.pk, vehicle_id=None, actor=actor)


def test_a_smaller_class_than_booked_is_refused_and_a_bigger_one_is_an_upgrade(fleet, actor):
    booking = place_transfer(vehicle_class="minivan")
    sedan = make_vehicle(fleet.sedan, plate="07 SD 100")
    error = refused(
        lambda: services.fleet_assign(ride=leg_of(booking), driver_id=None, vehicle_id=sedan.pk, actor=actor)
    )
    assert (error.code, error.message) == ("vehicle_class", "The traveller booked a Minivan; 07 SD 100 is a Sedan.")
    minibus = make_vehicle(fleet.minibus)
    assert (
        services.fleet_assign(ride=leg_of(booking), driver_id=None, vehicle_id=minibus.pk, actor=actor).vehicle
        == minibus
    )


def test_a_vehicle_never_carries_more_passengers_or_luggage_than_it_holds(fleet, actor):
    booking = place_transfer(transfer_request(adults=3, luggage=3))
    cramped = make_vehicle(fleet.sedan, plate="07 SD 200")
    # Below the class's promise: only possible through a row written directly, which is what this guards against.
    type(cramped).objects.filter(pk=cramped.pk).update(seats=2, luggage=1)
    error = refused(
        lambda: services.fleet_assign(ride=leg_of(booking), driver_id=None, vehicle_id=cramped.pk, actor=actor)
    )
    assert [(r.code, r.message) for r in error.refusals] == [
        ("vehicle_seats", "07 SD 200 has 2 seats for 3 passengers."),
        ("vehicle_luggage", "07 SD 200 takes 1 pieces of luggage; this trip has 3."),
    ]


# --- tours: several vehicles for one departure ---------------------------------------------------------------
def test_a_tour_departure_fills_vehicles_with_whole_parties_in_booking_order(fleet, actor):
    departure = fleet.departure
    four = place_tour(departure, adults=4, passengers=passengers_for(4))
    five = place_tour(departure, adults=5, passengers=passengers_for(5))
    three = place_tour(departure, adults=3, passengers=passengers_for(3))
    minivan = make_vehicle(fleet.minivan)  # 7 seats: the 4 and the 3 fit, the 5 waits

    first = services.fleet_assign(
        ride=RideRef(departure_id=departure.pk), driver_id=make_driver().pk, vehicle_id=minivan.pk, actor=actor
    )
    assert set(first.riders.values_list("booking_id", flat=True)) == {four.pk, three.pk}
    assert (first.kind, first.departure, first.passengers) == ("tour", departure, 7)
    # From the first hotel pickup (Belek, 45 minutes before the departure) to the tour's end and the turnaround.
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=45 + 480 + 30)
    assert {b.status for b in Booking.objects.filter(pk__in=[four.pk, three.pk])} == {S.ASSIGNED}
    five.refresh_from_db()
    assert five.status == S.CONFIRMED

    too_small = make_vehicle(fleet.sedan, plate="07 SD 300")
    error = refused(
        lambda: services.fleet_assign(
            ride=RideRef(departure_id=departure.pk), driver_id=None, vehicle_id=too_small.pk, actor=actor
        )
    )
    assert error.message == "07 SD 300 has 3 seats; the smallest party waiting has 5."

    second = services.fleet_assign(
        ride=RideRef(departure_id=departure.pk),
        driver_id=make_driver().pk,
        vehicle_id=make_vehicle(fleet.minibus).pk,
        actor=actor,
    )
    assert list(second.riders.values_list("booking_id", flat=True)) == [five.pk]
    with pytest.raises(Conflict) as done:
        services.fleet_assign(
            ride=RideRef(departure_id=departure.pk), driver_id=make_driver().pk, vehicle_id=None, actor=actor
        )
    assert done.value.message == "Every booking of this departure already has a vehicle."


# --- changing and releasing ----------------------------------------------------------------------------------
def test_unassigning_releases_the_trip_frees_the_driver_and_confirms_the_booking_again(fleet, actor, dispatcher):
    booking = place_transfer()
    driver, vehicle = make_driver(), make_vehicle(fleet.sedan)
    trip = services.fleet_assign(ride=leg_of(booking), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor)

    services.fleet_unassign(trip_id=trip.pk, actor=actor, reason="Driver sick")

    trip.refresh_from_db()
    assert (trip.status, trip.released_at is not None) == (T.RELEASED, True)
    assert not trip.riders.exists()
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED
    event = trip.events.get(action="unassigned")
    assert (event.reason, event.details, event.actor) == (
        "Driver sick",
        {"riders": [{"booking": booking.reference}]},
        dispatcher,
    )
    again = services.fleet_assign(ride=leg_of(booking), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor)
    assert again.pk != trip.pk


def test_reassigning_checks_the_new_driver_and_marks_a_reported_trip_for_reporting_again(fleet, actor):
    first = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=10, minute=0)))
    second = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=10, minute=30)))
    busy = make_driver("Hakan")
    services.fleet_assign(ride=leg_of(second), driver_id=busy.pk, vehicle_id=None, actor=actor)
    vehicle = make_vehicle(fleet.sedan)
    trip = services.fleet_assign(ride=leg_of(first), driver_id=make_driver().pk, vehicle_id=vehicle.pk, actor=actor)
    Trip.objects.filter(pk=trip.pk).update(reporting=Trip.Reporting.REPORTED, uetds_reference=4711)

    error = refused(
        lambda: services.fleet_reassign(trip_id=trip.pk, driver_id=busy.pk, vehicle_id=vehicle.pk, actor=actor)
    )
    assert error.code == "driver_busy"
    trip.refresh_from_db()
    assert trip.reporting == Trip.Reporting.REPORTED  # nothing changed

    other = make_driver("İpek")
    services.fleet_reassign(trip_id=trip.pk, driver_id=other.pk, vehicle_id=vehicle.pk, actor=actor, reason="Swap")
    trip.refresh_from_db()
    assert (trip.driver, trip.reporting) == (other, Trip.Reporting.STALE)
    first.refresh_from_db()
    assert first.events.filter(kind=BookingEvent.Kind.CHANGED).count() == 2  # told twice: assigned, then changed


def test_a_cancelled_booking_frees_its_trip_and_a_reported_one_is_withdrawn(fleet, actor):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=10, minute=0)))
    driver = make_driver()
    trip = services.fleet_assign(
        ride=leg_of(booking), driver_id=driver.pk, vehicle_id=make_vehicle(fleet.sedan).pk, actor=actor
    )
    Trip.objects.filter(pk=trip.pk).update(reporting=Trip.Reporting.REPORTED, uetds_reference=4711)

    booking_cancel(booking_id=booking.pk, actor=SYSTEM, reason="Changed plans")

    trip.refresh_from_db()
    assert (trip.status, trip.reporting) == (T.RELEASED, Trip.Reporting.CANCEL_DUE)
    assert trip.events.get(action="released").reason == f"{booking.reference} Cancelled"
    overlapping = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=10, minute=0)))
    assert services.fleet_assign(ride=leg_of(overlapping), driver_id=driver.pk, vehicle_id=None, actor=actor)


def test_a_cancelled_tour_booking_leaves_the_vehicle_to_the_others(fleet, actor):
    departure = fleet.departure
    staying = place_tour(departure, adults=2)
    leaving = place_tour(departure, adults=3, passengers=passengers_for(3))
    trip = services.fleet_assign(
        ride=RideRef(departure_id=departure.pk),
        driver_id=make_driver().pk,
        vehicle_id=make_vehicle(fleet.minivan).pk,
        actor=actor,
    )
    assert trip.passengers == 5

    booking_cancel(booking_id=leaving.pk, actor=SYSTEM, reason="Ill")

    trip.refresh_from_db()
    assert (trip.status, trip.passengers) == (T.ASSIGNED, 2)
    assert list(trip.riders.values_list("booking_id", flat=True)) == [staying.pk]


# --- the steps of a trip --------------------------------------------------------------------------------------
def test_a_trip_runs_assigned_on_the_way_arrived_picked_up_completed_and_the_booking_follows(fleet, actor, driver):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=2, hour=14, minute=30)))
    trip = services.fleet_assign(
        ride=leg_of(booking), driver_id=make_driver().pk, vehicle_id=make_vehicle(fleet.sedan).pk, actor=actor
    )
    pickup = at(2, 14, 30)
    by_driver = Actor.for_user(driver)
    here = services.Position(Decimal("36.898700"), Decimal("30.800500"), 12)

    with time_machine.travel(pickup - dt.timedelta(minutes=40), tick=False):
        services.trip_start(trip_id=trip.pk, actor=by_driver, position=here)
    booking.refresh_from_db()
    assert booking.status == S.ON_THE_WAY
    with time_machine.travel(pickup - dt.timedelta(minutes=5), tick=False):
        services.trip_arrive(trip_id=trip.pk, actor=by_driver)
        with pytest.raises(InvalidTransition) as early:
            services.trip_pick_up(trip_id=trip.pk, actor=by_driver)
        assert early.value.message == "This can only be recorded once the pickup time has passed."
    with time_machine.travel(pickup + dt.timedelta(minutes=10), tick=False):
        services.trip_pick_up(trip_id=trip.pk, actor=by_driver)
    with time_machine.travel(pickup + dt.timedelta(minutes=50), tick=False):
        services.trip_complete(trip_id=trip.pk, actor=by_driver)

    trip.refresh_from_db()
    booking.refresh_from_db()
    assert (trip.status, booking.status) == (T.COMPLETED, S.COMPLETED)
    assert (trip.started_at, trip.arrived_at, trip.picked_up_at, trip.finished_at) == (
        pickup - dt.timedelta(minutes=40),
        pickup - dt.timedelta(minutes=5),
        pickup + dt.timedelta(minutes=10),
        pickup + dt.timedelta(minutes=50),
    )
    # Done at 15:20: busy until then plus the turnaround, not until the estimate's 15:45.
    assert trip.ends_at == pickup + dt.timedelta(minutes=50 + 30) - dt.timedelta(minutes=5)
    steps = list(trip.events.values_list("action", "from_status", "to_status"))
    assert steps == [
        ("assigned", "", T.ASSIGNED),
        (T.ON_THE_WAY, T.ASSIGNED, T.ON_THE_WAY),
        (T.ARRIVED, T.ON_THE_WAY, T.ARRIVED),
        (T.PICKED_UP, T.ARRIVED, T.PICKED_UP),
        (T.COMPLETED, T.PICKED_UP, T.COMPLETED),
    ]
    start = trip.events.get(action=T.ON_THE_WAY)
    assert (start.latitude, start.longitude, start.accuracy_m, start.actor) == (
        Decimal("36.898700"),
        Decimal("30.800500"),
        12,
        driver,
    )
    assert list(booking.events.filter(kind="status").values_list("to_status", flat=True)) == [
        S.ASSIGNED,
        S.ON_THE_WAY,
        S.PICKED_UP,
        S.COMPLETED,
    ]


def test_steps_out_of_order_are_refused_with_what_the_trip_is(fleet, actor):
    booking = place_transfer()
    trip = services.fleet_assign(
        ride=leg_of(booking), driver_id=make_driver().pk, vehicle_id=make_vehicle(fleet.sedan).pk, actor=actor
    )
    with pytest.raises(InvalidTransition) as caught:
        services.trip_complete(trip_id=trip.pk, actor=actor)
    assert caught.value.message == f"Trip T{trip.pk} is assigned; it cannot be marked completed."
    half = services.fleet_assign(
        ride=leg_of(place_transfer()), driver_id=make_driver().pk, vehicle_id=None, actor=actor
    )
    with pytest.raises(InvalidTransition) as no_vehicle:
        services.trip_start(trip_id=half.pk, actor=actor)
    assert no_vehicle.value.message == f"Trip T{half.pk} has no driver and vehicle yet."
    services.trip_start(trip_id=trip.pk, actor=actor)
    with pytest.raises(InvalidTransition) as started:
        services.fleet_unassign(trip_id=trip.pk, actor=actor)
    assert (
        started.value.message == f"Trip T{trip.pk} is on the way; only a trip that has not started can be unassigned."
    )


def test_a_no_show_needs_a_reason_and_ends_the_booking(fleet, actor):
    booking = place_transfer(transfer_request(pickup_at=future_local(days=2, hour=9, minute=0)))
    trip = services.fleet_assign(
        ride=leg_of(booking), driver_id=make_driver().pk, vehicle_id=make_vehicle(fleet.sedan).pk, actor=actor
    )
    with time_machine.travel(at(2, 8, 30), tick=False):
        services.trip_start(trip_id=trip.pk, actor=actor)
    with time_machine.travel(at(2, 10, 30), tick=False):
        with pytest.raises(ValidationFailed) as silent:
            services.trip_no_show(trip_id=trip.pk, actor=actor, reason=" ")
        assert silent.value.errors == [("reason", "Say what happened (how long you waited, where).")]
        services.trip_no_show(
            trip_id=trip.pk, actor=actor, reason="Waited 90 min at arrivals, sign shown", position=at_the_pickup(trip)
        )
    trip.refresh_from_db()
    booking.refresh_from_db()
    assert (trip.status, booking.status) == (T.NO_SHOW, S.NO_SHOW)
    assert trip.events.get(action=T.NO_SHOW).reason == "Waited 90 min at arrivals, sign shown"


def test_a_return_trip_hands_over_from_the_first_ride_to_the_return_ride(fleet, actor):
    booking = place_transfer(
        transfer_request(
            pickup_at=future_local(days=2, hour=9, minute=0), return_pickup_at=future_local(days=9, hour=18, minute=0)
        )
    )
    outbound = services.fleet_assign(
        ride=leg_of(booking, 1), driver_id=make_driver().pk, vehicle_id=make_vehicle(fleet.sedan).pk, actor=actor
    )
    booking.refresh_from_db()
    assert booking.status == S.ASSIGNED  # the next ride has its driver and vehicle

    for moment, step in (
        (at(2, 8, 30), services.trip_start),
        (at(2, 9, 5), services.trip_pick_up),
        (at(2, 10), services.trip_complete),
    ):
        with time_machine.travel(moment, tick=False):
            step(trip_id=outbound.pk, actor=actor)
    booking.refresh_from_db()
    assert booking.status == S.CONFIRMED  # the return ride has nobody yet

    back = services.fleet_assign(
        ride=leg_of(booking, 2), driver_id=make_driver().pk, vehicle_id=make_vehicle(fleet.sedan).pk, actor=actor
    )
    booking.refresh_from_db()
    assert booking.status == S.ASSIGNED
    for moment, step in (
        (at(9, 17, 40), services.trip_start),
        (at(9, 18, 5), services.trip_pick_up),
        (at(9, 19), services.trip_complete),
    ):
        with time_machine.travel(moment, tick=False):
            step(trip_id=back.pk, actor=actor)
    booking.refresh_from_db()
    assert booking.status == S.COMPLETED


# --- cash ------------------------------------------------------------------------------------------------------
def test_cash_collected_by_the_driver_is_a_confirmed_cash_payment_once_the_trip_started(fleet, actor, driver):
    booking = place_transfer()
    other = place_transfer()
    trip = services.fleet_assign(
        ride=leg_of(booking), driver_id=make_driver().pk, vehicle_id=make_vehicle(fleet.sedan).pk, actor=actor
    )
    with pytest.raises(InvalidTransition) as early:
        services.trip_cash_collect(trip_id=trip.pk, booking_id=booking.pk, amount="40.00", actor_user=driver)
    assert early.value.message == "Cash is recorded once the trip has started."
    services.trip_start(trip_id=trip.pk, actor=actor)
    with pytest.raises(NotFound) as stranger:
        services.trip_cash_collect(trip_id=trip.pk, booking_id=other.pk, amount="40.00", actor_user=driver)
    assert stranger.value.message == "This booking is not on this trip."

    payment = services.trip_cash_collect(trip_id=trip.pk, booking_id=booking.pk, amount="40.00", actor_user=driver)

    assert (payment.provider, payment.state, payment.amount, payment.booking_id) == (
        "cash",
        Payment.State.CONFIRMED,
        Decimal("40.00"),
        booking.pk,
    )
    booking.refresh_from_db()
    assert booking.payment_state == Booking.PaymentState.PAID


def test_trip_times_are_stored_aware(fleet, actor):
    trip = services.fleet_assign(
        ride=leg_of(place_transfer()), driver_id=make_driver().pk, vehicle_id=None, actor=actor
    )
    trip.refresh_from_db()
    assert timezone.is_aware(trip.starts_at) and timezone.is_aware(trip.ends_at)
