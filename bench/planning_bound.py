"""How low can a day's empty driving go? A lower bound for any plan that keeps the rules, from a MILP solved by HiGHS.

For a generated day (``gnb.fleet.planning.generator``), the tool plans it with the greedy baseline and the solver,
then asks HiGHS (``highspy``, in the development group of pyproject.toml) for the least empty driving of any plan
that covers at least N rides, for N = the greedy's coverage, the solver's and the best known; and for the most
rides any plan can cover. The figures are valid bounds, not plans: the MILP's best bound (its dual bound) is
reported, never its best solution, so a search stopped at its time limit still says something true. Empty driving
is counted as :func:`gnb.fleet.planning.problem.totals` counts it: per driver and shift window, home to the first
pickup, each drop-off to the next pickup, and the last drop-off home, fixed trips included.

    .venv/bin/python bench/planning_bound.py [--trips 300] [--drivers 50] [--seed 1] [--time-limit 300] [--long 60]

The model. A *crew* is a driver's shift window. Crews that nothing tells apart (same window, home zone and rides
they may take, no fixed trip, no pair) are one commodity of an integer multi-commodity flow with as many units as
drivers; a crew with a fixed trip or a paired vehicle is a commodity of its own. Each unit runs from the crew's home
through rides (and, for its own commodity, every fixed trip of that window, which it must pass) back home. A ride
may be on a commodity's path when the pickup is in the window, the driver's documents hold on the ride's last day, a
vehicle the crew may drive carries it (class, seats, luggage, documents; for a paired driver their vehicle only),
and it clashes with none of the driver's or the paired vehicle's fixed trips. Rides are linked through a
*time-space network*: after a trip, a crew drives to a zone (the arc costs that drive) and arrives at the first
pickup there that it can reach in time, then waits there from pickup to pickup (free) until it takes one. Home to
the first pickup and the last drop-off home cost their drives; a unit that stays home costs nothing. Each ride is
covered at most once, and at least N are covered. Each commodity is split into *duty layers* by the time of its
first pickup (30-minute ranges from the window's start): a layer's crews take only trips that start at or after its
range and are over within the duty limit of its range's end.

Every rule the checker enforces is kept, or relaxed into a weaker condition that every valid plan meets:

* shift windows, documents, class, seats and luggage: exact, per commodity (above);
* one driver's sequence (no overlap, time to drive on): exact within a shift window (a ride's drop-off leads only to
  pickups it reaches in time, and time runs forward on every arc); between two windows of one driver it is relaxed
  (only clashes with fixed trips are kept) -- no generated driver has two windows;
* empty driving: a plan's drive from a drop-off straight to the next pickup is one arc to that pickup's zone, so
  each valid plan is a path of the same cost; the network also holds paths through a third zone, which cost less
  than the straight drive only where the drive-time table breaks the triangle inequality (a relaxation either way);
* duty (first pickup to last busy-until of a window at most ``max_duty_minutes``): relaxed to the duty layers, and
  to every ride with every fixed trip of the window spanning at most that;
* vehicles (each vehicle's own sequence, which the checker checks like a driver's): relaxed to counting. A driver
  may change vehicle between rides (the checker allows it; the planner does so only in its last step), so a
  plan needs, at every pickup moment *t* and for every set *U* of vehicles that is a union of the sets of vehicles
  that may carry a ride, no more rides that only vehicles of *U* may carry under way at *t* than *U* has vehicles
  free. A ride takes its vehicle from its pickup to its busy-until plus the shortest drive from its drop-off zone
  (the least it needs before its next pickup);
* pairs (``Problem.pairs``): exact -- a paired driver's rides go in their vehicle, whose timeline is then theirs,
  and a paired vehicle is counted for nobody else;
* aggregation: crews of one commodity are interchangeable, so merging them loses nothing; the integer flow of a
  commodity splits into that many paths (cycles are impossible: every arc goes forward in time);
* a driver without a home zone costs nothing to and from home (its home would come from the vehicle it drives).

Pairs of zones without a kept drive time cannot follow one another (as in the checker) and cost 0 from and to
home (as in ``totals``). Since every drive time is whole minutes, the bound is rounded up to the next minute.

Assertions: the bound at the greedy's coverage is at most the greedy plan's empty driving, and the same for the
solver's plans; the coverage bound is at least every plan's coverage. A failure means the model is wrong.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

INSTALL_HINT = (
    "highspy is missing: it comes with the development tools (`make install`, or `.tools/bin/uv sync --group dev`)."
)
# A plan's empty driving is whole minutes; HiGHS works to about 1e-6 of the objective.
ROUNDING_SLACK = 1e-3


def _highspy():
    try:
        import highspy
    except ImportError as error:  # pragma: no cover - exercised only without the development group
        raise SystemExit(INSTALL_HINT) from error
    return highspy


@dataclass
class _Commodity:
    """Crews that may take the same rides at the same costs: a window, a home, how many drivers, what they must do."""

    window: tuple[dt.datetime, dt.datetime]
    home: int | None
    count: int
    rides: list[int]
    fixed: list[Any]  # Busy trips of this window, each to be passed exactly once
    paired: bool
    drivers: list[int] = field(default_factory=list)
    layers: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class Bound:
    """What HiGHS proved: ``value`` is a valid bound (rounded the safe way), ``solution`` its best plan's figure (None
    if it found none), ``optimal`` whether the two meet; ``flows`` the best solution's arc values, if any."""

    value: int | None
    solution: float | None
    optimal: bool
    status: str
    seconds: float
    flows: Any = None


