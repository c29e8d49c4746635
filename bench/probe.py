"""Runs inside the benchmark's Django environment (production settings, the bench database).

``probe.py targets``: find in the loaded catalogue what the load needs (AYT, a Belek hotel, a vehicle class that
fits the party, extras, a coupon, currencies) and print it as JSON.
``probe.py queries TARGETS_JSON``: count the SQL queries of one quote, one booking and one booking read, through
the whole request stack (middleware included), and print them as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(2)


def targets() -> dict[str, object]:
    import random

    from django.db.models import Q
    from django.utils import timezone

    from gnb.bookings.quotes import ExtraRequest, TransferQuoteRequest, currency_rates, transfer_quote
    from gnb.catalog.models import Coupon, Extra, Place
    from gnb.core.errors import ValidationFailed

    origin = Place.objects.filter(iata_code="AYT", is_active=True).first()
    if origin is None:
        _fail("The loaded catalogue has no active place with IATA code AYT.")
    hotels = Place.objects.filter(kind=Place.Kind.HOTEL, is_active=True).filter(
        Q(zone__code__icontains="belek") | Q(zone__name__icontains="belek")
    )
    extras = []
    # One extra of each pricing kind (a child seat per unit, a meet & greet per booking), when the catalogue has them.
    for pricing in (Extra.Pricing.PER_UNIT, Extra.Pricing.PER_BOOKING):
        extra = Extra.objects.filter(is_active=True, pricing=pricing).order_by("sort_order", "code").first()
        if extra is not None:
            extras.append(extra.code)
    now = timezone.now()
    # For quotes only (a quote does not use a coupon up), so limits on uses do not matter here.
    coupon = (
        Coupon.objects.filter(
            is_active=True,
            applies_to__in=[Coupon.AppliesTo.ALL, Coupon.AppliesTo.TRANSFERS],
            valid_from__lte=now,
            valid_until__gt=now + dt.timedelta(days=1),
        )
        .order_by("code")
        .first()
    )
    sys.path.insert(0, str(ROOT / "bench"))
    import bodies

    pickup = bodies.pickup_time(random.Random(1))
    for hotel in hotels.order_by("-is_popular", "name"):
        request = TransferQuoteRequest(
            origin=origin.slug,
            destination=hotel.slug,
            pickup_at=pickup,
            adults=2,
            children=1,
            infants=1,
            luggage=3,
            extras=tuple(ExtraRequest(code, 1) for code in extras),
            coupon=coupon.code if coupon else None,
        )
        try:
            quote = transfer_quote(request)
        except ValidationFailed:
            continue  # e.g. a Belek hotel with no fare from the airport zone yet
        if quote.options:
            # The smallest class that fits (what a family of four books), whatever order the quote lists them in.
            vehicle = min((option.vehicle for option in quote.options), key=lambda v: (v.max_passengers, v.code))
            return {
                "origin": origin.slug,
                "destination": hotel.slug,
                "destination_name": hotel.name,
                "vehicle_class": vehicle.code,
                "max_luggage": vehicle.max_luggage,
                "options": len(quote.options),
                "extras": extras,
                "coupon": coupon.code if coupon else None,
                "currencies": sorted(currency_rates()),
            }
    _fail("No active Belek hotel in the loaded catalogue can be quoted from AYT for 2 adults, 1 child, 1 infant.")
    raise AssertionError  # unreachable: _fail exits


def queries(target_json: str) -> dict[str, object]:
    """SQL statements per request, measured on the second call of each kind (the first fills per-process caches)."""
    import random

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    sys.path.insert(0, str(ROOT / "bench"))
    import bodies

    data = json.loads(target_json)
    rng = random.Random(7)
    client = Client(HTTP_HOST="127.0.0.1")
    results: dict[str, object] = {}

    def measure(name: str, call) -> object:
        call()
        with CaptureQueriesContext(connection) as captured:
            response = call()
        if not 200 <= response.status_code < 300:
            _fail(f"{name} answered {response.status_code}: {response.content[:500]!r}")
        results[name] = {
            "queries": len(captured),
            "statements": [" ".join(q["sql"].split())[:160] for q in captured.captured_queries],
        }
        return response

    measure(
        "POST /api/v1/quotes",
        lambda: client.post("/api/v1/quotes", bodies.quote_body(data, rng, 1), content_type="application/json"),
    )
    created = measure(
        "POST /api/v1/bookings",
        lambda: client.post(
            "/api/v1/bookings", bodies.booking_body(data, rng, "probe"), content_type="application/json"
        ),
    ).json()
    measure(
        "GET /api/v1/bookings/{reference}",
        lambda: client.get(f"/api/v1/bookings/{created['reference']}", HTTP_X_MANAGE_TOKEN=created["manage_token"]),
    )
    return results


def main() -> None:
    import django

    django.setup()
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "targets":
        print(json.dumps(targets()))
    elif command == "queries" and len(sys.argv) == 3:
        print(json.dumps(queries(sys.argv[2])))
    else:
        _fail("usage: probe.py targets | probe.py queries TARGETS_JSON")


if __name__ == "__main__":
    main()
