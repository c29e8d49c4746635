"""Day planning (gnb.fleet.planning): small days with known answers, the checker against each kind of violation,
and random days on which both planners must return plans the checker accepts. No database."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gnb.fleet.planning import solver as solver_module
from gnb.fleet.planning.checker import check
from gnb.fleet.planning.generator import SIZES, generate_day
from gnb.fleet.planning.greedy import plan_greedy
from gnb.fleet.planning.problem import (
    LOCAL_ZONE,
    Assignment,
    Busy,
    DriverInfo,
    Job,
    Plan,
    Problem,
    VehicleInfo,
    class_may_carry,
    shift_windows,
    totals,
)
from gnb.fleet.planning.solver import plan_solver

DAY = dt.date(2026, 7, 15)
AIRPORT, LARA, BELEK, KAS = 1, 2, 3, 4
SEDAN, MINIVAN = 10, 20
LIMIT = 0.2  # seconds of search in tests


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL_ZONE)


def job(key: str, start: dt.datetime, minutes: int, origin=AIRPORT, destination=LARA, **fields) -> Job:
    values = {"passengers": 2, "luggage": 2, "booked_class_id": SEDAN} | fields
    return Job(key, start, start + dt.timedelta(minutes=minutes), origin, destination, **values)


def driver(driver_id: int = 1, shifts=None, **fields) -> DriverInfo:
    shifts = ((at(6), at(18)),) if shifts is None else shifts
    values = {"languages": ("tr", "en"), "documents_valid_until": DAY + dt.timedelta(days=90), "home_zone_id": AIRPORT}
    return DriverInfo(driver_id, shifts=tuple(shifts), **(values | fields))


def vehicle(vehicle_id: int = 1, class_id: int = SEDAN, seats: int = 3, luggage: int = 3, **fields) -> VehicleInfo:
    values = {"documents_valid_until": DAY + dt.timedelta(days=90), "home_zone_id": AIRPORT}
    return VehicleInfo(vehicle_id, class_id, seats, luggage, **(values | fields))


def problem(jobs, drivers=None, vehicles=None, **fields) -> Problem:
    values = {
        "drive_minutes": {(AIRPORT, LARA): 25, (AIRPORT, BELEK): 35, (LARA, BELEK): 35, (AIRPORT, KAS): 210},
        # A sedan booking may ride in a minivan (an upgrade); a minivan booking never in a sedan.
        "class_may_carry": {
            SEDAN: frozenset({SEDAN, MINIVAN}),
            MINIVAN: frozenset({MINIVAN}),
            None: frozenset({SEDAN, MINIVAN}),
        },
    } | fields
    return Problem(
        jobs=tuple(jobs),
        drivers=tuple(drivers if drivers is not None else [driver()]),
        vehicles=tuple(vehicles if vehicles is not None else [vehicle()]),
        **values,
    )


PLANNERS = [
    pytest.param(plan_greedy, id="greedy"),
    pytest.param(lambda p: plan_solver(p, time_limit_seconds=LIMIT), id="solver"),
]


def assigned(plan: Plan) -> dict[str, tuple[int, int]]:
    return {a.job_key: (a.driver_id, a.vehicle_id) for a in plan.assignments}


# --- known answers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("planner", PLANNERS)
def test_back_to_back_needs_the_drive_between(planner):
    # Airport → Lara until 10:55, then a pickup in Belek: 35 minutes from Lara, so 11:30 is reachable, 11:20 is not.
    reachable = problem([job("leg:1", at(10), 55), job("leg:2", at(11, 30), 60, origin=BELEK, destination=AIRPORT)])
    plan = planner(reachable)
    assert set(assigned(plan)) == {"leg:1", "leg:2"}
    assert check(reachable, plan) == []
    # From home at the airport (0), Lara → Belek (35), and the ride ends at the airport, home (0).
    assert totals(reachable, plan).empty_driving_minutes == 35

    tight = problem([job("leg:1", at(10), 55), job("leg:2", at(11, 20), 60, origin=BELEK, destination=AIRPORT)])
    plan = planner(tight)
    assert set(assigned(plan)) == {"leg:1"}
    assert plan.unassigned == ("leg:2",)
    assert check(tight, plan) == []


@pytest.mark.parametrize("planner", PLANNERS)
def test_a_minivan_booking_never_rides_in_a_sedan(planner):
    day = problem(
        [job("leg:1", at(9), 60, passengers=5, luggage=5, booked_class_id=MINIVAN), job("leg:2", at(12), 60)],
        drivers=[driver(1), driver(2)],
        vehicles=[vehicle(1, SEDAN), vehicle(2, MINIVAN, seats=7, luggage=7)],
    )
    plan = planner(day)
    assert assigned(plan)["leg:1"][1] == 2
    assert "leg:2" in assigned(plan)  # the sedan booking in either
    assert check(day, plan) == []


@pytest.mark.parametrize("planner", PLANNERS)
def test_seats_and_luggage_of_the_vehicle_itself_count(planner):
    day = problem([job("leg:1", at(9), 60, passengers=3, luggage=4)], vehicles=[vehicle(1, SEDAN, seats=3, luggage=3)])
    plan = planner(day)
    assert plan.unassigned == ("leg:1",)


@pytest.mark.parametrize("planner", PLANNERS)
def test_the_pickup_must_be_in_the_shift_the_drop_off_need_not(planner):
    day = problem(
        [
            job("leg:early", at(5, 55), 60),
            job("leg:last", at(17, 55), 120),  # ends after the shift: allowed, as gnb.fleet.rules.in_shift
            job("leg:late", at(18), 30, origin=LARA, destination=LARA),  # the shift is half-open
        ]
    )
    plan = planner(day)
    assert set(assigned(plan)) == {"leg:last"}
    assert sorted(plan.unassigned) == ["leg:early", "leg:late"]


@pytest.mark.parametrize("planner", PLANNERS)
def test_documents_must_last_through_the_day_the_ride_ends(planner):
    # Ends after midnight local time: documents expiring that evening are not enough.
    late = job("leg:1", at(23), 120)
    day = problem([late], drivers=[driver(shifts=((at(20), at(23, 59)),), documents_valid_until=DAY)])
    assert planner(day).unassigned == ("leg:1",)
    day = problem(
        [late], drivers=[driver(shifts=((at(20), at(23, 59)),))], vehicles=[vehicle(documents_valid_until=DAY)]
    )
    assert planner(day).unassigned == ("leg:1",)
    day = problem([late], drivers=[driver(shifts=((at(20), at(23, 59)),), documents_valid_until=DAY + dt.timedelta(1))])
    assert set(assigned(planner(day))) == {"leg:1"}


@pytest.mark.parametrize("planner", PLANNERS)
def test_fixed_trips_are_worked_around(planner):
    # The driver is on a fixed trip Lara → airport 12:00–12:55: a ride to Belek ending 11:55 cannot be followed by it
    # (35 min from Belek to Lara), a ride at 12:30 overlaps it, a pickup at the airport at 13:00 can follow it.
    fixed = Busy(at(12), at(12, 55), LARA, AIRPORT, trip_id=7)
    day = problem(
        [
            job("leg:1", at(11), 55, origin=AIRPORT, destination=BELEK),
            job("leg:2", at(13), 55),
            job("leg:3", at(12, 30), 20, origin=AIRPORT, destination=AIRPORT),
        ],
        drivers=[driver(1, fixed=(fixed,))],
        vehicles=[vehicle(1, fixed=(fixed,))],
        pairs={1: 1},
    )
    plan = planner(day)
    assert set(assigned(plan)) == {"leg:2"}
    assert sorted(plan.unassigned) == ["leg:1", "leg:3"]
    assert check(day, plan) == []


@pytest.mark.parametrize("planner", PLANNERS)
def test_a_vehicle_paired_with_another_driver_is_not_borrowed(planner):
    day = problem(
        [job("leg:1", at(9), 60, passengers=5, luggage=5, booked_class_id=MINIVAN)],
        drivers=[driver(1), driver(2, shifts=())],
        vehicles=[vehicle(1, SEDAN), vehicle(2, MINIVAN, seats=7, luggage=7)],
        pairs={2: 2},
    )
    assert planner(day).unassigned == ("leg:1",)


@pytest.mark.parametrize("planner", PLANNERS)
def test_duty_limit(planner):
    day = problem(
        [job("leg:1", at(6), 55), job("leg:2", at(16), 120, origin=LARA, destination=AIRPORT)],
        drivers=[driver(shifts=((at(6), at(20)),))],
        max_duty_minutes=11 * 60,
    )
    plan = planner(day)
    assert len(plan.assignments) == 1
    assert check(day, plan) == []


@pytest.mark.parametrize("planner", PLANNERS)
def test_a_job_nobody_can_take_is_reported(planner):
    day = problem([job("leg:1", at(9), 60), job("leg:2", at(3), 60)])
    plan = planner(day)
    assert plan.unassigned == ("leg:2",)
    assert totals(day, plan).covered == 1


def test_the_solver_prefers_the_driver_who_saves_empty_driving():
    # Two drivers, one living in Belek: the Belek pickup should be his, not a 35-minute drive for the other.
    day = problem(
        [job("leg:1", at(9), 50, origin=BELEK, destination=LARA)],
        drivers=[driver(1, home_zone_id=AIRPORT), driver(2, home_zone_id=BELEK)],
        vehicles=[vehicle(1, home_zone_id=AIRPORT), vehicle(2, home_zone_id=BELEK)],
    )
    assert assigned(plan_solver(day, time_limit_seconds=LIMIT))["leg:1"][0] == 2
    assert assigned(plan_greedy(day))["leg:1"][0] == 1  # the baseline takes the first driver


def test_the_solver_prefers_a_driver_who_speaks_the_language():
    day = problem(
        [job("leg:1", at(9), 55, language="ru")],
        drivers=[driver(1, languages=("tr", "en")), driver(2, languages=("tr", "ru"))],
        vehicles=[vehicle(1), vehicle(2)],
    )
    plan = plan_solver(day, time_limit_seconds=LIMIT)
    assert assigned(plan)["leg:1"][0] == 2
    assert totals(day, plan).language_misses == 0


def test_a_driver_may_borrow_an_idle_vehicle_for_a_ride_their_own_cannot_carry():
    # The morning driver gets the minivan for the day, the afternoon one the sedan; at 15:00 the minivan is idle.
    day = problem(
        [
            job("leg:1", at(7), 55, passengers=5, luggage=5, booked_class_id=MINIVAN),
            job("leg:2", at(15), 55, passengers=5, luggage=5, booked_class_id=MINIVAN),
        ],
        drivers=[driver(1, shifts=((at(6), at(12)),)), driver(2, shifts=((at(13), at(20)),))],
        vehicles=[vehicle(1, SEDAN), vehicle(2, MINIVAN, seats=7, luggage=7)],
    )
    plan = plan_solver(day, time_limit_seconds=LIMIT)
    assert assigned(plan) == {"leg:1": (1, 2), "leg:2": (2, 2)}
    assert check(day, plan) == []


def test_totals():
    day = problem(
        [job("leg:1", at(9), 60), job("leg:2", at(11), 60, origin=LARA, destination=AIRPORT)],
        drivers=[driver(1), driver(2), driver(3, shifts=())],
        vehicles=[vehicle(1), vehicle(2)],
    )
    plan = Plan((Assignment("leg:1", 1, 1), Assignment("leg:2", 2, 2)), (), 0.0, "hand")
    figures = totals(day, plan)
    assert figures.covered == 2
    assert figures.hours_per_driver == {1: 1.0, 2: 1.0}  # driver 3 does not work: not in the spread
    assert figures.hours_spread == 0.0
    # Driver 1: airport → Lara, back 25; driver 2: home (airport) → Lara 25, ends at the airport.
    assert figures.empty_driving_minutes == 50


# --- the checker catches each kind of violation --------------------------------------------------------------


def _two_drivers() -> Problem:
    return problem(
        [
            job("leg:1", at(9), 55),
            job("leg:2", at(10, 10), 55, origin=LARA, destination=AIRPORT),
            job("leg:3", at(9), 55, passengers=5, luggage=5, booked_class_id=MINIVAN),
        ],
        drivers=[driver(1), driver(2)],
        vehicles=[vehicle(1), vehicle(2, MINIVAN, seats=7, luggage=7)],
    )


def codes(day: Problem, *assignments: tuple[str, int, int], unassigned: tuple[str, ...] | None = None) -> set[str]:
    planned = tuple(Assignment(*a) for a in assignments)
    keys = {a.job_key for a in planned}
    rest = unassigned if unassigned is not None else tuple(j.key for j in day.jobs if j.key not in keys)
    return {v.code for v in check(day, Plan(planned, rest, 0.0, "hand"))}


def test_checker_accepts_a_valid_plan():
    assert codes(_two_drivers(), ("leg:1", 1, 1), ("leg:2", 1, 1), ("leg:3", 2, 2)) == set()


def test_checker_catches_each_kind_of_violation():
    day = _two_drivers()
    assert codes(day, ("leg:1", 1, 1), ("leg:3", 1, 2)) == {"overlap"}  # one driver, two rides at 9:00
    assert codes(day, ("leg:1", 1, 1), ("leg:3", 2, 1)) == {"overlap", "vehicle_class", "seats", "luggage"}
    tight = dataclasses.replace(day, jobs=(job("leg:1", at(9), 55), job("leg:2", at(10), 55, origin=BELEK)))
    assert codes(tight, ("leg:1", 1, 1), ("leg:2", 1, 1)) == {"no_time_to_drive"}  # Lara → Belek is 35 min
    unknown_pair = dataclasses.replace(day, jobs=(job("leg:1", at(9), 55), job("leg:2", at(16), 55, origin=99)))
    assert codes(unknown_pair, ("leg:1", 1, 1), ("leg:2", 1, 1)) == {"no_drive_time"}
    assert codes(day, ("leg:1", 1, 1), ("leg:1", 2, 2)) >= {"assigned_twice"}
    assert "assigned_and_unassigned" in codes(day, ("leg:1", 1, 1), unassigned=("leg:1", "leg:2", "leg:3"))
    assert "job_missing" in codes(day, ("leg:1", 1, 1), unassigned=())
    assert "unknown_job" in codes(day, ("leg:9", 1, 1))
    assert "unknown_driver" in codes(day, ("leg:1", 9, 1))
    assert "unknown_vehicle" in codes(day, ("leg:1", 1, 9))

    off = dataclasses.replace(day, drivers=(driver(1, shifts=((at(12), at(20)),)), driver(2)))
    assert codes(off, ("leg:1", 1, 1)) == {"off_shift"}
    papers = dataclasses.replace(day, drivers=(driver(1, documents_valid_until=DAY - dt.timedelta(1)), driver(2)))
    assert codes(papers, ("leg:1", 1, 1)) == {"driver_documents"}
    car_papers = dataclasses.replace(day, vehicles=(vehicle(1, documents_valid_until=DAY - dt.timedelta(1)),))
    assert codes(car_papers, ("leg:1", 1, 1)) == {"vehicle_documents"}
    paired = dataclasses.replace(day, pairs={2: 1})
    assert codes(paired, ("leg:1", 1, 1)) == {"pair_broken"}
    assert codes(dataclasses.replace(day, pairs={1: 2}), ("leg:1", 1, 1)) == {"pair_broken"}

    fixed = Busy(at(9, 30), at(10, 30), AIRPORT, AIRPORT)
    busy_driver = dataclasses.replace(day, drivers=(driver(1, fixed=(fixed,)), driver(2)))
    assert codes(busy_driver, ("leg:1", 1, 1)) == {"overlap"}
    busy_vehicle = dataclasses.replace(day, vehicles=(vehicle(1, fixed=(fixed,)), vehicle(2, MINIVAN, seats=7)))
    assert codes(busy_vehicle, ("leg:1", 1, 1)) == {"overlap"}
    # Two drivers, each free, in the same vehicle at the same time.
    two_drivers_one_car = dataclasses.replace(
        day, jobs=(job("leg:1", at(9), 55), job("leg:2", at(9, 30), 55), job("leg:3", at(15), 30))
    )
    assert codes(two_drivers_one_car, ("leg:1", 1, 1), ("leg:2", 2, 1)) == {"overlap"}
    # The vehicle, not only the driver, has to get from Lara to Belek between two drivers' rides.
    car_too_far = dataclasses.replace(
        day, jobs=(job("leg:1", at(9), 55), job("leg:2", at(10), 55, origin=BELEK), job("leg:3", at(15), 30))
    )
    assert codes(car_too_far, ("leg:1", 1, 1), ("leg:2", 2, 1)) == {"no_time_to_drive"}

    long_day = dataclasses.replace(
        day, drivers=(driver(1, shifts=((at(6), at(20)),)), driver(2)), max_duty_minutes=10 * 60
    )
    long_day = dataclasses.replace(long_day, jobs=(job("leg:1", at(6), 55), job("leg:2", at(15, 30), 55), day.jobs[2]))
    assert codes(long_day, ("leg:1", 1, 1), ("leg:2", 1, 1)) == {"duty_too_long"}


@pytest.mark.parametrize("planner", PLANNERS)
def test_a_ride_follows_the_last_of_several_fixed_trips(planner):
    # Two fixed trips, the second ending in Kaş; a pickup in Kaş as it ends follows it, not the first one (which
    # ends at the airport, 210 minutes away).
    fixed = (Busy(at(4), at(4, 50), AIRPORT, AIRPORT), Busy(at(5), at(5, 50), AIRPORT, KAS))
    day = problem(
        [job("leg:1", at(5, 50), 20, origin=KAS, destination=KAS)],
        drivers=[driver(1, shifts=((at(4), at(8)),), fixed=fixed)],
    )
    plan = planner(day)
    assert set(assigned(plan)) == {"leg:1"}
    assert check(day, plan) == []


def test_checker_leaves_clashes_between_fixed_trips_alone():
    one = Busy(at(9), at(10), AIRPORT, AIRPORT)
    two = Busy(at(9, 30), at(10, 30), AIRPORT, AIRPORT)
    day = problem([job("leg:1", at(14), 55)], drivers=[driver(1, fixed=(one, two))])
    assert codes(day, ("leg:1", 1, 1)) == set()


# --- shift windows from the weekly shifts ----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 23 * 4), st.integers(0, 23 * 4)).map(
            lambda t: (t[0], dt.time(t[1] // 4, t[1] % 4 * 15), dt.time(t[2] // 4, t[2] % 4 * 15))
        ),
        max_size=4,
        unique_by=lambda t: (t[0], t[1]),
    ),
    st.integers(0, 2 * 24 * 12 - 1),
)
def test_shift_windows_agree_with_the_rules(weekly, five_minutes):
    # The windows hold a moment exactly when gnb.fleet.rules.in_shift says the driver works then.
    from gnb.fleet.models import DriverShift
    from gnb.fleet.rules import in_shift

    windows = shift_windows(weekly=weekly, days_off=(), first_day=DAY, last_day=DAY + dt.timedelta(days=1))
    moment = at(0) + dt.timedelta(minutes=5 * five_minutes)
    shifts = [DriverShift(weekday=w, starts_at=start, ends_at=end) for w, start, end in weekly]
    assert any(start <= moment < end for start, end in windows) == in_shift(shifts, moment)


def test_class_may_carry_follows_the_rules_upgrades():
    # sedan 3/3, minivan 7/7, VIP minivan 6/6 (a minivan may carry it: bigger in both), minibus 14/14.
    allowed = class_may_carry([(1, 3, 3), (2, 7, 7), (3, 6, 6), (4, 14, 14)])
    assert allowed == {
        1: frozenset({1, 2, 3, 4}),
        2: frozenset({2, 4}),
        3: frozenset({2, 3, 4}),
        4: frozenset({4}),
        None: frozenset({1, 2, 3, 4}),
    }


def test_shift_windows_leave_out_days_off_and_merge():
    wednesday = DAY  # 2026-07-15
    weekly = [(2, dt.time(19), dt.time(7)), (3, dt.time(7), dt.time(12)), (4, dt.time(8), dt.time(16))]
    windows = shift_windows(
        weekly=weekly,
        days_off=[(wednesday + dt.timedelta(days=2), wednesday + dt.timedelta(days=2))],
        first_day=wednesday,
        last_day=wednesday + dt.timedelta(days=2),
    )
    # Wednesday's night shift runs into Thursday's morning one: one duty; Friday is off.
    assert windows == ((at(19), at(12, day=wednesday + dt.timedelta(days=1))),)


# --- random days -----------------------------------------------------------------------------------------------


@st.composite
def small_days(draw) -> Problem:
    zones = [AIRPORT, LARA, BELEK, KAS]
    jobs = []
    for number in range(draw(st.integers(0, 12))):
        start = at(5) + dt.timedelta(minutes=5 * draw(st.integers(0, 12 * 18)))
        origin, destination = draw(st.sampled_from(zones)), draw(st.sampled_from(zones))
        passengers = draw(st.integers(1, 8))
        jobs.append(
            Job(
                f"leg:{number}",
                start,
                start + dt.timedelta(minutes=draw(st.integers(20, 240))),
                origin,
                destination,
                passengers=passengers,
                luggage=draw(st.integers(0, 8)),
                booked_class_id=draw(st.sampled_from([SEDAN, MINIVAN, None])),
                language=draw(st.sampled_from(["", "en", "ru"])),
            )
        )
    drivers = []
    for driver_id in range(1, draw(st.integers(1, 4)) + 1):
        shifts = []
        if draw(st.booleans()) or driver_id == 1:
            begin = draw(st.integers(4, 14))
            end = begin + draw(st.integers(4, 9))
            shifts.append((at(begin), at(end)))
            if end <= 20 and draw(st.booleans()):  # a split shift: a second window later the same day
                later = draw(st.integers(end, 20))
                shifts.append((at(later), at(later + draw(st.integers(1, 3)))))
        fixed = ()
        if draw(st.integers(0, 3)) == 0:
            starts = sorted({at(hour) for hour in draw(st.lists(st.integers(4, 21), min_size=1, max_size=3))})
            fixed = tuple(
                Busy(start, start + dt.timedelta(minutes=50), AIRPORT, draw(st.sampled_from(zones))) for start in starts
            )
        drivers.append(
            driver(
                driver_id,
                shifts=tuple(shifts),
                fixed=fixed,
                documents_valid_until=DAY - dt.timedelta(draw(st.sampled_from([-30, -30, -30, 1]))),
                home_zone_id=draw(st.sampled_from([*zones, None])),
            )
        )
    vehicles = []
    for vehicle_id in range(1, draw(st.integers(1, 4)) + 1):
        big = draw(st.booleans())
        vehicles.append(
            vehicle(
                vehicle_id,
                MINIVAN if big else SEDAN,
                seats=7 if big else 3,
                luggage=7 if big else 3,
                documents_valid_until=DAY - dt.timedelta(draw(st.sampled_from([-30, -30, 1]))),
                home_zone_id=draw(st.sampled_from([*zones, None])),
            )
        )
    pairs = {}
    if draw(st.booleans()):
        pairs = {drivers[0].driver_id: vehicles[0].vehicle_id}
    # Kaş is far and kept one way only; Belek to Kaş has no drive time at all.
    return problem(jobs, drivers, vehicles, pairs=pairs, max_duty_minutes=draw(st.sampled_from([8 * 60, 12 * 60])))


def _accounted_once(day: Problem, plan: Plan) -> None:
    keys = [a.job_key for a in plan.assignments] + list(plan.unassigned)
    assert sorted(keys) == sorted(j.key for j in day.jobs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_days())
def test_greedy_plans_pass_the_checker(day):
    plan = plan_greedy(day)
    assert check(day, plan) == []
    _accounted_once(day, plan)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_days())
def test_solver_plans_pass_the_checker(day):
    plan = plan_solver(day, time_limit_seconds=0.05)
    assert check(day, plan) == []
    _accounted_once(day, plan)


def test_generated_days_are_reproducible_and_plannable():
    trips, drivers = SIZES[0]
    first = generate_day(trips=trips, drivers=drivers, seed=3)
    assert first == generate_day(trips=trips, drivers=drivers, seed=3)
    assert first != generate_day(trips=trips, drivers=drivers, seed=4)
    assert len(first.jobs) == trips and len(first.drivers) == drivers
    assert any(d.fixed for d in first.drivers) and first.pairs
    plan = plan_solver(first, time_limit_seconds=0.5)
    assert check(first, plan) == []
    greedy = plan_greedy(first)
    assert check(first, greedy) == []
    assert len(plan.assignments) >= 0.9 * len(greedy.assignments)


def test_the_search_neighbours_are_rides_that_can_follow_one_another():
    # a and c (airport to Lara) overlap, so neither neighbours the other; b leaves Lara after both are over.
    day = problem(
        [
            job("a", at(8), 60),
            job("b", at(9, 30), 60, origin=LARA, destination=AIRPORT),
            job("c", at(8, 10), 60),
        ]
    )
    model = solver_module._Model(day, solver_module.pair_vehicles(day))
    assert model.build() is not None
    keys = [j.key for j in model.jobs]
    neighbours = {
        keys[activity.idx]: {keys[other.idx] for other in others}
        for activity, others in solver_module._neighbours(model).items()
    }
    assert neighbours == {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}}


def test_generated_days_are_rostered_to_their_rides():
    day = generate_day(trips=300, drivers=50, seed=1)
    first_pickup = min(j.starts_at for j in day.jobs)
    last_pickup = max(j.starts_at for j in day.jobs)
    shifts = [window for d in day.drivers for window in d.shifts]
    # Someone is on duty for the first and the last pickup of the day.
    assert any(start <= first_pickup < end for start, end in shifts)
    assert any(start <= last_pickup < end for start, end in shifts)
    # Every booked class has a vehicle that may carry it.
    booked = {j.booked_class_id for j in day.jobs if j.booked_class_id is not None}
    fleet = {v.class_id for v in day.vehicles}
    assert all(day.class_may_carry[class_id] & fleet for class_id in booked)