@dataclass
class _Model:
    problem: Any
    commodities: list[_Commodity]
    constant: int
    # Columns: (commodity index, tail, head, cost); tail/head are ("home",), ("ride", i) or ("fixed", k).
    arcs: list[tuple[int, tuple, tuple, int]]
    ride_count: int
    vehicle_rows: list[tuple[list[int], int]]  # (rides, vehicles free) for unpaired crews
    unpaired: list[bool]
    nodes: list[list[tuple]]  # per commodity, its nodes but home and sink


def _stints_clash(problem, first, second) -> bool:
    """Whether two trips cannot both be in one driver's (or vehicle's) day, as the checker decides for a pair."""
    a, b = sorted((first, second), key=lambda s: (s.starts_at, s.ends_at))
    if b.starts_at < a.ends_at:
        return True
    minutes = problem.drive(a.destination_zone_id, b.origin_zone_id)
    return minutes is None or a.ends_at + dt.timedelta(minutes=minutes) > b.starts_at


def _span(*stints) -> dt.timedelta:
    return max(s.ends_at for s in stints) - min(s.starts_at for s in stints)


def _home_minutes(problem, home: int | None, zone: int, *, to_home: bool) -> int:
    if home is None:
        return 0
    return (problem.drive(zone, home) if to_home else problem.drive(home, zone)) or 0


def _chain_cost(problem, home: int | None, trips: Sequence[Any]) -> int:
    """Empty driving of one group of trips as ``totals`` counts it."""
    if not trips:
        return 0
    cost = _home_minutes(problem, home, trips[0].origin_zone_id, to_home=False)
    for first, second in itertools.pairwise(trips):
        cost += problem.drive(first.destination_zone_id, second.origin_zone_id) or 0
    return cost + _home_minutes(problem, home, trips[-1].destination_zone_id, to_home=True)


def _duty_layers(problem, commodity: _Commodity, trips, step: dt.timedelta) -> list[tuple[dt.datetime, dt.datetime]]:
    """Ranges of the first pickup of a duty, ``step`` long from the window's start, as long as the duty limit would
    cut trips of the window off for a crew starting in them; one last range to the window's end."""
    start, end = commodity.window
    latest_end = max((trip.ends_at for _kind, trip in trips), default=end)
    cut_until = latest_end - dt.timedelta(minutes=problem.max_duty_minutes)
    layers = []
    moment = start
    while moment + step < end and moment + step <= cut_until:
        layers.append((moment, moment + step))
        moment += step
    layers.append((moment, end))
    return layers


