"""Passport details for U-ETDS: nationality and document number given per passenger before the trip, checked,
recorded in the history without the numbers, and read back masked through the API."""

from __future__ import annotations

import pytest
from django.core import mail

from gnb.bookings.models import Booking, BookingEvent
from gnb.bookings.orders import PassengerDocuments
from gnb.bookings.services import (
    COUNTRY_CODES,
    TRAVELLER,
    booking_cancel,
    booking_passenger_documents_set,
    is_tc_identity_number,
    mask_document_number,
)
from gnb.core.errors import InvalidTransition, ValidationFailed
from gnb.testing.bookings import place_transfer

pytestmark = pytest.mark.django_db


def errors_of(call) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return list(caught.value.errors)


def test_the_tc_identity_checksum():
    assert is_tc_identity_number("10000000146") is True
    assert is_tc_identity_number("10000000147") is False  # last digit wrong
    assert is_tc_identity_number("10000000156") is False  # tenth digit wrong
    assert is_tc_identity_number("01234567890") is False  # never starts with 0
    assert is_tc_identity_number("1000000014") is False  # ten digits


def test_country_codes_are_iso_countries_only():
    assert len(COUNTRY_CODES) == 249
    assert {"TR", "DE", "GB", "UA", "PS"} <= COUNTRY_CODES
    assert not {"EU", "UN", "XK", "ZZ", "QO"} & COUNTRY_CODES


def test_mask_keeps_the_last_three_characters():
    assert mask_document_number("C01X00T47") == "******T47"
    assert mask_document_number("") == ""


def test_details_are_cleaned_stored_and_recorded_without_the_numbers(catalog):
    booking = place_transfer(language="en")
    mail.outbox.clear()

    booking_passenger_documents_set(
        booking_id=booking.pk,
        documents=[PassengerDocuments(0, "de", " c01x-00t 47 "), PassengerDocuments(1, "TR", "100 000 001 46")],
        actor=TRAVELLER,
    )

    assert list(booking.passengers.values_list("nationality", "document_number")) == [
        ("DE", "C01X00T47"),
        ("TR", "10000000146"),
    ]
    event = booking.events.filter(kind=BookingEvent.Kind.CHANGED).get()
    assert event.details == {
        "changes": {
            "passengers.0.nationality": ["", "DE"],
            "passengers.0.document_number": ["", "set"],
            "passengers.1.nationality": ["", "TR"],
            "passengers.1.document_number": ["", "set"],
        }
    }
    assert "C01X00T47" not in event.reason and "10000000146" not in event.reason
    assert event.actor_label == "traveller"
    assert mail.outbox == []  # no email for it

    # The same details again change nothing and record nothing; a new number is recorded as "set" → "set".
    booking_passenger_documents_set(
        booking_id=booking.pk, documents=[PassengerDocuments(0, "DE", "C01X00T47")], actor=TRAVELLER
    )
    assert booking.events.filter(kind=BookingEvent.Kind.CHANGED).count() == 1
    booking_passenger_documents_set(
        booking_id=booking.pk, documents=[PassengerDocuments(0, "DE", "P1234567")], actor=TRAVELLER
    )
    latest = booking.events.filter(kind=BookingEvent.Kind.CHANGED).latest("pk")
    assert latest.details == {"changes": {"passengers.0.document_number": ["set", "set"]}}


def test_every_bad_value_is_named_at_once(catalog):
    booking = place_transfer()

    errors = errors_of(
        lambda: booking_passenger_documents_set(
            booking_id=booking.pk,
            documents=[PassengerDocuments(0, "XX", "12"), PassengerDocuments(1, "TR", "12345678901")],
            actor=TRAVELLER,
        )
    )

    assert errors == [
        ("passengers.0.nationality", "Choose a country from the list."),
        ("passengers.0.document_number", "A passport number has 5 to 20 letters and digits."),
        ("passengers.1.document_number", "Enter the 11-digit T.C. identity number; this one does not check out."),
    ]
    assert list(booking.passengers.values_list("nationality", "document_number")) == [("", ""), ("", "")]


