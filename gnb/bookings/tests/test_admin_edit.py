"""Correcting a booking's details in the back office: one page, written through the booking service."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from gnb.bookings import services
from gnb.bookings.models import Booking, BookingEvent
from gnb.bookings.orders import TransferOrder
from gnb.bookings.quotes import TransferQuoteRequest
from gnb.fleet.models import ZoneDriveTime
from gnb.testing.admin import messages_of
from gnb.testing.bookings import place_berg_tour as place_tour
from gnb.testing.bookings import place_sedan_transfer as place_transfer
from gnb.testing.catalog import future_local
from gnb.testing.personas import staff_login

ISTANBUL = zoneinfo.ZoneInfo("Europe/Istanbul")
PHONE_ERROR = "Enter the phone number with its country code, e.g. +90 532 123 45 67."


def edit_url(booking: Booking) -> str:
    return reverse("admin:bookings_booking_edit_details", args=[booking.pk])


def change_url(booking: Booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])


class _FormReader(HTMLParser):
    """The inputs of the details form, as a browser reads them from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._in_form = attributes.get("id") == "booking_details_form"
        elif self._in_form and tag == "input" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""
        elif self._in_form and tag == "textarea":
            self._textarea = attributes["name"]
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea is not None:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def page_form(response) -> dict[str, str]:
    """What the browser sends back when the page is submitted unchanged."""
    assert response.status_code == 200
    reader = _FormReader()
    reader.feed(response.content.decode())
    fields = reader.fields
    # A textarea's first line break is markup the browser drops; every line break is sent as CRLF.
    fields["notes"] = fields["notes"].removeprefix("\n")
    for name in ("notes", "initial-notes"):
        fields[name] = fields[name].replace("\n", "\r\n")
    return fields


def place_round_trip() -> Booking:
    """Airport to hotel and back: the way back starts at the hotel and brings the travellers to their flight."""
    pickup = future_local(days=20)
    return services.booking_place_transfer(
        order=TransferOrder(
            quote_request=TransferQuoteRequest(
                origin="ayt",
                destination="regnum-carya",
                pickup_at=pickup,
                return_pickup_at=pickup + dt.timedelta(days=7),
                adults=2,
            ),
            vehicle_class="sedan",
            contact=services.Contact("Anna Smith", "anna@example.com", "+44 7911 123456"),
            passengers=[
                services.PassengerInput("Anna", "Smith", "adult"),
                services.PassengerInput("John", "Smith", "adult"),
            ],
            flight=services.FlightInput("TK2412", pickup),
            return_pickup_point="Lobby",
        )
    )


def changed_events(booking: Booking):
    return BookingEvent.objects.filter(booking=booking, kind=BookingEvent.Kind.CHANGED)


# --- the page ---------------------------------------------------------------------------------------------
def test_the_change_page_offers_edit_details_while_the_booking_can_change(admin_client, catalog):
    booking = place_transfer(payment_method="card")
    for status in ("pending_payment", "confirmed", "assigned"):
        Booking.objects.filter(pk=booking.pk).update(status=status)
        assert f'href="{edit_url(booking)}"' in admin_client.get(change_url(booking)).content.decode(), status
    for status in ("on_the_way", "completed", "cancelled"):
        Booking.objects.filter(pk=booking.pk).update(status=status)
        assert edit_url(booking) not in admin_client.get(change_url(booking)).content.decode(), status


