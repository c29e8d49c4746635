"""The manage page once the fleet is involved: who comes (driver, phone, vehicle, plate, meeting point) and the
passport details U-ETDS needs, given by the traveller with errors next to the fields."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from gnb.bookings.models import BookingEvent
from gnb.bookings.services import TRAVELLER, booking_cancel
from gnb.fleet import services as fleet
from gnb.fleet.services import Actor, RideRef
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle

pytestmark = pytest.mark.django_db


def manage_url(booking, language: str = "en") -> str:
    with translation.override(language):
        return reverse("website:manage", kwargs={"reference": booking.reference, "token": booking.manage_token})


@pytest.fixture
def booking(catalog):
    return place_transfer(transfer_request(pickup_at=future_local(days=5, hour=14, minute=30)))


def test_no_driver_card_before_a_driver_and_vehicle_are_assigned(client, booking):
    page = client.get(manage_url(booking)).content.decode()
    assert "Your driver" not in page


def test_the_driver_card_shows_who_comes(client, booking, catalog, dispatcher):
    make_drive_times(catalog)
    driver = make_driver("Ayşe", phone="+905321112233")
    vehicle = make_vehicle(catalog.sedan, plate="07 ABC 123", make="Mercedes-Benz", colour="Black")
    fleet.fleet_assign(
        ride=RideRef(leg_id=booking.legs.get().pk),
        driver_id=driver.pk,
        vehicle_id=vehicle.pk,
        actor=Actor.for_user(dispatcher),
    )

    page = client.get(manage_url(booking)).content.decode()

    assert '<h2 id="driver-1">Your driver</h2>' in page
    assert '<dd><bdi>Ayşe</bdi> · <a href="tel:+905321112233"><bdi dir="ltr">+905321112233</bdi></a></dd>' in page
    assert "<dd><bdi>Mercedes-Benz</bdi>, <bdi>Black</bdi></dd>" in page
    assert '<strong class="plate"><bdi dir="ltr">07 ABC 123</bdi></strong>' in page
    assert "<dd><bdi>At the exit of the arrivals hall, with a sign with your name.</bdi></dd>" in page
    assert '<a class="button button--primary" href="tel:+905321112233">Call Ayşe</a>' in page


def test_the_passport_form_lists_every_passenger_with_countries_in_the_page_language(client, booking):
    page = client.get(manage_url(booking)).content.decode()
    assert 'id="passports"' in page
    assert page.count("<legend><bdi>Anna Smith</bdi></legend>") == 1
    assert page.count("<legend><bdi>John Smith</bdi></legend>") == 1
    assert '<option value="DE">Germany</option>' in page
    german = client.get(manage_url(booking, "de")).content.decode()
    assert '<option value="DE">Deutschland</option>' in german
    assert '<option value="TR">Türkei</option>' in german


def test_saving_passport_details_uses_the_service_and_masks_the_number(client, booking):
    answer = client.post(
        manage_url(booking),
        {"p0_nationality": "DE", "p0_document_number": "c01x00t47", "p1_nationality": "", "p1_document_number": ""},
    )

    assert answer.status_code == 302
    assert answer["Location"] == manage_url(booking) + "#passports"
    assert list(booking.passengers.values_list("nationality", "document_number")) == [("DE", "C01X00T47"), ("", "")]
    event = booking.events.get(kind=BookingEvent.Kind.CHANGED)
    assert event.actor_label == "traveller"
    page = client.get(answer["Location"]).content.decode()
    assert "Thank you: the passport details are saved." in page
    assert "C01X00T47" not in page
    assert "On file: ******T47. Leave empty to keep it." in page
    assert '<option value="DE" selected>Germany</option>' in page

    # An empty number keeps the one on file.
    client.post(manage_url(booking), {"p0_nationality": "AT", "p0_document_number": ""})
    assert booking.passengers.values_list("nationality", "document_number")[0] == ("AT", "C01X00T47")


def test_errors_are_shown_next_to_their_fields(client, booking):
    answer = client.post(
        manage_url(booking),
        {"p0_nationality": "TR", "p0_document_number": "12345678901", "p1_nationality": "GB", "p1_document_number": ""},
    )

    assert answer.status_code == 422
    page = answer.content.decode()
    assert (
        '<ul class="errorlist" id="id_p0_document_number_error"><li>Enter the 11-digit T.C. identity number; '
        "this one does not check out.</li></ul>"
    ) in page
    assert '<ul class="errorlist" id="id_p1_document_number_error"><li>Enter the passport number.</li></ul>' in page
    assert list(booking.passengers.values_list("nationality", "document_number")) == [("", ""), ("", "")]


def test_a_cancelled_booking_has_no_passport_form_and_refuses_a_post(client, booking):
    booking_cancel(booking_id=booking.pk, actor=TRAVELLER, by_traveller=True)
    assert 'id="passports"' not in client.get(manage_url(booking)).content.decode()

    answer = client.post(manage_url(booking), {"p0_nationality": "DE", "p0_document_number": "C01X00T47"})

    assert answer.status_code == 409
    assert "Passport details can no longer be given for this booking." in answer.content.decode()
    assert booking.passengers.values_list("nationality", flat=True)[0] == ""
