"""Dispatch: giving rides their driver and vehicle, and the steps of a trip, each through the booking lifecycle.

Locks, always in this order: the bookings of the ride (by primary key, via ``gnb.bookings.lifecycle``), then the
trip, then drivers and vehicles (each by primary key). Taking the driver's and the vehicle's row lock before looking
for overlapping trips serialises every assignment of one driver or vehicle, so the check sees what the previous
assignment committed; PostgreSQL's exclusion constraints stay behind it as the rule of last resort (and SQLite's
``BEGIN IMMEDIATE`` serialises every write anyway).

A booking's status follows its next ride: "assigned" when that ride's trip has both a driver and a vehicle,
"confirmed" otherwise; on the way, picked up, completed and no-show follow the trip's steps, and a return trip goes
back to assigned (or confirmed) when its first ride is over.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.bookings import lifecycle
from gnb.bookings.models import Booking, BookingEvent, TransferLeg
from gnb.bookings.services import SYSTEM, Actor
from gnb.catalog.models import TourDeparture
from gnb.core.errors import Conflict, DomainError, InvalidTransition, NotFound, ValidationFailed
from gnb.core.locking import lock_rows, lock_timeout_as_busy
from gnb.core.outbox import EmailKind, email_enqueue
from gnb.fleet import evidence, notices, rules, selectors
from gnb.fleet.evidence import Position
from gnb.fleet.models import Driver, DriverNotice, Trip, TripBooking, TripEvent, Vehicle
from gnb.payments.services import payment_record_cash

if TYPE_CHECKING:
    from gnb.payments.models import Payment

logger = logging.getLogger(__name__)

S = Booking.Status
T = Trip.Status
R = Trip.Reporting


class AssignmentRefused(DomainError):
    """A driver or vehicle that cannot take the ride: every reason, the first one's code, and the trip in the way."""

    code = "assignment_refused"
    status = 409

    def __init__(self, refusals: list[rules.Refusal], *, field: str | None = None) -> None:
        self.refusals = refusals
        super().__init__(" ".join(r.message for r in refusals), field=field, code=refusals[0].code)
        self.conflicting_trip_id = next((r.conflicting_trip_id for r in refusals if r.conflicting_trip_id), None)


# --- reading under locks ----------------------------------------------------------------------------------
def _locked_trip(trip_id: int) -> Trip:
    rows = lock_rows(Trip.objects.filter(pk=trip_id))
    if not rows:
        raise NotFound(_("Trip not found."), field="trip")
    return rows[0]


def _locked(model, pk: int | None, *, field: str, missing: str):
    if pk is None:
        return None
    rows = lock_rows(model.objects.filter(pk=pk))
    if not rows:
        raise NotFound(missing, field=field)
    return rows[0]


def _lock_driver_and_vehicle(driver_id: int | None, vehicle_id: int | None) -> tuple[Driver | None, Vehicle | None]:
    driver = _locked(Driver, driver_id, field="driver", missing=_("Driver not found."))
    vehicle = _locked(Vehicle, vehicle_id, field="vehicle", missing=_("Vehicle not found."))
    return driver, vehicle


def _check(
    ride: rules.Ride,
    driver: Driver | None,
    vehicle: Vehicle | None,
    *,
    excluding_trip_id: int | None = None,
) -> None:
    refusals: list[rules.Refusal] = []
    if driver is not None:
        refusals += rules.driver_refusals(selectors.driver_day(driver, ride, excluding_trip_id=excluding_trip_id), ride)
    if vehicle is not None:
        vehicle_day = selectors.vehicle_day(vehicle, ride, excluding_trip_id=excluding_trip_id)
        refusals += rules.vehicle_refusals(vehicle_day, ride)
    if refusals:
        field = "driver" if refusals[0].code.startswith("driver") else "vehicle"
        raise AssignmentRefused(refusals, field=field)


def _event(
    trip: Trip,
    *,
    action: str,
    actor: Actor,
    now: dt.datetime,
    from_status: str = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    position: Position | None = None,
) -> TripEvent:
    return TripEvent.objects.create(
        trip=trip,
        created_at=now,
        action=action,
        from_status=from_status,
        to_status=trip.status,
        actor_id=actor.user_id,
        actor_label=actor.label,
        reason=reason[:500],
        details=details or {},
        latitude=position.latitude if position else None,
        longitude=position.longitude if position else None,
        accuracy_m=position.accuracy_m if position else None,
    )