def test_the_page_shows_the_current_details(admin_client, catalog):
    booking = place_transfer()
    leg = booking.legs.get()
    response = admin_client.get(edit_url(booking))
    assert response.status_code == 200
    form = response.context["form"]
    assert [name for name in form.fields if not name.startswith("passengers-")] == [
        "lead_name",
        "lead_email",
        "lead_phone",
        "notes",
        "flight_number",
        "flight_arrival_at",
        "pickup_point",
    ]
    arrival = leg.flight_arrival_at.astimezone(ISTANBUL)
    fields = page_form(response)
    assert {name: value for name, value in fields.items() if not name.startswith(("initial-", "csrf"))} == {
        "lead_name": "Anna Smith",
        "lead_email": "anna@example.com",
        "lead_phone": "+447911123456",
        "notes": "",
        "flight_number": "TK2412",
        "flight_arrival_at_0": arrival.strftime("%Y-%m-%d"),
        "flight_arrival_at_1": arrival.strftime("%H:%M:%S"),
        "pickup_point": "",
        "passengers-0-first_name": "Anna",
        "passengers-0-last_name": "Smith",
        "passengers-1-first_name": "John",
        "passengers-1-last_name": "Smith",
    }
    # The category is shown, in the booking's order, and cannot be changed here.
    assert [(p.position, p.get_category_display()) for p, _first, _last in form.passenger_rows()] == [
        (1, "Adult"),
        (2, "Adult"),
    ]
    assert "passengers-0-category" not in fields
    assert "Outbound: Antalya Airport (AYT) → Regnum Carya, pickup " in response.content.decode()


def test_a_ride_from_an_airport_asks_its_landing_and_one_to_an_airport_its_departure(admin_client, catalog):
    booking = place_round_trip()
    form = admin_client.get(edit_url(booking)).context["form"]
    assert [name for name in form.fields if "flight" in name or "pickup" in name] == [
        "flight_number",
        "flight_arrival_at",
        "pickup_point",
        "return_flight_number",
        "return_flight_departure_at",
        "return_pickup_point",
    ]
    assert form.fields["return_flight_number"].label == "Departure flight number"
    data = page_form(admin_client.get(edit_url(booking)))
    data["return_pickup_point"] = "Main gate"
    assert admin_client.post(edit_url(booking), data).status_code == 302
    assert changed_events(booking).get().details == {"changes": {"return_pickup_point": ["Lobby", "Main gate"]}}
    assert booking.legs.get(sequence=2).pickup_point == "Main gate"


def test_staff_give_a_drop_offs_departure_flight_within_the_booking_rules(admin_client, catalog):
    ZoneDriveTime.objects.create(origin=catalog.ayt.zone, destination=catalog.belek, minutes=42)
    booking = place_round_trip()
    back = booking.legs.get(sequence=2)
    pickup = back.pickup_at.astimezone(ISTANBUL)
    departs = pickup + dt.timedelta(hours=3)
    data = page_form(admin_client.get(edit_url(booking)))
    data.update(
        {
            "return_flight_number": "pc 2011",
            "return_flight_departure_at_0": departs.strftime("%Y-%m-%d"),
            "return_flight_departure_at_1": departs.strftime("%H:%M"),
        }
    )
    assert admin_client.post(edit_url(booking), data).status_code == 302
    back.refresh_from_db()
    assert (back.flight_number, back.flight_departure_at) == ("PC2011", departs)
    changes = changed_events(booking).get().details["changes"]
    assert set(changes) == {"return_flight.number", "return_flight.departure_at"}
    # The page shows the departure kept; one the pickup cannot reach is refused by the rule the booking obeys.
    data = page_form(admin_client.get(edit_url(booking)))
    assert data["return_flight_departure_at_1"].startswith(departs.strftime("%H:%M"))
    too_soon = pickup + dt.timedelta(minutes=30)
    data["return_flight_departure_at_1"] = too_soon.strftime("%H:%M")
    response = admin_client.post(edit_url(booking), data)
    assert response.status_code == 200
    latest = (pickup - dt.timedelta(minutes=12)).strftime("%H:%M")
    assert response.context["form"].errors == {
        "return_flight_departure_at": [
            f"The flight departs at {too_soon:%H:%M}: a pickup at {pickup:%H:%M} does not reach the airport in "
            f"time (about 42 minutes' drive). Choose a pickup at {latest} at the latest."
        ]
    }
    back.refresh_from_db()
    assert back.flight_departure_at == departs


