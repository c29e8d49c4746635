"""Names go on the voucher, the driver's manifest and the legal passenger list: letters as in the passport, in a script
the voucher prints; emoji, digits and symbols are refused wherever a name comes in (service, website, API, change)."""

from __future__ import annotations

import json

import pytest

from gnb.bookings.models import Booking
from gnb.bookings.names import name_error, name_normalized
from gnb.bookings.services import Actor, Contact, PassengerInput, booking_update_details
from gnb.core.errors import ValidationFailed
from gnb.core.typefaces import printable_code_points
from gnb.testing.api import FAMILY, assert_error, booking_body, post
from gnb.testing.bookings import CONTACT, place_transfer
from gnb.testing.website import book_url, details

REFUSED = [
    pytest.param("🚗 🌴", id="emoji"),
    pytest.param("★★★", id="symbols"),
    pytest.param("Anna2", id="digit"),
    pytest.param("王 秀英", id="cjk-not-printable"),
    pytest.param("Anna 😀", id="letters-and-emoji"),
    pytest.param("- . '", id="no-letter"),
]
ACCEPTED = [
    "Zoë",
    "Şule İğdır",
    "Ilıca",
    "Анна-Мария",
    "محمد علي",
    "Σοφία",
    "O'Brien",
    "D’Angelo",
    "Jean-Luc",
    "Martin Luther King Jr.",
    "Nguyễn",
    "Łukasz Gęślą",
]


@pytest.mark.parametrize("name", ACCEPTED)
def test_real_names_in_every_accepted_script_pass(name):
    assert name_error(name_normalized(name), field="Name") is None


def test_a_name_is_stored_composed_and_on_single_spaces():
    # "s" + combining cedilla, as some keyboards type it, is the one letter "ş".
    assert name_normalized("  S\u0327ule   Yılmaz ") == "Şule Yılmaz"


@pytest.mark.parametrize("name", REFUSED)
def test_emoji_digits_symbols_and_unprintable_scripts_are_refused(name):
    assert name_error(name_normalized(name), field="First name") is not None


def test_every_letter_a_name_may_hold_is_printed_on_the_voucher():
    glyphs = printable_code_points()
    accepted = [chr(cp) for cp in range(0x20, 0x30000) if name_error(chr(cp) + "a", field="x") is None]
    assert len(accepted) > 1000  # Latin, Greek, Cyrillic and Arabic letters at least
    assert [char for char in accepted if ord(char) not in glyphs] == []


@pytest.mark.parametrize("name", REFUSED)
def test_the_placing_service_refuses_a_passenger_name_and_says_which(catalog, name):
    passengers = [PassengerInput("Anna", "Smith", "adult"), PassengerInput(name, "Smith", "adult")]
    with pytest.raises(ValidationFailed) as failed:
        place_transfer(passengers=passengers)
    [(field, message)] = failed.value.errors
    assert field == "passengers.1.first_name"
    assert message.startswith("First name of passenger 2: ")
    assert not Booking.objects.exists()


def test_the_placing_service_refuses_an_emoji_lead_name(catalog):
    with pytest.raises(ValidationFailed) as failed:
        place_transfer(contact=Contact("🚗 🌴", CONTACT.email, CONTACT.phone))
    [(field, message)] = failed.value.errors
    assert field == "contact.name"
    assert message == (
        "Lead traveller's name: write it in letters, as in the passport (Latin, Greek, Cyrillic or Arabic "
        "alphabet); “🚗🌴” cannot go on the passenger list."
    )


def test_names_in_several_scripts_are_booked_as_typed(catalog):
    party = [PassengerInput("Şule", "Öztürk", "adult"), PassengerInput("Σοφία", "Παπαδοπούλου", "adult")]
    booking = place_transfer(contact=Contact("Анна Соколова", CONTACT.email, CONTACT.phone), passengers=party)
    assert booking.lead_name == "Анна Соколова"
    assert list(booking.passengers.values_list("first_name", "last_name")) == [
        ("Şule", "Öztürk"),
        ("Σοφία", "Παπαδοπούλου"),
    ]


def test_a_change_of_names_by_staff_or_traveller_is_held_to_the_same_rule(catalog):
    booking = place_transfer()
    with pytest.raises(ValidationFailed) as failed:
        booking_update_details(
            booking_id=booking.pk,
            actor=Actor("dispatcher"),
            contact=Contact("★", CONTACT.email, CONTACT.phone),
            passengers=[PassengerInput("Anna", "🌴", "adult"), PassengerInput("John", "Smith", "adult")],
        )
    assert [field for field, _message in failed.value.errors] == ["contact.name", "passengers.0.last_name"]
    booking.refresh_from_db()
    assert booking.lead_name == "Anna Smith"


def test_the_api_refuses_emoji_and_symbol_names_on_booking_and_on_change(client, catalog):
    emoji = [{**FAMILY[0], "first_name": "🚗 🌴"}, {**FAMILY[1], "last_name": "#$%"}, *FAMILY[2:]]
    error = assert_error(
        post(client, "/api/v1/bookings", booking_body(passengers=emoji)),
        422,
        "validation_error",
        ["passengers.0.first_name", "passengers.1.last_name"],
    )
    assert error["fields"][1]["message"].startswith("Last name of passenger 2: ")
    assert not Booking.objects.exists()

    booking = place_transfer()
    response = client.patch(
        f"/api/v1/bookings/{booking.reference}",
        data=json.dumps({"contact": {**CONTACT.__dict__, "name": "🚗 🌴"}}),
        content_type="application/json",
        headers={"X-Manage-Token": booking.manage_token},
    )
    assert_error(response, 422, "validation_error", ["contact.name"])


def test_the_website_shows_the_refusal_next_to_the_name(client, catalog):
    response = client.post(book_url(), details(passenger_1_first_name="🚗 🌴", passenger_0_last_name="★★"))
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["form"].errors
    assert errors["passenger_1_first_name"][0].startswith("First name of passenger 2: write it in letters")
    # Passenger 1 is the lead traveller: their name is refused on the field it was typed in.
    assert errors["passenger_0_last_name"][0].startswith("Last name of passenger 1: write it in letters")
    assert not Booking.objects.exists()