def build(problem, *, duty_step_minutes: int = 30) -> _Model:
    """The flow model of ``problem`` (see the module docstring), duties split by first pickup every
    ``duty_step_minutes``."""
    duty_step = dt.timedelta(minutes=duty_step_minutes)
    from gnb.fleet.planning.problem import window_of
    from gnb.fleet.planning.timeline import vehicle_carries

    jobs = list(problem.jobs)
    vehicles = {v.vehicle_id: v for v in problem.vehicles}
    paired_vehicles = set(problem.pairs.values())
    free_vehicles = [v for v in problem.vehicles if v.vehicle_id not in paired_vehicles]
    max_duty = dt.timedelta(minutes=problem.max_duty_minutes)

    def sort_key(trip):
        return (trip.starts_at, trip.ends_at, trip.origin_zone_id, trip.destination_zone_id)

    constant = 0
    groups: dict[tuple, _Commodity] = {}
    commodities: list[_Commodity] = []
    for driver in problem.drivers:
        home = driver.home_zone_id
        paired = problem.pairs.get(driver.driver_id)
        # Fixed trips in no window can be joined by no ride: their empty driving is the plan's whatever it does.
        loose = sorted((b for b in driver.fixed if window_of(driver.shifts, b.starts_at) is None), key=sort_key)
        constant += _chain_cost(problem, home, loose)
        vehicle = vehicles[paired] if paired is not None else None
        blockers = list(driver.fixed) + (list(vehicle.fixed) if vehicle is not None else [])
        for index, window in enumerate(driver.shifts):
            fixed = sorted((b for b in driver.fixed if window_of(driver.shifts, b.starts_at) == index), key=sort_key)
            rides = []
            for i, job in enumerate(jobs):
                if window_of(driver.shifts, job.starts_at) != index:
                    continue
                if driver.documents_valid_until < problem.local_day(job.ends_at):
                    continue
                carriers = [vehicle] if vehicle is not None else free_vehicles
                if not any(vehicle_carries(problem, v, job) for v in carriers):
                    continue
                if any(_stints_clash(problem, job, b) for b in blockers):
                    continue
                if any(_span(job, b) > max_duty for b in fixed):
                    continue
                rides.append(i)
            if not rides and not fixed:
                continue
            if fixed or paired is not None:
                commodities.append(_Commodity(window, home, 1, rides, fixed, paired is not None, [driver.driver_id]))
                continue
            key = (window, home, tuple(rides))
            if key not in groups:
                groups[key] = _Commodity(window, home, 0, rides, [], False)
                commodities.append(groups[key])
            groups[key].count += 1
            groups[key].drivers.append(driver.driver_id)

    arcs: list[tuple[int, tuple, tuple, int]] = []
    nodes_of: list[list[tuple]] = []
    for c, commodity in enumerate(commodities):
        nodes_of.append([])
        trips: list[tuple[tuple, Any]] = [(("ride", i), jobs[i]) for i in commodity.rides]
        trips += [(("fixed", k), b) for k, b in enumerate(commodity.fixed)]
        if not commodity.fixed:
            arcs.append((c, ("home",), ("sink",), 0))
        commodity.layers = _duty_layers(problem, commodity, trips, duty_step)
        for layer, (first_from, first_to) in enumerate(commodity.layers):
            # The crews of this layer start their duty (first pickup) in [first_from, first_to): every trip they
            # take starts at or after first_from and is over by first_to + the duty limit.
            allowed = [
                (kind, trip)
                for kind, trip in trips
                if trip.starts_at >= first_from and trip.ends_at - first_to <= max_duty
            ]
            pickups: dict[int, list[dt.datetime]] = {}
            for _kind, trip in allowed:
                pickups.setdefault(trip.origin_zone_id, []).append(trip.starts_at)
            for zone, moments in pickups.items():
                moments[:] = sorted(set(moments))
                nodes_of[c] += [("at", zone, moment, layer) for moment in moments]
                for earlier, later in itertools.pairwise(moments):
                    arcs.append((c, ("at", zone, earlier, layer), ("at", zone, later, layer), 0))
            for kind, trip in allowed:
                node = (*kind, layer)
                nodes_of[c].append(node)
                if trip.starts_at < first_to:
                    home_drive = _home_minutes(problem, commodity.home, trip.origin_zone_id, to_home=False)
                    arcs.append((c, ("home",), node, home_drive))
                to_home = _home_minutes(problem, commodity.home, trip.destination_zone_id, to_home=True)
                arcs.append((c, node, ("sink",), to_home))
                arcs.append((c, ("at", trip.origin_zone_id, trip.starts_at, layer), node, 0))
                # Drive from the drop-off to a zone, arriving at the first pickup there that is late enough, then
                # wait there from pickup to pickup: one arc per (trip, zone) instead of one per pair of trips.
                for zone, moments in pickups.items():
                    minutes = problem.drive(trip.destination_zone_id, zone)
                    if minutes is None:
                        continue
                    at = bisect.bisect_left(moments, trip.ends_at + dt.timedelta(minutes=minutes))
                    if at < len(moments):
                        arcs.append((c, node, ("at", zone, moments[at], layer), minutes))
            kept = [kind[1] for kind, _trip in allowed if kind[0] == "fixed"]
            for k in kept:
                if k + 1 in kept:
                    # Fixed trips are passed in their order, whatever clashes they already have.
                    first, second = commodity.fixed[k], commodity.fixed[k + 1]
                    drive = problem.drive(first.destination_zone_id, second.origin_zone_id) or 0
                    arcs.append((c, ("fixed", k, layer), ("fixed", k + 1, layer), drive))

    # Vehicles for the crews without a pair: for each union U of "who may carry ride i" sets, at each pickup
    # moment, the rides under way that only U may carry are at most U's vehicles not held by a fixed trip.
    zones = {zone for pair in problem.drive_minutes for zone in pair} | {
        zone for j in jobs for zone in (j.origin_zone_id, j.destination_zone_id)
    }
    shortest = {
        zone: min((m for other in zones if (m := problem.drive(zone, other)) is not None), default=0) for zone in zones
    }
    carriers = [frozenset(v.vehicle_id for v in free_vehicles if vehicle_carries(problem, v, job)) for job in jobs]
    family = {s for s in carriers if s}
    while True:
        grown = {a | b for a in family for b in family} - family
        if not grown or len(family) > 64:
            break
        family |= grown

    def taken_until(trip) -> dt.datetime:
        return trip.ends_at + dt.timedelta(minutes=shortest.get(trip.destination_zone_id, 0))

    moments = sorted({j.starts_at for j in jobs})
    vehicle_rows: list[tuple[list[int], int]] = []
    for vehicle_set in sorted(family, key=lambda s: (len(s), sorted(s))):
        inside = [i for i, s in enumerate(carriers) if s and s <= vehicle_set]
        for moment in moments:
            rides = [i for i in inside if jobs[i].starts_at <= moment < taken_until(jobs[i])]
            held = sum(
                1
                for v in free_vehicles
                if v.vehicle_id in vehicle_set and any(b.starts_at <= moment < taken_until(b) for b in v.fixed)
            )
            if len(rides) > len(vehicle_set) - held:
                vehicle_rows.append((rides, len(vehicle_set) - held))
    return _Model(
        problem=problem,
        commodities=commodities,
        constant=constant,
        arcs=arcs,
        ride_count=len(jobs),
        vehicle_rows=vehicle_rows,
        unpaired=[not c.paired for c in commodities],
        nodes=nodes_of,
    )