def test_staff_need_the_right_to_change_bookings(client, django_user_model, catalog):
    booking = place_transfer()
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_booking"))
    staff_login(client, viewer)
    assert edit_url(booking) not in client.get(change_url(booking)).content.decode()
    assert client.get(edit_url(booking)).status_code == 403
    assert client.post(edit_url(booking), {"lead_phone": "+90 532 123 45 67"}).status_code == 403
    booking.refresh_from_db()
    assert booking.lead_phone == "+447911123456"

    viewer.user_permissions.add(Permission.objects.get(codename="change_booking"))
    assert client.get(edit_url(booking)).status_code == 200


def test_an_unknown_booking_is_not_found(admin_client, catalog):
    assert admin_client.get(reverse("admin:bookings_booking_edit_details", args=[999999])).status_code == 404


def test_the_page_costs_a_fixed_number_of_queries(admin_client, catalog, django_assert_max_num_queries):
    small, big = place_transfer(), place_round_trip()
    for booking in (small, big):
        # Session, user, the second factor the session passed, the booking (its vehicle, tour, customer, coupon),
        # its legs with their places, passengers.
        with django_assert_max_num_queries(6):
            assert admin_client.get(edit_url(booking)).status_code == 200
    data = page_form(admin_client.get(edit_url(big)))
    data["passengers-1-last_name"] = "Doe"
    # The page's six reads, then the service's: the booking locked, its passengers and legs, the booking,
    # the names and the history written, the change email queued with them, the booking's rides read to tell
    # their drivers what changed (and, in a test's transaction, a savepoint and its release).
    with django_assert_max_num_queries(16):
        assert admin_client.post(edit_url(big), data).status_code == 302


# --- saving -----------------------------------------------------------------------------------------------
def test_a_correction_is_saved_through_the_service_and_shown_in_the_history(admin_client, admin_user, catalog):
    booking = place_transfer()
    leg = booking.legs.get()
    old_arrival = leg.flight_arrival_at
    new_arrival = (leg.pickup_at - dt.timedelta(hours=1)).astimezone(ISTANBUL).replace(tzinfo=None)
    data = page_form(admin_client.get(edit_url(booking)))
    data.update(
        {
            "lead_phone": "+90 532 123 45 67",
            "passengers-1-last_name": "Doe",
            "flight_number": "pc 1234",
            "flight_arrival_at_0": new_arrival.strftime("%Y-%m-%d"),
            "flight_arrival_at_1": new_arrival.strftime("%H:%M"),
            "pickup_point": "Arrivals hall, door 3",
        }
    )
    response = admin_client.post(edit_url(booking), data, follow=True)
    assert response.redirect_chain == [(change_url(booking), 302)]
    assert messages_of(response) == [f"The details of booking {booking.reference} were changed."]
    assert "Details changed" in response.content.decode()

    booking.refresh_from_db()
    leg.refresh_from_db()
    assert (booking.lead_name, booking.lead_email, booking.lead_phone) == (
        "Anna Smith",
        "anna@example.com",
        "+905321234567",
    )
    assert [(p.first_name, p.last_name) for p in booking.passengers.order_by("position")] == [
        ("Anna", "Smith"),
        ("John", "Doe"),
    ]
    assert (leg.flight_number, leg.flight_arrival_at, leg.pickup_point) == (
        "PC1234",
        new_arrival.replace(tzinfo=ISTANBUL),
        "Arrivals hall, door 3",
    )
    assert booking.total == Decimal("40.00")  # the price stays as sold
    event = changed_events(booking).get()
    assert (event.actor, event.actor_label, event.from_status, event.to_status) == (
        admin_user,
        "admin",
        "confirmed",
        "confirmed",
    )
    assert event.details == {
        "changes": {
            "contact.phone": ["+447911123456", "+905321234567"],
            "passengers.1": ["John Smith", "John Doe"],
            "flight.number": ["TK2412", "PC1234"],
            "flight.arrival_at": [
                old_arrival.astimezone(ISTANBUL).isoformat(),
                new_arrival.replace(tzinfo=ISTANBUL).isoformat(),
            ],
            "pickup_point": ["", "Arrivals hall, door 3"],
        }
    }


