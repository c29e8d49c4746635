"""A family of four books Antalya Airport → a Belek hotel with a child seat on a phone, paying cash, and the test
counts what the person does: every fill, selection or tick is an input, every page the browser opens a page load.

Before this flow was shortened it took 21 inputs and 5 page loads after the home page (contact name typed apart
from passenger 1, the landing asked again on the details page, a separate pay page). The counts are printed and
written to ``var/test-output/browser/<test>/counts.txt``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from gnb.bookings.models import Booking
from gnb.catalog.models import Place
from gnb.testing.browser import Traveller, places_search
from gnb.testing.catalog import future_local

FAMILY = [("Anna", "Smith"), ("John", "Smith"), ("Tom", "Smith"), ("Lily", "Smith")]
MAX_INPUTS = 17
MAX_PAGE_LOADS = 4


@dataclass
class Effort:
    """What a person does on the page: the inputs they make and the pages they wait for."""

    page: Page
    inputs: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        def navigated(frame) -> None:
            if frame == self.page.main_frame:
                self.loads.append(frame.url)

        self.page.on("framenavigated", navigated)

    def fill(self, locator: Locator, value: str, what: str) -> None:
        locator.fill(value)
        self.inputs.append(what)

    def type(self, locator: Locator, value: str, what: str) -> None:
        """Typed key by key, as a person types a place name while suggestions come."""
        locator.click()
        with self.page.expect_response(places_search(value)):
            locator.press_sequentially(value, delay=15)
        locator.press("Escape")
        self.inputs.append(what)

    def select(self, locator: Locator, value: str, what: str) -> None:
        locator.select_option(value)
        self.inputs.append(what)


def test_a_family_of_four_books_in_seventeen_inputs_and_four_page_loads(site, traveller, screenshots):
    anna: Traveller = traveller("anna")
    page = anna.page
    page.goto(site.url + "/en/")
    effort = Effort(page)  # from the home page on
    landing = future_local(days=20, hour=12, minute=30)

    # Home: where from, where to, when the flight lands, the children (two adults and two bags are the defaults).
    effort.type(page.get_by_label("From", exact=True), "Antalya Airport", "from")
    effort.type(page.get_by_label("To", exact=True), "Regnum Carya", "to")
    # The origin is an airport: the form asks for the landing, not a pickup time.
    expect(page.get_by_label("Landing time", exact=True)).to_be_visible()
    effort.fill(page.get_by_label("Flight date", exact=True), landing.date().isoformat(), "flight date")
    effort.fill(page.get_by_label("Landing time", exact=True), landing.strftime("%H:%M"), "landing time")
    effort.fill(page.get_by_label("Children (2–11)", exact=True), "2", "children")
    anna.shot("home")
    page.get_by_role("button", name="See prices").click()

    # Results: the pickup follows the landing.
    expect(page.locator(".trip-head__timing")).to_have_text(
        "Your flight lands at 12:30: the driver picks you up 45 minutes later."
    )
    anna.shot("results")
    page.get_by_role("link", name="Book this car — Minivan").click()

    # Details: four names (passenger 1 is the lead contact), email, phone, flight number, one child seat.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    expect(page.get_by_label("Landing time", exact=True)).to_have_value("12:30")  # given once, on the home page
    passengers = page.locator(".passenger")
    for index, (first, last) in enumerate(FAMILY):
        effort.fill(passengers.nth(index).get_by_label("First name", exact=True), first, f"passenger {index + 1}")
        effort.fill(passengers.nth(index).get_by_label("Last name", exact=True), last, f"passenger {index + 1}")
    effort.fill(page.get_by_label("Email", exact=True), "anna@example.com", "email")
    effort.fill(page.get_by_label("Mobile phone", exact=True), "+44 7911 123456", "phone")
    effort.fill(page.get_by_label("Flight number", exact=True), "TK2412", "flight number")
    effort.select(page.get_by_label("Child seat", exact=True), "1", "child seat")
    anna.shot("details")
    page.get_by_role("button", name="Continue to review").click()

    # Review and pay on one page: everything to check, cash already chosen.
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and pay")
    expect(page.locator(".facts ul.plain li")).to_have_text([f"{first} {last}" for first, last in FAMILY])
    expect(page.get_by_role("radio", name=re.compile("^Cash to the driver"))).to_be_checked()
    anna.shot("review")
    page.get_by_role("button", name="Book now · €60.00").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you — your booking is confirmed")
    anna.shot("confirmation")

    counts = (
        f"inputs: {len(effort.inputs)} ({', '.join(effort.inputs)})\n"
        f"page loads after the home page: {len(effort.loads)}\n"
        + "".join(f"  {url.removeprefix(site.url)}\n" for url in effort.loads)
        + "before: 21 inputs, 5 page loads\n"
    )
    print(counts)  # noqa: T201 - the counts are what this test reports (run with -s to read them)
    (screenshots.folder / "counts.txt").write_text(counts, encoding="utf-8")
    assert len(effort.inputs) == 17 <= MAX_INPUTS
    assert len(effort.loads) == 4 <= MAX_PAGE_LOADS

    booking = Booking.objects.get()
    assert (booking.status, booking.payment_method, booking.total) == ("confirmed", "cash", Decimal("60.00"))
    assert [(p.first_name, p.last_name, p.category) for p in booking.passengers.order_by("position")] == [
        ("Anna", "Smith", "adult"),
        ("John", "Smith", "adult"),
        ("Tom", "Smith", "child"),
        ("Lily", "Smith", "child"),
    ]
    assert (booking.lead_name, booking.lead_email, booking.lead_phone) == (
        "Anna Smith",
        "anna@example.com",
        "+447911123456",
    )
    assert [(e.extra.code, e.quantity) for e in booking.extras.all()] == [("child_seat", 1)]
    leg = booking.legs.get()
    assert leg.destination.zone.code == "belek"
    assert leg.flight_number == "TK2412"
    assert timezone.localtime(leg.flight_arrival_at).replace(tzinfo=None) == landing
    assert timezone.localtime(leg.pickup_at).replace(tzinfo=None) == landing + dt.timedelta(minutes=45)
    assert anna.problems == []


@pytest.mark.parametrize("language", ["en", "tr", "ar"])
def test_the_quick_booking_pages_in_english_turkish_and_arabic(site, traveller, language):
    """Screenshots of home, results, details, review and confirmation at 390 × 844, to look at."""
    visitor: Traveller = traveller(language)
    page = visitor.page
    landing = future_local(days=20, hour=12, minute=30)
    page.goto(f"{site.url}/{language}/")
    page.locator("input[name=origin]").fill("Antalya Airport")
    page.locator("input[name=origin]").dispatch_event("input")
    page.locator("input[name=destination]").fill("Regnum Carya")
    page.locator("input[name=date]").fill(landing.date().isoformat())
    page.locator("input[name=time]").fill(landing.strftime("%H:%M"))
    page.locator("input[name=children]").fill("2")
    visitor.shot("home")
    page.locator("form.search button[type=submit]").click()
    expect(page.locator(".vehicle")).to_have_count(2)
    visitor.shot("results")
    page.locator(".vehicle", has_text="Minivan").locator("a.button").click()
    passengers = page.locator(".passenger")
    for index, (first, last) in enumerate(FAMILY):
        passengers.nth(index).locator("input[name$=first_name]").fill(first)
        passengers.nth(index).locator("input[name$=last_name]").fill(last)
    page.locator("input[name=email]").fill("anna@example.com")
    page.locator("input[name=phone]").fill("+44 7911 123456")
    page.locator("input[name=flight_number]").fill("TK2412")
    page.locator("select[name=extra_child_seat]").select_option("1")
    visitor.shot("details")
    page.locator("form.checkout__form button[type=submit]").click()
    expect(page.locator("input[name=payment_method][value=cash]")).to_be_checked()
    visitor.shot("review")
    page.locator(".summary form button[type=submit]").click()
    expect(page.locator(".reference").first).to_be_visible()
    visitor.shot("confirmation")
    assert Booking.objects.get().passengers.count() == 4
    assert visitor.problems == []


def test_without_javascript_belek_leads_to_a_list_of_its_hotels(site, traveller):
    Place.objects.create(
        kind="hotel",
        slug="maxx-royal-belek",
        name="Maxx Royal",
        zone=site.catalog.belek,
        latitude=Decimal("36.847000"),
        longitude=Decimal("31.044000"),
    )
    anna: Traveller = traveller("anna", javascript=False)
    page = anna.page
    page.goto(site.url + "/en/")
    page.get_by_label("From", exact=True).fill("AYT")
    page.get_by_label("To", exact=True).fill("belek")
    page.get_by_label("Pickup date", exact=True).fill(future_local(days=20).date().isoformat())
    page.get_by_label("Pickup time", exact=True).fill("12:30")
    page.get_by_role("button", name="See prices").click()
    expect(page.locator("#id_destination_error")).to_have_text("“belek” matches several places: choose one below.")
    choices = page.get_by_role("group", name="To").get_by_role("link")
    expect(choices).to_have_text(["Maxx Royal", "Regnum Carya"])
    anna.shot("choose-a-place")
    choices.filter(has_text="Regnum Carya").click()
    expect(page.get_by_role("heading", level=1, name="Antalya Airport to Regnum Carya")).to_be_visible()
    expect(page.locator(".vehicle__name")).to_have_text(["Sedan", "Minivan", "Minibus"])
    anna.shot("prices")
    assert anna.problems == []
