"""On a phone (390 × 844) in English, Turkish and Arabic: a driver signs in, sees today's and tomorrow's trips, opens
a trip under way and its name sign, and records the next step. Screenshots of each page in each language under
var/test-output/browser/; nothing on them may run off the screen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gnb.bookings.quotes import ExtraRequest
from gnb.fleet import services
from gnb.fleet.models import Trip
from gnb.fleet.services import Actor, RideRef
from gnb.testing.bookings import place_sedan_transfer
from gnb.testing.browser import settle
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle

PASSWORD = "Sürücü-telefon-2026"
# What the page may ask for that the app's shell does not serve yet in this test (its web manifest).
EXPECTED_MISSING = ("/driver/manifest.webmanifest",)


def _day(site):
    make_drive_times(site.catalog)
    driver = make_driver("Ayşe", "Kaya", languages=["en"])
    driver.user.email = "ayse@drivers.example.com"
    driver.user.set_password(PASSWORD)
    driver.user.save()
    sedan = make_vehicle(site.catalog.sedan, plate="07 ABC 123")
    placed_earlier = timezone.now() - dt.timedelta(days=3)
    now_local = timezone.localtime()
    # Later today (or just after midnight when run late at night) and tomorrow morning.
    today_hour = min(now_local.hour + 1, 22)
    rides = [
        place_sedan_transfer(
            days=0, hour=today_hour, lead="Anna Smith", now=placed_earlier, extras=(ExtraRequest("child_seat", 1),)
        ),
        place_sedan_transfer(days=1, hour=9, lead="Olga Petrova", email="olga@example.com", now=placed_earlier),
    ]
    trips = [
        services.fleet_assign(
            ride=RideRef(leg_id=ride.legs.get().pk), driver_id=driver.pk, vehicle_id=sedan.pk, actor=Actor("test")
        )
        for ride in rides
    ]
    services.trip_start(trip_id=trips[0].pk, actor=Actor.for_user(driver.user))
    return driver, trips


def _fits(page) -> None:
    """Nothing runs off the side of the screen (the phone would scroll sideways or clip it)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"


@pytest.mark.parametrize(
    ("language", "on_the_way", "arrived"),
    [
        ("en", "On the way", "Arrived at pickup"),
        ("tr", "Yolda", "Alış noktasında"),
        ("ar", "في الطريق", "وصل إلى مكان الاصطحاب"),
    ],
    ids=["en", "tr", "ar"],
)
def test_a_driver_works_a_day_on_the_phone(site, traveller, language, on_the_way, arrived):
    driver, trips = _day(site)
    phone = traveller(f"driver-{language}")
    page = phone.page
    page.goto(f"{site.url}/driver/")
    # Signed out: the sign-in page; the driver picks the language first.
    expect(page).to_have_url(f"{site.url}/driver/sign-in/?next=%2Fdriver%2F")
    page.select_option("#language", language)
    page.locator("footer button").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    if language == "ar":
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
    _fits(page)
    phone.shot("sign-in")
    page.locator("#id_email").fill(driver.user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.card button.primary").click()
    expect(page).to_have_url(f"{site.url}/driver/")
    expect(page.locator("a.card.trip")).to_have_count(2)
    _fits(page)
    phone.shot("trips")
    settle(page)
    page.locator("a.card.trip").first.click()
    expect(page.locator("p.lead")).to_have_text("Anna Smith")
    expect(page.locator(".badge").first).to_have_text(on_the_way)
    _fits(page)
    phone.shot("trip")
    settle(page)
    page.locator("a.button.primary").click()
    expect(page.locator(".sign-name .name")).to_have_text("Anna Smith")
    _fits(page)
    phone.shot("sign")
    settle(page)
    page.go_back()
    settle(page)
    # The page shows the step at once; the outbox sends it and reloads the page from the server.
    with page.expect_navigation():
        page.get_by_role("button", name=arrived, exact=True).click()
    expect(page.locator(".badge").first).to_have_text(arrived)
    assert Trip.objects.get(pk=trips[0].pk).status == Trip.Status.ARRIVED
    phone.shot("arrived")
    # The browser logs each missing file again as a console error without naming it: those go with the expected ones.
    problems = [p for p in phone.problems if not any(path in p for path in EXPECTED_MISSING)]
    problems = [p for p in problems if "the server responded with a status of 404" not in p]
    assert problems == []