def _who(trip: Trip) -> dict[str, Any]:
    return {"driver": trip.driver_id, "vehicle": trip.vehicle_id}


def _constraint_name(error: IntegrityError) -> str:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or str(error)


def _as_conflict(error: IntegrityError) -> DomainError:
    """A constraint that fired although the checks passed (PostgreSQL's last word): the named conflict."""
    name = _constraint_name(error)
    if "trip_driver_no_overlap" in name:
        return AssignmentRefused([rules.Refusal("driver_busy", _("The driver is on another trip at that time."))])
    if "trip_vehicle_no_overlap" in name:
        return AssignmentRefused([rules.Refusal("vehicle_busy", _("The vehicle is on another trip at that time."))])
    if "trip_booking_one_per" in name:
        return Conflict(_("This ride has just been given a driver by someone else."), code="already_assigned")
    raise error


# --- the bookings' status follows their next ride ----------------------------------------------------------
def _next_ride_assigned(booking: Booking) -> bool | None:
    """Whether the booking's next ride (the earliest not yet over) has a driver and a vehicle; None when no ride
    is left."""
    rides = list(
        TripBooking.objects.filter(booking=booking).select_related("trip", "leg").exclude(trip__status=T.RELEASED)
    )
    if booking.kind == Booking.Kind.TOUR:
        rider = rides[0] if rides else None
        if rider and rider.trip.status in (T.COMPLETED, T.NO_SHOW):
            return None
        return bool(rider and rider.trip.is_assigned)
    by_leg = {rider.leg_id: rider for rider in rides}
    for leg in booking.legs.order_by("pickup_at", "sequence"):
        rider = by_leg.get(leg.pk)
        if rider and (rider.trip.status in (T.COMPLETED, T.NO_SHOW)):
            continue
        return bool(rider and rider.trip.is_assigned)
    return None


def _sync_booking(booking: Booking, *, actor: Actor, reason: str, now: dt.datetime) -> None:
    """Between confirmed and assigned, move the (locked) booking to what its next ride says."""
    if booking.status not in selectors.ASSIGNABLE:
        return
    assigned = _next_ride_assigned(booking)
    if assigned is None:
        return
    target = S.ASSIGNED if assigned else S.CONFIRMED
    if booking.status != target:
        lifecycle.transition(
            booking, to_status=target, actor_label=actor.label, actor_id=actor.user_id, reason=reason, now=now
        )


def _tell_traveller(trip: Trip, bookings: list[Booking], *, actor: Actor, now: dt.datetime, reason: str) -> None:
    """Record the new driver and vehicle on each booking's history and queue the "who comes" email, once per change."""
    if not trip.is_assigned:
        return
    for booking in bookings:
        event = BookingEvent.objects.create(
            booking=booking,
            created_at=now,
            kind=BookingEvent.Kind.CHANGED,
            from_status=booking.status,
            to_status=booking.status,
            actor_id=actor.user_id,
            actor_label=actor.label,
            reason=reason,
            details={"trip": trip.pk, "driver": trip.driver_id, "vehicle": trip.vehicle_id},
        )
        email_enqueue(kind=EmailKind.DRIVER_ASSIGNED, booking_id=booking.pk, event_id=event.pk)


# --- assigning --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RideRef:
    """The ride to assign: a transfer leg, or a tour departure (whose unseated bookings fill the vehicle)."""

    leg_id: int | None = None
    departure_id: int | None = None

    def __post_init__(self) -> None:
        if (self.leg_id is None) == (self.departure_id is None):
            raise ValueError("a ride is a leg or a departure")


