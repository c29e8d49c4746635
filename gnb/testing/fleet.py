"""Drivers, vehicles and drive times for tests: valid by default, each document valid for a year, working every
day around the clock unless a test says otherwise."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from gnb.accounts.roles import DRIVER
from gnb.catalog.models import VehicleClass, Zone
from gnb.fleet.models import Driver, DriverShift, Sex, Vehicle, ZoneDriveTime
from gnb.testing.catalog import Catalog
from gnb.testing.personas import persona

_numbers = itertools.count(1)


def turkish_identity_number(seed: int) -> str:
    """A T.C. identity number that passes the public checksum (digits 10 and 11), made from ``seed``."""
    digits = [int(c) for c in f"{100000000 + seed % 900000000:09d}"]
    digits.append(((sum(digits[0:9:2]) * 7) - sum(digits[1:8:2])) % 10)
    digits.append(sum(digits) % 10)
    return "".join(map(str, digits))


def in_a_year() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=365)


def make_driver(
    first_name: str = "Mehmet",
    last_name: str | None = None,
    *,
    shifts: tuple[tuple[int, dt.time, dt.time], ...] | None = None,
    **fields,
) -> Driver:
    """A driver with a user of the driver role; ``shifts`` as (weekday, from, until), every day 00:00–00:00 (all
    day) by default."""
    number = next(_numbers)
    last_name = last_name or f"Yılmaz{number}"
    user = persona(DRIVER, f"driver{number}-{first_name.lower()}")
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "phone": f"+9053212{number:05d}",
        "languages": ["tr", "en"],
        "nationality": "TR",
        "identity_number": turkish_identity_number(number),
        "sex": Sex.MALE,
        "licence_number": f"L{number:06d}",
        "licence_expires_on": in_a_year(),
        "src_certificate_number": f"SRC{number:05d}",
        "src_expires_on": in_a_year(),
        "psychotechnical_expires_on": in_a_year(),
    }
    values.update(fields)
    driver = Driver.objects.create(user=user, **values)
    midnight = dt.time(0, 0)
    for weekday, starts, ends in shifts if shifts is not None else [(day, midnight, midnight) for day in range(7)]:
        DriverShift.objects.create(driver=driver, weekday=weekday, starts_at=starts, ends_at=ends)
    return driver


def make_vehicle(vehicle_class: VehicleClass, plate: str | None = None, **fields) -> Vehicle:
    number = next(_numbers)
    values = {
        "plate": plate or f"07 GNB {100 + number}",
        "vehicle_class": vehicle_class,
        "seats": vehicle_class.max_passengers,
        "luggage": vehicle_class.max_luggage,
        "make": "Mercedes-Benz",
        "model": "Vito",
        "colour": "Black",
        "year": 2023,
        "insurance_expires_on": in_a_year(),
        "inspection_expires_on": in_a_year(),
        "route_permit_expires_on": in_a_year(),
    }
    values.update(fields)
    return Vehicle.objects.create(**values)


def make_drive_times(catalog: Catalog, minutes: int = 45) -> None:
    """Every pair of the test catalogue's zones ``minutes`` apart (a zone to itself 20)."""
    zones = [catalog.airport_zone, catalog.belek, catalog.lara]
    for origin, destination in itertools.product(zones, zones):
        ZoneDriveTime.objects.get_or_create(
            origin=origin, destination=destination, defaults={"minutes": 20 if origin == destination else minutes}
        )


def drive_time(origin: Zone, destination: Zone, minutes: int) -> ZoneDriveTime:
    return ZoneDriveTime.objects.update_or_create(
        origin=origin, destination=destination, defaults={"minutes": minutes}
    )[0]


def at_the_pickup(trip, *, accuracy_m: int = 10):
    """The phone's position at ``trip``'s pickup place (its first ride's origin or hotel), as a no-show needs it."""
    from gnb.fleet.evidence import Position, pickup_places

    place = pickup_places(trip)[0]
    return Position(place.latitude, place.longitude, accuracy_m)
