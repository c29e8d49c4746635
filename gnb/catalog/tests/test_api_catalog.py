"""/api/v1/ catalogue reads: places, vehicle classes, extras, currencies, tours and departures with seats left."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from gnb.bookings.services import Actor, booking_cancel
from gnb.catalog.models import Currency, Place, TourDeparture
from gnb.testing.api import assert_error
from gnb.testing.bookings import place_tour

ISTANBUL = zoneinfo.ZoneInfo("Europe/Istanbul")


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()]


# --- places -----------------------------------------------------------------------------------------------
def test_place_search_finds_by_name_or_iata_code_with_airports_first(client, catalog):
    assert slugs(client.get("/api/v1/places")) == ["ayt", "regnum-carya", "titanic-lara"]
    assert slugs(client.get("/api/v1/places?q=lara")) == ["titanic-lara"]
    assert slugs(client.get("/api/v1/places?q=ayt")) == ["ayt"]
    assert slugs(client.get("/api/v1/places?kind=hotel")) == ["regnum-carya", "titanic-lara"]
    assert slugs(client.get("/api/v1/places?kind=hotel&limit=1")) == ["regnum-carya"]
    assert slugs(client.get("/api/v1/places?q=atlantis")) == []


def test_place_search_matches_a_name_in_any_language(client, catalog):
    catalog.ayt.name_tr = "Antalya Havalimanı"
    catalog.ayt.save()
    # The page may be in English while the traveller types the Turkish name.
    assert slugs(client.get("/api/v1/places?q=havalimanı")) == ["ayt"]
    assert slugs(client.get("/api/v1/places?q=havalimanı", headers={"Accept-Language": "de"})) == ["ayt"]


def test_place_search_shows_popular_places_first_and_hides_inactive_ones(client, catalog):
    Place.objects.filter(slug="titanic-lara").update(is_popular=True)
    assert slugs(client.get("/api/v1/places?kind=hotel")) == ["titanic-lara", "regnum-carya"]
    Place.objects.filter(slug="titanic-lara").update(is_active=False)
    assert slugs(client.get("/api/v1/places?kind=hotel")) == ["regnum-carya"]


def test_a_place_comes_with_its_zone_and_time_zone(client, catalog):
    assert client.get("/api/v1/places?q=AYT").json() == [
        {
            "slug": "ayt",
            "kind": "airport",
            "name": "Antalya Airport",
            "iata_code": "AYT",
            "zone": {"code": "antalya-airport", "name": "Antalya Airport"},
            "latitude": "36.898700",
            "longitude": "30.800500",
            "time_zone": "Europe/Istanbul",
        }
    ]


def test_names_follow_the_language_of_the_request(client, catalog):
    response = client.get("/api/v1/places?q=ayt", headers={"Accept-Language": "tr"})
    assert response.json()[0]["zone"]["name"] == "Antalya Havalimanı"
    assert response.json()[0]["name"] == "Antalya Airport"  # no Turkish name yet: falls back to English


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=many", "limit"), ("kind=boat", "kind"), ("q=a%00b", "q"), ("q=" + "x" * 101, "q")],
)
def test_a_bad_place_search_is_a_422_naming_the_parameter(client, catalog, query, field):
    assert_error(client.get(f"/api/v1/places?{query}"), 422, "validation_error", [field])


# --- vehicle classes, extras, currencies ------------------------------------------------------------------
def test_vehicle_classes_in_their_sort_order(client, catalog):
    catalog.minivan.included = "Wi-Fi\n\nWater\n"
    catalog.minivan.save()
    response = client.get("/api/v1/vehicle-classes")
    assert response.status_code == 200
    body = response.json()
    assert [(v["code"], v["max_passengers"], v["max_luggage"]) for v in body] == [
        ("sedan", 3, 3),
        ("minivan", 7, 7),
        ("minibus", 16, 16),
    ]
    assert body[1] == {
        "code": "minivan",
        "name": "Minivan",
        "description": "",
        "included": ["Wi-Fi", "Water"],
        "max_passengers": 7,
        "max_luggage": 7,
    }


def test_extras_with_their_prices_in_euros(client, catalog):
    assert client.get("/api/v1/extras").json() == [
        {
            "code": "child_seat",
            "name": "Child seat",
            "description": "",
            "price": "5.00",
            "pricing": "per_unit",
            "max_quantity": 3,
            "for_party": "",
        },
        {
            "code": "meet_greet",
            "name": "Meet & greet",
            "description": "",
            "price": "15.00",
            "pricing": "per_booking",
            "max_quantity": 1,
            "for_party": "",
        },
    ]


def test_currencies_are_the_active_ones_with_their_rates(client, catalog):
    Currency.objects.create(code="TRY", name="Turkish lira", symbol="₺", rate=Decimal("36.500000"), is_active=False)
    assert client.get("/api/v1/currencies").json() == [
        {"code": "EUR", "name": "Euro", "symbol": "€", "rate": "1.000000"},
        {"code": "GBP", "name": "Pound sterling", "symbol": "£", "rate": "0.850000"},
    ]


# --- tours and departures ---------------------------------------------------------------------------------
def test_tours_list_and_detail(client, catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        listed = client.get("/api/v1/tours").json()
    detail = client.get("/api/v1/tours/perge-aspendos").json()
    assert listed == [detail]
    assert detail == {
        "slug": "perge-aspendos",
        "name": "Perge & Aspendos",
        "summary": "Two ancient cities in a day",
        "description": "Ancient theatre and city.",
        "itinerary": ["Perge", "Aspendos"],
        "included": ["Guide", "Lunch"],
        "duration_minutes": 480,
        "adult_price": "45.00",
        "child_price": "25.00",
        "infant_price": "0.00",
        "booking_cutoff_hours": 12,
        "pickup_zones": [{"code": "belek", "name": "Belek"}, {"code": "lara", "name": "Lara"}],
        "pickup_times": [
            {"zone": {"code": "belek", "name": "Belek"}, "minutes_before_departure": 45},
            {"zone": {"code": "lara", "name": "Lara"}, "minutes_before_departure": 30},
        ],
    }


@pytest.mark.parametrize("slug", ["no-such-tour", "perge%00", "perge aspendos"])
def test_an_unknown_tour_is_a_404(client, catalog, slug):
    assert_error(client.get(f"/api/v1/tours/{slug}"), 404, "not_found", ["slug"])
    assert_error(client.get(f"/api/v1/tours/{slug}/departures"), 404, "not_found", ["slug"])


def test_departures_show_seats_left_from_live_bookings(client, catalog):
    departure = catalog.departure
    [listed] = client.get("/api/v1/tours/perge-aspendos/departures").json()
    assert listed == {
        "id": departure.pk,
        "starts_at": timezone.localtime(departure.starts_at).isoformat(),  # Istanbul wall-clock time, +03:00
        "capacity": 20,
        "seats_left": 20,
        "sold_out": False,
    }
    place_tour(departure, adults=2, children=1, infants=1)
    cancelled = place_tour(departure, adults=3)
    booking_cancel(booking_id=cancelled.pk, actor=Actor("manager"), reason="Illness")
    [listed] = client.get("/api/v1/tours/perge-aspendos/departures").json()
    assert (listed["seats_left"], listed["sold_out"]) == (16, False)
    place_tour(departure, adults=16)
    [listed] = client.get("/api/v1/tours/perge-aspendos/departures").json()
    assert (listed["seats_left"], listed["sold_out"]) == (0, True)


def test_departures_closed_for_booking_are_not_listed(client, catalog):
    now = timezone.now()
    TourDeparture.objects.create(tour=catalog.tour, starts_at=now + dt.timedelta(hours=11), capacity=10)
    TourDeparture.objects.create(tour=catalog.tour, starts_at=now + dt.timedelta(days=3), capacity=10, is_active=False)
    later = TourDeparture.objects.create(tour=catalog.tour, starts_at=now + dt.timedelta(days=12), capacity=10)
    ids = [d["id"] for d in client.get("/api/v1/tours/perge-aspendos/departures").json()]
    assert ids == [catalog.departure.pk, later.pk]


def test_departures_between_dates_given_in_local_or_any_time(client, catalog):
    first = catalog.departure
    second = TourDeparture.objects.create(
        tour=catalog.tour, starts_at=first.starts_at + dt.timedelta(days=7), capacity=10
    )
    local_start = second.starts_at.astimezone(ISTANBUL).replace(tzinfo=None)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/tours/perge-aspendos/departures?{query}")
        assert response.status_code == 200, response.content
        return [d["id"] for d in response.json()]

    assert ids(f"from={local_start.isoformat()}") == [second.pk]
    assert ids(f"to={local_start.isoformat()}") == [first.pk]
    utc_start = second.starts_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"from={utc_start}") == [second.pk]
    assert ids(f"from={utc_start}&to={utc_start}") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=someday", "from"),
        ("to=2030-13-01", "to"),
        ("from=0001-01-01T00:00:00", "from"),
        # A number is not a time (it would be read as seconds since 1970 and silently filter everything out).
        ("to=0.5", "to"),
        ("from=1781000000", "from"),
    ],
)
def test_a_bad_departure_filter_is_a_422_naming_it(client, catalog, query, field):
    assert_error(client.get(f"/api/v1/tours/perge-aspendos/departures?{query}"), 422, "validation_error", [field])
