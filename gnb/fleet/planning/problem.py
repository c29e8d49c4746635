"""The day-planning contract: what a plan is made from and what it is made of, as plain data (no database).

A :class:`Problem` is one horizon (usually a day) of rides waiting for a driver and a vehicle (:class:`Job`), the
drivers and vehicles that could take them with what already keeps them busy (:class:`Busy`), and the zone-to-zone
drive times. A :class:`Plan` gives some jobs a driver and a vehicle and lists the others as unassigned. The
definitions of the rules a plan must keep are those of :mod:`gnb.fleet.rules`, restated here for data already read:

* busy ranges are half-open ``[starts_at, ends_at)``; ``ends_at`` already holds the turnaround buffer;
* between two trips of the same driver or vehicle there must also be time to drive empty from the first one's
  destination zone to the second one's origin zone (:meth:`Problem.drive`); a pair of zones with no known drive time
  cannot follow one another;
* the pickup must fall inside one of the driver's shift windows (``DriverInfo.shifts``: concrete ``[start, end)``
  ranges with time off already taken out);
* a document is good for a ride when it is valid through the local day (``Problem.tz``) the ride ends;
* a vehicle carries a ride when its class may serve the booked class (``Problem.class_may_carry``) and its own seats
  and luggage hold the party;
* duty: the trips (fixed and planned) of a driver whose pickups fall in one shift window span at most
  ``max_duty_minutes`` from the first pickup to the last busy-until;
* a driver paired with a vehicle for the day (``Problem.pairs``) drives only that vehicle.

Jobs and trips the driver already has that fall in no shift window still keep the driver busy but count for no duty.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

LOCAL_ZONE = zoneinfo.ZoneInfo("Europe/Istanbul")


def _aware(name: str, value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}.")


@dataclass(frozen=True)
class Job:
    """A ride waiting for a driver and a vehicle, as :class:`gnb.fleet.rules.Ride`.

    ``key`` is ``"leg:<id>"`` or ``"departure:<id>"``; ``ends_at`` is the busy-until (estimated drop-off plus the
    turnaround buffer); ``language`` the booking's language (ISO 639-1), matched softly to the drivers'.
    """

    key: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    origin_zone_id: int
    destination_zone_id: int
    passengers: int
    luggage: int
    booked_class_id: int | None
    language: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("Job.key must not be empty.")
        _aware(f"Job {self.key}: starts_at", self.starts_at)
        _aware(f"Job {self.key}: ends_at", self.ends_at)
        if self.ends_at <= self.starts_at:
            raise ValueError(f"Job {self.key}: ends_at must be after starts_at.")
        if self.passengers < 1:
            raise ValueError(f"Job {self.key}: passengers must be at least 1.")
        if self.luggage < 0:
            raise ValueError(f"Job {self.key}: luggage must not be negative.")


@dataclass(frozen=True)
class Busy:
    """A live trip already assigned: it keeps its driver (and vehicle) busy and stays as it is."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    origin_zone_id: int
    destination_zone_id: int
    trip_id: int | None = None

    def __post_init__(self) -> None:
        _aware("Busy.starts_at", self.starts_at)
        _aware("Busy.ends_at", self.ends_at)
        if self.ends_at <= self.starts_at:
            raise ValueError(f"Busy trip {self.trip_id}: ends_at must be after starts_at.")


@dataclass(frozen=True)
class DriverInfo:
    """A driver of the horizon. ``shifts``: concrete ``[start, end)`` windows within the horizon, time off already
    taken out (empty: not working). ``documents_valid_until``: the earliest expiry of the driver's documents."""

    driver_id: int
    languages: tuple[str, ...]
    shifts: tuple[tuple[dt.datetime, dt.datetime], ...]
    documents_valid_until: dt.date
    home_zone_id: int | None
    fixed: tuple[Busy, ...] = ()

    def __post_init__(self) -> None:
        for start, end in self.shifts:
            _aware(f"Driver {self.driver_id}: shift start", start)
            _aware(f"Driver {self.driver_id}: shift end", end)
            if end <= start:
                raise ValueError(f"Driver {self.driver_id}: a shift must end after it starts.")


@dataclass(frozen=True)
class VehicleInfo:
    """A vehicle of the horizon: its class, its own seats and luggage, and the earliest expiry of its documents."""

    vehicle_id: int
    class_id: int
    seats: int
    luggage: int
    documents_valid_until: dt.date
    home_zone_id: int | None
    fixed: tuple[Busy, ...] = ()


