"""The rules of :mod:`gnb.fleet.planning.problem` as the planners use them while they build a plan: whether a
vehicle may carry a job, whether a driver may drive it, and each driver's and vehicle's day so far (a
:class:`Timeline`) with the question "does this job still fit in it?".

The greedy baseline builds its plan with these; the solver uses them to fill gaps after PyVRP. The checker does not
(it is the independent judge of both).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from gnb.fleet.planning.problem import Busy, DriverInfo, Job, Problem, VehicleInfo, window_of


def vehicle_carries(problem: Problem, vehicle: VehicleInfo, job: Job) -> bool:
    """Class, seats, luggage and documents: everything but the vehicle's time."""
    return (
        vehicle.class_id in problem.class_may_carry.get(job.booked_class_id, frozenset())
        and job.passengers <= vehicle.seats
        and job.luggage <= vehicle.luggage
        and vehicle.documents_valid_until >= problem.local_day(job.ends_at)
    )


def driver_may_drive(problem: Problem, driver: DriverInfo, job: Job) -> bool:
    """Shift and documents: everything but the driver's time."""
    return window_of(driver.shifts, job.starts_at) is not None and driver.documents_valid_until >= problem.local_day(
        job.ends_at
    )


@dataclass(order=True, frozen=True)
class Stint:
    starts_at: dt.datetime
    ends_at: dt.datetime
    origin: int
    destination: int


def stint_of(item: Job | Busy) -> Stint:
    return Stint(item.starts_at, item.ends_at, item.origin_zone_id, item.destination_zone_id)


@dataclass
class Timeline:
    """One driver's or vehicle's trips in pickup order."""

    problem: Problem
    stints: list[Stint] = field(default_factory=list)

    @classmethod
    def of(cls, problem: Problem, fixed: tuple[Busy, ...]) -> Timeline:
        return cls(problem, sorted(stint_of(b) for b in fixed))

    def _reaches(self, first: Stint, second: Stint) -> bool:
        minutes = self.problem.drive(first.destination, second.origin)
        return minutes is not None and first.ends_at + dt.timedelta(minutes=minutes) <= second.starts_at

    def fits(self, stint: Stint) -> bool:
        """Whether ``stint`` can go in between the trips already here (drive times included both ways)."""
        if any(s.starts_at < stint.ends_at and stint.starts_at < s.ends_at for s in self.stints):
            # Neighbours alone would miss a long trip already clashing with a shorter one after it.
            return False
        at = bisect.bisect_left(self.stints, stint)
        before = self.stints[at - 1] if at > 0 else None
        after = self.stints[at] if at < len(self.stints) else None
        if before is not None and not self._reaches(before, stint):
            return False
        return after is None or self._reaches(stint, after)

    def add(self, stint: Stint) -> None:
        bisect.insort(self.stints, stint)

    def remove(self, stint: Stint) -> None:
        self.stints.remove(stint)

    def duty_allows(self, stint: Stint, shifts: tuple[tuple[dt.datetime, dt.datetime], ...]) -> bool:
        """Whether adding ``stint`` keeps the duty of its shift window within ``max_duty_minutes``."""
        index = window_of(shifts, stint.starts_at)
        if index is None:
            return True
        start, end = shifts[index]
        duty = [s for s in self.stints if start <= s.starts_at < end] + [stint]
        span = max(s.ends_at for s in duty) - min(s.starts_at for s in duty)
        return span <= dt.timedelta(minutes=self.problem.max_duty_minutes)
