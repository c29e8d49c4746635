"""Who may drive a ride, and in which vehicle: the fleet's rules as pure decisions over data already read.

The services (``gnb.fleet.services``) apply them under locks before they write; the dispatch board
(``gnb.fleet.selectors``) applies the same functions to every driver and vehicle of the day to offer only those
that fit and to say why the others do not. One owner per rule: nothing else decides whether an assignment is allowed.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from gnb.fleet.models import Driver, DriverShift, DriverTimeOff, Vehicle

LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Ride:
    """What needs a driver and a vehicle: a transfer leg, or (part of) a tour departure's bookings."""

    starts_at: dt.datetime
    ends_at: dt.datetime  # busy until: estimated drop-off plus the turnaround buffer
    origin_zone_id: int
    destination_zone_id: int
    passengers: int
    luggage: int
    # The class the traveller booked (transfers); None for a tour, which any class may carry.
    booked_class_id: int | None = None
    booked_class_name: str = ""
    booked_class_seats: int = 0
    booked_class_luggage: int = 0
    label: str = ""


@dataclass(frozen=True)
class Busy:
    """A live trip that keeps a driver or vehicle busy."""

    trip_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    label: str = ""


@dataclass(frozen=True)
class Refusal:
    """Why one driver or vehicle cannot take a ride: a stable ``code``, a sentence, and the trip in the way."""

    code: str
    message: str
    conflicting_trip_id: int | None = None


@dataclass
class ClassInfo:
    name: str
    max_passengers: int
    max_luggage: int


@dataclass
class DriverDay:
    """What the rules need to know of a driver: the row, shifts, time off and live trips near the ride."""

    driver: Driver
    shifts: Sequence[DriverShift] = ()
    time_off: Sequence[DriverTimeOff] = ()
    busy: Sequence[Busy] = field(default_factory=list)


@dataclass
class VehicleDay:
    vehicle: Vehicle
    vehicle_class: ClassInfo
    busy: Sequence[Busy] = field(default_factory=list)


def local_time(moment: dt.datetime) -> str:
    return formats.time_format(moment.astimezone(LOCAL), "H:i")


def _overlap(ride: Ride, busy: Iterable[Busy]) -> Busy | None:
    # Half-open ranges, as PostgreSQL's tstzrange: a trip may start the minute the previous one's range ends.
    for trip in sorted(busy, key=lambda b: b.starts_at):
        if trip.starts_at < ride.ends_at and ride.starts_at < trip.ends_at:
            return trip
    return None


def _expired(documents: Iterable[tuple[str, dt.date]], ride: Ride) -> list[tuple[str, dt.date]]:
    # A document valid through the day the ride ends is good for it.
    last_day = ride.ends_at.astimezone(LOCAL).date()
    return [(name, expires_on) for name, expires_on in documents if expires_on < last_day]


def _busy_refusal(code: str, who: str, trip: Busy) -> Refusal:
    return Refusal(
        code,
        _("%(who)s is on trip T%(trip)s (%(label)s, %(start)s–%(end)s) at that time.")
        % {
            "who": who,
            "trip": trip.trip_id,
            "label": trip.label,
            "start": local_time(trip.starts_at),
            "end": local_time(trip.ends_at),
        },
        conflicting_trip_id=trip.trip_id,
    )


def in_shift(shifts: Sequence[DriverShift], moment: dt.datetime) -> bool:
    """Whether ``moment`` (the pickup) falls in one of the shifts, read in local time; a shift whose end is not
    after its start runs past midnight into the next day."""
    local = moment.astimezone(LOCAL)
    clock = local.time()
    weekday = local.weekday()
    previous_day = (weekday - 1) % 7
    for shift in shifts:
        overnight = shift.ends_at <= shift.starts_at
        if shift.weekday == weekday and (
            (not overnight and shift.starts_at <= clock < shift.ends_at) or (overnight and clock >= shift.starts_at)
        ):
            return True
        if overnight and shift.weekday == previous_day and clock < shift.ends_at:
            return True
    return False


