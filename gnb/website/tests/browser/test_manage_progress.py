"""On a phone, the traveller's page once the driver set off and once they arrived, in English, Turkish and Arabic:
the card on top, the call button a tel: link, nothing wider than the screen; a screenshot of each."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from gnb.fleet import services as fleet
from gnb.fleet.services import SYSTEM, RideRef
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle

HEADINGS = {
    "on_the_way": {"en": "Your driver is on the way"},
    "arrived": {"en": "Your driver has arrived"},
}


def test_the_traveller_sees_the_driver_on_the_way_and_arrived_on_a_phone(site, traveller):
    make_drive_times(site.catalog)
    booking = place_transfer(transfer_request(pickup_at=future_local(days=3, hour=14, minute=30)))
    trip = fleet.fleet_assign(
        ride=RideRef(leg_id=booking.legs.get().pk),
        driver_id=make_driver("Ayşe", phone="+905321112233").pk,
        vehicle_id=make_vehicle(
            site.catalog.sedan, plate="07 ABC 123", make="Mercedes-Benz", model="Vito", colour="Black"
        ).pk,
        actor=SYSTEM,
    )
    anna = traveller("anna")
    page = anna.page

    for step, press in (("on_the_way", fleet.trip_start), ("arrived", fleet.trip_arrive)):
        press(trip_id=trip.pk, actor=SYSTEM)
        for language in ("en", "tr", "ar"):
            with translation.override(language):
                path = reverse("website:manage", kwargs={"reference": booking.reference, "token": booking.manage_token})
            page.goto(site.url + path)
            card = page.locator(".driver-progress")
            expect(card).to_have_count(1)
            if language == "en":
                expect(card.get_by_role("heading")).to_have_text(HEADINGS[step]["en"])
            expect(card).to_have_class(f"card driver-progress driver-progress--{step}")
            expect(card.locator("a.button")).to_have_attribute("href", "tel:+905321112233")
            expect(card).to_contain_text("07 ABC 123")
            expect(card).to_contain_text("Mercedes-Benz Vito")
            # The card starts on the first screen, right after the booking's head; nothing is wider than the phone.
            assert (
                page.evaluate("document.querySelector('.driver-progress').getBoundingClientRect().top") < 844 / 2 + 100
            )
            assert page.evaluate(
                "document.querySelector('.booking-head').nextElementSibling.classList.contains('driver-progress')"
            )
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "ar" else "ltr")
            page.screenshot(path=str(anna.screenshots.folder / f"{step}-{language}.png"), full_page=False)
    assert anna.problems == []
