"""The migration that gives a tour's pickup zones their pickup times keeps every tour's zones."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("catalog", "0002_extra_party_category")]
AFTER = [("catalog", "0003_tour_pickup_times_and_photos")]


@pytest.mark.django_db(transaction=True)
def test_existing_tours_keep_their_pickup_zones_with_no_offset_yet():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Zone, Tour = old.get_model("catalog", "Zone"), old.get_model("catalog", "Tour")
    belek, lara, side = (Zone.objects.create(code=code, name=code) for code in ("belek", "lara", "side"))
    prices = {"adult_price": Decimal("45.00"), "child_price": Decimal("25.00"), "infant_price": Decimal("0.00")}
    perge = Tour.objects.create(slug="perge", name="Perge", summary="", description="", duration_minutes=480, **prices)
    boat = Tour.objects.create(slug="boat", name="Boat", summary="", description="", duration_minutes=240, **prices)
    perge.pickup_zones.set([belek, lara])
    boat.pickup_zones.set([side])

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = new.get_model("catalog", "TourPickupZone").objects.order_by("tour__slug", "zone__code")
    assert [(r.tour.slug, r.zone.code, r.minutes_before_departure) for r in rows] == [
        ("boat", "side", 0),
        ("perge", "belek", 0),
        ("perge", "lara", 0),
    ]

    # Back to the present for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
