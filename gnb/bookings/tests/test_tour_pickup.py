"""A tour picks travellers up at a place in its pickup zones, at the time its zone is collected: the booking
services own the rule, so the website, the API and the back office refuse a pickup elsewhere alike."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from gnb.bookings.models import Booking
from gnb.bookings.services import SYSTEM, booking_update_details
from gnb.catalog.models import Place, Tour, TourDeparture
from gnb.core.errors import ValidationFailed
from gnb.testing.api import assert_error, post, tour_body
from gnb.testing.bookings import place_tour, place_transfer
from gnb.testing.catalog import kas_centre

pytestmark = pytest.mark.django_db


@pytest.fixture
def kas(catalog) -> Place:
    return kas_centre()


def errors_of(caught: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return dict(caught.value.errors)


# --- placing ------------------------------------------------------------------------------------------------
def test_a_tour_booking_keeps_its_hotel_and_the_pickup_time_of_its_zone(catalog):
    belek = place_tour(catalog.departure, pickup_place="regnum-carya", pickup_point="lobby")
    lara = place_tour(catalog.departure, pickup_place="titanic-lara")

    assert (belek.pickup_place, belek.pickup_point) == (catalog.belek_hotel, "lobby")
    assert belek.pickup_at == catalog.departure.starts_at - dt.timedelta(minutes=45)
    assert lara.pickup_at == catalog.departure.starts_at - dt.timedelta(minutes=30)
    assert belek.starts_at == catalog.departure.starts_at  # policies still count from the departure
    assert belek.tour_pickup_text == "Regnum Carya · lobby"


def test_a_pickup_outside_the_tours_zones_is_refused_naming_the_zones(catalog, kas):
    with pytest.raises(ValidationFailed) as caught:
        place_tour(catalog.departure, pickup_place="kas-centre")
    assert errors_of(caught) == {
        "pickup_place": "Kaş centre is outside this tour's pickup area; choose a hotel in Belek, Lara."
    }
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("", "Choose your hotel or pickup place (in Belek, Lara)."),
        ("no-such-hotel", "Unknown place “no-such-hotel”."),
    ],
)
def test_a_tour_booking_needs_a_known_pickup_place(catalog, slug, message):
    with pytest.raises(ValidationFailed) as caught:
        place_tour(catalog.departure, pickup_place=slug)
    assert errors_of(caught) == {"pickup_place": message}


def test_a_tour_without_pickup_zones_starts_at_its_meeting_point(catalog):
    tour = Tour.objects.create(
        slug="boat-trip",
        name="Boat trip",
        summary="From the harbour",
        description="Meet at the harbour.",
        duration_minutes=240,
        adult_price=Decimal("20.00"),
        child_price=Decimal("10.00"),
        infant_price=Decimal("0.00"),
    )
    departure = TourDeparture.objects.create(tour=tour, starts_at=catalog.departure.starts_at, capacity=10)

    booking = place_tour(departure, pickup_place="")
    assert (booking.pickup_place, booking.pickup_at) == (None, None)
    with pytest.raises(ValidationFailed) as caught:
        place_tour(departure, pickup_place="regnum-carya")
    assert errors_of(caught) == {"pickup_place": "This tour has no hotel pickup; it starts at its meeting point."}


def test_the_database_keeps_a_pickup_place_off_transfers(catalog):
    booking = place_transfer()
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(pickup_place=catalog.belek_hotel)


# --- changing the hotel -------------------------------------------------------------------------------------
def test_changing_the_hotel_moves_the_pickup_time_with_its_zone(catalog, kas):
    booking = place_tour(catalog.departure, pickup_place="regnum-carya")

    with pytest.raises(ValidationFailed) as caught:
        booking_update_details(booking_id=booking.pk, actor=SYSTEM, tour_pickup_place="kas-centre")
    assert set(errors_of(caught)) == {"pickup_place"}

    booking_update_details(booking_id=booking.pk, actor=SYSTEM, tour_pickup_place="titanic-lara")
    booking.refresh_from_db()
    assert (booking.pickup_place, booking.pickup_at) == (
        catalog.lara_hotel,
        catalog.departure.starts_at - dt.timedelta(minutes=30),
    )
    event = booking.events.filter(kind="changed").get()
    assert event.details == {"changes": {"pickup_place": ["regnum-carya", "titanic-lara"]}}


# --- the API ------------------------------------------------------------------------------------------------
def test_the_api_refuses_a_pickup_outside_the_tours_zones(client, catalog, kas):
    body = tour_body(catalog.departure.pk, pickup_place="kas-centre", pickup_point="Kaş centre (200 km away)")
    assert_error(post(client, "/api/v1/tour-bookings", body), 422, "validation_error", ["pickup_place"])
    assert not Booking.objects.exists()


def test_an_api_tour_booking_without_a_pickup_place_is_refused(client, catalog):
    body = tour_body(catalog.departure.pk)
    del body["pickup_place"]
    assert_error(post(client, "/api/v1/tour-bookings", body), 422, "validation_error", ["pickup_place"])


def test_the_api_gives_back_the_pickup_place_and_time(client, catalog):
    response = post(client, "/api/v1/tour-bookings", tour_body(catalog.departure.pk, pickup_place="titanic-lara"))
    assert response.status_code == 201, response.content
    tour = response.json()["tour"]
    assert tour["pickup_place"] == {"slug": "titanic-lara", "name": "Titanic Beach Lara"}
    pickup = dt.datetime.fromisoformat(tour["pickup_at"])
    assert pickup == catalog.departure.starts_at - dt.timedelta(minutes=30)
    assert pickup.utcoffset() == dt.timedelta(hours=3)  # the wall clock of the coast


def test_the_place_search_narrows_to_a_tours_pickup_zones(client, catalog, kas):
    everywhere = {p["slug"] for p in client.get("/api/v1/places").json()}
    on_the_tour = {p["slug"] for p in client.get("/api/v1/places?tour=perge-aspendos").json()}
    assert "kas-centre" in everywhere
    assert on_the_tour == {"regnum-carya", "titanic-lara"}


def test_the_back_office_booking_page_shows_the_tours_pickup(admin_client, catalog):
    booking = place_tour(catalog.departure, pickup_place="regnum-carya", pickup_point="lobby")
    page = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    when = timezone.localtime(booking.pickup_at).strftime("%Y-%m-%d %H:%M")
    assert f"{when} · Regnum Carya · lobby" in page


def test_the_api_moves_a_tour_booking_to_another_hotel_within_the_zones(client, catalog, kas):
    booking = place_tour(catalog.departure, pickup_place="regnum-carya")
    url, headers = f"/api/v1/bookings/{booking.reference}", {"X-Manage-Token": booking.manage_token}

    def patch(body: dict):
        return client.patch(url, data=json.dumps(body), content_type="application/json", headers=headers)

    assert_error(patch({"pickup_place": "kas-centre"}), 422, "validation_error", ["pickup_place"])
    moved = patch({"pickup_place": "titanic-lara"})
    assert moved.status_code == 200, moved.content
    tour = moved.json()["tour"]
    assert tour["pickup_place"]["slug"] == "titanic-lara"
    assert dt.datetime.fromisoformat(tour["pickup_at"]) == catalog.departure.starts_at - dt.timedelta(minutes=30)
