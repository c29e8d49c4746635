"""Writes of flight tracking: a leg's pickup and its trip follow the plane in one transaction, and the people who
must act are told (the traveller and the driver by email, the dispatcher by an alert).

Locks in the fleet's order: the booking (``leg_follow_landing``), then the trip, then its driver and vehicle.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from gnb.bookings.services import FLIGHT_TRACKING, LandingShift, booking_flight_note, leg_follow_landing
from gnb.core.alerts import alert_raise
from gnb.core.locking import lock_rows
from gnb.fleet import rules, selectors
from gnb.fleet.models import Driver, DriverNotice, FlightWatchLeg, Trip, TripBooking, TripEvent, Vehicle
from gnb.fleet.notices import driver_notice_record
from gnb.fleet.services import _report_changed

logger = logging.getLogger(__name__)

BUSY_CODES = frozenset({"driver_busy", "vehicle_busy"})


@dataclasses.dataclass(frozen=True)
class Followed:
    """What following one new landing did: the leg's shift, its trip, and the trip it now runs into (if any)."""

    shift: LandingShift
    trip_id: int | None = None
    conflict_trip_id: int | None = None


def _event(trip: Trip, *, action: str, now: dt.datetime, reason: str, details: dict) -> TripEvent:
    return TripEvent.objects.create(
        trip=trip,
        created_at=now,
        action=action,
        from_status=trip.status,
        to_status=trip.status,
        actor_label=FLIGHT_TRACKING.label,
        reason=reason[:500],
        details=details,
    )


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment, rules.LOCAL):%H:%M}"


def _tell_driver(trip: Trip, reason: str, *, details: dict | None = None, now: dt.datetime | None = None) -> None:
    """Tell the trip's driver, in the transaction of the change: the trip's history says why, and a driver notice
    (push to their phone, else email) says the landing and the pickup time changed."""
    if trip.driver_id is None:
        return
    now = now or timezone.now()
    details = details or {}
    _event(trip, action="driver_told", now=now, reason=reason, details=details)
    driver_notice_record(
        trip=trip,
        driver_id=trip.driver_id,
        kind=DriverNotice.Kind.CHANGED,
        now=now,
        changes=["landing", "time"],
        pickup_at=dt.datetime.fromisoformat(details["pickup_after"]) if "pickup_after" in details else None,
        conflict_trip_id=details.get("conflict_trip"),
    )


def _conflicting_trip(trip: Trip, starts_at: dt.datetime, ends_at: dt.datetime) -> int | None:
    """The first live trip of the trip's driver or vehicle that the range [starts_at, ends_at) would overlap."""
    ride = dataclasses.replace(selectors.trip_as_ride(trip), starts_at=starts_at, ends_at=ends_at)
    refusals: list[rules.Refusal] = []
    if trip.driver is not None:
        refusals += rules.driver_refusals(selectors.driver_day(trip.driver, ride, excluding_trip_id=trip.pk), ride)
    if trip.vehicle is not None:
        day = selectors.vehicle_day(trip.vehicle, ride, excluding_trip_id=trip.pk)
        refusals += rules.vehicle_refusals(day, ride)
    return next((r.conflicting_trip_id for r in refusals if r.code in BUSY_CODES and r.conflicting_trip_id), None)