def driver_refusals(day: DriverDay, ride: Ride) -> list[Refusal]:
    """Every reason ``day.driver`` cannot drive ``ride`` (empty when they can)."""
    driver = day.driver
    who = driver.full_name
    refusals: list[Refusal] = []
    if not driver.is_active:
        refusals.append(Refusal("driver_inactive", _("%(who)s is not an active driver.") % {"who": who}))
    for name, expires_on in _expired(driver.documents(), ride):
        refusals.append(
            Refusal(
                "driver_document_expired",
                _("%(who)s's %(document)s expires on %(date)s, before this trip.")
                % {"who": who, "document": name, "date": formats.date_format(expires_on, "SHORT_DATE_FORMAT")},
            )
        )
    first_day = ride.starts_at.astimezone(LOCAL).date()
    last_day = ride.ends_at.astimezone(LOCAL).date()
    for off in day.time_off:
        if off.starts_on <= last_day and first_day <= off.ends_on:
            refusals.append(
                Refusal(
                    "driver_off",
                    _("%(who)s is off from %(start)s to %(end)s.")
                    % {
                        "who": who,
                        "start": formats.date_format(off.starts_on, "SHORT_DATE_FORMAT"),
                        "end": formats.date_format(off.ends_on, "SHORT_DATE_FORMAT"),
                    },
                )
            )
            break
    if not in_shift(day.shifts, ride.starts_at):
        refusals.append(
            Refusal(
                "driver_off_shift",
                _("%(who)s does not work at %(time)s on that day.") % {"who": who, "time": local_time(ride.starts_at)},
            )
        )
    conflict = _overlap(ride, day.busy)
    if conflict is not None:
        refusals.append(_busy_refusal("driver_busy", who, conflict))
    return refusals


def vehicle_refusals(day: VehicleDay, ride: Ride) -> list[Refusal]:
    """Every reason ``day.vehicle`` cannot carry ``ride`` (empty when it can)."""
    vehicle = day.vehicle
    plate = vehicle.plate
    refusals: list[Refusal] = []
    if not vehicle.is_active:
        refusals.append(Refusal("vehicle_inactive", _("%(plate)s is not an active vehicle.") % {"plate": plate}))
    for name, expires_on in _expired(vehicle.documents(), ride):
        refusals.append(
            Refusal(
                "vehicle_document_expired",
                _("%(plate)s's %(document)s expires on %(date)s, before this trip.")
                % {"plate": plate, "document": name, "date": formats.date_format(expires_on, "SHORT_DATE_FORMAT")},
            )
        )
    if ride.booked_class_id is not None and vehicle.vehicle_class_id != ride.booked_class_id:
        # Another class may serve as an upgrade, never as a smaller car than the traveller paid for.
        bigger = (
            day.vehicle_class.max_passengers >= ride.booked_class_seats
            and day.vehicle_class.max_luggage >= ride.booked_class_luggage
        )
        if not bigger:
            refusals.append(
                Refusal(
                    "vehicle_class",
                    _("The traveller booked a %(booked)s; %(plate)s is a %(class)s.")
                    % {"booked": ride.booked_class_name, "plate": plate, "class": day.vehicle_class.name},
                )
            )
    if ride.passengers > vehicle.seats:
        refusals.append(
            Refusal(
                "vehicle_seats",
                _("%(plate)s has %(seats)s seats for %(count)s passengers.")
                % {"plate": plate, "seats": vehicle.seats, "count": ride.passengers},
            )
        )
    if ride.luggage > vehicle.luggage:
        refusals.append(
            Refusal(
                "vehicle_luggage",
                _("%(plate)s takes %(room)s pieces of luggage; this trip has %(count)s.")
                % {"plate": plate, "room": vehicle.luggage, "count": ride.luggage},
            )
        )
    conflict = _overlap(ride, day.busy)
    if conflict is not None:
        refusals.append(_busy_refusal("vehicle_busy", plate, conflict))
    return refusals


def drive_minutes(
    drive_times: Mapping[tuple[int, int], int], origin_zone_id: int, destination_zone_id: int
) -> int | None:
    """Minutes from one zone to another from the operators' table; a pair kept one way serves both ways."""
    minutes = drive_times.get((origin_zone_id, destination_zone_id))
    if minutes is None:
        minutes = drive_times.get((destination_zone_id, origin_zone_id))
    return minutes


def busy_until(starts_at: dt.datetime, ride_minutes: int) -> dt.datetime:
    """The end of a trip's busy range: the ride plus the turnaround buffer."""
    return starts_at + dt.timedelta(minutes=ride_minutes + settings.GNB_TRIP_TURNAROUND_MINUTES)
