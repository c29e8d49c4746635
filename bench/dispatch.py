"""Day planning: the greedy baseline against the PyVRP planner on generated days, no database.

For each size of ``gnb.fleet.planning.generator.SIZES`` (100 rides / 15 drivers up to 600 / 80), one day from the
seed, planned by the greedy baseline and by the solver with its default time limit (``GNB_DISPATCH_TIME_LIMIT_SECONDS``,
5 s); with ``--long``, the 300 / 50 day also with a 60-second search, the reference for "how far from a long search".
Every plan goes through the independent checker, and its violations are counted (any violation fails the run).

    .venv/bin/python bench/dispatch.py [--long] [--seed 1] [--json]

Goals (reported in the "met" column, budgets enforced by ``make bench BENCH_ARGS=--strict``):
- budgets: 0 violations everywhere; the 300 / 50 day planned in ≤ 5 s, the 600 / 80 day in ≤ 30 s;
- quality goals: on 300 / 50, empty driving ≥ 30 % below the greedy plan's, and ≤ 10 % above the 60-second plan's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine import setup_django

LONG_SECONDS = 60.0
TIME_BUDGETS = {(300, 50): 5.0, (600, 80): 30.0}
GOAL_SIZE = (300, 50)
GOAL_BELOW_GREEDY = 0.30
GOAL_ABOVE_LONG = 0.10


def _row(problem, plan, trips: int, drivers: int, label: str, kind: str) -> dict[str, Any]:
    """One planner's figures for one day; ``kind`` is greedy, solver (the default limit) or long (60 s)."""
    from gnb.fleet.planning.checker import check
    from gnb.fleet.planning.problem import totals

    figures = totals(problem, plan)
    return {
        "trips": trips,
        "drivers": drivers,
        "planner": label,
        "kind": kind,
        "covered": figures.covered,
        "unassigned": figures.unassigned,
        "empty_minutes": figures.empty_driving_minutes,
        "empty_per_ride": round(figures.empty_driving_minutes / figures.covered, 1) if figures.covered else 0.0,
        "hours_spread": figures.hours_spread,
        "hours_std": figures.hours_std,
        "language_misses": figures.language_misses,
        "seconds": round(plan.solve_seconds, 2),
        "violations": len(check(problem, plan)),
    }


def empty_driving_floor(problem, plan) -> int | None:
    """A lower bound on the empty driving of any plan covering the rides ``plan`` covers, with as many drivers as it
    uses: a min-cost flow that chains rides (a ride may follow another it can reach in time), starts each chain at
    a driver's home within their shift, and ends it at the nearest home zone; duty, shift ends, vehicles and driving
    back to one's own home are relaxed. None when networkx (a development tool's dependency) is not installed."""
    try:
        import networkx as nx
    except ImportError:
        return None
    import datetime as dt

    keys = {a.job_key for a in plan.assignments}
    jobs = [j for j in problem.jobs if j.key in keys]
    used = {a.driver_id for a in plan.assignments}
    drivers = [d for d in problem.drivers if d.driver_id in used]
    homes = {d.home_zone_id for d in drivers if d.home_zone_id is not None}
    if not jobs or not homes:
        return None
    graph = nx.DiGraph()
    graph.add_node("rides", demand=-len(jobs))
    graph.add_node("done", demand=len(jobs))
    for i, first in enumerate(jobs):
        graph.add_edge("rides", f"out{i}", capacity=1, weight=0)
        graph.add_edge(f"in{i}", "done", capacity=1, weight=0)
        home = min(problem.drive(first.destination_zone_id, h) or 0 for h in homes)
        graph.add_edge(f"out{i}", "home", capacity=1, weight=home)
        for k, second in enumerate(jobs):
            minutes = problem.drive(first.destination_zone_id, second.origin_zone_id)
            if i != k and minutes is not None and first.ends_at + dt.timedelta(minutes=minutes) <= second.starts_at:
                graph.add_edge(f"out{i}", f"in{k}", capacity=1, weight=minutes)
    for driver in drivers:
        graph.add_edge("home", f"driver{driver.driver_id}", capacity=1, weight=0)
        for i, job in enumerate(jobs):
            if driver.home_zone_id is not None and any(s <= job.starts_at < e for s, e in driver.shifts):
                minutes = problem.drive(driver.home_zone_id, job.origin_zone_id) or 0
                graph.add_edge(f"driver{driver.driver_id}", f"in{i}", capacity=1, weight=minutes)
    try:
        return int(nx.min_cost_flow_cost(graph))
    except nx.NetworkXUnfeasible:
        return None


