"""On the Arabic site the route, the party and the phone read in the right order, checked by where they are drawn.

Arabic reads right to left, so on a phone (390 × 844) the first thing of a line is the rightmost: the origin of a
ride sits to the right of its destination with the arrow between them pointing left; a passenger's name to the right
of their category; the lead contact's name to the right of their phone. Inside a Latin part the order stays left to
right: the "+" of a phone number is left of its digits, "Antalya" left of "Airport".
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from django.utils import translation
from playwright.sync_api import FloatRect, Locator, Page, expect

from gnb.bookings.models import Booking
from gnb.testing.catalog import future_local
from gnb.testing.website import book_url

SHOTS = Path("/tmp/shots18/rtl")


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def right_of(first: Locator, second: Locator) -> bool:
    """``first`` is drawn wholly to the right of ``second``: read before it in a right-to-left line."""
    a, b = box(first), box(second)
    return a["x"] >= b["x"] + b["width"] - 0.5


def character_lefts(page: Page, locator: Locator, count: int) -> list[float]:
    """The left edges of the first ``count`` characters of ``locator``'s text, as drawn."""
    return locator.evaluate(
        """(element, count) => {
            const node = element.firstChild, range = document.createRange(), lefts = [];
            for (let i = 0; i < count; i++) {
                range.setStart(node, i); range.setEnd(node, i + 1);
                lefts.push(range.getBoundingClientRect().left);
            }
            return lefts;
        }""",
        count,
    )


def assert_route_reads_right_to_left(page: Page, route: Locator) -> None:
    origin, arrow, destination = route.locator("bdi").nth(0), route.locator(".arrow"), route.locator("bdi").nth(1)
    expect(origin).to_have_text("Antalya Airport")
    expect(destination).to_have_text("Regnum Carya")
    assert right_of(origin, arrow) and right_of(arrow, destination)
    # The arrow is drawn mirrored, so it points left, from the origin to the destination.
    assert arrow.evaluate("e => getComputedStyle(e).transform") == "matrix(-1, 0, 0, 1, 0, 0)"
    # Inside the name, Latin order: "Antalya" is left of "Airport".
    lefts = character_lefts(page, origin, 9)
    assert lefts == sorted(lefts)


def assert_phone_reads_left_to_right(page: Page, phone: Locator) -> None:
    expect(phone).to_have_text("+905321234567")
    expect(phone).to_have_attribute("dir", "ltr")
    plus, first_digit, second_digit = character_lefts(page, phone, 3)
    assert plus < first_digit < second_digit  # "+90…", not "…90+"


def test_arabic_route_party_and_phone_read_in_order(site, traveller):
    visitor = traveller("ar", locale="ar")
    page = visitor.page
    with translation.override("ar"):
        url = site.url + book_url()
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    visitor.shot("details-empty")

    arrival = future_local(days=20, hour=13, minute=40)
    for field, value in {
        "email": "anna@example.com",
        "phone": "+90 532 123 45 67",
        "passenger_0_first_name": "Anna",
        "passenger_0_last_name": "Smith",
        "passenger_1_first_name": "محمد",
        "passenger_1_last_name": "علي",
        "passenger_2_first_name": "Tom",
        "passenger_2_last_name": "Smith",
        "flight_number": "TK 2412",
        "flight_arrival_0": arrival.date().isoformat(),
        "flight_arrival_1": arrival.strftime("%H:%M"),
    }.items():
        page.locator(f"#id_{field}").fill(value)
    # A typed phone number stays left to right in the field, against its right edge.
    phone_field = page.locator("#id_phone")
    assert phone_field.evaluate("e => getComputedStyle(e).direction") == "ltr"
    visitor.shot("details-filled")
    page.locator("form.checkout__form button[type=submit], form button[type=submit]").last.click()

    # Review: the route, the lead contact and the party.
    expect(page).to_have_url(re.compile(r"/ar/.*review"))
    facts = page.locator(".facts")
    route = facts.locator("dd").filter(has=page.locator(".arrow")).first
    assert_route_reads_right_to_left(page, route)
    contact = facts.locator("dd").filter(has_text="anna@example.com")
    name, email, phone = contact.locator("bdi").nth(0), contact.locator("bdi").nth(1), contact.locator("bdi").nth(2)
    expect(name).to_have_text("Anna Smith")
    # Name, email and phone one under the other, each starting at the right edge.
    assert box(name)["y"] < box(email)["y"] < box(phone)["y"]
    edge = box(contact)["x"] + box(contact)["width"]
    for part in (name, email, phone):
        assert abs(box(part)["x"] + box(part)["width"] - edge) < 2
    assert_phone_reads_left_to_right(page, phone)
    party = facts.locator("ul.plain li")
    expect(party).to_have_text(["Anna Smith", "محمد علي", "Tom Smith"])
    visitor.shot("review")

    page.locator("form button[type=submit]").last.click()  # cash, chosen on the review page
    expect(page).to_have_url(re.compile(r"/ar/manage/GNB-[A-Z0-9]{4}-[A-Z0-9]{4}/[\w-]+/confirmed/$"))
    booking = Booking.objects.get()
    assert booking.language == "ar" and booking.lead_phone == "+905321234567"

    # Confirmation: the reference left to right, the route and the contact as on the review, and each passenger's
    # name read before their category.
    reference = page.locator(".reference bdi")
    expect(reference).to_have_text(booking.reference)
    lefts = character_lefts(page, reference, 4)
    assert lefts == sorted(lefts)  # "GNB-", in that order
    facts = page.locator(".facts")
    assert_route_reads_right_to_left(page, facts.locator("dd").filter(has=page.locator(".arrow")).first)
    assert_phone_reads_left_to_right(page, facts.locator("bdi[dir=ltr]").filter(has_text="+90"))
    passengers = facts.locator("ul.plain li")
    expect(passengers).to_have_count(3)
    for index in range(3):
        passenger = passengers.nth(index)
        assert right_of(passenger.locator("bdi"), passenger.locator(".muted"))
    # The first passenger's line starts at the right edge of the list, as the page's lines do.
    first, ul = box(passengers.nth(0).locator("bdi")), box(facts.locator("ul.plain").first)
    assert abs((first["x"] + first["width"]) - (ul["x"] + ul["width"])) < 2
    visitor.shot("confirmed")
    assert visitor.problems == []

    SHOTS.mkdir(parents=True, exist_ok=True)
    for shot in sorted(visitor.screenshots.folder.glob("*.png")):
        shutil.copy(shot, SHOTS / f"order-{shot.name}")