@dataclass(frozen=True)
class Problem:
    """One horizon to plan.

    ``drive_minutes``: ``{(from_zone_id, to_zone_id): minutes}`` as ``ZoneDriveTime`` keeps it (a pair kept one way
    serves both ways; within a zone 0 unless kept). ``class_may_carry``: booked class id (None for a tour) → the
    vehicle class ids allowed to carry it. ``pairs``: driver id → the vehicle they drive all horizon.
    """

    jobs: tuple[Job, ...]
    drivers: tuple[DriverInfo, ...]
    vehicles: tuple[VehicleInfo, ...]
    drive_minutes: Mapping[tuple[int, int], int]
    class_may_carry: Mapping[int | None, frozenset[int]]
    max_duty_minutes: int = 12 * 60
    pairs: Mapping[int, int] = field(default_factory=dict)
    tz: dt.tzinfo = LOCAL_ZONE

    def __post_init__(self) -> None:
        keys = [job.key for job in self.jobs]
        if len(set(keys)) != len(keys):
            raise ValueError("Problem.jobs: each job key must be unique.")
        driver_ids = [d.driver_id for d in self.drivers]
        if len(set(driver_ids)) != len(driver_ids):
            raise ValueError("Problem.drivers: each driver id must be unique.")
        vehicle_ids = [v.vehicle_id for v in self.vehicles]
        if len(set(vehicle_ids)) != len(vehicle_ids):
            raise ValueError("Problem.vehicles: each vehicle id must be unique.")
        for driver_id, vehicle_id in self.pairs.items():
            if driver_id not in driver_ids or vehicle_id not in vehicle_ids:
                raise ValueError(f"Problem.pairs: driver {driver_id} or vehicle {vehicle_id} is not in the problem.")
        if len(set(self.pairs.values())) != len(self.pairs):
            raise ValueError("Problem.pairs: a vehicle is paired with more than one driver.")
        if self.max_duty_minutes <= 0:
            raise ValueError("Problem.max_duty_minutes must be positive.")

    def drive(self, from_zone_id: int, to_zone_id: int) -> int | None:
        """Minutes to drive empty between two zones; None when no time is kept for the pair (they cannot follow
        one another)."""
        minutes = self.drive_minutes.get((from_zone_id, to_zone_id))
        if minutes is None:
            minutes = self.drive_minutes.get((to_zone_id, from_zone_id))
        if minutes is None and from_zone_id == to_zone_id:
            return 0
        return minutes

    def local_day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()


def class_may_carry(classes: Iterable[tuple[int, int, int]]) -> dict[int | None, frozenset[int]]:
    """``Problem.class_may_carry`` from ``(class_id, max_passengers, max_luggage)`` of every vehicle class, as
    :func:`gnb.fleet.rules.vehicle_refusals` decides: the booked class, or any class at least as big in both (an
    upgrade); a tour (None) any class, its seats being checked per vehicle."""
    classes = list(classes)
    allowed: dict[int | None, frozenset[int]] = {
        booked: frozenset(
            other
            for other, other_seats, other_luggage in classes
            if other == booked or (other_seats >= seats and other_luggage >= luggage)
        )
        for booked, seats, luggage in classes
    }
    allowed[None] = frozenset(class_id for class_id, _seats, _luggage in classes)
    return allowed


def shift_windows(
    *,
    weekly: Iterable[tuple[int, dt.time, dt.time]],
    days_off: Iterable[tuple[dt.date, dt.date]],
    first_day: dt.date,
    last_day: dt.date,
    tz: dt.tzinfo = LOCAL_ZONE,
) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """A driver's concrete shift windows for the local days ``first_day`` to ``last_day``, as ``DriverInfo.shifts``.

    ``weekly``: ``(weekday, starts_at, ends_at)`` as ``DriverShift`` keeps them (0 = Monday; a shift whose end is not
    after its start runs past midnight, as :func:`gnb.fleet.rules.in_shift` reads it, so the night shift of the day
    before ``first_day`` is included). ``days_off``: inclusive ``(starts_on, ends_on)`` as ``DriverTimeOff``; those
    days are cut out of the windows. Windows that touch or overlap are merged (one duty)."""
    windows: list[tuple[dt.datetime, dt.datetime]] = []
    weekly = list(weekly)
    day = first_day - dt.timedelta(days=1)
    while day <= last_day:
        for weekday, starts_at, ends_at in weekly:
            if weekday != day.weekday():
                continue
            end_day = day + dt.timedelta(days=1) if ends_at <= starts_at else day
            windows.append((dt.datetime.combine(day, starts_at, tz), dt.datetime.combine(end_day, ends_at, tz)))
        day += dt.timedelta(days=1)
    for off_from, off_to in days_off:
        cut_from = dt.datetime.combine(off_from, dt.time(0, 0), tz)
        cut_to = dt.datetime.combine(off_to + dt.timedelta(days=1), dt.time(0, 0), tz)
        kept = []
        for start, end in windows:
            if start < cut_from:
                kept.append((start, min(end, cut_from)))
            if end > cut_to:
                kept.append((max(start, cut_to), end))
        windows = [(start, end) for start, end in kept if start < end]
    horizon_from = dt.datetime.combine(first_day, dt.time(0, 0), tz)
    horizon_to = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0, 0), tz)
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(windows):
        if end <= horizon_from or start >= horizon_to:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@dataclass(frozen=True)