def test_only_what_staff_changed_is_recorded(admin_client, catalog):
    booking = place_transfer()
    services.booking_update_details(booking_id=booking.pk, actor=services.SYSTEM, notes="Two bags\nOne pram")
    data = page_form(admin_client.get(edit_url(booking)))
    assert data["notes"] == "Two bags\r\nOne pram"
    # The landing time is read back in local time and the notes with CRLF; neither is a change.
    data["flight_number"] = "TK2413"
    assert admin_client.post(edit_url(booking), data).status_code == 302
    assert changed_events(booking).last().details == {"changes": {"flight.number": ["TK2412", "TK2413"]}}
    booking.refresh_from_db()
    assert booking.notes == "Two bags\nOne pram"


def test_sending_the_page_unchanged_records_nothing(admin_client, catalog):
    booking = place_transfer()
    data = page_form(admin_client.get(edit_url(booking)))
    response = admin_client.post(edit_url(booking), data, follow=True)
    assert response.redirect_chain == [(change_url(booking), 302)]
    assert messages_of(response) == ["Nothing was changed."]
    assert not changed_events(booking).exists()


def test_a_correction_made_meanwhile_by_the_traveller_is_kept(admin_client, catalog):
    booking = place_transfer()
    data = page_form(admin_client.get(edit_url(booking)))
    services.booking_update_details(
        booking_id=booking.pk,
        actor=services.TRAVELLER,
        by_traveller=True,
        contact=services.Contact("Anna Smith", "anna@example.org", "+90 532 123 45 67"),
    )
    data["notes"] = "Wheelchair"
    data["lead_name"] = "Anna Maria Smith"
    assert admin_client.post(edit_url(booking), data).status_code == 302
    booking.refresh_from_db()
    assert (booking.lead_name, booking.lead_email, booking.lead_phone, booking.notes) == (
        "Anna Maria Smith",
        "anna@example.org",
        "+905321234567",
        "Wheelchair",
    )
    assert changed_events(booking).last().details == {
        "changes": {"contact.name": ["Anna Smith", "Anna Maria Smith"], "notes": ["", "Wheelchair"]}
    }


def test_a_tour_pickup_point_can_be_corrected(admin_client, catalog):
    booking = place_tour(catalog)
    response = admin_client.get(edit_url(booking))
    assert [name for name in response.context["form"].fields if "flight" in name or "pickup" in name] == [
        "pickup_place",
        "pickup_point",
    ]
    assert "Tour: Perge &amp; Aspendos" in response.content.decode()
    data = page_form(response)
    data["pickup_point"] = "Regnum Carya, main gate"
    response = admin_client.post(edit_url(booking), data, follow=True)
    assert messages_of(response) == [f"The details of booking {booking.reference} were changed."]
    booking.refresh_from_db()
    assert (booking.pickup_point, booking.total) == ("Regnum Carya, main gate", Decimal("115.00"))
    assert changed_events(booking).get().details == {"changes": {"pickup_point": ["", "Regnum Carya, main gate"]}}


def test_staff_move_a_tour_booking_to_another_hotel_of_the_tours_zones(admin_client, catalog):
    booking = place_tour(catalog)
    response = admin_client.get(edit_url(booking))
    assert list(response.context["form"].fields["pickup_place"].queryset) == [catalog.belek_hotel, catalog.lara_hotel]
    data = page_form(response)
    data["pickup_place"] = str(catalog.lara_hotel.pk)
    response = admin_client.post(edit_url(booking), data, follow=True)
    assert messages_of(response) == [f"The details of booking {booking.reference} were changed."]
    booking.refresh_from_db()
    assert (booking.pickup_place, booking.pickup_at) == (
        catalog.lara_hotel,
        catalog.departure.starts_at - dt.timedelta(minutes=30),
    )


