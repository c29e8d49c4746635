"""An independent check of a plan against its problem: every rule of :mod:`gnb.fleet.planning.problem`, restated.

Written apart from the greedy baseline and the solver on purpose (it shares only the contract's data types and
``Problem.drive``), so a mistake in either of them shows up here instead of being repeated. Pre-existing clashes
between two fixed trips are not the plan's doing and are not reported; everything a planned job takes part in is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from gnb.fleet.planning.problem import Busy, Job, Plan, Problem


@dataclass(frozen=True)
class Violation:
    """One broken rule: a stable ``code``, a sentence for people, and the planned jobs that break it."""

    code: str
    message: str
    job_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Stint:
    """A stretch of time a driver or vehicle is taken: a planned job (``key``) or a fixed trip (``key`` None)."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    origin: int
    destination: int
    key: str | None


def _stint(job: Job) -> _Stint:
    return _Stint(job.starts_at, job.ends_at, job.origin_zone_id, job.destination_zone_id, job.key)


def _fixed(busy: Busy) -> _Stint:
    return _Stint(busy.starts_at, busy.ends_at, busy.origin_zone_id, busy.destination_zone_id, None)


def _keys(*stints: _Stint) -> tuple[str, ...]:
    return tuple(s.key for s in stints if s.key is not None)


def _sequence(problem: Problem, who: str, stints: Iterable[_Stint]) -> list[Violation]:
    """Clashes in one driver's or vehicle's day: overlaps, and too little time to drive to the next pickup.

    In pickup order, each trip is compared with every later trip that starts before it ends (an overlap), and with
    the first one that does not (its direct follower, which it must be able to reach in time). Trips after that one
    are reached through it and are checked in its own turn."""
    ordered = sorted(stints, key=lambda s: (s.starts_at, s.ends_at, s.key or ""))
    found: list[Violation] = []
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            # Two fixed trips are compared too (one may be the other's direct follower), but a clash between them
            # is not the plan's doing and is not reported.
            ours = first.key is not None or second.key is not None
            if second.starts_at < first.ends_at:
                if ours:
                    found.append(
                        Violation(
                            "overlap",
                            f"{who}: {first.key or 'a fixed trip'} and {second.key or 'a fixed trip'} overlap.",
                            _keys(first, second),
                        )
                    )
                continue
            minutes = problem.drive(first.destination, second.origin)
            if not ours:
                pass
            elif minutes is None:
                found.append(
                    Violation(
                        "no_drive_time",
                        f"{who}: no drive time from zone {first.destination} to zone {second.origin} between "
                        f"{first.key or 'a fixed trip'} and {second.key or 'a fixed trip'}.",
                        _keys(first, second),
                    )
                )
            elif first.ends_at + dt.timedelta(minutes=minutes) > second.starts_at:
                found.append(
                    Violation(
                        "no_time_to_drive",
                        f"{who}: {minutes} min from {first.key or 'a fixed trip'} to "
                        f"{second.key or 'a fixed trip'}, which starts sooner.",
                        _keys(first, second),
                    )
                )
            break
    return found


