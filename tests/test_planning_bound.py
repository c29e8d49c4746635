"""bench/planning_bound.py: the lower bound on empty driving never exceeds a plan that keeps the rules, and on a day
small enough to work out by hand it is exactly the best plan's figure."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

from gnb.fleet.planning.checker import check
from gnb.fleet.planning.generator import generate_day
from gnb.fleet.planning.greedy import plan_greedy
from gnb.fleet.planning.problem import LOCAL_ZONE, DriverInfo, Job, Problem, VehicleInfo, class_may_carry, totals
from gnb.fleet.planning.solver import plan_solver

pytest.importorskip("highspy", reason="highspy comes with the development group (make install)")

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bound_module():
    spec = importlib.util.spec_from_file_location("planning_bound", BENCH / "planning_bound.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("planning_bound", module)
    spec.loader.exec_module(module)
    return module


bound = _bound_module()


def test_bound_is_below_every_valid_plan_of_a_small_generated_day():
    problem = generate_day(trips=20, drivers=4, seed=1)
    model = bound.build(problem)
    coverage = bound.solve(model, maximise_coverage=True, time_limit=60)
    for plan in (plan_greedy(problem), plan_solver(problem, time_limit_seconds=0.5, seed=1)):
        assert check(problem, plan) == []
        figures = totals(problem, plan)
        assert figures.covered <= coverage.value
        # The plan is a point of the model at its own empty driving (the model cuts off no valid plan).
        assert bound.cost_of(model, bound.flows_of(model, plan)) == figures.empty_driving_minutes
        at_least = bound.solve(model, covering=figures.covered, time_limit=60)
        relaxed = bound.solve(model, covering=figures.covered, integer=False, time_limit=60)
        assert at_least.value is not None and relaxed.value is not None
        assert relaxed.value <= at_least.value <= figures.empty_driving_minutes


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date(2026, 7, 15), dt.time(hour, minute), tzinfo=LOCAL_ZONE)


def _hand_day(*, shift_ends: int, sedans: int) -> Problem:
    """Two drivers living at the airport (zone 1); rides airport -> Lara (zone 2, 25 min away) at 8:00 and 8:30, and
    Lara -> airport at 10:00, each 55 minutes busy. Either morning ride can be followed by the 10:00 one without
    driving (same zone); the two morning rides overlap. Best plan covering all three: one driver takes a morning
    ride and the 10:00 one (no empty driving), the other the other morning ride and drives home from Lara (25 min).
    """
    sedan = 1

    def ride(key: str, hour: int, minute: int, origin: int, destination: int) -> Job:
        starts_at = _at(hour, minute)
        return Job(key, starts_at, starts_at + dt.timedelta(minutes=55), origin, destination, 2, 2, sedan)

    jobs = (ride("leg:1", 8, 0, 1, 2), ride("leg:2", 8, 30, 1, 2), ride("leg:3", 10, 0, 2, 1))
    drivers = tuple(DriverInfo(n, ("tr",), ((_at(6), _at(shift_ends)),), dt.date(2026, 12, 31), 1) for n in (1, 2))
    vehicles = tuple(VehicleInfo(n, sedan, 3, 3, dt.date(2026, 12, 31), 1) for n in range(1, sedans + 1))
    return Problem(
        jobs=jobs,
        drivers=drivers,
        vehicles=vehicles,
        drive_minutes={(1, 2): 25},
        class_may_carry=class_may_carry([(sedan, 3, 3)]),
    )


def test_bound_is_the_best_plan_on_a_day_worked_out_by_hand():
    model = bound.build(_hand_day(shift_ends=18, sedans=2))
    assert bound.solve(model, maximise_coverage=True).value == 3
    assert bound.solve(model, covering=3).value == 25
    assert bound.solve(model, covering=2).value == 0
    realised = bound.realise(model, bound.solve(model, covering=3).flows)
    assert check(model.problem, realised) == []
    assert totals(model.problem, realised).empty_driving_minutes == 25


def test_shift_end_and_vehicles_cap_the_coverage():
    # The shifts end before the 10:00 pickup: only the two morning rides, one driver each.
    assert bound.solve(bound.build(_hand_day(shift_ends=10, sedans=2)), maximise_coverage=True).value == 2
    # One sedan cannot carry both morning rides, whatever the drivers do.
    assert bound.solve(bound.build(_hand_day(shift_ends=18, sedans=1)), maximise_coverage=True).value == 2
