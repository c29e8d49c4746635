"""In a real browser at the back office's size (1366 × 900): a manager opens the bookings list on a day of 200 rides
and reads one line per booking, the next pickup first, with nothing wrapped, clipped or running off the side."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from gnb.accounts.roles import MANAGER
from gnb.testing.bookings import place_a_day_of_rides
from gnb.testing.browser import Traveller
from gnb.testing.personas import authenticator_code, authenticator_enrol, persona

DESK = {"width": 1366, "height": 900}
PASSWORD = "Bookings-desk-2025!"


def test_two_hundred_rides_fit_one_line_each_at_1366_px(site, browser, screenshots):
    hotel = site.catalog.belek_hotel  # a hotel name as long as the coast's longest: cut short, whole in the title
    hotel.name = "Kaya Palazzo Golf Resort & Spa Belek"
    hotel.save()
    rides = place_a_day_of_rides(site.catalog, count=200)
    selin = persona(MANAGER, "selin", password=PASSWORD)
    device, _codes = authenticator_enrol(selin)

    context = browser.new_context(viewport=DESK, device_scale_factor=1, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    desk = Traveller("selin", page, screenshots)
    desk.watch()
    page.goto(site.url + "/admin/login/?next=/admin/bookings/booking/")
    page.get_by_label("Username").fill("selin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authentication code").fill(authenticator_code(device, steps_ahead=1))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Select booking to change")

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(200)
    # The next pickup first.
    expect(rows.first.locator("th")).to_have_text(rides[0].reference)
    page.screenshot(path=str(screenshots.folder / "bookings-list-1366x900.png"))
    desk.shot("bookings-list-full")

    assert_one_line_each(page)
    # A booking's page: its "History" button goes to the history on the page, its buttons are what staff may do.
    rows.first.locator("th a").click()
    expect(page.get_by_role("heading", level=2, name=rides[0].reference)).to_be_visible()
    page.screenshot(path=str(screenshots.folder / "booking-change-1366x900.png"))
    page.get_by_role("link", name="History", exact=True).click()
    expect(page).to_have_url(re.compile(r"/change/#events-group$"))
    expect(page.locator("#events-group")).to_be_in_viewport()
    page.screenshot(path=str(screenshots.folder / "booking-history-1366x900.png"))
    page.go_back()
    page.go_back()

    # Tomorrow's switch keeps to its day (the rides are the day after tomorrow: none).
    page.get_by_role("link", name="Tomorrow", exact=True).first.click()
    expect(page.locator("#result_list tbody tr")).to_have_count(0)
    # The back office has no icon of its own: Chromium's request for /favicon.ico shows as a console line on the first
    # page; nothing else may go wrong.
    favicon = f"console error on {site.url}/admin/login/?next=/admin/bookings/booking/: Failed to load resource: "
    assert [problem for problem in desk.problems if not problem.startswith(favicon)] == []

    # The same list in Turkish, the office's own language (longer status and payment words).
    turkish = browser.new_context(
        viewport=DESK, device_scale_factor=1, locale="tr-TR", storage_state=context.storage_state()
    )
    turkish.set_default_timeout(20_000)
    page = turkish.new_page()
    page.goto(site.url + "/admin/bookings/booking/")
    expect(page.locator("#result_list tbody tr")).to_have_count(200)
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    page.screenshot(path=str(screenshots.folder / "bookings-list-tr-1366x900.png"))
    assert_one_line_each(page)
    turkish.close()
    context.close()


def assert_one_line_each(page) -> None:
    """Every booking on one line of the same height, every column shown without scrolling, nothing cut but the
    places of a route (whole in its title)."""
    layout = page.evaluate(
        """() => {
            const rows = [...document.querySelectorAll('#result_list tbody tr')];
            const heights = rows.map(row => Math.round(row.getBoundingClientRect().height));
            const cells = [...document.querySelectorAll('#result_list td, #result_list th')];
            // A cell whose content is wider than the cell is clipped (the route is cut on purpose, with a title).
            const clipped = cells.filter(cell => cell.scrollWidth > cell.clientWidth + 1).map(cell => cell.className);
            const cut = [...document.querySelectorAll('.gnb-place')].filter(
                span => span.scrollWidth > span.clientWidth && !span.closest('.gnb-route').title).length;
            const results = document.querySelector('#changelist .results');
            return {
                heights: [Math.min(...heights), Math.max(...heights)],
                pageWidth: document.documentElement.scrollWidth,
                // The table scrolls inside its box when it is wider: every column must show without scrolling.
                tableOverflow: results.scrollWidth - results.clientWidth,
                clipped, cut,
            };
        }"""
    )
    assert layout["pageWidth"] <= DESK["width"], layout  # nothing runs off the side
    assert layout["tableOverflow"] <= 0, layout
    low, high = layout["heights"]
    assert high == low and high <= 40, layout  # one line per booking
    assert layout["clipped"] == [] and layout["cut"] == 0, layout
