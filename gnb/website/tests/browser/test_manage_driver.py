"""The manage page on a phone once a driver is assigned: the driver card and the passport form, saved with an
error first and then correctly; screenshots of each step."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from gnb.fleet import services as fleet
from gnb.fleet.services import SYSTEM, RideRef
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle


def test_the_traveller_sees_the_driver_and_gives_passport_details_on_a_phone(site, traveller):
    catalog = site.catalog
    make_drive_times(catalog)
    booking = place_transfer(transfer_request(pickup_at=future_local(days=3, hour=14, minute=30)))
    fleet.fleet_assign(
        ride=RideRef(leg_id=booking.legs.get().pk),
        driver_id=make_driver("Ayşe", phone="+905321112233").pk,
        vehicle_id=make_vehicle(catalog.sedan, plate="07 ABC 123", make="Mercedes-Benz", colour="Black").pk,
        actor=SYSTEM,
    )
    with translation.override("en"):
        path = reverse("website:manage", kwargs={"reference": booking.reference, "token": booking.manage_token})
    anna = traveller("anna")
    page = anna.page
    page.goto(site.url + path)

    card = page.locator(".driver-card")
    expect(card.get_by_role("heading")).to_have_text("Your driver")
    expect(card.get_by_role("link", name="Call Ayşe")).to_have_attribute("href", "tel:+905321112233")
    expect(card).to_contain_text("07 ABC 123")
    expect(card).to_contain_text("At the exit of the arrivals hall, with a sign with your name.")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    anna.shot("driver-card")

    form = page.locator("#passports")
    anna_fields = form.locator("fieldset").nth(0)
    anna_fields.get_by_label("Nationality").select_option("TR")
    anna_fields.get_by_label("Passport number").fill("12345678901")
    form.scroll_into_view_if_needed()
    anna.shot("passport-form")
    form.get_by_role("button", name="Save passport details").click()

    expect(page.locator("#id_p0_document_number_error")).to_have_text(
        "Enter the 11-digit T.C. identity number; this one does not check out."
    )
    page.locator("#id_p0_document_number").scroll_into_view_if_needed()
    anna.shot("passport-error")
    page.locator("#id_p0_nationality").select_option("DE")
    page.locator("#id_p0_document_number").fill("C01X00T47")
    page.locator("#id_p1_nationality").select_option("GB")
    page.locator("#id_p1_document_number").fill("123456789")
    page.get_by_role("button", name="Save passport details").click()

    expect(page.get_by_text("Thank you: the passport details are saved.")).to_be_visible()
    expect(page.locator("#id_p0_document_number_helptext")).to_have_text("On file: ******T47. Leave empty to keep it.")
    assert list(booking.passengers.values_list("nationality", "document_number")) == [
        ("DE", "C01X00T47"),
        ("GB", "123456789"),
    ]
    page.locator("#passports").scroll_into_view_if_needed()
    anna.shot("passport-saved")
    # The refused save answered 422 (what the browser logs as a failed resource); nothing else went wrong.
    assert [p for p in anna.problems if "422" not in p] == []