def check(problem: Problem, plan: Plan) -> list[Violation]:
    """Every rule ``plan`` breaks for ``problem`` (empty when it keeps them all)."""
    jobs = {job.key: job for job in problem.jobs}
    drivers = {d.driver_id: d for d in problem.drivers}
    vehicles = {v.vehicle_id: v for v in problem.vehicles}
    paired_driver = {vehicle_id: driver_id for driver_id, vehicle_id in problem.pairs.items()}
    found: list[Violation] = []

    seen: dict[str, int] = {}
    for assignment in plan.assignments:
        seen[assignment.job_key] = seen.get(assignment.job_key, 0) + 1
    for key, count in seen.items():
        if count > 1:
            found.append(Violation("assigned_twice", f"{key} is assigned {count} times.", (key,)))
    for key in plan.unassigned:
        if key in seen:
            found.append(Violation("assigned_and_unassigned", f"{key} is both assigned and unassigned.", (key,)))
        if key not in jobs:
            found.append(Violation("unknown_job", f"{key} is not a job of the problem."))
    for key in jobs:
        if key not in seen and key not in plan.unassigned:
            found.append(Violation("job_missing", f"{key} is neither assigned nor unassigned."))
    if len(set(plan.unassigned)) != len(plan.unassigned):
        found.append(Violation("unassigned_twice", "A job is listed as unassigned more than once."))

    by_driver: dict[int, list[_Stint]] = {}
    by_vehicle: dict[int, list[_Stint]] = {}
    for assignment in plan.assignments:
        job = jobs.get(assignment.job_key)
        driver = drivers.get(assignment.driver_id)
        vehicle = vehicles.get(assignment.vehicle_id)
        key = assignment.job_key
        if job is None:
            found.append(Violation("unknown_job", f"{key} is not a job of the problem."))
            continue
        if driver is None:
            found.append(Violation("unknown_driver", f"{key}: driver {assignment.driver_id} is unknown.", (key,)))
        if vehicle is None:
            found.append(Violation("unknown_vehicle", f"{key}: vehicle {assignment.vehicle_id} is unknown.", (key,)))
        if driver is None or vehicle is None:
            continue
        last_day = job.ends_at.astimezone(problem.tz).date()
        if not any(start <= job.starts_at < end for start, end in driver.shifts):
            found.append(
                Violation("off_shift", f"{key}: the pickup is outside driver {driver.driver_id}'s shifts.", (key,))
            )
        if driver.documents_valid_until < last_day:
            found.append(
                Violation("driver_documents", f"{key}: driver {driver.driver_id}'s documents expire before it.", (key,))
            )
        if vehicle.documents_valid_until < last_day:
            found.append(
                Violation(
                    "vehicle_documents", f"{key}: vehicle {vehicle.vehicle_id}'s documents expire before it.", (key,)
                )
            )
        if vehicle.class_id not in problem.class_may_carry.get(job.booked_class_id, frozenset()):
            found.append(
                Violation(
                    "vehicle_class",
                    f"{key}: class {vehicle.class_id} may not carry a ride booked as {job.booked_class_id}.",
                    (key,),
                )
            )
        if job.passengers > vehicle.seats:
            found.append(
                Violation(
                    "seats",
                    f"{key}: {job.passengers} passengers, vehicle {vehicle.vehicle_id} seats {vehicle.seats}.",
                    (key,),
                )
            )
        if job.luggage > vehicle.luggage:
            found.append(
                Violation(
                    "luggage",
                    f"{key}: {job.luggage} pieces of luggage, vehicle {vehicle.vehicle_id} takes {vehicle.luggage}.",
                    (key,),
                )
            )
        wanted = problem.pairs.get(driver.driver_id)
        owner = paired_driver.get(vehicle.vehicle_id)
        if (wanted is not None and wanted != vehicle.vehicle_id) or (owner is not None and owner != driver.driver_id):
            found.append(
                Violation(
                    "pair_broken",
                    f"{key}: driver {driver.driver_id} and vehicle {vehicle.vehicle_id} are not each other's pair.",
                    (key,),
                )
            )
        by_driver.setdefault(driver.driver_id, []).append(_stint(job))
        by_vehicle.setdefault(vehicle.vehicle_id, []).append(_stint(job))

    for driver_id, stints in by_driver.items():
        driver = drivers[driver_id]
        day = stints + [_fixed(b) for b in driver.fixed]
        found += _sequence(problem, f"driver {driver_id}", day)
        for start, end in driver.shifts:
            duty = [s for s in day if start <= s.starts_at < end]
            if not any(s.key for s in duty):
                continue
            span = max(s.ends_at for s in duty) - min(s.starts_at for s in duty)
            if span > dt.timedelta(minutes=problem.max_duty_minutes):
                found.append(
                    Violation(
                        "duty_too_long",
                        f"driver {driver_id}: a duty of {span} is longer than {problem.max_duty_minutes} minutes.",
                        _keys(*duty),
                    )
                )
    for vehicle_id, stints in by_vehicle.items():
        found += _sequence(problem, f"vehicle {vehicle_id}", stints + [_fixed(b) for b in vehicles[vehicle_id].fixed])
    return found
