"""The baseline planner, kept to measure the solver against: what a dispatcher does going down the list.

Jobs in pickup order; each goes to the first driver (by id) who may drive it and is free for it (drive time from
their previous drop-off and to their next pickup included, duty within the limit), with the vehicle they already
drive if it fits and is free, else the first free vehicle (by id) that carries it and belongs to no other driver's
pair. A job no pair can take is left unassigned.
"""

from __future__ import annotations

import time

from gnb.fleet.planning.problem import Assignment, Plan, Problem
from gnb.fleet.planning.timeline import Timeline, driver_may_drive, stint_of, vehicle_carries


def plan_greedy(problem: Problem) -> Plan:
    started = time.perf_counter()
    drivers = sorted(problem.drivers, key=lambda d: d.driver_id)
    vehicles = sorted(problem.vehicles, key=lambda v: v.vehicle_id)
    driver_days = {d.driver_id: Timeline.of(problem, d.fixed) for d in drivers}
    vehicle_days = {v.vehicle_id: Timeline.of(problem, v.fixed) for v in vehicles}
    paired_vehicles = set(problem.pairs.values())
    last_vehicle: dict[int, int] = {}
    assignments: list[Assignment] = []
    unassigned: list[str] = []
    for job in sorted(problem.jobs, key=lambda j: (j.starts_at, j.key)):
        stint = stint_of(job)
        chosen: Assignment | None = None
        for driver in drivers:
            day = driver_days[driver.driver_id]
            if not (
                driver_may_drive(problem, driver, job) and day.fits(stint) and day.duty_allows(stint, driver.shifts)
            ):
                continue
            if driver.driver_id in problem.pairs:
                candidates = [v for v in vehicles if v.vehicle_id == problem.pairs[driver.driver_id]]
            else:
                usual = last_vehicle.get(driver.driver_id)
                free = [v for v in vehicles if v.vehicle_id not in paired_vehicles]
                candidates = sorted(free, key=lambda v: v.vehicle_id != usual)
            for vehicle in candidates:
                if vehicle_carries(problem, vehicle, job) and vehicle_days[vehicle.vehicle_id].fits(stint):
                    chosen = Assignment(job.key, driver.driver_id, vehicle.vehicle_id)
                    break
            if chosen is not None:
                break
        if chosen is None:
            unassigned.append(job.key)
            continue
        driver_days[chosen.driver_id].add(stint)
        vehicle_days[chosen.vehicle_id].add(stint)
        last_vehicle[chosen.driver_id] = chosen.vehicle_id
        assignments.append(chosen)
    return Plan(tuple(assignments), tuple(unassigned), time.perf_counter() - started, "greedy")