class Assignment:
    job_key: str
    driver_id: int
    vehicle_id: int


@dataclass(frozen=True)
class Plan:
    """Jobs given a driver and a vehicle, the jobs left to a dispatcher, and how the plan was made."""

    assignments: tuple[Assignment, ...]
    unassigned: tuple[str, ...]
    solve_seconds: float
    solver: str


@dataclass(frozen=True)
class PlanTotals:
    """What a plan is worth.

    ``empty_driving_minutes``: per driver and shift window, the drive from the home zone (the driver's, else the
    paired or first vehicle's) to the first pickup, between each drop-off and the next pickup, and back home from the
    last drop-off, over fixed and planned trips alike (pairs with no kept time count 0). ``hours_per_driver``: busy
    hours (fixed and planned) of every driver who may work in the horizon (a shift, and documents valid on its first
    day). ``hours_spread``: the largest minus the smallest of those; ``hours_std`` their population standard
    deviation. ``language_misses``: planned jobs with a language that their driver does not speak.
    """

    covered: int
    unassigned: int
    empty_driving_minutes: int
    hours_per_driver: dict[int, float]
    hours_spread: float
    hours_std: float
    language_misses: int


def _home_zone(problem: Problem, driver: DriverInfo, vehicle_ids: list[int]) -> int | None:
    if driver.home_zone_id is not None:
        return driver.home_zone_id
    vehicles = {v.vehicle_id: v for v in problem.vehicles}
    for vehicle_id in vehicle_ids:
        vehicle = vehicles.get(vehicle_id)
        if vehicle is not None and vehicle.home_zone_id is not None:
            return vehicle.home_zone_id
    return None


def window_of(shifts: tuple[tuple[dt.datetime, dt.datetime], ...], moment: dt.datetime) -> int | None:
    """The index of the shift window holding ``moment``, or None."""
    for index, (start, end) in enumerate(shifts):
        if start <= moment < end:
            return index
    return None


def totals(problem: Problem, plan: Plan) -> PlanTotals:
    """The figures of ``plan`` for ``problem`` (which must be a plan for it; the checker says whether it is valid)."""
    jobs = {job.key: job for job in problem.jobs}
    by_driver: dict[int, list[tuple[dt.datetime, dt.datetime, int, int]]] = {}
    vehicles_of: dict[int, list[int]] = {}
    language_misses = 0
    drivers = {d.driver_id: d for d in problem.drivers}
    for assignment in plan.assignments:
        job = jobs[assignment.job_key]
        by_driver.setdefault(assignment.driver_id, []).append(
            (job.starts_at, job.ends_at, job.origin_zone_id, job.destination_zone_id)
        )
        vehicles_of.setdefault(assignment.driver_id, []).append(assignment.vehicle_id)
        driver = drivers.get(assignment.driver_id)
        if job.language and driver is not None and job.language not in driver.languages:
            language_misses += 1
    empty = 0
    hours: dict[int, float] = {}
    for driver in problem.drivers:
        trips = by_driver.get(driver.driver_id, []) + [
            (b.starts_at, b.ends_at, b.origin_zone_id, b.destination_zone_id) for b in driver.fixed
        ]
        trips.sort()
        if driver.shifts and driver.documents_valid_until >= problem.local_day(driver.shifts[0][0]):
            busy = sum((end - start).total_seconds() for start, end, _o, _d in trips)
            hours[driver.driver_id] = busy / 3600
        paired = problem.pairs.get(driver.driver_id)
        candidates = ([paired] if paired is not None else []) + vehicles_of.get(driver.driver_id, [])
        home = _home_zone(problem, driver, candidates)
        groups: dict[int | None, list[tuple[dt.datetime, dt.datetime, int, int]]] = {}
        for trip in trips:
            groups.setdefault(window_of(driver.shifts, trip[0]), []).append(trip)
        for group in groups.values():
            # Home, each trip in turn, and home again: the empty stretches are the moves between them.
            stops: list[tuple[int | None, int | None]] = [(None, home)]
            stops += [(origin, destination) for _start, _end, origin, destination in group]
            stops.append((home, None))
            for (_o, left), (arrive, _d) in itertools.pairwise(stops):
                if left is not None and arrive is not None:
                    empty += problem.drive(left, arrive) or 0
    values = list(hours.values())
    spread = max(values) - min(values) if values else 0.0
    mean = sum(values) / len(values) if values else 0.0
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) if values else 0.0
    return PlanTotals(
        covered=len(plan.assignments),
        unassigned=len(plan.unassigned),
        empty_driving_minutes=empty,
        hours_per_driver=hours,
        hours_spread=round(spread, 2),
        hours_std=round(std, 2),
        language_misses=language_misses,
    )