def trip_follow_pickup(*, trip_id: int, starts_at: dt.datetime, now: dt.datetime) -> int | None:
    """Move a trip that has not started to a new pickup, its busy range with it; returns the id of the driver's
    or vehicle's trip the moved range would overlap, and then leaves the trip's times as they are.

    Never breaks the rule that a driver and a vehicle are on one trip at a time: a conflicting shift is recorded on
    both trips' history for the dispatcher to settle (reassign one of them), instead of being written.
    """
    with transaction.atomic():
        rows = lock_rows(Trip.objects.filter(pk=trip_id))
        if not rows or rows[0].status != Trip.Status.ASSIGNED or rows[0].starts_at == starts_at:
            return None
        trip = rows[0]
        if trip.driver_id is not None:
            lock_rows(Driver.objects.filter(pk=trip.driver_id))
        if trip.vehicle_id is not None:
            lock_rows(Vehicle.objects.filter(pk=trip.vehicle_id))
        ends_at = starts_at + (trip.ends_at - trip.starts_at)
        before = {"starts_at": trip.starts_at.isoformat(), "ends_at": trip.ends_at.isoformat()}
        conflict = _conflicting_trip(trip, starts_at, ends_at)
        if conflict is None:
            trip.starts_at, trip.ends_at = starts_at, ends_at
            _report_changed(trip)
            try:
                with transaction.atomic():
                    trip.save()
            except IntegrityError:
                # PostgreSQL's exclusion constraint saw an overlap the check did not (a trip written meanwhile).
                trip.refresh_from_db()
                conflict = _conflicting_trip(trip, starts_at, ends_at) or trip.pk
        if conflict is not None:
            reason = f"The flight moved the pickup to {_local(starts_at)}; that runs into trip T{conflict}"
            details = {"pickup_at": starts_at.isoformat(), "conflict_trip": conflict}
            _event(trip, action="flight_conflict", now=now, reason=reason, details=details)
            if conflict != trip.pk:
                other = Trip.objects.get(pk=conflict)
                _event(other, action="flight_conflict", now=now, reason=reason, details={**details, "trip": trip.pk})
            return conflict
        _event(
            trip,
            action="flight_moved",
            now=now,
            reason=f"Pickup follows the flight: {_local(starts_at)}",
            details={"before": before, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
        )
    return None


def leg_and_trip_follow_landing(*, link: FlightWatchLeg, landing_at: dt.datetime, now: dt.datetime) -> Followed | None:
    """Move one leg's landing and pickup (bookings) and its trip (fleet) together; flag and alert a conflict with
    the driver's or vehicle's other trips; tell the driver and the traveller of a noticeable move."""
    with transaction.atomic():
        shift = leg_follow_landing(leg_id=link.leg_id, landing_at=landing_at, now=now)
        if shift is None:
            return None
        trip = (
            Trip.objects.filter(pk__in=TripBooking.objects.filter(leg_id=link.leg_id).values("trip_id"))
            .exclude(status=Trip.Status.RELEASED)
            .select_related("driver", "vehicle")
            .first()
        )
        if trip is None or not shift.pickup_moved:
            return Followed(shift, trip.pk if trip else None)
        conflict = trip_follow_pickup(trip_id=trip.pk, starts_at=shift.pickup_after, now=now)
        link.conflict_trip_id = conflict
        link.save(update_fields=["conflict_trip"])
        flight = link.watch.number
        if conflict is not None:
            reason = (
                f"Flight {flight} moved the pickup to {_local(shift.pickup_after)}; trip T{trip.pk} now runs into "
                f"trip T{conflict}. The trip keeps its old time until a dispatcher settles it."
            )
            booking_flight_note(
                booking_id=shift.booking_id,
                reason=reason,
                details={"flight": flight, "trip": trip.pk, "conflict_trip": conflict},
            )
            alert_raise(
                key=f"flight.conflict.{trip.pk}",
                title=f"Flight {flight}: trip T{trip.pk} now runs into trip T{conflict}",
                detail=reason,
                severity="warning",
            )
        if shift.noticeable:
            _tell_driver(
                trip,
                f"Flight {flight} now lands at {_local(landing_at)}: pickup {_local(shift.pickup_after)}",
                details={
                    "flight": flight,
                    "landing_at": landing_at.isoformat(),
                    "pickup_before": shift.pickup_before.isoformat(),
                    "pickup_after": shift.pickup_after.isoformat(),
                    "conflict_trip": conflict,
                },
                now=now,
            )
    logger.info("trip follows flight", extra={"trip": trip.pk, "flight": flight, "conflict": conflict})
    return Followed(shift, trip.pk, conflict)