def test_missing_halves_unknown_passengers_and_odd_characters_are_refused(catalog):
    booking = place_transfer()

    errors = errors_of(
        lambda: booking_passenger_documents_set(
            booking_id=booking.pk,
            documents=[
                PassengerDocuments(0, "GB", ""),
                PassengerDocuments(1, "", "123456789"),
                PassengerDocuments(2, "GB", "123456789"),
            ],
            actor=TRAVELLER,
        )
    )
    assert errors == [
        ("passengers.0.document_number", "Enter the passport number."),
        ("passengers.1.nationality", "Choose the passenger's nationality."),
        ("passengers.2", "This booking has no such passenger."),
    ]
    errors = errors_of(
        lambda: booking_passenger_documents_set(
            booking_id=booking.pk, documents=[PassengerDocuments(0, "GB", "12345/6789")], actor=TRAVELLER
        )
    )
    assert errors == [("passengers.0.document_number", "A passport number has 5 to 20 letters and digits.")]
    # Both blank: that passenger is left as they are.
    booking_passenger_documents_set(booking_id=booking.pk, documents=[PassengerDocuments(0, "", "")], actor=TRAVELLER)
    assert not booking.events.filter(kind=BookingEvent.Kind.CHANGED).exists()


def test_a_booking_that_is_over_or_unpaid_takes_no_details(catalog):
    booking = place_transfer()
    booking_cancel(booking_id=booking.pk, actor=TRAVELLER, by_traveller=True)

    with pytest.raises(InvalidTransition) as caught:
        booking_passenger_documents_set(
            booking_id=booking.pk, documents=[PassengerDocuments(0, "GB", "123456789")], actor=TRAVELLER
        )
    assert caught.value.field == "status"
    unpaid = place_transfer(payment_method=Booking.PaymentMethod.CARD)
    with pytest.raises(InvalidTransition):
        booking_passenger_documents_set(
            booking_id=unpaid.pk, documents=[PassengerDocuments(0, "GB", "123456789")], actor=TRAVELLER
        )


# --- through the API -----------------------------------------------------------------------------------------
def passengers_body(**first) -> list[dict]:
    return [
        {"first_name": "Anna", "last_name": "Smith", "category": "adult", **first},
        {"first_name": "John", "last_name": "Smith", "category": "adult"},
    ]


def test_the_api_takes_passport_details_and_shows_them_masked(catalog, client):
    booking = place_transfer()
    url = f"/api/v1/bookings/{booking.reference}"
    headers = {"HTTP_X_MANAGE_TOKEN": booking.manage_token}

    answer = client.patch(
        url,
        {"passengers": passengers_body(nationality="DE", document_number="C01X00T47")},
        content_type="application/json",
        **headers,
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["passengers"] == [
        {
            "first_name": "Anna",
            "last_name": "Smith",
            "category": "adult",
            "nationality": "DE",
            "document_number": "******T47",
        },
        {"first_name": "John", "last_name": "Smith", "category": "adult", "nationality": "", "document_number": ""},
    ]
    assert booking.passengers.get(position=1).document_number == "C01X00T47"
    # Names as they were change nothing: no "details changed" email, only the passport record.
    assert not booking.events.filter(details__changes__has_key="passengers.0").exists()

    # The masked value sent back keeps the number; a new nationality alone changes.
    answer = client.patch(
        url,
        {"passengers": passengers_body(nationality="AT", document_number="******T47")},
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 200
    assert booking.passengers.values_list("nationality", "document_number")[0] == ("AT", "C01X00T47")
    assert client.get(url, **headers).json()["passengers"][0]["document_number"] == "******T47"


def test_the_api_names_the_bad_field_and_writes_nothing(catalog, client):
    booking = place_transfer()
    answer = client.patch(
        f"/api/v1/bookings/{booking.reference}",
        {
            "notes": "Two big suitcases",
            "passengers": passengers_body(first_name="Annie", nationality="TR", document_number="12345678901"),
        },
        content_type="application/json",
        HTTP_X_MANAGE_TOKEN=booking.manage_token,
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == [
        {
            "field": "passengers.0.document_number",
            "message": "Enter the 11-digit T.C. identity number; this one does not check out.",
        }
    ]
    booking.refresh_from_db()
    # The notes and the name change in the same request were not kept either.
    assert booking.notes == ""
    assert booking.passengers.get(position=1).first_name == "Anna"
