"""The day planner: drivers' routes through the day's rides found with PyVRP (0.14), then checked and completed.

How the day becomes a vehicle-routing problem
---------------------------------------------
* **A driver keeps one vehicle for the day.** Before routing, each working driver is paired with a vehicle
  (:func:`pair_vehicles`): the pairs given in ``Problem.pairs`` first, then the others in order of their first shift,
  each taking the vehicle that can carry the most rides of that driver's shifts not yet well served by the vehicles
  chosen before (a marginal-coverage greedy, so minibuses go where groups travel and sedans are left over when there
  are more vehicles than drivers). A vehicle serves a second driver only if their shifts are at least
  :data:`HANDOVER_GAP` apart, so that the first driver's last ride is over before the second starts. Limits: a driver
  never changes vehicle during the day, and a driver with no vehicle left is not planned.
* **A route is one driver's shift window with their vehicle** (one PyVRP vehicle type each, one vehicle available),
  from and back to a depot at the driver's home zone (else the vehicle's). Fixed trips (the driver's and the
  vehicle's) cut the window into segments: a segment ends at a depot standing for the next fixed trip (arriving
  there means being at its pickup zone in time) and the next starts from a depot standing for it (leaving its
  drop-off zone when it is over). Fixed trips are thus kept exactly, never moved.
* **A ride is a client** pinned to its pickup (``tw_early = tw_late``), optional with a large prize, so the search
  first covers as many rides as it can. The ride's busy time is put on the edges leaving it rather than as service
  time: an edge from ride *i* to ride *j* lasts *i*'s busy time plus the drive from *i*'s drop-off to *j*'s pickup,
  and the edges from the home depot to a ride and from a ride back to it last nothing (their drive still counts as
  distance). So a route "starts" at its first pickup and "ends" at its last, and the vehicle type's time window (the
  shift) says exactly what :func:`gnb.fleet.rules.in_shift` says: the pickup is in the shift; the drive to it may
  start earlier and the drop-off may be after it. (Before a fixed trip that follows the shift, the last ride must
  also be over in time to reach it: there the segment's end is its depot, which is stricter than the rules.)
* **Who may carry what**: each routing profile has its own matrices, and a ride a (driver, vehicle) pair may not take
  (class, seats, luggage, documents on the day) is made unreachable in that pair's profile (edges into it cost and
  last far too much). Pairs that may take the same rides share a profile, so there are few.
* **Objective**: the uncollected prizes (fewest rides unassigned), then the empty driving (the distance: minutes from
  each drop-off to the next pickup, from home and back home, x :data:`DISTANCE_SCALE`), then a light term for balanced
  hours: a route's nominal duration is :data:`NOMINAL_SHIFT_MINUTES`, and each minute beyond it (up to the duty
  limit) costs 1, a tenth of a minute of empty driving. Busy drivers thus lose rides to idle ones when that costs
  little driving. Times are whole minutes, rounded so that the model never allows what the rules do not (pickups
  down, busy-until up).
* **Search**: PyVRP's iterated local search (:func:`_search`, as :func:`pyvrp.solve` but for the neighbourhood)
  starts from the crews' greedy plan (each ride, in pickup order, to the crew it adds the least empty driving to),
  so it never returns less than that. Its granular neighbourhood is built from time, not distance
  (:func:`_neighbours`): with pickups pinned, most pairs of rides can never be on one route next to each other, so a
  ride's neighbours are the :data:`NEIGHBOURS` rides that can directly precede or follow it in time, nearest by the
  empty drive between them plus :data:`NEIGHBOUR_WAIT_WEIGHT` x the wait. Measured on the 300-ride / 50-driver day
  with seeds 1 to 8 (5 s each): 16.1 % less empty driving than greedy on average against 12.1 % with PyVRP's own
  neighbourhood (by distance and time-window proximity, tuned), covering about as many rides (2 063 against 2 074 of
  2 400). Tried and not kept: starting from a greedy "ride j follows ride i" matching (each ride offered first to
  the crew of its matched predecessor): on seeds 1 to 4 it covered up to 11 rides fewer for no steady saving. Nor
  an exact one (an optimal successor assignment, ADR 0009): its chains break where a crew's vehicle class or
  shift ends, which an assignment cannot state, and what the crews can take of them costs as much empty driving
  per ride as this search's plans; as the start, or as the way drivers are paired with vehicles, it did not save
  more in 5 s (seeds 1 to 4: 15.3 % and 16.4 % below greedy on average, against 17.8 % from the greedy start).
* **Duty**: a route lasts at most ``max_duty_minutes`` from its first to its last pickup. The last ride's own length
  is not in that figure, so a plan can still exceed the limit; the check below removes such a ride.
* **Languages** are a soft goal, handled after the search: routes of interchangeable drivers (same shift, home zone,
  vehicle abilities, no fixed trips) are swapped between them when that gives more travellers a driver who speaks
  their language.

After the search
----------------
The plan is checked with :mod:`gnb.fleet.planning.checker`. Any ride in a violation is taken out (the latest one
first, until the check passes), then every ride still unassigned is offered, in pickup order, to the crew where it
adds the least empty driving among those still free for it. Last, a ride still unassigned may go to a free driver in
another vehicle than their own, one idle at the time that carries it (never a vehicle of ``Problem.pairs``): the
one place where a driver changes vehicle during the day. The plan is checked again after each step; a plan that
breaks a rule is never returned.

The time limit is ``GNB_DISPATCH_TIME_LIMIT_SECONDS`` (5 s) unless given.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp import IteratedLocalSearch, IteratedLocalSearchParams, PenaltyManager
from pyvrp.search import LocalSearch, PerturbationManager, PerturbationParams
from pyvrp.stop import MaxRuntime

from gnb.fleet.planning.checker import check
from gnb.fleet.planning.problem import Assignment, Busy, DriverInfo, Plan, Problem, VehicleInfo
from gnb.fleet.planning.timeline import Timeline, driver_may_drive, stint_of, vehicle_carries

DEFAULT_TIME_LIMIT_SECONDS = 5.0
# A vehicle passes from one driver to another only between shifts this far apart.
HANDOVER_GAP = dt.timedelta(hours=3)
# Distances are empty-driving minutes times this, so that a minute of overtime (cost 1) weighs a tenth of a minute.
DISTANCE_SCALE = 10
NOMINAL_SHIFT_MINUTES = 8 * 60
# Far larger than any route's distance: each ride left out costs this much (in distance units).
PRIZE = 10_000 * DISTANCE_SCALE
UNREACHABLE_DISTANCE = 10 * PRIZE
UNREACHABLE_MINUTES = 3 * 24 * 60
NO_DRIVE_MINUTES = 10**6


# A shorter acceptance history and smaller perturbations than the defaults (300; 1 to 25) suit the few seconds the
# search has: measured on the bench's 300-ride day, they covered more rides with less empty driving in 5 s. The
# neighbourhood is not PyVRP's (see _neighbours).
SEARCH = pyvrp.SolveParams(
    ils=IteratedLocalSearchParams(history_length=50),
    perturbation=PerturbationParams(min_perturbations=1, max_perturbations=10),
)
# The search's neighbours of a ride (see _neighbours): how many, and what a minute of waiting weighs against a minute
# of empty driving.
NEIGHBOURS = 20
NEIGHBOUR_WAIT_WEIGHT = 0.2


def default_time_limit() -> float:
    """``GNB_DISPATCH_TIME_LIMIT_SECONDS`` when Django is configured (the only setting the planners read)."""
    from django.conf import settings

    if settings.configured:
        return float(settings.GNB_DISPATCH_TIME_LIMIT_SECONDS)
    return DEFAULT_TIME_LIMIT_SECONDS


@dataclass(frozen=True)
class Crew:
    """A driver with the vehicle they drive for the day."""

    driver: DriverInfo
    vehicle: VehicleInfo

    def fixed(self) -> tuple[Busy, ...]:
        # The vehicle's trips with another driver (before the pairing) keep this crew waiting for it too.
        return tuple(sorted(set(self.driver.fixed) | set(self.vehicle.fixed), key=lambda b: b.starts_at))


def _windows_apart(first: DriverInfo, second: DriverInfo) -> bool:
    return all(
        b_start >= a_end + HANDOVER_GAP or a_start >= b_end + HANDOVER_GAP
        for a_start, a_end in first.shifts
        for b_start, b_end in second.shifts
    )


def pair_vehicles(problem: Problem) -> list[Crew]:
    """Each working driver with a vehicle for the day (see the module's docstring)."""
    jobs = problem.jobs
    drivers = {d.driver_id: d for d in problem.drivers}
    vehicles = {v.vehicle_id: v for v in problem.vehicles}
    carries = {
        v.vehicle_id: sum(1 << i for i, job in enumerate(jobs) if vehicle_carries(problem, v, job))
        for v in vehicles.values()
    }
    crews: list[Crew] = []
    users: dict[int, list[DriverInfo]] = {}
    for driver_id, vehicle_id in sorted(problem.pairs.items()):
        if drivers[driver_id].shifts:
            crews.append(Crew(drivers[driver_id], vehicles[vehicle_id]))
            users.setdefault(vehicle_id, []).append(drivers[driver_id])
    reserved = set(problem.pairs.values())
    # Rides by how many crews chosen so far could take them: the fewer, the more a new crew's vehicle is worth there.
    coverage_levels = 12
    levels = [0] * (coverage_levels + 1)
    levels[0] = (1 << len(jobs)) - 1

    def cover(mask: int) -> None:
        for level in range(coverage_levels - 1, -1, -1):
            moved = levels[level] & mask
            levels[level] &= ~moved
            levels[level + 1] |= moved

    for crew in crews:
        cover(carries[crew.vehicle.vehicle_id] & _drivable(problem, crew.driver))
    waiting = [d for d in problem.drivers if d.shifts and d.driver_id not in problem.pairs]
    waiting.sort(key=lambda d: (min(start for start, _end in d.shifts), d.driver_id))
    for driver in waiting:
        drivable = _drivable(problem, driver)
        if not drivable:
            continue
        best: tuple[float, int, int] | None = None
        for vehicle in vehicles.values():
            if vehicle.vehicle_id in reserved:
                continue
            if not all(_windows_apart(driver, other) for other in users.get(vehicle.vehicle_id, [])):
                continue
            mask = carries[vehicle.vehicle_id] & drivable
            worth = sum(bin(levels[level] & mask).count("1") / (1 + level) for level in range(coverage_levels + 1))
            home = 1 if vehicle.home_zone_id == driver.home_zone_id else 0
            key = (worth, home, -vehicle.vehicle_id)
            if best is None or key > best:
                best = key
        if best is None:
            continue
        vehicle = vehicles[-best[2]]
        crews.append(Crew(driver, vehicle))
        users.setdefault(vehicle.vehicle_id, []).append(driver)
        cover(carries[vehicle.vehicle_id] & drivable)
    return crews


def _drivable(problem: Problem, driver: DriverInfo) -> int:
    return sum(1 << i for i, job in enumerate(problem.jobs) if driver_may_drive(problem, driver, job))


@dataclass(frozen=True)
class _Segment:
    """A stretch of one crew's shift between fixed trips: one PyVRP vehicle type."""

    crew: Crew
    starts_at: dt.datetime
    ends_at: dt.datetime
    start: Busy | None  # leaves from this fixed trip's drop-off (None: from home)
    end: Busy | None  # must reach this fixed trip's pickup (None: back home, the last pickup before ``ends_at``)


def _segments(problem: Problem, crew: Crew) -> list[_Segment]:
    segments: list[_Segment] = []
    fixed = crew.fixed()
    duty = dt.timedelta(minutes=problem.max_duty_minutes)
    for shift_start, shift_end in crew.driver.shifts:
        inside = [b for b in fixed if shift_start <= b.starts_at < shift_end]
        # A fixed trip running into the shift from before holds the crew until it is over.
        before = [b for b in fixed if b.starts_at < shift_start < b.ends_at]
        after = [b for b in fixed if b.starts_at >= shift_end]
        start: Busy | None = before[-1] if before else None
        begin = max(shift_start, start.ends_at) if start else shift_start
        if inside:
            # The duty must take in the fixed trips: no ride picked up earlier than their end minus the limit.
            begin = max(begin, max(b.ends_at for b in inside) - duty)
        for trip in inside:
            if begin < trip.starts_at:
                segments.append(_Segment(crew, begin, trip.starts_at, start, trip))
            start, begin = trip, max(begin, trip.ends_at)
        end = after[0] if after else None
        if begin < shift_end:
            segments.append(_Segment(crew, begin, shift_end, start, end))
    return segments


class _Model:
    """The PyVRP data of a problem: locations (depots, then one per job), matrices per profile, vehicle types."""

    def __init__(self, problem: Problem, crews: Sequence[Crew]) -> None:
        self.problem = problem
        self.jobs = list(problem.jobs)
        self.segments = [segment for crew in crews for segment in _segments(problem, crew)]
        moments = [j.starts_at for j in self.jobs] + [s.starts_at for s in self.segments]
        self.origin = (min(moments) if moments else dt.datetime.now(dt.UTC)).replace(second=0, microsecond=0)
        used: set[int] = {z for j in self.jobs for z in (j.origin_zone_id, j.destination_zone_id)}
        for segment in self.segments:
            for trip in (segment.start, segment.end):
                if trip is not None:
                    used |= {trip.origin_zone_id, trip.destination_zone_id}
            home = self._home(segment.crew)
            if home is not None:
                used.add(home)
        zone_ids = sorted(used)
        self.zone_index = {z: i for i, z in enumerate(zone_ids)}
        size = len(zone_ids)
        zones = np.full((size, size), NO_DRIVE_MINUTES, dtype=np.int64)
        for a, za in enumerate(zone_ids):
            for b, zb in enumerate(zone_ids):
                minutes = problem.drive(za, zb)
                if minutes is not None:
                    zones[a, b] = minutes
        self.zones = zones

    def _home(self, crew: Crew) -> int | None:
        return crew.driver.home_zone_id if crew.driver.home_zone_id is not None else crew.vehicle.home_zone_id

    def minute_floor(self, moment: dt.datetime) -> int:
        return math.floor((moment - self.origin).total_seconds() / 60)

    def minute_ceil(self, moment: dt.datetime) -> int:
        return math.ceil((moment - self.origin).total_seconds() / 60)

    def build(self) -> pyvrp.ProblemData | None:
        """The PyVRP data, or None when no crew may take any ride (nothing to search)."""
        jobs, zones, index = self.jobs, self.zones, self.zone_index
        # Depots: one per home zone (or "anywhere": no empty driving counted), one per fixed trip that bounds a segment.
        depot_keys: list[tuple[str, object]] = []
        for segment in self.segments:
            for key in (self._depot_key(segment, segment.start, True), self._depot_key(segment, segment.end, False)):
                if key not in depot_keys:
                    depot_keys.append(key)
        self.depot_keys = depot_keys
        n_depots, n_jobs = len(depot_keys), len(jobs)
        n = n_depots + n_jobs
        origin = np.array([index[j.origin_zone_id] for j in jobs], dtype=np.int64)
        destination = np.array([index[j.destination_zone_id] for j in jobs], dtype=np.int64)
        # Times are whole minutes from the origin, rounded so that the model never allows what the rules do not:
        # pickups down, busy-until up.
        busy = np.array([self.minute_ceil(j.ends_at) - self.minute_floor(j.starts_at) for j in jobs], dtype=np.int64)
        minutes = np.zeros((n, n), dtype=np.int64)
        duration = np.zeros((n, n), dtype=np.int64)
        jj = slice(n_depots, n)
        between = zones[np.ix_(destination, origin)]
        minutes[jj, jj] = between
        duration[jj, jj] = busy[:, None] + between
        for d, (kind, value) in enumerate(depot_keys):
            if kind == "home":
                if value is None:
                    continue
                home = index[value]  # type: ignore[index]
                minutes[d, jj] = zones[home, origin]
                # The rules ask only that the pickup is in the shift: the drive there may start before it.
                duration[d, jj] = 0
                minutes[jj, d] = zones[destination, home]
                duration[jj, d] = 0  # the shift bounds the last pickup, not the drive home
            else:
                trip: Busy = value  # type: ignore[assignment]
                leave, reach = index[trip.destination_zone_id], index[trip.origin_zone_id]
                minutes[d, jj] = zones[leave, origin]
                duration[d, jj] = zones[leave, origin]
                minutes[jj, d] = zones[destination, reach]
                duration[jj, d] = busy + zones[destination, reach]
        np.fill_diagonal(minutes, 0)
        np.fill_diagonal(duration, 0)
        self.n_depots = n_depots
        self.pickups = np.array([self.minute_floor(j.starts_at) for j in jobs], dtype=np.int64)
        self.busy = busy
        self.between = between
        distance = np.minimum(minutes * DISTANCE_SCALE, UNREACHABLE_DISTANCE)

        # Profile 0 refuses nothing: PyVRP draws each ride's neighbourhood (the moves it tries) from it.
        everything = (1 << n_jobs) - 1
        profiles: dict[int, int] = {everything: 0}
        distance_matrices: list[np.ndarray] = [distance]
        duration_matrices: list[np.ndarray] = [duration]
        vehicle_types: list[pyvrp.VehicleType] = []
        self.type_segments: list[_Segment] = []
        overtime = max(0, self.problem.max_duty_minutes - NOMINAL_SHIFT_MINUTES)
        nominal = min(NOMINAL_SHIFT_MINUTES, self.problem.max_duty_minutes)
        for segment in self.segments:
            crew = segment.crew
            allowed = sum(
                1 << i
                for i, job in enumerate(jobs)
                if vehicle_carries(self.problem, crew.vehicle, job)
                and crew.driver.documents_valid_until >= self.problem.local_day(job.ends_at)
            )
            if not allowed:
                continue
            if allowed not in profiles:
                refused = np.array([n_depots + i for i in range(n_jobs) if not allowed >> i & 1], dtype=np.int64)
                profile_distance = distance.copy()
                profile_duration = duration.copy()
                if refused.size:
                    profile_distance[:, refused] = UNREACHABLE_DISTANCE
                    profile_duration[:, refused] = UNREACHABLE_MINUTES
                    profile_distance[refused, refused] = 0
                    profile_duration[refused, refused] = 0
                profiles[allowed] = len(distance_matrices)
                distance_matrices.append(profile_distance)
                duration_matrices.append(profile_duration)
            start_depot = depot_keys.index(self._depot_key(segment, segment.start, True))
            end_depot = depot_keys.index(self._depot_key(segment, segment.end, False))
            # The last pickup is before the shift's end (half-open); at a fixed trip, arriving at its start is fine.
            late = self.minute_ceil(segment.ends_at) - 1 if segment.end is None else self.minute_floor(segment.ends_at)
            vehicle_types.append(
                pyvrp.VehicleType(
                    num_available=1,
                    start_depot=start_depot,
                    end_depot=end_depot,
                    tw_early=self.minute_ceil(segment.starts_at),
                    tw_late=late,
                    shift_duration=nominal,
                    max_overtime=overtime,
                    unit_overtime_cost=1,
                    profile=profiles[allowed],
                    name=f"{crew.driver.driver_id}/{crew.vehicle.vehicle_id}",
                )
            )
            self.type_segments.append(segment)
        if not vehicle_types:
            return None
        locations = [pyvrp.Location(0, 0) for _ in range(n)]
        depots = [pyvrp.Depot(location=d) for d in range(n_depots)]
        clients = [
            pyvrp.Client(
                location=n_depots + i,
                tw_early=self.minute_floor(job.starts_at),
                tw_late=self.minute_floor(job.starts_at),
                prize=PRIZE,
                required=False,
                name=job.key,
            )
            for i, job in enumerate(jobs)
        ]
        return pyvrp.ProblemData(
            locations=locations,
            clients=clients,
            depots=depots,
            vehicle_types=vehicle_types,
            distance_matrices=distance_matrices,  # type: ignore[arg-type]  # the stubs' shape type is too narrow
            duration_matrices=duration_matrices,  # type: ignore[arg-type]
        )

    def _depot_key(self, segment: _Segment, trip: Busy | None, leaving: bool) -> tuple[str, object]:
        if trip is None:
            return ("home", self._home(segment.crew))
        return ("trip", trip)


def _neighbours(model: _Model) -> dict[pyvrp.Activity, list[pyvrp.Activity]]:
    """Each ride's neighbours for the search: the rides that can come just before or after it on one route (in
    time, whatever the vehicle), nearest first by the empty drive between them plus a share of the wait. With
    pickups pinned, most pairs of rides can never follow one another: PyVRP's own neighbourhood (by distance and
    time-window proximity) spends most of its moves on them."""
    n = len(model.pickups)
    if n == 0:
        return {}
    # slack[i, j]: minutes to spare when ride j follows ride i (negative: it cannot).
    slack = model.pickups[None, :] - (model.pickups[:, None] + model.busy[:, None] + model.between)
    cost = np.where(slack >= 0, model.between + NEIGHBOUR_WAIT_WEIGHT * slack, np.inf).astype(float)
    np.fill_diagonal(cost, np.inf)
    both = np.minimum(cost, cost.T)
    count = min(NEIGHBOURS, n - 1)
    neighbours: dict[pyvrp.Activity, list[pyvrp.Activity]] = {}
    client = pyvrp.ActivityType.CLIENT
    for i in range(n):
        row = both[i]
        order = np.argsort(row, kind="stable")[:count]
        neighbours[pyvrp.Activity(client, i)] = [pyvrp.Activity(client, int(j)) for j in order if np.isfinite(row[j])]
    return neighbours


def _search(model: _Model, data: pyvrp.ProblemData, seconds: float, seed: int, start: pyvrp.Solution) -> pyvrp.Solution:
    """PyVRP's iterated local search (as :func:`pyvrp.solve`), with the neighbourhood of :func:`_neighbours`."""
    params = SEARCH
    rng = pyvrp.RandomNumberGenerator(seed=seed)
    search = LocalSearch(data, rng, _neighbours(model), PerturbationManager(params.perturbation))
    for operator in params.operators:
        if operator.supports(data):
            search.add_operator(operator(data))
    penalties = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    algorithm = IteratedLocalSearch(data, penalties, search, start, params.ils)
    return algorithm.run(MaxRuntime(seconds), collect_stats=False, display=False).best


def _assignments_of(model: _Model, solution: pyvrp.Solution) -> list[Assignment]:
    assignments = []
    for route in solution.routes():
        crew = model.type_segments[route.vehicle_type()].crew
        for activity in route.schedule():
            if activity.type == pyvrp.ActivityType.CLIENT:
                job = model.jobs[activity.idx]
                assignments.append(Assignment(job.key, crew.driver.driver_id, crew.vehicle.vehicle_id))
    return assignments


def _initial_solution(model: _Model, data: pyvrp.ProblemData, assignments: list[Assignment]) -> pyvrp.Solution:
    """``assignments`` (one vehicle per driver, as the crews) as a PyVRP solution: each ride on the route of the
    segment its pickup falls in; rides that fit no segment, and routes PyVRP finds infeasible, are left out."""
    index = {job.key: i for i, job in enumerate(model.jobs)}
    by_driver: dict[int, list[int]] = {}
    for assignment in assignments:
        by_driver.setdefault(assignment.driver_id, []).append(index[assignment.job_key])
    routes = []
    for type_index, segment in enumerate(model.type_segments):
        limit = segment.end.starts_at if segment.end is not None else segment.ends_at
        visits = sorted(
            (
                i
                for i in by_driver.get(segment.crew.driver.driver_id, [])
                if segment.starts_at <= model.jobs[i].starts_at < limit
            ),
            key=lambda i: model.jobs[i].starts_at,
        )
        if visits:
            route = pyvrp.Route(data, visits, type_index)
            if route.is_feasible():
                routes.append(route)
    return pyvrp.Solution(data, routes)


def _drop_violations(problem: Problem, assignments: list[Assignment]) -> list[Assignment]:
    """Take out rides until the checker finds nothing: from each violation, the planned ride picked up last."""
    jobs = {job.key: job for job in problem.jobs}
    while True:
        planned = {a.job_key for a in assignments}
        plan = Plan(tuple(assignments), tuple(k for k in jobs if k not in planned), 0.0, "")
        violations = check(problem, plan)
        if not violations:
            return assignments
        culprits = set()
        for violation in violations:
            keys = [k for k in violation.job_keys if k in planned]
            if keys:
                culprits.add(max(keys, key=lambda k: (jobs[k].starts_at, k)))
        if not culprits:
            # A violation names no planned ride only when the plan itself is malformed: start from nothing.
            return []
        assignments = [a for a in assignments if a.job_key not in culprits]


def _fill_gaps(problem: Problem, crews: Sequence[Crew], assignments: list[Assignment]) -> list[Assignment]:
    """Offer each unassigned ride to the crew it costs least empty driving to add it to, where it still fits."""
    jobs = {job.key: job for job in problem.jobs}
    driver_days = {c.driver.driver_id: Timeline.of(problem, c.driver.fixed) for c in crews}
    vehicle_days = {v.vehicle_id: Timeline.of(problem, v.fixed) for v in problem.vehicles}
    for assignment in assignments:
        stint = stint_of(jobs[assignment.job_key])
        driver_days[assignment.driver_id].add(stint)
        vehicle_days[assignment.vehicle_id].add(stint)
    planned = {a.job_key for a in assignments}
    result = list(assignments)
    for job in sorted(problem.jobs, key=lambda j: (j.starts_at, j.key)):
        if job.key in planned:
            continue
        stint = stint_of(job)
        best: tuple[int, Crew] | None = None
        for crew in crews:
            day = driver_days[crew.driver.driver_id]
            if not (
                driver_may_drive(problem, crew.driver, job)
                and vehicle_carries(problem, crew.vehicle, job)
                and day.fits(stint)
                and vehicle_days[crew.vehicle.vehicle_id].fits(stint)
                and day.duty_allows(stint, crew.driver.shifts)
            ):
                continue
            cost = _added_empty_minutes(problem, day, stint, crew)
            if best is None or cost < best[0]:
                best = (cost, crew)
        if best is not None:
            crew = best[1]
            driver_days[crew.driver.driver_id].add(stint)
            vehicle_days[crew.vehicle.vehicle_id].add(stint)
            result.append(Assignment(job.key, crew.driver.driver_id, crew.vehicle.vehicle_id))
    return result


def _borrow_vehicles(problem: Problem, crews: Sequence[Crew], assignments: list[Assignment]) -> list[Assignment]:
    """Last, the rides still unassigned that a free driver could drive in another vehicle than their own, one that
    is idle then and carries the ride (never one of ``Problem.pairs``, and never for a paired driver)."""
    jobs = {job.key: job for job in problem.jobs}
    driver_days = {d.driver_id: Timeline.of(problem, d.fixed) for d in problem.drivers}
    vehicle_days = {v.vehicle_id: Timeline.of(problem, v.fixed) for v in problem.vehicles}
    for assignment in assignments:
        stint = stint_of(jobs[assignment.job_key])
        driver_days[assignment.driver_id].add(stint)
        vehicle_days[assignment.vehicle_id].add(stint)
    planned = {a.job_key for a in assignments}
    reserved = set(problem.pairs.values())
    crew_of = {c.driver.driver_id: c for c in crews}
    drivers = [d for d in problem.drivers if d.driver_id not in problem.pairs]
    result = list(assignments)
    for job in sorted(problem.jobs, key=lambda j: (j.starts_at, j.key)):
        if job.key in planned:
            continue
        stint = stint_of(job)
        best: tuple[int, int, int] | None = None
        for driver in drivers:
            day = driver_days[driver.driver_id]
            if not (
                driver_may_drive(problem, driver, job) and day.fits(stint) and day.duty_allows(stint, driver.shifts)
            ):
                continue
            for vehicle in problem.vehicles:
                if (
                    vehicle.vehicle_id in reserved
                    or not vehicle_carries(problem, vehicle, job)
                    or not vehicle_days[vehicle.vehicle_id].fits(stint)
                ):
                    continue
                crew = crew_of.get(driver.driver_id) or Crew(driver, vehicle)
                cost = _added_empty_minutes(problem, day, stint, crew)
                if best is None or (cost, driver.driver_id, vehicle.vehicle_id) < best:
                    best = (cost, driver.driver_id, vehicle.vehicle_id)
        if best is not None:
            _cost, driver_id, vehicle_id = best
            driver_days[driver_id].add(stint)
            vehicle_days[vehicle_id].add(stint)
            result.append(Assignment(job.key, driver_id, vehicle_id))
    return result


def _added_empty_minutes(problem: Problem, day: Timeline, stint, crew: Crew) -> int:
    home = crew.driver.home_zone_id if crew.driver.home_zone_id is not None else crew.vehicle.home_zone_id
    before = max((s for s in day.stints if s.starts_at < stint.starts_at), default=None)
    after = min((s for s in day.stints if s.starts_at > stint.starts_at), default=None)
    left = before.destination if before else home
    right = after.origin if after else home
    if left is None or right is None:
        return 0
    old = problem.drive(left, right) or 0
    new = (problem.drive(left, stint.origin) or 0) + (problem.drive(stint.destination, right) or 0)
    return new - old


def _languages(problem: Problem, crews: Sequence[Crew], assignments: list[Assignment]) -> list[Assignment]:
    """Swap whole days between interchangeable drivers when more travellers then hear their own language."""
    jobs = {job.key: job for job in problem.jobs}
    fixed_drivers = {c.driver.driver_id for c in crews if c.fixed()} | set(problem.pairs)
    groups: dict[tuple, list[Crew]] = {}
    for crew in crews:
        if crew.driver.driver_id in fixed_drivers:
            continue
        key = (
            crew.driver.shifts,
            crew.driver.home_zone_id if crew.driver.home_zone_id is not None else crew.vehicle.home_zone_id,
            crew.driver.documents_valid_until,
            crew.vehicle.class_id,
            crew.vehicle.seats,
            crew.vehicle.luggage,
            crew.vehicle.documents_valid_until,
        )
        groups.setdefault(key, []).append(crew)
    day_of: dict[int, list[str]] = {}
    for assignment in assignments:
        day_of.setdefault(assignment.driver_id, []).append(assignment.job_key)
    owner: dict[int, int] = {}  # driver id -> the driver id whose planned day they take

    def matches(driver: DriverInfo, keys: list[str]) -> int:
        return sum(1 for k in keys if jobs[k].language and jobs[k].language in driver.languages)

    for members in groups.values():
        if len(members) < 2:
            continue
        current = {c.driver.driver_id: c.driver.driver_id for c in members}
        improved = True
        while improved:
            improved = False
            for a in members:
                for b in members:
                    if a.driver.driver_id >= b.driver.driver_id:
                        continue
                    da, db = current[a.driver.driver_id], current[b.driver.driver_id]
                    now = matches(a.driver, day_of.get(da, [])) + matches(b.driver, day_of.get(db, []))
                    swapped = matches(a.driver, day_of.get(db, [])) + matches(b.driver, day_of.get(da, []))
                    if swapped > now:
                        current[a.driver.driver_id], current[b.driver.driver_id] = db, da
                        improved = True
        for driver_id, source in current.items():
            if driver_id != source:
                owner[driver_id] = source
    if not owner:
        return assignments
    vehicle_of = {c.driver.driver_id: c.vehicle.vehicle_id for c in crews}
    taker = {source: driver_id for driver_id, source in owner.items()}
    result = []
    for assignment in assignments:
        driver_id = taker.get(assignment.driver_id, assignment.driver_id)
        vehicle_id = vehicle_of[driver_id] if driver_id != assignment.driver_id else assignment.vehicle_id
        result.append(Assignment(assignment.job_key, driver_id, vehicle_id))
    return result


def plan_solver(problem: Problem, *, time_limit_seconds: float | None = None, seed: int = 1) -> Plan:
    """A plan for ``problem`` found by PyVRP within ``time_limit_seconds`` (the setting by default), checked.

    The limit covers everything: building the model, the search, and the checks and completions after it (given
    as much time again as the building took, which is about what they need)."""
    started = time.perf_counter()
    limit = default_time_limit() if time_limit_seconds is None else time_limit_seconds
    crews = pair_vehicles(problem)
    assignments: list[Assignment] = []
    model = _Model(problem, crews)
    if problem.jobs and crews:
        data = model.build()
        if data is not None:
            # The search starts from the crews' greedy plan, so it never ends below it.
            start = _initial_solution(model, data, _fill_gaps(problem, crews, []))
            preparing = time.perf_counter() - started
            remaining = max(0.05, limit - 2 * preparing - 0.05)
            assignments = _assignments_of(model, _search(model, data, remaining, seed, start))
    assignments = _drop_violations(problem, assignments)
    assignments = _fill_gaps(problem, crews, assignments)
    assignments = _languages(problem, crews, assignments)
    assignments = _drop_violations(problem, assignments)
    assignments = _drop_violations(problem, _borrow_vehicles(problem, crews, assignments))
    planned = {a.job_key for a in assignments}
    unassigned = tuple(job.key for job in problem.jobs if job.key not in planned)
    assignments.sort(key=lambda a: a.job_key)
    return Plan(tuple(assignments), unassigned, time.perf_counter() - started, "pyvrp")