# --- refusals ---------------------------------------------------------------------------------------------
def test_an_invalid_phone_is_shown_next_to_it_and_nothing_changes(admin_client, catalog):
    booking = place_transfer()
    data = page_form(admin_client.get(edit_url(booking)))
    data.update({"lead_phone": "12", "passengers-1-last_name": "Doe", "pickup_point": "Door 3"})
    response = admin_client.post(edit_url(booking), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"lead_phone": [PHONE_ERROR]}
    assert messages_of(response) == ["The details were not changed. Please correct the errors below."]
    html = response.content.decode()
    row = html[html.index('class="form-row errors field-lead_phone"') :]
    row = row[: row.index('name="lead_phone"')]
    assert "Enter the phone number with its country code" in row
    # What was typed stays on the page.
    fields = page_form(response)
    assert (fields["lead_phone"], fields["passengers-1-last_name"], fields["pickup_point"]) == ("12", "Doe", "Door 3")
    booking.refresh_from_db()
    assert booking.lead_phone == "+447911123456"
    assert [p.last_name for p in booking.passengers.all()] == ["Smith", "Smith"]
    assert booking.legs.get().pickup_point == ""
    assert not changed_events(booking).exists()


def test_each_refused_input_is_named_on_the_page(admin_client, catalog):
    booking = place_transfer()
    far = booking.starts_at.astimezone(ISTANBUL) - dt.timedelta(days=2)
    data = page_form(admin_client.get(edit_url(booking)))
    data.update(
        {
            "lead_email": "anna@",
            "passengers-0-first_name": " ",
            "flight_number": "TK-ABC",
            "flight_arrival_at_0": far.strftime("%Y-%m-%d"),
        }
    )
    response = admin_client.post(edit_url(booking), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "lead_email": ["Enter a valid email address."],
        "passengers-0-first_name": ["Every passenger's first and last name is required."],
        "flight_number": ["Enter a flight number like TK2412 or U2 1234."],
        "flight_arrival_at": ["The flight should land within 12 hours of the pickup time."],
    }
    assert not changed_events(booking).exists()


def test_a_name_in_emoji_or_symbols_is_refused_in_the_back_office_too(admin_client, catalog):
    booking = place_transfer()
    data = page_form(admin_client.get(edit_url(booking)))
    data.update({"lead_name": "🚗 🌴", "passengers-1-last_name": "&&&"})
    response = admin_client.post(edit_url(booking), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"lead_name", "passengers-1-last_name"}
    assert errors["lead_name"][0].startswith("Lead traveller's name: write it in letters, as in the passport")
    assert errors["passengers-1-last_name"][0].startswith("Last name of passenger 2: write it in letters")
    booking.refresh_from_db()
    assert booking.lead_name == "Anna Smith"
    assert not changed_events(booking).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_cancelled_booking_cannot_be_edited(admin_client, catalog, method):
    booking = place_transfer()
    data = page_form(admin_client.get(edit_url(booking)))
    services.booking_cancel(booking_id=booking.pk, actor=services.SYSTEM, reason="Duplicate")
    data["lead_phone"] = "+90 532 123 45 67"
    response = getattr(admin_client, method)(edit_url(booking), data if method == "post" else None, follow=True)
    assert response.redirect_chain == [(change_url(booking), 302)]
    assert messages_of(response) == [
        f"Booking {booking.reference} is in status “Cancelled”: its details can no longer be changed."
    ]
    assert 'id="booking_details_form"' not in response.content.decode()
    booking.refresh_from_db()
    assert booking.lead_phone == "+447911123456"
    assert not changed_events(booking).exists()


def test_a_refusal_by_the_service_itself_is_shown_on_the_page(admin_client, catalog, monkeypatch):
    # The page checks the status when it opens; the service, which locks the booking, has the last word.
    booking = place_transfer()
    data = page_form(admin_client.get(edit_url(booking)))
    update = services.booking_update_details

    def cancelled_meanwhile(**kwargs):
        services.booking_cancel(booking_id=booking.pk, actor=services.SYSTEM, reason="Duplicate")
        return update(**kwargs)

    monkeypatch.setattr(services, "booking_update_details", cancelled_meanwhile)
    data["notes"] = "Late flight"
    response = admin_client.post(edit_url(booking), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["A booking that is over or cancelled cannot be changed."]
    booking.refresh_from_db()
    assert (booking.status, booking.notes) == ("cancelled", "")
