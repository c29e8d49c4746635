"""The planning problem of a window, read from the database: what the solver plans and what applying it checks.

The rides are exactly those the dispatch board lists as waiting (``gnb.fleet.board.waiting_between``); drivers and
vehicles are the active ones, with the trips they already have as fixed busy ranges (or, when moves are allowed,
the assigned trips that have not started as jobs the plan may give to someone else). Each job carries a
fingerprint of what it was made from, so that applying a plan later can tell whether the ride changed meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from gnb.bookings.models import Booking, TransferLeg
from gnb.catalog.models import TourDeparture, VehicleClass
from gnb.fleet import board, rules, selectors
from gnb.fleet.models import Driver, DriverShift, DriverTimeOff, Trip, TripBooking, Vehicle
from gnb.fleet.planning.problem import Busy, DriverInfo, Job, Problem, VehicleInfo

LOCAL = rules.LOCAL
# A trip this long before or after the window still decides whether a driver can reach its first or leave its last
# ride: the longest tour with its turnaround stays well inside it.
MARGIN = dt.timedelta(hours=14)
# How far back a driver's last trip tells which vehicle (and so which home base) they drive.
HOME_LOOKBACK = dt.timedelta(days=30)


def leg_key(leg_id: int) -> str:
    return f"leg:{leg_id}"


def departure_key(departure_id: int) -> str:
    return f"departure:{departure_id}"


def trip_key(trip_id: int) -> str:
    return f"trip:{trip_id}"


def parse_key(key: str) -> tuple[str, int]:
    """``("leg", 12)`` from ``"leg:12"``."""
    kind, _colon, pk = key.partition(":")
    if kind not in ("leg", "departure", "trip") or not pk.isdigit():
        raise ValueError(f"not a ride key: {key!r}")
    return kind, int(pk)


@dataclass
class PlanningContext:
    """What the problem was made from, for showing and applying its plan."""

    start: dt.datetime
    end: dt.datetime
    allow_moves: bool
    # The waiting rides that are jobs, by job key (the board's rows).
    rides: dict[str, board.WaitingRide] = field(default_factory=dict)
    # Waiting rides no plan can take (no drive time kept for the route, a tour without a pickup zone): the reason.
    not_plannable: list[board.WaitingRide] = field(default_factory=list)
    # Assigned trips that have not started, when the plan may move them, by job key.
    movable: dict[str, Trip] = field(default_factory=dict)
    fingerprints: dict[str, dict[str, Any]] = field(default_factory=dict)
    drivers: dict[int, Driver] = field(default_factory=dict)
    vehicles: dict[int, Vehicle] = field(default_factory=dict)


# --- fingerprints: what a ride looked like -----------------------------------------------------------------------
def _stance(status: str) -> str:
    # Confirmed and assigned are the same to the plan: applying one leg of a return trip moves its booking
    # between them, which must not make the other leg look changed.
    return "assignable" if status in selectors.ASSIGNABLE else status


def _booking_print(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.pk,
        "status": _stance(booking.status),
        "party": [booking.adults, booking.children, booking.infants, booking.luggage],
        "class": booking.vehicle_class_id,
    }


def leg_fingerprint(leg: TransferLeg, *, waiting: bool) -> dict[str, Any]:
    return {
        "waiting": waiting,
        "pickup_at": leg.pickup_at.isoformat(),
        "route": [leg.origin_id, leg.destination_id],
        "bookings": [_booking_print(leg.booking)],
    }


def departure_fingerprint(departure: TourDeparture, waiting: Iterable[Booking]) -> dict[str, Any]:
    bookings = sorted(waiting, key=lambda b: b.pk)
    return {
        "waiting": bool(bookings),
        "pickup_at": departure.starts_at.isoformat(),
        "bookings": [
            {
                **_booking_print(b),
                "pickup": [b.pickup_place_id, b.pickup_at.isoformat() if b.pickup_at else None],
            }
            for b in bookings
        ],
    }


def trip_fingerprint(trip: Trip) -> dict[str, Any]:
    return {
        "status": trip.status,
        "driver": trip.driver_id,
        "vehicle": trip.vehicle_id,
        "range": [trip.starts_at.isoformat(), trip.ends_at.isoformat()],
        "load": [trip.passengers, trip.luggage],
        "bookings": sorted(rider.booking_id for rider in trip.riders.all()),
    }


def current_fingerprint(key: str) -> dict[str, Any] | None:
    """The fingerprint of the ride ``key`` as the database has it now (None when the ride is gone)."""
    kind, pk = parse_key(key)
    if kind == "leg":
        leg = TransferLeg.objects.select_related("booking").filter(pk=pk).first()
        if leg is None:
            return None
        waiting = not TripBooking.objects.filter(leg=leg).exists() and leg.booking.status in selectors.ASSIGNABLE
        return leg_fingerprint(leg, waiting=waiting)
    if kind == "departure":
        departure = TourDeparture.objects.filter(pk=pk).first()
        if departure is None:
            return None
        bookings = Booking.objects.filter(
            tour_departure=departure, status__in=selectors.ASSIGNABLE, trip_rides__isnull=True
        )
        return departure_fingerprint(departure, bookings)
    trip = Trip.objects.prefetch_related("riders").filter(pk=pk).first()
    return trip_fingerprint(trip) if trip is not None else None


# --- drivers' working time -------------------------------------------------------------------------------------
def shift_windows(
    shifts: Iterable[DriverShift], time_off: Iterable[DriverTimeOff], first_day: dt.date, last_day: dt.date
) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """The driver's shifts as concrete local ``[start, end)`` windows, one per shift begun on a day from
    ``first_day`` to ``last_day`` that is not a day off; an overnight shift is one window across midnight, cut at
    the start of a day off. Each window is one duty: a driver working every day around the clock has one a day."""
    shifts, time_off = list(shifts), list(time_off)

    def off(day: dt.date) -> bool:
        return any(o.starts_on <= day <= o.ends_on for o in time_off)

    windows: list[tuple[dt.datetime, dt.datetime]] = []
    day = first_day
    while day <= last_day:
        if not off(day):
            for shift in shifts:
                if shift.weekday != day.weekday():
                    continue
                begins = dt.datetime.combine(day, shift.starts_at, tzinfo=LOCAL)
                ends_on = day + dt.timedelta(days=1) if shift.ends_at <= shift.starts_at else day
                ends = dt.datetime.combine(ends_on, shift.ends_at, tzinfo=LOCAL)
                if ends_on != day and off(ends_on):
                    ends = dt.datetime.combine(ends_on, dt.time.min, tzinfo=LOCAL)
                if ends > begins:
                    windows.append((begins, ends))
        day += dt.timedelta(days=1)
    return tuple(sorted(windows))


def class_may_carry(classes: Iterable[VehicleClass]) -> dict[int | None, frozenset[int]]:
    """Booked class → the classes that may carry it, as ``rules.vehicle_refusals`` decides: the class itself or one
    at least as big in seats and luggage; a tour (no booked class) any class."""
    classes = list(classes)
    carry: dict[int | None, frozenset[int]] = {None: frozenset(c.pk for c in classes)}
    for booked in classes:
        carry[booked.pk] = frozenset(
            c.pk
            for c in classes
            if c.pk == booked.pk or (c.max_passengers >= booked.max_passengers and c.max_luggage >= booked.max_luggage)
        )
    return carry


def _busy(trip: Trip) -> Busy:
    return Busy(
        starts_at=trip.starts_at,
        ends_at=trip.ends_at,
        origin_zone_id=trip.origin_zone_id,
        destination_zone_id=trip.destination_zone_id,
        trip_id=trip.pk,
    )


# --- the problem -----------------------------------------------------------------------------------------------
def problem_for_window(
    *, start: dt.datetime, end: dt.datetime, allow_moves: bool = False, now: dt.datetime | None = None
) -> tuple[Problem, PlanningContext]:
    """The rides waiting in ``[start, end)`` as jobs, with every active driver and vehicle and what they already do.

    Assigned trips stay where they are (fixed busy ranges) unless ``allow_moves``: then the trips in the window
    that have a driver and a vehicle and have not started (nor start before ``now``) are jobs too.
    """
    now = now or timezone.now()
    context = PlanningContext(start=start, end=end, allow_moves=allow_moves)
    times = selectors.drive_times()
    legs, tour_bookings, waiting = board.waiting_between(start, end, times)
    legs_by_id = {leg.pk: leg for leg in legs}
    bookings_by_departure: dict[int, list[Booking]] = defaultdict(list)
    for booking in tour_bookings:
        assert booking.tour_departure_id is not None  # a tour booking has its departure
        bookings_by_departure[booking.tour_departure_id].append(booking)

    jobs: list[Job] = []
    for ride in waiting:
        if ride.ride is None:
            context.not_plannable.append(ride)
            continue
        if ride.leg_id is not None:
            key = leg_key(ride.leg_id)
            leg = legs_by_id[ride.leg_id]
            language = leg.booking.language
            context.fingerprints[key] = leg_fingerprint(leg, waiting=True)
        else:
            assert ride.departure_id is not None
            key = departure_key(ride.departure_id)
            party = bookings_by_departure[ride.departure_id]
            language = Counter(b.language for b in party).most_common(1)[0][0]
            assert party[0].tour_departure is not None
            context.fingerprints[key] = departure_fingerprint(party[0].tour_departure, party)
        context.rides[key] = ride
        jobs.append(_job(key, ride.ride, language))

    trips = list(
        Trip.objects.exclude(status=Trip.Status.RELEASED)
        .filter(starts_at__lt=end + MARGIN, ends_at__gt=start - MARGIN)
        .select_related("origin_zone", "destination_zone", "departure__tour", "driver", "vehicle")
        .prefetch_related(
            Prefetch("riders", queryset=TripBooking.objects.select_related("booking__vehicle_class").order_by("pk"))
        )
        .order_by("starts_at", "pk")
    )
    fixed_by_driver: dict[int, list[Busy]] = defaultdict(list)
    fixed_by_vehicle: dict[int, list[Busy]] = defaultdict(list)
    for trip in trips:
        movable = (
            allow_moves
            and trip.status == Trip.Status.ASSIGNED
            and trip.is_assigned
            and start <= trip.starts_at < end
            and trip.starts_at > now
        )
        if movable:
            key = trip_key(trip.pk)
            context.movable[key] = trip
            context.fingerprints[key] = trip_fingerprint(trip)
            jobs.append(_trip_job(key, trip))
            continue
        if trip.driver_id is not None:
            fixed_by_driver[trip.driver_id].append(_busy(trip))
        if trip.vehicle_id is not None:
            fixed_by_vehicle[trip.vehicle_id].append(_busy(trip))

    first_day = (start - MARGIN).astimezone(LOCAL).date()
    last_day = (end + MARGIN).astimezone(LOCAL).date()
    drivers = list(
        Driver.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch("shifts", queryset=DriverShift.objects.order_by("weekday", "starts_at")),
            Prefetch(
                "time_off", queryset=DriverTimeOff.objects.filter(starts_on__lte=last_day, ends_on__gte=first_day)
            ),
        )
        .order_by("first_name", "last_name", "pk")
    )
    vehicles = list(Vehicle.objects.filter(is_active=True).select_related("vehicle_class").order_by("pk"))
    context.drivers = {d.pk: d for d in drivers}
    context.vehicles = {v.pk: v for v in vehicles}
    homes = _home_zones(drivers, before=end)

    problem = Problem(
        jobs=tuple(jobs),
        drivers=tuple(
            DriverInfo(
                driver_id=driver.pk,
                languages=tuple(driver.languages),
                shifts=shift_windows(driver.shifts.all(), driver.time_off.all(), first_day, last_day),
                documents_valid_until=min(expires_on for _name, expires_on in driver.documents()),
                home_zone_id=homes.get(driver.pk),
                fixed=tuple(fixed_by_driver[driver.pk]),
            )
            for driver in drivers
        ),
        vehicles=tuple(
            VehicleInfo(
                vehicle_id=vehicle.pk,
                class_id=vehicle.vehicle_class_id,
                seats=vehicle.seats,
                luggage=vehicle.luggage,
                documents_valid_until=min(expires_on for _name, expires_on in vehicle.documents()),
                home_zone_id=vehicle.home_zone_id,
                fixed=tuple(fixed_by_vehicle[vehicle.pk]),
            )
            for vehicle in vehicles
        ),
        drive_minutes=times,
        class_may_carry=class_may_carry(VehicleClass.objects.all()),
        tz=LOCAL,
    )
    return problem, context


def _job(key: str, ride: rules.Ride, language: str) -> Job:
    return Job(
        key=key,
        starts_at=ride.starts_at,
        ends_at=ride.ends_at,
        origin_zone_id=ride.origin_zone_id,
        destination_zone_id=ride.destination_zone_id,
        passengers=ride.passengers,
        luggage=ride.luggage,
        booked_class_id=ride.booked_class_id,
        language=language,
    )


def _trip_job(key: str, trip: Trip) -> Job:
    riders = list(trip.riders.all())
    booked = riders[0].booking.vehicle_class_id if riders and trip.kind == Trip.Kind.TRANSFER else None
    languages = Counter(rider.booking.language for rider in riders)
    return Job(
        key=key,
        starts_at=trip.starts_at,
        ends_at=trip.ends_at,
        origin_zone_id=trip.origin_zone_id,
        destination_zone_id=trip.destination_zone_id,
        passengers=max(trip.passengers, 1),
        luggage=trip.luggage,
        booked_class_id=booked,
        language=languages.most_common(1)[0][0] if languages else "",
    )


def _home_zones(drivers: Iterable[Driver], *, before: dt.datetime) -> Mapping[int, int]:
    """Each driver's home zone: the home base of the vehicle of their latest trip (one query)."""
    rows = (
        Trip.objects.filter(
            driver__in=list(drivers),
            vehicle__home_zone__isnull=False,
            starts_at__lt=before,
            starts_at__gte=before - HOME_LOOKBACK,
        )
        .exclude(status=Trip.Status.RELEASED)
        .order_by("driver_id", "-starts_at")
        .values_list("driver_id", "vehicle__home_zone_id")
    )
    homes: dict[int, int] = {}
    for driver_id, zone_id in rows:
        homes.setdefault(driver_id, zone_id)
    return homes