def fleet_assign(
    *,
    ride: RideRef,
    driver_id: int | None,
    vehicle_id: int | None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> Trip:
    """Give a ride a driver and a vehicle (or one of them for now): a new trip, checked against every rule.

    A transfer leg becomes one trip. A tour departure's bookings not yet in a vehicle are seated in this one in
    booking order, as many whole parties as fit; the rest wait for another vehicle. With both a driver and a
    vehicle the bookings become "assigned" and their travellers are told who comes.
    """
    now = now or timezone.now()
    if driver_id is None and vehicle_id is None:
        raise ValidationFailed([("driver", _("Choose a driver or a vehicle."))])
    try:
        with transaction.atomic(), lock_timeout_as_busy():
            if ride.leg_id is not None:
                trip, bookings = _assign_leg(ride.leg_id, driver_id, vehicle_id, actor=actor, now=now)
            else:
                assert ride.departure_id is not None
                trip, bookings = _assign_departure(ride.departure_id, driver_id, vehicle_id, actor=actor, now=now)
            _event(trip, action="assigned", actor=actor, now=now, details=_who(trip))
            for booking in bookings:
                _sync_booking(booking, actor=actor, reason="Driver and vehicle assigned", now=now)
            _tell_traveller(trip, bookings, actor=actor, now=now, reason="Driver and vehicle assigned")
            if trip.driver_id is not None:
                notices.driver_notice_record(
                    trip=trip, driver_id=trip.driver_id, kind=DriverNotice.Kind.ASSIGNED, now=now
                )
    except IntegrityError as error:
        raise _as_conflict(error) from error
    logger.info("trip assigned", extra={"trip": trip.pk, "driver": driver_id, "vehicle": vehicle_id})
    return trip


def _assignable(booking: Booking) -> None:
    if booking.status == S.PENDING_PAYMENT:
        raise InvalidTransition(_("%(ref)s is still waiting for payment.") % {"ref": booking.reference}, field="ride")
    if booking.status not in selectors.ASSIGNABLE:
        raise InvalidTransition(
            _("%(ref)s is %(status)s and needs no driver.")
            % {"ref": booking.reference, "status": booking.get_status_display().lower()},
            field="ride",
        )


def _assign_leg(
    leg_id: int, driver_id: int | None, vehicle_id: int | None, *, actor: Actor, now: dt.datetime
) -> tuple[Trip, list[Booking]]:
    booking_id = TransferLeg.objects.filter(pk=leg_id).values_list("booking_id", flat=True).first()
    if booking_id is None:
        raise NotFound(_("Ride not found."), field="ride")
    booking = lifecycle.locked_booking(booking_id)
    _assignable(booking)
    leg = TransferLeg.objects.select_related("booking__vehicle_class", "origin__zone", "destination__zone").get(
        pk=leg_id
    )
    existing = TripBooking.objects.filter(leg=leg).values_list("trip_id", flat=True).first()
    if existing is not None:
        raise Conflict(
            _("This ride is already on trip T%(trip)s; change that trip instead.") % {"trip": existing},
            code="already_assigned",
        )
    ride = selectors.leg_ride(leg, selectors.drive_times())
    driver, vehicle = _lock_driver_and_vehicle(driver_id, vehicle_id)
    _check(ride, driver, vehicle)
    trip = Trip.objects.create(
        kind=Trip.Kind.TRANSFER,
        starts_at=ride.starts_at,
        ends_at=ride.ends_at,
        origin_zone_id=ride.origin_zone_id,
        destination_zone_id=ride.destination_zone_id,
        driver=driver,
        vehicle=vehicle,
        passengers=ride.passengers,
        luggage=ride.luggage,
        created_at=now,
    )
    TripBooking.objects.create(trip=trip, booking=booking, leg=leg)
    return trip, [booking]


def _assign_departure(
    departure_id: int, driver_id: int | None, vehicle_id: int | None, *, actor: Actor, now: dt.datetime
) -> tuple[Trip, list[Booking]]:
    departure = TourDeparture.objects.select_related("tour").filter(pk=departure_id).first()
    if departure is None:
        raise NotFound(_("Ride not found."), field="ride")
    bookings = lock_rows(Booking.objects.filter(tour_departure=departure, status__in=selectors.ASSIGNABLE))
    seated = set(TripBooking.objects.filter(booking__in=bookings).values_list("booking_id", flat=True))
    waiting = [b for b in bookings if b.pk not in seated]
    if not waiting:
        raise Conflict(_("Every booking of this departure already has a vehicle."), code="already_assigned")
    driver, vehicle = _lock_driver_and_vehicle(driver_id, vehicle_id)
    if vehicle is not None:
        chosen, seats, room = [], vehicle.seats, vehicle.luggage
        for booking in waiting:
            if booking.passenger_count <= seats and booking.luggage <= room:
                chosen.append(booking)
                seats -= booking.passenger_count
                room -= booking.luggage
        if not chosen:
            smallest = min(b.passenger_count for b in waiting)
            raise AssignmentRefused(
                [
                    rules.Refusal(
                        "vehicle_seats",
                        _("%(plate)s has %(seats)s seats; the smallest party waiting has %(count)s.")
                        % {"plate": vehicle.plate, "seats": vehicle.seats, "count": smallest},
                    )
                ],
                field="vehicle",
            )
    else:
        chosen = waiting
    ride = selectors.departure_ride(departure, chosen)
    _check(ride, driver, vehicle)
    trip = Trip.objects.create(
        kind=Trip.Kind.TOUR,
        departure=departure,
        starts_at=ride.starts_at,
        ends_at=ride.ends_at,
        origin_zone_id=ride.origin_zone_id,
        destination_zone_id=ride.destination_zone_id,
        driver=driver,
        vehicle=vehicle,
        passengers=ride.passengers,
        luggage=ride.luggage,
        created_at=now,
    )
    TripBooking.objects.bulk_create([TripBooking(trip=trip, booking=booking) for booking in chosen])
    return trip, chosen


def _locked_trip_with_bookings(trip_id: int) -> tuple[Trip, list[Booking]]:
    # Bookings first (the fixed order), then the trip; the trip's riders are read again under its lock.
    ids = list(TripBooking.objects.filter(trip_id=trip_id).values_list("booking_id", flat=True))
    bookings = lock_rows(Booking.objects.filter(pk__in=ids))
    trip = _locked_trip(trip_id)
    return trip, bookings


def _report_changed(trip: Trip) -> None:
    """A reported trip whose driver, vehicle or passengers changed must be reported again (gnb.fleet.uetds)."""
    if trip.reporting in (R.REPORTED, R.REFUSED):
        trip.reporting = R.STALE if trip.reporting == R.REPORTED else R.NOT_REPORTED
        trip.uetds_next_attempt_at = None
        trip.uetds_attempts = 0


def fleet_reassign(
    *,
    trip_id: int,
    driver_id: int | None,
    vehicle_id: int | None,
    actor: Actor,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Trip:
    """Give a trip that has not started another driver and/or vehicle (None keeps neither: both are set as given)."""
    now = now or timezone.now()
    if driver_id is None and vehicle_id is None:
        raise ValidationFailed([("driver", _("Choose a driver or a vehicle."))])
    try:
        with transaction.atomic(), lock_timeout_as_busy():
            trip, bookings = _locked_trip_with_bookings(trip_id)
            if trip.status != T.ASSIGNED:
                raise InvalidTransition(
                    _("Trip T%(trip)s is %(status)s; only a trip that has not started can be changed.")
                    % {"trip": trip.pk, "status": trip.get_status_display().lower()},
                    field="trip",
                )
            if (trip.driver_id, trip.vehicle_id) == (driver_id, vehicle_id):
                return trip
            before = _who(trip)
            old_driver_id, old_vehicle_id = trip.driver_id, trip.vehicle_id
            driver, vehicle = _lock_driver_and_vehicle(driver_id, vehicle_id)
            _check(selectors.trip_ride(trip_id=trip.pk), driver, vehicle, excluding_trip_id=trip.pk)
            trip.driver, trip.vehicle = driver, vehicle
            _report_changed(trip)
            trip.save()
            _event(
                trip, action="reassigned", actor=actor, now=now, reason=reason, details={"before": before, **_who(trip)}
            )
            for booking in bookings:
                _sync_booking(booking, actor=actor, reason="Driver or vehicle changed", now=now)
            _tell_traveller(trip, bookings, actor=actor, now=now, reason="Driver or vehicle changed")
            _tell_drivers_of_reassignment(trip, old_driver_id, old_vehicle_id, now=now)
    except IntegrityError as error:
        raise _as_conflict(error) from error
    return trip


def _tell_drivers_of_reassignment(
    trip: Trip, old_driver_id: int | None, old_vehicle_id: int | None, *, now: dt.datetime
) -> None:
    """The driver who lost the trip is told so, the one who got it that it is theirs; a driver who keeps it is told
    of the other vehicle."""
    if old_driver_id != trip.driver_id:
        if old_driver_id is not None:
            notices.driver_notice_record(trip=trip, driver_id=old_driver_id, kind=DriverNotice.Kind.REMOVED, now=now)
        if trip.driver_id is not None:
            notices.driver_notice_record(trip=trip, driver_id=trip.driver_id, kind=DriverNotice.Kind.ASSIGNED, now=now)
    elif trip.driver_id is not None and old_vehicle_id != trip.vehicle_id:
        notices.driver_notice_record(
            trip=trip, driver_id=trip.driver_id, kind=DriverNotice.Kind.CHANGED, now=now, changes=["vehicle"]
        )


def _release(trip: Trip, *, now: dt.datetime) -> None:
    trip.status = T.RELEASED
    trip.released_at = now
    if trip.reporting in (R.REPORTED, R.STALE):
        trip.reporting = R.CANCEL_DUE
        trip.uetds_next_attempt_at = None
        trip.uetds_attempts = 0
    trip.save()
    TripBooking.objects.filter(trip=trip).delete()


def fleet_unassign(*, trip_id: int, actor: Actor, reason: str = "", now: dt.datetime | None = None) -> Trip:
    """Take a trip that has not started off its driver and vehicle: its rides wait for a driver again, and its
    bookings go back to "confirmed"."""
    now = now or timezone.now()
    with transaction.atomic(), lock_timeout_as_busy():
        trip, bookings = _locked_trip_with_bookings(trip_id)
        if trip.status != T.ASSIGNED:
            raise InvalidTransition(
                _("Trip T%(trip)s is %(status)s; only a trip that has not started can be unassigned.")
                % {"trip": trip.pk, "status": trip.get_status_display().lower()},
                field="trip",
            )
        riders = [{"booking": b.reference} for b in bookings]
        if trip.driver_id is not None:
            notices.driver_notice_record(trip=trip, driver_id=trip.driver_id, kind=DriverNotice.Kind.REMOVED, now=now)
        _release(trip, now=now)
        _event(
            trip,
            action="unassigned",
            actor=actor,
            now=now,
            from_status=T.ASSIGNED,
            reason=reason,
            details={"riders": riders},
        )
        for booking in bookings:
            _sync_booking(booking, actor=actor, reason="Driver and vehicle unassigned", now=now)
    return trip


def trips_follow_booking(booking: Booking, from_status: str, event: BookingEvent) -> None:
    """A booking that is no longer riding (cancelled, expired, refunded) leaves its trips; a trip left with nobody
    is released, and its U-ETDS report withdrawn (lifecycle listener, under the booking's lock)."""
    if booking.status in selectors.RIDING or booking.status in (S.COMPLETED, S.NO_SHOW):
        return
    for rider in list(TripBooking.objects.filter(booking=booking).select_related("trip")):
        trip = _locked_trip(rider.trip_id)
        rider.delete()
        rest = list(TripBooking.objects.filter(trip=trip).select_related("booking"))
        if not rest:
            if trip.driver_id is not None and trip.status in TOLD:
                # Summarised from the rider that just left: the trip keeps no other.
                notices.driver_notice_record(
                    trip=trip,
                    driver_id=trip.driver_id,
                    kind=DriverNotice.Kind.CANCELLED,
                    now=event.created_at,
                    rider=rider,
                )
            _release(trip, now=event.created_at)
            _event(
                trip,
                action="released",
                actor=SYSTEM,
                now=event.created_at,
                from_status=rider.trip.status,
                reason=f"{booking.reference} {booking.get_status_display()}",
            )
        else:
            trip.passengers = sum(r.booking.passenger_count for r in rest)
            trip.luggage = sum(r.booking.luggage for r in rest)
            _report_changed(trip)
            trip.save()
            if trip.driver_id is not None and trip.status in TOLD:
                notices.driver_notice_record(
                    trip=trip,
                    driver_id=trip.driver_id,
                    kind=DriverNotice.Kind.CHANGED,
                    now=event.created_at,
                    changes=["passengers"],
                )
            _event(
                trip,
                action="rider_left",
                actor=SYSTEM,
                now=event.created_at,
                reason=f"{booking.reference} {booking.get_status_display()}",
            )


# A driver is told of changes to a trip until they have the travellers on board.
TOLD = (T.ASSIGNED, T.ON_THE_WAY, T.ARRIVED)

# What a driver is told changed, by the name ``booking_update_details`` gives each change, and which ride of the
# booking it concerns (1 outbound, 2 return, None every ride).
_DRIVER_CHANGES: dict[str, tuple[str, int | None]] = {
    "flight.number": ("flight", 1),
    "flight.arrival_at": ("landing", 1),
    "flight.departure_at": ("flight", 1),
    "return_flight.number": ("flight", 2),
    "return_flight.arrival_at": ("landing", 2),
    "return_flight.departure_at": ("flight", 2),
    "pickup_point": ("pickup_point", 1),
    "return_pickup_point": ("pickup_point", 2),
    "pickup_place": ("pickup_place", None),
    "contact.name": ("contact", None),
    "contact.phone": ("contact", None),
    "notes": ("notes", None),
}


def trips_follow_booking_details(booking: Booking, event: BookingEvent) -> None:
    """Tell the driver of each ride of ``booking`` that a change concerns (flight, landing, pickup point or place,
    names, contact, notes) what changed (details listener, in the change's transaction)."""
    names = list((event.details or {}).get("changes", {}))
    riders = TripBooking.objects.filter(booking=booking, trip__driver__isnull=False, trip__status__in=TOLD)
    for rider in riders.select_related("trip", "leg"):
        sequence = rider.leg.sequence if rider.leg is not None else None
        changes = set()
        for name in names:
            label, concerns = _DRIVER_CHANGES.get(
                name, ("passengers", None) if name.startswith("passengers.") else ("", None)
            )
            if label and (concerns is None or sequence is None or concerns == sequence):
                changes.add(label)
        if name_changes := sorted(changes):
            assert rider.trip.driver_id is not None
            notices.driver_notice_record(
                trip=rider.trip,
                driver_id=rider.trip.driver_id,
                kind=DriverNotice.Kind.CHANGED,
                now=event.created_at,
                changes=name_changes,
            )


# --- the steps of a trip ------------------------------------------------------------------------------------
STEP_FROM: dict[str, tuple[str, ...]] = {
    T.ON_THE_WAY: (T.ASSIGNED,),
    T.ARRIVED: (T.ON_THE_WAY,),
    T.PICKED_UP: (T.ON_THE_WAY, T.ARRIVED),
    T.COMPLETED: (T.PICKED_UP,),
    T.NO_SHOW: (T.ON_THE_WAY, T.ARRIVED),
}
STEP_AT: dict[str, str] = {
    T.ON_THE_WAY: "started_at",
    T.ARRIVED: "arrived_at",
    T.PICKED_UP: "picked_up_at",
    T.COMPLETED: "finished_at",
    T.NO_SHOW: "finished_at",
}


def _step(
    trip_id: int,
    to_status: str,
    *,
    actor: Actor,
    now: dt.datetime | None,
    position: Position | None,
    reason: str = "",
    booking_status: str | None = None,
    before_step: Callable[[Trip, dt.datetime], None] | None = None,
) -> Trip:
    now = now or timezone.now()
    with transaction.atomic(), lock_timeout_as_busy():
        trip, bookings = _locked_trip_with_bookings(trip_id)
        labels = dict(T.choices)
        if trip.status not in STEP_FROM[to_status]:
            raise InvalidTransition(
                _("Trip T%(trip)s is %(from)s; it cannot be marked %(to)s.")
                % {"trip": trip.pk, "from": labels[trip.status].lower(), "to": labels[to_status].lower()},
                field="status",
            )
        if not trip.is_assigned:
            raise InvalidTransition(
                _("Trip T%(trip)s has no driver and vehicle yet.") % {"trip": trip.pk}, field="status"
            )
        if before_step is not None:
            # The step's own rule, checked (and its record written) under the trip's lock.
            before_step(trip, now)
        from_status = trip.status
        trip.status = to_status
        setattr(trip, STEP_AT[to_status], now)
        if to_status in (T.COMPLETED, T.NO_SHOW):
            # Done early frees the driver and vehicle early: busy until now plus the turnaround at most.
            trip.ends_at = max(trip.starts_at + dt.timedelta(minutes=1), min(trip.ends_at, rules.busy_until(now, 0)))
        trip.save()
        _event(trip, action=to_status, actor=actor, now=now, from_status=from_status, reason=reason, position=position)
        for booking in bookings:
            _booking_follows(booking, trip, booking_status, actor=actor, now=now)
    logger.info("trip step", extra={"trip": trip.pk, "status": to_status})
    return trip


def _booking_follows(booking: Booking, trip: Trip, booking_status: str | None, *, actor: Actor, now: dt.datetime):
    """Move a booking on ``trip`` as the trip's step says; a finished ride of a return trip hands over to the next."""
    if booking_status is None:
        return
    to_status: str = booking_status
    if booking_status in (S.COMPLETED, S.NO_SHOW):
        next_assigned = _next_ride_assigned(booking)
        if next_assigned is not None:
            # Another ride of this booking is still ahead: it waits for that one.
            to_status = S.ASSIGNED if next_assigned else S.CONFIRMED
    if booking.status == to_status or booking.status not in selectors.RIDING:
        return
    lifecycle.transition(
        booking,
        to_status=to_status,
        actor_label=actor.label,
        actor_id=actor.user_id,
        reason=f"Trip T{trip.pk}: {trip.get_status_display()}",
        details={"trip": trip.pk},
        now=now,
    )


def trip_start(*, trip_id: int, actor: Actor, position: Position | None = None, now: dt.datetime | None = None) -> Trip:
    """The driver sets off to the pickup: trip and bookings "on the way"."""
    return _step(trip_id, T.ON_THE_WAY, actor=actor, now=now, position=position, booking_status=S.ON_THE_WAY)


def trip_arrive(
    *, trip_id: int, actor: Actor, position: Position | None = None, now: dt.datetime | None = None
) -> Trip:
    """The driver is at the pickup place (the traveller's page says so; bookings stay "on the way")."""
    return _step(trip_id, T.ARRIVED, actor=actor, now=now, position=position)


def trip_pick_up(
    *, trip_id: int, actor: Actor, position: Position | None = None, now: dt.datetime | None = None
) -> Trip:
    """The travellers are in the vehicle: trip and bookings "picked up" (not before the pickup time)."""
    return _step(trip_id, T.PICKED_UP, actor=actor, now=now, position=position, booking_status=S.PICKED_UP)


def trip_complete(
    *, trip_id: int, actor: Actor, position: Position | None = None, now: dt.datetime | None = None
) -> Trip:
    """Dropped off: the trip is over; a booking with no ride left is completed."""
    return _step(trip_id, T.COMPLETED, actor=actor, now=now, position=position, booking_status=S.COMPLETED)


def trip_no_show(
    *,
    trip_id: int,
    actor: Actor,
    reason: str,
    position: Position | None = None,
    photo: File | None = None,
    now: dt.datetime | None = None,
) -> Trip:
    """Nobody came: the trip ends as a no-show and its bookings with it (a return trip keeps its return ride).

    Not before the travellers had time to come (:func:`gnb.fleet.evidence.no_show_allowed_from`), and only with
    evidence kept with the trip for disputes: the phone's ``position`` near the pickup place, or a ``photo`` of the
    name sign at the meeting point (an uploaded image)."""
    if not reason.strip():
        raise ValidationFailed([("reason", _("Say what happened (how long you waited, where)."))])
    if photo is not None:
        evidence.photo_check(photo)

    def waited_and_shown(trip: Trip, at: dt.datetime) -> None:
        allowed_from = evidence.no_show_allowed_from(trip)
        if at < allowed_from:
            raise InvalidTransition(
                _("A no-show can be marked from %(time)s, when the travellers have had time to come.")
                % {"time": evidence.local_time_text(allowed_from, trip)},
                field="status",
            )
        evidence.evidence_record(trip, position=position, photo=photo, by_id=actor.user_id, at=at)

    return _step(
        trip_id,
        T.NO_SHOW,
        actor=actor,
        now=now,
        position=position,
        reason=reason,
        booking_status=S.NO_SHOW,
        before_step=waited_and_shown,
    )


def trip_cash_collect(*, trip_id: int, booking_id: int, amount: Any, actor_user, note: str = "") -> Payment:
    """Cash the driver of ``trip_id`` took for ``booking_id``, recorded through the payment service."""
    trip = Trip.objects.filter(pk=trip_id).first()
    if trip is None:
        raise NotFound(_("Trip not found."), field="trip")
    if not TripBooking.objects.filter(trip=trip, booking_id=booking_id).exists():
        raise NotFound(_("This booking is not on this trip."), field="booking")
    if trip.status not in (T.ON_THE_WAY, T.ARRIVED, T.PICKED_UP, T.COMPLETED):
        raise InvalidTransition(_("Cash is recorded once the trip has started."), field="trip")
    return payment_record_cash(booking_id=booking_id, amount=amount, actor=actor_user, note=note or f"Trip T{trip.pk}")