def run(*, long: bool = False, seed: int = 1) -> dict[str, Any]:
    setup_django()
    from django.conf import settings

    from gnb.fleet.planning.generator import SIZES, generate_day
    from gnb.fleet.planning.greedy import plan_greedy
    from gnb.fleet.planning.solver import plan_solver

    limit = settings.GNB_DISPATCH_TIME_LIMIT_SECONDS
    rows = []
    for trips, drivers in SIZES:
        problem = generate_day(trips=trips, drivers=drivers, seed=seed)
        rows.append(_row(problem, plan_greedy(problem), trips, drivers, "greedy", "greedy"))
        print(f"  {trips} rides / {drivers} drivers: greedy done, solver searching {limit:g} s", flush=True)
        plan = plan_solver(problem, seed=seed)
        rows.append(_row(problem, plan, trips, drivers, f"solver {limit:g} s", "solver"))
        if (trips, drivers) == GOAL_SIZE:
            rows[-1]["empty_floor"] = empty_driving_floor(problem, plan)
        if long and (trips, drivers) == GOAL_SIZE:
            print(f"  {trips} rides / {drivers} drivers: solver searching {LONG_SECONDS:g} s", flush=True)
            plan = plan_solver(problem, time_limit_seconds=LONG_SECONDS, seed=seed)
            rows.append(_row(problem, plan, trips, drivers, f"solver {LONG_SECONDS:g} s", "long"))
    return {"seed": seed, "time_limit_seconds": limit, "rows": rows, "goals": _goals(rows)}


def _goals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    goals = [
        {
            "goal": "no plan breaks a rule",
            "value": f"{sum(r['violations'] for r in rows)} violations",
            "met": all(r["violations"] == 0 for r in rows),
            "budget": True,
        }
    ]
    for (trips, drivers), seconds in TIME_BUDGETS.items():
        for row in rows:
            if (row["trips"], row["drivers"]) == (trips, drivers) and row["kind"] == "solver":
                goals.append(
                    {
                        "goal": f"{trips}/{drivers} planned in ≤ {seconds:g} s",
                        "value": f"{row['seconds']} s",
                        "met": row["seconds"] <= seconds,
                        "budget": True,
                    }
                )
    day = [r for r in rows if (r["trips"], r["drivers"]) == GOAL_SIZE]
    greedy = next((r for r in day if r["kind"] == "greedy"), None)
    solver = next((r for r in day if r["kind"] == "solver"), None)
    long = next((r for r in day if r["kind"] == "long"), None)
    if greedy and solver:
        below = 1 - solver["empty_minutes"] / greedy["empty_minutes"]
        below_per_ride = 1 - solver["empty_per_ride"] / greedy["empty_per_ride"]
        goals.append(
            {
                "goal": f"{GOAL_SIZE[0]}/{GOAL_SIZE[1]}: empty driving ≥ {GOAL_BELOW_GREEDY:.0%} below greedy",
                "value": f"{below:.1%} below ({below_per_ride:.1%} per ride covered)",
                "met": below >= GOAL_BELOW_GREEDY,
                "budget": False,
            }
        )
    if solver and solver.get("empty_floor"):
        floor = solver["empty_floor"]
        goals.append(
            {
                "goal": f"{GOAL_SIZE[0]}/{GOAL_SIZE[1]}: empty-driving floor for the solver's rides",
                "value": f"{floor} min; solver {solver['empty_minutes'] / floor - 1:+.0%}, "
                f"greedy {greedy['empty_minutes'] / floor - 1:+.0%}"
                if greedy
                else f"{floor} min",
                "met": None,
                "budget": False,
            }
        )
    if solver and long:
        above = solver["empty_minutes"] / long["empty_minutes"] - 1
        goals.append(
            {
                "goal": f"{GOAL_SIZE[0]}/{GOAL_SIZE[1]}: empty driving ≤ {GOAL_ABOVE_LONG:.0%} above a 60 s search",
                "value": f"{above:+.1%} (rides covered {solver['covered']} vs {long['covered']})",
                "met": above <= GOAL_ABOVE_LONG,
                "budget": False,
            }
        )
    return goals


def print_report(result: dict[str, Any]) -> None:
    print(f"Day planning (generated days, seed {result['seed']}; solver limit {result['time_limit_seconds']:g} s)")
    header = (
        f"  {'day':>8} {'planner':<12} {'covered':>7} {'unassigned':>10} {'empty min':>9} {'per ride':>8} "
        f"{'spread h':>8} {'std h':>6} {'lang miss':>9} {'seconds':>7} {'violations':>10}"
    )
    print(header)
    for r in result["rows"]:
        print(
            f"  {r['trips']:>4}/{r['drivers']:<3} {r['planner']:<12} {r['covered']:>7} {r['unassigned']:>10} "
            f"{r['empty_minutes']:>9} {r['empty_per_ride']:>8} {r['hours_spread']:>8} {r['hours_std']:>6} "
            f"{r['language_misses']:>9} {r['seconds']:>7} {r['violations']:>10}"
        )
    for goal in result["goals"]:
        kind = "budget" if goal["budget"] else "goal" if goal["met"] is not None else "figure"
        met = "" if goal["met"] is None else f"met: {'yes' if goal['met'] else 'NO'}"
        print(f"  {kind:<6} {goal['goal']:<58} {goal['value']:<45} {met}")


def budgets_met(result: dict[str, Any]) -> bool:
    return all(goal["met"] for goal in result["goals"] if goal["budget"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--long", action="store_true", help=f"also plan the 300/50 day with a {LONG_SECONDS:g} s search"
    )
    parser.add_argument("--seed", type=int, default=1, help="the generated days' seed (default 1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON as well")
    args = parser.parse_args()
    result = run(long=args.long, seed=args.seed)
    print_report(result)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if all(r["violations"] == 0 for r in result["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
