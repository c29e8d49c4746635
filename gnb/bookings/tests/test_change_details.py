"""Changing a booking's details: contact, names, notes, flights, pickup points; never its price."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from gnb.bookings.models import Booking, BookingEvent
from gnb.bookings.services import (
    Actor,
    FlightInput,
    LegDetails,
    PassengerInput,
    booking_cancel,
    booking_update_details,
)
from gnb.core.errors import InvalidTransition, ValidationFailed
from gnb.testing.api import assert_error
from gnb.testing.bookings import place_tour, place_transfer, transfer_request

STAFF = Actor("dispatcher")


def patch(client, booking: Booking, body: dict, token: str | None = None):
    return client.patch(
        f"/api/v1/bookings/{booking.reference}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-Manage-Token": booking.manage_token if token is None else token},
    )


def test_a_traveller_corrects_phone_flight_and_a_name_and_the_history_says_what_changed(client, catalog):
    booking = place_transfer()
    pickup = booking.legs.get().pickup_at.astimezone(catalog.ayt.tzinfo).replace(tzinfo=None)
    response = patch(
        client,
        booking,
        {
            "contact": {"name": "Anna Smith", "email": "anna@example.com", "phone": "+90 532 123 45 67"},
            "flight": {"number": "pc 1234", "arrival_at": pickup.isoformat()},
            "passengers": [
                {"first_name": "Anna", "last_name": "Smith", "category": "adult"},
                {"first_name": "Johnny", "last_name": "Smith", "category": "adult"},
            ],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["contact"]["phone"] == "+905321234567"
    assert body["legs"][0]["flight_number"] == "PC1234"
    assert [p["first_name"] for p in body["passengers"]] == ["Anna", "Johnny"]
    assert body["total"] == "40.00"  # the price stays as sold
    event = booking.events.get(kind=BookingEvent.Kind.CHANGED)
    assert event.actor_label == "traveller"
    assert event.details == {
        "changes": {
            "contact.phone": ["+447911123456", "+905321234567"],
            "flight.number": ["TK2412", "PC1234"],
            "flight.arrival_at": [
                timezone.localtime(booking.legs.get().pickup_at - dt.timedelta(minutes=30)).isoformat(),
                pickup.replace(tzinfo=catalog.ayt.tzinfo).isoformat(),
            ],
            "passengers.1": ["John Smith", "Johnny Smith"],
        }
    }


def test_the_same_landing_time_given_in_another_time_zone_is_no_change(catalog):
    booking = place_transfer()
    landing = booking.legs.get().flight_arrival_at
    booking_update_details(
        booking_id=booking.pk,
        actor=STAFF,
        legs={1: LegDetails(flight=FlightInput("TK2412", landing.astimezone(catalog.ayt.tzinfo).replace(tzinfo=None)))},
    )
    assert not booking.events.filter(kind=BookingEvent.Kind.CHANGED).exists()


def test_bad_details_name_the_field_and_change_nothing(client, catalog):
    booking = place_transfer()
    response = patch(client, booking, {"contact": {"name": "", "email": "anna@", "phone": "12"}, "notes": "Late"})
    assert_error(response, 422, "validation_error", ["contact.name", "contact.email", "contact.phone"])
    booking.refresh_from_db()
    assert (booking.lead_email, booking.notes) == ("anna@example.com", "")
    assert not booking.events.filter(kind=BookingEvent.Kind.CHANGED).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("null", "body"),
        ("[]", "body"),
        ('"Late"', "body"),
        ('{"flight": 5}', "flight"),
        ('{"return_flight": []}', "return_flight"),
        ('{"contact": "Anna"}', "contact"),
    ],
)
def test_a_change_that_is_not_an_object_is_a_422_and_changes_nothing(client, catalog, body, field):
    # Ninja's Schema reads fields as attributes of whatever it is given: `{"flight": 5}` used to pass as a flight
    # with no number and no landing time.
    booking = place_transfer()
    response = client.patch(
        f"/api/v1/bookings/{booking.reference}",
        data=body,
        content_type="application/json",
        headers={"X-Manage-Token": booking.manage_token},
    )
    assert_error(response, 422, "validation_error", [field])
    assert booking.legs.get().flight_number == "TK2412"
    assert not booking.events.filter(kind=BookingEvent.Kind.CHANGED).exists()


def test_passengers_keep_their_order_and_categories(catalog):
    booking = place_transfer(
        transfer_request(adults=1, children=1),
        passengers=[
            PassengerInput("Anna", "Smith", "adult"),
            PassengerInput("Tom", "Smith", "child"),
        ],
    )
    with pytest.raises(ValidationFailed) as excinfo:
        booking_update_details(
            booking_id=booking.pk,
            actor=STAFF,
            passengers=[PassengerInput("Tom", "Smith", "child"), PassengerInput("Anna", "Smith", "adult")],
        )
    assert [field for field, _message in excinfo.value.errors] == ["passengers"]


def test_sending_the_same_details_records_nothing(client, catalog):
    booking = place_transfer()
    response = patch(
        client,
        booking,
        {"notes": "", "contact": {"name": "Anna Smith", "email": "ANNA@example.com", "phone": "+44 7911 123456"}},
    )
    assert response.status_code == 200, response.content
    assert not booking.events.filter(kind=BookingEvent.Kind.CHANGED).exists()


def test_close_to_the_start_only_staff_may_change_details(catalog, settings):
    booking = place_transfer()
    late = booking.starts_at - dt.timedelta(minutes=settings.GNB_MIN_LEAD_MINUTES - 1)
    with pytest.raises(InvalidTransition):
        booking_update_details(booking_id=booking.pk, actor=Actor("traveller"), by_traveller=True, notes="x", now=late)
    booking_update_details(
        booking_id=booking.pk,
        actor=STAFF,
        notes="Traveller called: two extra bags",
        legs={1: LegDetails(pickup_point="Arrivals hall, door 3")},
        now=late,
    )
    booking.refresh_from_db()
    assert booking.notes == "Traveller called: two extra bags"
    assert booking.legs.get().pickup_point == "Arrivals hall, door 3"
    assert booking.events.get(kind=BookingEvent.Kind.CHANGED).created_at == late


def test_a_cancelled_booking_cannot_be_changed(client, catalog):
    booking = place_transfer()
    booking_cancel(booking_id=booking.pk, actor=STAFF, reason="Duplicate")
    assert_error(patch(client, booking, {"notes": "hello"}), 409, "invalid_transition", ["status"])


def test_a_tour_pickup_point_changes_on_the_booking(client, catalog):
    booking = place_tour(catalog.departure, adults=1, passengers=[PassengerInput("Anna", "Smith", "adult")])
    response = patch(client, booking, {"pickup_point": "Regnum Carya, main gate"})
    assert response.status_code == 200, response.content
    assert response.json()["pickup_point"] == "Regnum Carya, main gate"
    assert response.json()["total"] == "45.00"


def test_a_ride_the_booking_does_not_have_is_refused(catalog):
    booking = place_transfer()
    with pytest.raises(ValidationFailed) as excinfo:
        booking_update_details(booking_id=booking.pk, actor=STAFF, legs={2: LegDetails(pickup_point="Lobby")})
    assert excinfo.value.errors[0][0] == "legs.2"


def test_the_wrong_token_cannot_change_a_booking(client, catalog):
    booking = place_transfer()
    assert_error(patch(client, booking, {"notes": "mine now"}, token="guess"), 404, "not_found", ["reference"])
    booking.refresh_from_db()
    assert booking.notes == ""
