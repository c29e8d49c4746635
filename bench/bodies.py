"""Request bodies for the API benchmark: the shape a booking page sends, varied so no two are identical.

``targets`` comes from ``probe.py targets``: the place slugs, vehicle class, extras, coupon and currencies found in
the loaded demo catalogue, so the bodies never hard-code what the demo data happens to call things.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import zoneinfo
from typing import Any

PARTY = {"adults": 2, "children": 1, "infants": 1}
PASSENGER_NAMES = [
    ("Anna", "adult"),
    ("John", "adult"),
    ("Tom", "child"),
    ("Mia", "infant"),
]
FAMILY_NAMES = ["Smith", "Müller", "Kowalski", "Ivanova", "de Vries", "Dubois", "Yılmaz", "Petrenko"]
AIRLINES = ["TK", "PC", "XQ", "U2", "LS", "FR", "DE", "EW"]
COAST = zoneinfo.ZoneInfo("Europe/Istanbul")

_sequence = itertools.count(1)


def pickup_time(rng: random.Random, days_ahead: int = 30) -> dt.datetime:
    """A wall-clock pickup about ``days_ahead`` days from now, on a 5-minute grid between 06:00 and 22:55."""
    day = dt.datetime.now(COAST).date() + dt.timedelta(days=days_ahead + rng.randint(0, 3))
    minutes = rng.randrange(6 * 60, 23 * 60, 5)
    local = dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=COAST)
    # Sent without an offset, as a booking page does: the API reads it as the wall-clock time at the pickup place.
    return local.replace(tzinfo=None)


def quote_body(targets: dict[str, Any], rng: random.Random, number: int) -> dict[str, Any]:
    """AYT → a Belek hotel for 2 adults, 1 child, 1 infant; pickup, luggage, currency and coupon vary a little."""
    body: dict[str, Any] = {
        "origin": targets["origin"],
        "destination": targets["destination"],
        "pickup_at": pickup_time(rng).isoformat(),
        **PARTY,
        "luggage": rng.randint(2, min(4, targets["max_luggage"])),
        "extras": [{"code": code, "quantity": 1} for code in targets["extras"]],
        "currency": targets["currencies"][number % len(targets["currencies"])],
    }
    # Every other traveller types a coupon code, as on the booking page; it costs one more query.
    if targets["coupon"] and number % 2:
        body["coupon"] = targets["coupon"]
    return body


def booking_body(targets: dict[str, Any], rng: random.Random, run_id: str) -> dict[str, Any]:
    """A cash transfer booking with a unique lead traveller, phone, flight and passengers."""
    number = next(_sequence)
    pickup = pickup_time(rng)
    family = FAMILY_NAMES[number % len(FAMILY_NAMES)]
    # The flight lands 20–60 minutes before the pickup, as a driver would be booked.
    landing = pickup - dt.timedelta(minutes=rng.randrange(20, 65, 5))
    return {
        "origin": targets["origin"],
        "destination": targets["destination"],
        "pickup_at": pickup.isoformat(),
        **PARTY,
        "luggage": rng.randint(2, min(4, targets["max_luggage"])),
        "vehicle_class": targets["vehicle_class"],
        "extras": [{"code": code, "quantity": 1} for code in targets["extras"]],
        "contact": {
            "name": f"Anna {family}",
            "email": f"bench-{run_id}-{number}@example.com",
            "phone": f"+90 532 {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        },
        "passengers": [
            {"first_name": first, "last_name": family, "category": category} for first, category in PASSENGER_NAMES
        ],
        "flight": {
            "number": f"{rng.choice(AIRLINES)}{rng.randint(100, 9999)}",
            "arrival_at": landing.isoformat(),
        },
        "notes": f"Bench booking {number}",
        "language": "en",
        "payment_method": "cash",
    }
