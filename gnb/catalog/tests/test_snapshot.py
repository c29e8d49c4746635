"""The catalogue each process keeps: every write to a catalogue table changes its version in the database, and a
quote never prices from an older catalogue than the last committed change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from gnb.bookings.quotes import transfer_quote
from gnb.catalog import models
from gnb.catalog.snapshot import catalogue, catalogue_token
from gnb.testing.bookings import place_tour, place_transfer, transfer_request

pytestmark = pytest.mark.django_db

# Every catalogue table the version covers, each changed with a queryset update (no save(), no signal).
WRITES = {
    "zone": lambda: models.Zone.objects.update(sort_order=F("sort_order") + 1),
    "place": lambda: models.Place.objects.update(is_popular=True),
    "vehicle class": lambda: models.VehicleClass.objects.update(sort_order=F("sort_order") + 1),
    "fare": lambda: models.Fare.objects.update(price=F("price") + 1),
    "season": lambda: models.Season.objects.create(
        name="August", starts_on=dt.date(2027, 8, 1), ends_on=dt.date(2027, 8, 31), fare_adjustment_percent=20
    ),
    "extra": lambda: models.Extra.objects.update(price=F("price") + 1),
    "tour": lambda: models.Tour.objects.update(adult_price=F("adult_price") + 1),
    "tour pickup zone": lambda: models.TourPickupZone.objects.update(minutes_before_departure=50),
    "tour photo": lambda: models.TourPhoto.objects.create(
        tour=models.Tour.objects.get(), photo=models.TourPhoto._meta.get_field("photo").choices[0][0], alt="Theatre"
    ),
    "coupon": lambda: models.Coupon.objects.update(min_total=Decimal("1.00")),
    "currency": lambda: models.Currency.objects.update(rate=F("rate") * 2),
}


@pytest.mark.parametrize("table", list(WRITES))
def test_every_write_to_a_catalogue_table_changes_the_version(catalog, table):
    before = catalogue_token()
    WRITES[table]()
    after = catalogue_token()
    assert before and after and after != before


def test_bookings_leave_the_catalogue_version_alone(catalog):
    # Bookings must never wait on the version row (it is locked by every catalogue write until its commit), and
    # departures' seats have a version of their own (the tour page's calendar).
    before = catalogue_token()
    place_tour(catalog.departure, adults=2)
    place_transfer()
    assert catalogue_token() == before


def test_a_new_fare_prices_the_next_quote(catalog):
    request = transfer_request()
    assert transfer_quote(request).option_for("sedan").breakdown.total == Decimal("40.00")
    models.Fare.objects.filter(vehicle_class=catalog.sedan, destination_zone=catalog.belek).update(
        price=Decimal("44.00")
    )
    assert transfer_quote(request).option_for("sedan").breakdown.total == Decimal("44.00")


def test_a_change_rolled_back_never_prices_a_quote(catalog):
    request = transfer_request()
    with pytest.raises(RuntimeError), transaction.atomic():
        models.Fare.objects.update(price=Decimal("99.00"))
        # Read inside the transaction that will roll back: this process now keeps that catalogue.
        assert transfer_quote(request).option_for("sedan").breakdown.total == Decimal("99.00")
        raise RuntimeError("rolled back")
    assert transfer_quote(request).option_for("sedan").breakdown.total == Decimal("40.00")


def test_a_quote_reads_only_the_version_when_the_catalogue_is_unchanged(catalog):
    request = transfer_request(coupon="WELCOME10", currency="GBP")
    transfer_quote(request)
    with CaptureQueriesContext(connection) as queries:
        transfer_quote(request)
    assert [q["sql"] for q in queries.captured_queries if "catalog_catalogueversion" not in q["sql"]] == []
    assert len(queries.captured_queries) == 1


def test_a_lost_version_row_is_written_again_with_a_new_token(catalog):
    # A database emptied by a flush has no version row; the catalogue kept under the old token is not served.
    kept = catalogue()
    models.CatalogueVersion.objects.all().delete()
    models.Currency.objects.filter(code="GBP").update(rate=Decimal("0.5"))
    fresh = catalogue()
    assert fresh.token != kept.token and models.CatalogueVersion.objects.get().token == fresh.token
    assert fresh.currency_rates["GBP"] == Decimal("0.5")
