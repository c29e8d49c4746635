"""The manage link's change page: a traveller corrects a passenger's name within the rules the booking service
sets for every change (the API's too), and the change is recorded in the booking's history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from gnb.bookings.models import Booking, BookingEvent
from gnb.fleet.models import ZoneDriveTime
from gnb.testing.bookings import place_transfer, place_transfer_to_the_airport_in

pytestmark = pytest.mark.django_db


def _change_url(booking: Booking) -> str:
    return reverse("website:manage_change", kwargs={"reference": booking.reference, "token": booking.manage_token})


def _form_data(client, url: str) -> dict[str, str]:
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    for name, value in data.items():
        if hasattr(value, "strftime"):
            data[name] = value.strftime("%Y-%m-%dT%H:%M")
    return data


def test_a_traveller_corrects_a_passengers_name_and_it_is_recorded(client, catalog):
    booking = place_transfer(language="en")
    url = _change_url(booking)
    page = client.get(url)
    assert page.status_code == 200
    data = _form_data(client, url)
    assert (data["p0_first_name"], data["p0_last_name"], data["p1_first_name"]) == ("Anna", "Smith", "John")
    response = client.post(url, data | {"p1_first_name": "Jon", "p1_last_name": "Smyth"})
    assert response.status_code == 302, response.context["form"].errors
    assert [(p.first_name, p.last_name) for p in booking.passengers.all()] == [("Anna", "Smith"), ("Jon", "Smyth")]
    event = BookingEvent.objects.get(booking=booking, kind="changed")
    assert event.actor is None and event.actor_label == "traveller"
    assert event.details["changes"] == {"passengers.1": ["John Smith", "Jon Smyth"]}


def test_an_empty_name_is_refused_next_to_its_field(client, catalog):
    booking = place_transfer(language="en")
    url = _change_url(booking)
    response = client.post(url, _form_data(client, url) | {"p0_last_name": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors == {"p0_last_name": ["This field is required."]}
    assert booking.passengers.first().last_name == "Smith"


def test_names_follow_the_change_deadline_of_the_service(client, catalog, settings):
    settings.GNB_MIN_LEAD_MINUTES = 180
    booking = place_transfer_to_the_airport_in(hours=5)
    url = _change_url(booking)
    data = _form_data(client, url)
    with time_machine.travel(booking.starts_at - dt.timedelta(hours=2)):
        response = client.post(url, data | {"p0_first_name": "Anne"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "It is too close to the start to change this online; please call us."
    ]
    assert booking.passengers.get().first_name == "Anna"
    assert not BookingEvent.objects.filter(booking=booking, kind="changed").exists()


def test_a_traveller_gives_a_drop_offs_departure_flight_within_the_booking_rules(client, catalog):
    ZoneDriveTime.objects.create(origin=catalog.ayt.zone, destination=catalog.belek, minutes=42)
    booking = place_transfer_to_the_airport_in(hours=48)
    leg = booking.legs.get()
    pickup = timezone.localtime(leg.pickup_at, leg.origin.tzinfo).replace(tzinfo=None)
    url = _change_url(booking)
    form = client.get(url).context["form"]
    assert form.fields["leg_1_flight_number"].label == "Departure flight number"
    data = _form_data(client, url)
    departs = pickup + dt.timedelta(hours=3)
    response = client.post(
        url, data | {"leg_1_flight_number": "pc 2010", "leg_1_flight_departure": departs.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302, response.context["form"].errors
    leg.refresh_from_db()
    assert leg.flight_number == "PC2010"
    assert leg.flight_departure_at == departs.replace(tzinfo=leg.destination.tzinfo)
    event = BookingEvent.objects.get(booking=booking, kind="changed")
    assert "flight.departure_at" in str(event.details)
    # The shown departure is the one kept; a flight the pickup cannot reach is refused by the same rule as booking.
    assert client.get(url).context["form"]["leg_1_flight_departure"].value() == departs
    too_soon = pickup + dt.timedelta(minutes=30)
    refused = client.post(url, data | {"leg_1_flight_departure": too_soon.strftime("%Y-%m-%dT%H:%M")})
    assert refused.status_code == 200
    latest = (pickup - dt.timedelta(minutes=12)).strftime("%H:%M")
    assert refused.context["form"].errors["leg_1_flight_departure"] == [
        f"The flight departs at {too_soon:%H:%M}: a pickup at {pickup:%H:%M} does not reach the airport in time "
        f"(about 42 minutes' drive). Choose a pickup at {latest} at the latest."
    ]
    leg.refresh_from_db()
    assert leg.flight_departure_at == departs.replace(tzinfo=leg.destination.tzinfo)
