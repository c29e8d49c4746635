"""Realistic days on the Antalya coast to plan, made from a seed (the same seed, the same day), for tests and the
bench.

What a summer day of the operator looks like: arrivals at Antalya airport (and a few at Gazipaşa) in waves around
the flight banks, transfers back to the airport before the departure banks, a few day tours; hotels in Lara and
Kundu, Belek, Side and Manavgat, Alanya, Kemer, the city and a few in Kaş; parties of one to a coach load booking the
smallest class that holds them (some a VIP minivan); drivers rostered the way an operator staffs a peak day
(12-hour shifts starting on the hour from 4:00 to 13:00, each next driver where the most of the day's work is
still unstaffed, so the crews on duty follow the flight banks and someone is on duty for the first and the last
pickup), about 2 % off and 2 % with documents that ran out; a fleet sized to the bookings (of each class from the
midibus down, enough vehicles for the minutes booked in it with 20 % slack, sedans making up the rest) parked near
where the drivers live, a few vehicles with expired documents; and a few trips assigned before planning (fixed),
their drivers paired with their vehicles. Drive times are the demo's (:mod:`gnb.fleet.demo`), a ride within a zone
taking 20 minutes, and every trip keeps a 30-minute turnaround.

The number of drivers is the caller's: the bench's sizes give five to seven and a half rides per driver, and a ride
keeps a crew about 80 minutes busy (drive and turnaround) plus some 35 minutes of empty driving, so 300 rides with
50 drivers already fill their 12-hour shifts (8.5 busy hours each, before the empty driving), and the smaller
crews cannot drive every ride however they are routed.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from gnb.fleet.planning.problem import LOCAL_ZONE, Busy, DriverInfo, Job, Problem, VehicleInfo, class_may_carry

# The demo's zones (gnb.fleet.demo.ZONE_ORDER) numbered from 1, and its drive-time table in minutes.
AYT, GZP, CITY, LARA, BELEK, SIDE, ALANYA, KEMER, KAS = range(1, 10)
ZONE_NAMES = {
    AYT: "Antalya Airport",
    GZP: "Gazipaşa-Alanya Airport",
    CITY: "Antalya City Centre",
    LARA: "Lara & Kundu",
    BELEK: "Belek",
    SIDE: "Side & Manavgat",
    ALANYA: "Alanya",
    KEMER: "Kemer",
    KAS: "Kaş & Kalkan",
}
_MINUTES = (
    (20, 140, 25, 25, 35, 65, 120, 60, 210),
    (140, 20, 150, 135, 115, 85, 40, 190, 300),
    (25, 150, 20, 25, 45, 75, 135, 45, 190),
    (25, 135, 25, 20, 35, 65, 125, 65, 210),
    (35, 115, 45, 35, 20, 40, 95, 75, 225),
    (65, 85, 75, 65, 40, 20, 60, 105, 250),
    (120, 40, 135, 125, 95, 60, 20, 160, 300),
    (60, 190, 45, 65, 75, 105, 160, 20, 150),
    (210, 300, 190, 210, 225, 250, 300, 150, 20),
)
DRIVE_MINUTES: dict[tuple[int, int], int] = {
    (origin + 1, destination + 1): minutes
    for origin, row in enumerate(_MINUTES)
    for destination, minutes in enumerate(row)
}
TURNAROUND_MINUTES = 30

# Hotel zones and how many of the day's travellers stay there.
HOTEL_ZONES = ((LARA, 34), (BELEK, 26), (SIDE, 16), (ALANYA, 6), (KEMER, 9), (CITY, 8), (KAS, 1))
HOME_ZONES = ((AYT, 3), (LARA, 3), (CITY, 3), (BELEK, 2), (SIDE, 2), (ALANYA, 1), (KEMER, 1))


@dataclass(frozen=True)
class ClassSpec:
    class_id: int
    code: str
    seats: int
    luggage: int


SEDAN = ClassSpec(1, "sedan", 3, 3)
MINIVAN = ClassSpec(2, "minivan", 7, 7)
VIP_MINIVAN = ClassSpec(3, "vip-minivan", 6, 6)
MINIBUS = ClassSpec(4, "minibus", 14, 14)
MIDIBUS = ClassSpec(5, "midibus", 27, 27)
CLASSES = (SEDAN, MINIVAN, VIP_MINIVAN, MINIBUS, MIDIBUS)


def classes_may_carry() -> dict[int | None, frozenset[int]]:
    return class_may_carry((c.class_id, c.seats, c.luggage) for c in CLASSES)


# Flight banks (local time, hour with minutes) and their weight: arrivals land, departures take off.
ARRIVAL_BANKS = ((7.5, 2), (10.5, 4), (13.0, 3), (15.5, 4), (19.0, 3), (21.5, 2))
DEPARTURE_BANKS = ((9.0, 2), (12.0, 4), (14.5, 3), (17.0, 4), (20.0, 3), (23.0, 2))
LANGUAGES = (("en", 30), ("de", 22), ("ru", 22), ("tr", 10), ("pl", 5), ("nl", 5), ("uk", 6))
# Shifts start on the hour between these (a late one runs to midnight), last this long, and are staffed to the
# day's rides (see :func:`_staff`).
SHIFT_STARTS = range(4, 14)
SHIFT_HOURS = 12
# Vehicles of a class for the minutes booked in it, beyond what the shifts would just hold.
FLEET_SLACK = 1.2
# Empty driving a ride brings with it on average (to its pickup, or back), in minutes: staffing counts it as work.
STAFFING_EMPTY_MINUTES = 35

SIZES = ((100, 15), (300, 40), (300, 50), (600, 80))


def _pick(rng: random.Random, weighted):
    items = [item for item, _weight in weighted]
    weights = [weight for _item, weight in weighted]
    return rng.choices(items, weights=weights, k=1)[0]


def _party(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.45:
        return rng.randint(1, 2)
    if roll < 0.75:
        return rng.randint(3, 4)
    if roll < 0.92:
        return rng.randint(5, 7)
    if roll < 0.99:
        return rng.randint(8, 14)
    return rng.randint(15, 25)


def _booked_class(rng: random.Random, passengers: int, luggage: int) -> ClassSpec:
    if passengers <= VIP_MINIVAN.seats and luggage <= VIP_MINIVAN.luggage and rng.random() < 0.06:
        return VIP_MINIVAN
    for spec in (SEDAN, MINIVAN, MINIBUS, MIDIBUS):
        if passengers <= spec.seats and luggage <= spec.luggage:
            return spec
    return MIDIBUS


def _busy_until(starts_at: dt.datetime, origin: int, destination: int) -> dt.datetime:
    return starts_at + dt.timedelta(minutes=DRIVE_MINUTES[origin, destination] + TURNAROUND_MINUTES)


def _fleet(jobs: list[Job], count: int) -> list[ClassSpec]:
    """The fleet an operator keeps for such days: ``count`` vehicles; of each class from the largest down, enough
    shifts' worth for the working minutes booked in it (tours in midibuses) with some slack, since larger vehicles
    may carry smaller bookings but not the other way round; sedans make up the rest."""
    minutes: dict[ClassSpec, float] = dict.fromkeys(CLASSES, 0.0)
    by_id = {spec.class_id: spec for spec in CLASSES}
    for job in jobs:
        spec = by_id[job.booked_class_id] if job.booked_class_id is not None else MIDIBUS
        minutes[spec] += (job.ends_at - job.starts_at).total_seconds() / 60 + STAFFING_EMPTY_MINUTES
    fleet: list[ClassSpec] = []
    for spec in (MIDIBUS, MINIBUS, VIP_MINIVAN, MINIVAN):
        need = math.ceil(minutes[spec] * FLEET_SLACK / (SHIFT_HOURS * 60))
        fleet += [spec] * min(need, count - len(fleet))
    return fleet + [SEDAN] * (count - len(fleet))


def _staff(jobs: list[Job], drivers: int, midnight: dt.datetime) -> list[int]:
    """Shift start hours for ``drivers`` drivers, as an operator rosters a peak day: each next driver starts when
    their shift takes on the most work still unstaffed (each ride's busy time and some empty driving, spread over
    the hours it runs), so that the crews on duty follow the flight banks."""
    load = [0.0] * 26
    for job in jobs:
        begin = (job.starts_at - midnight).total_seconds() / 60
        end = (job.ends_at - midnight).total_seconds() / 60 + STAFFING_EMPTY_MINUTES
        for hour in range(int(begin // 60), min(int(end // 60), 25) + 1):
            load[hour] += max(0.0, min(end, (hour + 1) * 60) - max(begin, hour * 60))
    starts: list[int] = []
    for _ in range(drivers):
        best = max(
            SHIFT_STARTS,
            key=lambda start: (sum(min(60.0, max(0.0, load[h])) for h in range(start, start + SHIFT_HOURS)), -start),
        )
        starts.append(best)
        for hour in range(best, best + SHIFT_HOURS):
            load[hour] -= 60
    return starts


def generate_day(*, trips: int, drivers: int, seed: int, day: dt.date = dt.date(2026, 7, 15)) -> Problem:
    """A day of ``trips`` rides to plan and ``drivers`` drivers (with a fleet a little larger), from ``seed``."""
    rng = random.Random(f"{seed}-{trips}-{drivers}")
    midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=LOCAL_ZONE)

    def at(hours: float) -> dt.datetime:
        # Pickups fall on five-minute marks, as dispatchers book them.
        return midnight + dt.timedelta(minutes=round(hours * 60 / 5) * 5)

    jobs: list[Job] = []
    tours = max(1, trips // 60)
    for number in range(1, trips - tours + 1):
        passengers = _party(rng)
        luggage = max(0, min(passengers + rng.randint(-1, 1), 27))
        booked = _booked_class(rng, passengers, luggage)
        hotel = _pick(rng, HOTEL_ZONES)
        language = _pick(rng, LANGUAGES)
        airport = GZP if hotel == ALANYA and rng.random() < 0.3 else AYT
        if rng.random() < 0.5:
            landing = _pick(rng, ARRIVAL_BANKS) + rng.gauss(0, 1.0)
            pickup = at(min(max(landing + 0.75, 5.5), 23.5))
            origin, destination = airport, hotel
        else:
            take_off = _pick(rng, DEPARTURE_BANKS) + rng.gauss(0, 1.0)
            pickup = at(min(max(take_off - 2.5 - DRIVE_MINUTES[hotel, airport] / 60, 4.5), 22.0))
            origin, destination = hotel, airport
        jobs.append(
            Job(
                key=f"leg:{number}",
                starts_at=pickup,
                ends_at=_busy_until(pickup, origin, destination),
                origin_zone_id=origin,
                destination_zone_id=destination,
                passengers=passengers,
                luggage=luggage,
                booked_class_id=booked.class_id,
                language=language,
            )
        )
    for number in range(1, tours + 1):
        zone = _pick(rng, HOTEL_ZONES[:3])
        pickup = at(rng.choice((7.5, 8.0, 8.5)))
        jobs.append(
            Job(
                key=f"departure:{number}",
                starts_at=pickup,
                ends_at=pickup + dt.timedelta(hours=rng.choice((7, 8, 9)), minutes=TURNAROUND_MINUTES),
                origin_zone_id=zone,
                destination_zone_id=zone,
                passengers=rng.randint(8, 25),
                luggage=0,
                booked_class_id=None,
                language=_pick(rng, LANGUAGES),
            )
        )

    valid = day + dt.timedelta(days=rng.randint(30, 400))
    expired = day - dt.timedelta(days=1)
    vehicle_count = drivers + max(1, drivers // 8)
    vehicles: list[VehicleInfo] = []
    specs = _fleet(jobs, vehicle_count)
    rng.shuffle(specs)
    for vehicle_id, spec in enumerate(specs, start=1):
        vehicles.append(
            VehicleInfo(
                vehicle_id=vehicle_id,
                class_id=spec.class_id,
                seats=spec.seats,
                luggage=spec.luggage + (1 if rng.random() < 0.1 else 0),
                documents_valid_until=expired if rng.random() < 0.03 else valid,
                home_zone_id=_pick(rng, HOME_ZONES),
            )
        )

    driver_list: list[DriverInfo] = []
    starts = _staff(jobs, drivers, midnight)
    rng.shuffle(starts)
    for driver_id, start_hour in enumerate(starts, start=1):
        off = rng.random() < 0.02
        shift = (midnight + dt.timedelta(hours=start_hour), midnight + dt.timedelta(hours=start_hour + SHIFT_HOURS))
        others = rng.sample(["en", "de", "ru", "nl", "pl", "uk"], k=rng.choice((1, 1, 2)))
        driver_list.append(
            DriverInfo(
                driver_id=driver_id,
                languages=("tr", *others),
                shifts=() if off else (shift,),
                documents_valid_until=expired if rng.random() < 0.02 else valid,
                home_zone_id=_pick(rng, HOME_ZONES),
            )
        )

    # A few trips were assigned before planning: their drivers keep their vehicles for the day.
    pairs: dict[int, int] = {}
    working = [d for d in driver_list if d.shifts and d.documents_valid_until >= day]
    fleet = [v for v in vehicles if v.documents_valid_until >= day]
    for driver in rng.sample(working, k=min(len(working), max(1, drivers // 10))):
        vehicle = rng.choice([v for v in fleet if v.vehicle_id not in pairs.values()])
        start, _end = driver.shifts[0]
        pickup = start + dt.timedelta(minutes=rng.randrange(60, 300, 5))
        origin = AYT
        destination = _pick(rng, HOTEL_ZONES)
        busy = Busy(pickup, _busy_until(pickup, origin, destination), origin, destination, trip_id=len(pairs) + 1)
        pairs[driver.driver_id] = vehicle.vehicle_id
        driver_list[driver.driver_id - 1] = DriverInfo(
            driver.driver_id,
            driver.languages,
            driver.shifts,
            driver.documents_valid_until,
            driver.home_zone_id,
            (busy,),
        )
        vehicles[vehicle.vehicle_id - 1] = VehicleInfo(
            vehicle.vehicle_id,
            vehicle.class_id,
            vehicle.seats,
            vehicle.luggage,
            vehicle.documents_valid_until,
            vehicle.home_zone_id,
            (busy,),
        )

    return Problem(
        jobs=tuple(sorted(jobs, key=lambda j: (j.starts_at, j.key))),
        drivers=tuple(driver_list),
        vehicles=tuple(vehicles),
        drive_minutes=DRIVE_MINUTES,
        class_may_carry=classes_may_carry(),
        max_duty_minutes=12 * 60,
        pairs=pairs,
    )