def _lp(model: _Model, *, covering: int | None, maximise_coverage: bool, integer: bool):
    """The HiGHS model: columns are the arcs, then one "covered by a crew without a pair" column per ride."""
    import numpy as np

    highspy = _highspy()
    arcs = model.arcs
    n_arcs = len(arcs)
    n_rides = model.ride_count
    rows_lower: list[float] = []
    rows_upper: list[float] = []
    entries: list[tuple[int, int, float]] = []

    def new_row(lower: float, upper: float) -> int:
        rows_lower.append(lower)
        rows_upper.append(upper)
        return len(rows_lower) - 1

    # Flow conservation per commodity and node; the home node sends out the commodity's crews.
    node_rows: dict[tuple[int, tuple], int] = {}
    for c, commodity in enumerate(model.commodities):
        node_rows[c, ("home",)] = new_row(commodity.count, commodity.count)
        for node in model.nodes[c]:
            node_rows[c, node] = new_row(0, 0)
    fixed_rows = {
        (c, k): new_row(1, 1) for c, commodity in enumerate(model.commodities) for k in range(len(commodity.fixed))
    }
    ride_rows = [new_row(-math.inf, 1) for _ in range(n_rides)]
    unpaired_rows = [new_row(0, 0) for _ in range(n_rides)]
    coverage_row = new_row(covering if covering is not None else 0, math.inf)
    for column, (c, tail, head, _cost) in enumerate(arcs):
        if tail == ("home",):
            entries.append((node_rows[c, tail], column, 1.0))
        else:
            entries.append((node_rows[c, tail], column, -1.0))
        if head != ("sink",):
            entries.append((node_rows[c, head], column, 1.0))
        if head[0] == "fixed":
            entries.append((fixed_rows[c, head[1]], column, 1.0))
        if head[0] == "ride":
            entries.append((ride_rows[head[1]], column, 1.0))
            entries.append((coverage_row, column, 1.0))
            if model.unpaired[c]:
                entries.append((unpaired_rows[head[1]], column, 1.0))
    for i in range(n_rides):
        entries.append((unpaired_rows[i], n_arcs + i, -1.0))
    for rides, free in model.vehicle_rows:
        row = new_row(-math.inf, free)
        for i in rides:
            entries.append((row, n_arcs + i, 1.0))

    n_columns = n_arcs + n_rides
    if maximise_coverage:
        cost = np.zeros(n_columns)
        for column, (_c, _tail, head, _cost) in enumerate(arcs):
            if head[0] == "ride":
                cost[column] = -1.0
    else:
        cost = np.concatenate([np.array([a[3] for a in arcs], dtype=float), np.zeros(n_rides)])
    upper = np.ones(n_columns)
    for column, (c, tail, head, _cost) in enumerate(arcs):
        if tail == ("home",) and head == ("sink",):
            upper[column] = model.commodities[c].count
        elif tail == ("home",):
            upper[column] = min(model.commodities[c].count, 1)
    order = sorted(range(len(entries)), key=lambda e: (entries[e][1], entries[e][0]))
    starts = np.zeros(n_columns + 1, dtype=np.int32)
    for _row, column, _value in entries:
        starts[column + 1] += 1
    starts = np.cumsum(starts).astype(np.int32)

    lp = highspy.HighsLp()
    lp.num_col_ = n_columns
    lp.num_row_ = len(rows_lower)
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n_columns)
    lp.col_upper_ = upper
    lp.row_lower_ = np.array(rows_lower, dtype=float)
    lp.row_upper_ = np.array(rows_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = np.array([entries[e][0] for e in order], dtype=np.int32)
    lp.a_matrix_.value_ = np.array([entries[e][2] for e in order], dtype=float)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_arcs + [highspy.HighsVarType.kContinuous] * n_rides
    return lp


def solve(
    model: _Model,
    *,
    covering: int | None = None,
    maximise_coverage: bool = False,
    integer: bool = True,
    time_limit: float = 600.0,
    verbose: bool = False,
    start: Sequence[float] | None = None,
) -> Bound:
    """Least empty driving covering at least ``covering`` rides (or, with ``maximise_coverage``, the most rides),
    as a valid bound: the MILP's dual bound, else the LP's optimum."""
    highspy = _highspy()
    started = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", verbose)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 1)
    # The interior point method (with crossover, so it ends on an optimal basis) solves these flows far sooner than
    # the simplex method does; in the MILP, for its root.
    h.setOptionValue("mip_lp_solver" if integer else "solver", "ipm")
    h.passModel(_lp(model, covering=covering, maximise_coverage=maximise_coverage, integer=integer))
    if start is not None and integer:
        known = highspy.HighsSolution()
        known.col_value = list(start)
        known.value_valid = True
        h.setSolution(known)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    seconds = time.perf_counter() - started
    name = h.modelStatusToString(status)
    if status == highspy.HighsModelStatus.kInfeasible:
        return Bound(None, None, True, name, seconds)
    if integer:
        raw_bound = info.mip_dual_bound
        solution = info.objective_function_value if info.primal_solution_status == 2 else None  # 2: feasible
        optimal = status == highspy.HighsModelStatus.kOptimal
    else:
        if status != highspy.HighsModelStatus.kOptimal:
            return Bound(None, None, False, name, seconds)
        raw_bound = info.objective_function_value
        solution = raw_bound
        optimal = True
    flows = list(h.getSolution().col_value[: len(model.arcs)]) if solution is not None else None
    if not math.isfinite(raw_bound):
        return Bound(None, solution, False, name, seconds, flows)
    if maximise_coverage:
        # The objective is minus the rides covered: the bound on it, negated, caps the coverage.
        value = math.floor(-raw_bound + ROUNDING_SLACK)
        return Bound(value, -solution if solution is not None else None, optimal, name, seconds, flows)
    value = math.ceil(raw_bound + model.constant - ROUNDING_SLACK)
    return Bound(value, solution + model.constant if solution is not None else None, optimal, name, seconds, flows)


def realise(model: _Model, flows: Sequence[float]):
    """The MILP's best solution as a plan, for a look at how far the relaxation is from the rules: each commodity's
    flow split into paths handed to its drivers, then vehicles given ride by ride in pickup order (a paired driver's
    own; else, of the free vehicles that carry the ride and fit it in, the smallest, then the one idle longest). The
    checker decides whether it is a valid plan; it need not be (duty and vehicles are relaxed in the model)."""
    from gnb.fleet.planning.problem import Assignment, Plan
    from gnb.fleet.planning.timeline import Timeline, stint_of, vehicle_carries

    problem = model.problem
    jobs = list(problem.jobs)
    remaining: dict[tuple[int, tuple], list[list[Any]]] = {}
    for (c, tail, head, _cost), value in zip(model.arcs, flows, strict=True):
        units = round(value)
        if units > 0:
            remaining.setdefault((c, tail), []).append([head, units])
    driver_of: dict[int, int] = {}
    for c, commodity in enumerate(model.commodities):
        for driver_id in commodity.drivers:
            node: tuple = ("home",)
            while node != ("sink",):
                step = next(arc for arc in remaining[c, node] if arc[1] > 0)
                step[1] -= 1
                node = step[0]
                if node[0] == "ride":
                    driver_of[node[1]] = driver_id
    paired_vehicles = set(problem.pairs.values())
    free = [v for v in problem.vehicles if v.vehicle_id not in paired_vehicles]
    days = {v.vehicle_id: Timeline.of(problem, v.fixed) for v in problem.vehicles}
    assignments = []
    for i in sorted(driver_of, key=lambda i: (jobs[i].starts_at, jobs[i].key)):
        job, stint = jobs[i], stint_of(jobs[i])
        paired = problem.pairs.get(driver_of[i])
        if paired is not None:
            vehicle_id: int | None = paired
        else:
            fitting = [v for v in free if vehicle_carries(problem, v, job) and days[v.vehicle_id].fits(stint)]
            fitting.sort(
                key=lambda v: (
                    v.seats,
                    v.luggage,
                    max((s.ends_at for s in days[v.vehicle_id].stints if s.ends_at <= job.starts_at), default=None)
                    or job.starts_at - dt.timedelta(days=1),
                )
            )
            vehicle_id = fitting[0].vehicle_id if fitting else None
        if vehicle_id is None:
            continue
        days[vehicle_id].add(stint)
        assignments.append(Assignment(job.key, driver_of[i], vehicle_id))
    given = {a.job_key for a in assignments}
    return Plan(tuple(assignments), tuple(j.key for j in jobs if j.key not in given), 0.0, "bound")


def flows_of(model: _Model, plan) -> list[float]:
    """A plan as a point of the model (arc flows, then the "covered by a crew without a pair" columns): every valid
    plan must be one, at its own empty driving; a missing arc fails here, which would mean the model cuts off a
    valid plan. Also the MILP's start, so that its search begins from a known plan."""
    problem = model.problem
    jobs = {job.key: (i, job) for i, job in enumerate(problem.jobs)}
    column = {(c, tail, head): n for n, (c, tail, head, _cost) in enumerate(model.arcs)}
    values = [0.0] * (len(model.arcs) + model.ride_count)
    by_driver: dict[int, list[Any]] = {}
    for assignment in plan.assignments:
        by_driver.setdefault(assignment.driver_id, []).append(jobs[assignment.job_key])
    used = [0] * len(model.commodities)
    for c, commodity in enumerate(model.commodities):
        start, end = commodity.window
        for driver_id in commodity.drivers:
            rides = [(i, job) for i, job in by_driver.get(driver_id, []) if start <= job.starts_at < end]
            if not rides and not commodity.fixed:
                continue
            stops = [(("ride", i), job) for i, job in rides]
            stops += [(("fixed", k), b) for k, b in enumerate(commodity.fixed)]
            stops.sort(key=lambda stop: (stop[1].starts_at, stop[1].ends_at))
            first = stops[0][1].starts_at
            layer = next(n for n, (low, high) in enumerate(commodity.layers) if low <= first < high)
            path: list[tuple] = [("home",)]
            for (kind, trip), (next_kind, next_trip) in itertools.pairwise(stops):
                path.append((*kind, layer))
                if kind[0] == next_kind[0] == "fixed":
                    continue
                zone = next_trip.origin_zone_id
                arrive = trip.ends_at + dt.timedelta(minutes=problem.drive(trip.destination_zone_id, zone) or 0)
                moments = sorted({n[2] for n in model.nodes[c] if n[0] == "at" and n[1] == zone and n[3] == layer})
                path += [("at", zone, m, layer) for m in moments if arrive <= m <= next_trip.starts_at]
            path += [(*stops[-1][0], layer), ("sink",)]
            for tail, head in itertools.pairwise(path):
                if (c, tail, head) not in column:
                    raise AssertionError(f"driver {driver_id}: the model has no arc {tail} -> {head}")
                values[column[c, tail, head]] += 1
            for kind, _trip in stops:
                if kind[0] == "ride" and not commodity.paired:
                    values[len(model.arcs) + kind[1]] = 1.0
            used[c] += 1
    for c, commodity in enumerate(model.commodities):
        if not commodity.fixed:
            values[column[c, ("home",), ("sink",)]] += commodity.count - used[c]
    return values


def cost_of(model: _Model, values: Sequence[float]) -> float:
    """The empty driving of a point of the model, as ``totals`` would count it for the plan it stands for."""
    return model.constant + sum(value * arc[3] for arc, value in zip(model.arcs, values, strict=False) if value)


def _plans(problem, *, seconds: float, long_seconds: float | None):
    from gnb.fleet.planning.checker import check
    from gnb.fleet.planning.greedy import plan_greedy
    from gnb.fleet.planning.problem import totals
    from gnb.fleet.planning.solver import plan_solver

    plans = [("greedy", plan_greedy(problem))]
    plans.append((f"solver {seconds:g} s", plan_solver(problem, time_limit_seconds=seconds, seed=1)))
    if long_seconds:
        plans.append((f"solver {long_seconds:g} s", plan_solver(problem, time_limit_seconds=long_seconds, seed=1)))
    rows = []
    for label, plan in plans:
        violations = check(problem, plan)
        assert not violations, f"{label}: {violations[:3]}"
        figures = totals(problem, plan)
        rows.append((label, figures.covered, figures.empty_driving_minutes))
    return rows, [plan for _label, plan in plans]


def run(
    *,
    trips: int,
    drivers: int,
    seed: int,
    time_limit: float,
    solver_seconds: float = 5.0,
    long_seconds: float | None = None,
    extra_coverage: Sequence[int] = (),
) -> dict[str, Any]:
    from gnb.fleet.planning.generator import generate_day

    _highspy()
    problem = generate_day(trips=trips, drivers=drivers, seed=seed)
    plans, made = _plans(problem, seconds=solver_seconds, long_seconds=long_seconds)
    started = time.perf_counter()
    model = build(problem)
    built = time.perf_counter() - started
    print(
        f"  model: {len(model.commodities)} commodities, {len(model.arcs)} arcs, {len(model.vehicle_rows)} vehicle "
        f"rows, constant {model.constant} min, built in {built:.1f} s",
        flush=True,
    )
    result: dict[str, Any] = {"trips": trips, "drivers": drivers, "seed": seed, "plans": plans, "bounds": []}
    relaxed = solve(model, maximise_coverage=True, integer=False, time_limit=time_limit)
    coverage = solve(model, maximise_coverage=True, time_limit=time_limit)
    result["coverage"] = (relaxed, coverage)
    most = min(b.value for b in (relaxed, coverage) if b.value is not None)
    print(f"  most rides any plan covers: <= {most} (LP {relaxed.value}, MILP {coverage.value}, {coverage.status})")
    for label, covered, _empty in plans:
        assert covered <= most, f"{label} covers {covered} > {most}"
    starts = []
    for (label, covered, empty), plan in zip(plans, made, strict=True):
        values = flows_of(model, plan)
        assert cost_of(model, values) == empty, f"{label}: the model counts {cost_of(model, values)} min, not {empty}"
        starts.append((covered, empty, values))
    targets = sorted({covered for _label, covered, _empty in plans} | set(extra_coverage))
    for covering in targets:
        lp = solve(model, covering=covering, integer=False, time_limit=time_limit)
        known = min((s for s in starts if s[0] >= covering), key=lambda s: s[1], default=None)
        milp = solve(model, covering=covering, time_limit=time_limit, start=known[2] if known else None)
        result["bounds"].append((covering, lp, milp))
        print(
            f"  covering >= {covering}: LP {lp.value}, MILP bound {milp.value} (best found {milp.solution}, "
            f"{milp.status}, {milp.seconds:.0f} s)",
            flush=True,
        )
        for label, covered, empty in plans:
            best = max(b.value or 0 for b in (lp, milp))
            if covered >= covering:
                assert best <= empty, f"the bound {best} at {covering} rides exceeds {label}'s plan ({empty} min)"
    return result


def print_report(result: dict[str, Any]) -> None:
    print(f"Empty-driving bound, {result['trips']} rides / {result['drivers']} drivers, seed {result['seed']}")
    for label, covered, empty in result["plans"]:
        print(f"  {label:<14} covers {covered:>4}, empty {empty:>6} min")
    greedy_empty = result["plans"][0][2]
    print(f"  0.7 x greedy's empty driving: {0.7 * greedy_empty:.0f} min")
    relaxed, coverage = result["coverage"]
    most = min(b.value for b in (relaxed, coverage) if b.value is not None)
    found = f"{coverage.solution:.0f}" if coverage.solution is not None else "-"
    print(f"  most rides coverable: <= {most} (LP {relaxed.value}, MILP bound {coverage.value}, best found {found})")
    print(f"  {'covering >=':>11} {'LP bound':>9} {'MILP bound':>10} {'MILP best':>9} {'vs greedy':>9}  status")
    for covering, lp, milp in result["bounds"]:
        best = max(b.value or 0 for b in (lp, milp))
        found = f"{milp.solution:.0f}" if milp.solution is not None else "-"
        print(
            f"  {covering:>11} {lp.value!s:>9} {milp.value!s:>10} {found:>9} {best / greedy_empty - 1:>+9.1%}  "
            f"{milp.status} in {milp.seconds:.0f} s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trips", type=int, default=300)
    parser.add_argument("--drivers", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per HiGHS run (default 300)")
    parser.add_argument("--solver-seconds", type=float, default=5.0, help="the solver's limit (default 5)")
    parser.add_argument("--long", type=float, default=None, help="also plan with the solver for this many seconds")
    parser.add_argument("--covering", type=int, action="append", default=[], help="also bound at this coverage")
    args = parser.parse_args()
    result = run(
        trips=args.trips,
        drivers=args.drivers,
        seed=args.seed,
        time_limit=args.time_limit,
        solver_seconds=args.solver_seconds,
        long_seconds=args.long,
        extra_coverage=args.covering,
    )
    print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
