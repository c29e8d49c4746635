"""On a phone (390 × 844): the extras offer no more seats than the party has children and infants, and seats of two
kinds for the same child are refused next to the extra, in words, with everything typed kept."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from playwright.sync_api import expect

from gnb.bookings.models import Booking
from gnb.testing.browser import fill_transfer_details
from gnb.testing.catalog import future_local, seats_for_children


def test_a_family_with_one_child_is_offered_one_seat_and_refused_two(site, traveller):
    seats_for_children(site.catalog)
    pickup = future_local(days=20, hour=14, minute=0)
    query = {
        "origin": "ayt",
        "destination": "regnum-carya",
        "date": pickup.date().isoformat(),
        "time": "14:00",
        "adults": "2",
        "children": "1",
        "infants": "0",
        "bags": "2",
        "vehicle": "minivan",
    }
    anna = traveller("anna")
    page = anna.page
    page.goto(f"{site.url}/en/transfers/book/?{urlencode(query)}")
    # One child, no infant: at most one child seat and one booster, no baby seat at all.
    expect(page.get_by_label("Child seat", exact=True).locator("option")).to_have_text(["0", "1"])
    expect(page.get_by_label("Booster seat", exact=True).locator("option")).to_have_text(["0", "1"])
    expect(page.get_by_label("Baby seat", exact=True)).to_have_count(0)

    fill_transfer_details(page, child_seats=1)
    page.get_by_label("Booster seat", exact=True).select_option("1")
    page.get_by_role("button", name="Continue to review").click()
    booster = page.locator("li.extra", has=page.get_by_label("Booster seat", exact=True))
    expect(booster).to_have_class(re.compile(r"\bfield--error\b"))
    expect(booster).to_contain_text("Child seat + Booster seat: at most 1 together for 1 child.")
    expect(page.get_by_label("Email", exact=True)).to_have_value("anna@example.com")
    booster.scroll_into_view_if_needed()
    anna.page.screenshot(path=str(anna.screenshots.folder / "extras-refused-390x844.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side

    page.get_by_label("Booster seat", exact=True).select_option("0")
    page.get_by_role("button", name="Continue to review").click()
    expect(page).to_have_url(re.compile(r"/en/checkout/review/$"))
    assert not Booking.objects.exists()
    assert anna.problems == []
