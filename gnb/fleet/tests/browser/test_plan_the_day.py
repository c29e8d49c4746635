"""In a real browser at the back office's size (1366 × 900), in English and Turkish: a dispatcher plans tomorrow
from the board, reads the proposal, leaves one change out, applies the others and sees what became of each."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from gnb.accounts.roles import DISPATCHER
from gnb.fleet.models import DispatchProposal, Trip
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.browser import Traveller
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle
from gnb.testing.personas import authenticator_code, authenticator_enrol, persona

DESK = {"width": 1366, "height": 900}
PASSWORD = "Dispatch-desk-2025!"


def tomorrow(hour: int, minute: int = 0) -> dt.datetime:
    return future_local(days=1, hour=hour, minute=minute)


def test_a_dispatcher_plans_tomorrow_and_applies_part_of_the_plan(site, browser, screenshots, settings):
    settings.GNB_DISPATCH_TIME_LIMIT_SECONDS = 1
    catalog = site.catalog
    make_drive_times(catalog)
    rides = [
        place_transfer(transfer_request(pickup_at=tomorrow(8))),
        place_transfer(
            transfer_request(destination="titanic-lara", pickup_at=tomorrow(9, 30), adults=5, luggage=5),
            vehicle_class="minivan",
        ),
        place_transfer(transfer_request(pickup_at=tomorrow(11))),
        place_transfer(transfer_request(destination="titanic-lara", pickup_at=tomorrow(14))),
        place_transfer(transfer_request(pickup_at=tomorrow(17, 45))),
    ]
    make_driver("Ayşe", "Demir")
    make_driver("Burak", "Kaya", languages=["tr", "ru"])
    make_vehicle(catalog.sedan, "07 ABC 101")
    make_vehicle(catalog.minivan, "07 ABC 202")
    dilek = persona(DISPATCHER, "dilek", password=PASSWORD)
    device, _codes = authenticator_enrol(dilek)

    context = browser.new_context(viewport=DESK, device_scale_factor=1, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    desk = Traveller("dilek", page, screenshots)
    desk.watch()
    day = tomorrow(12).date().isoformat()
    page.goto(site.url + f"/admin/login/?next=/admin/fleet/trip/board/%3Fday%3D{day}")
    page.get_by_label("Username").fill("dilek")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authentication code").fill(authenticator_code(device, steps_ahead=1))
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("tr.fleet-ride")).to_have_count(5)

    # The plan form sits above the waiting rides: this day, moves of assigned trips off unless ticked.
    plan = page.locator("#fleet-plan")
    expect(plan.get_by_label("this day")).to_be_checked()
    expect(plan.get_by_label("allow moving assigned trips")).not_to_be_checked()
    page.screenshot(path=str(screenshots.folder / "plan-the-day-board-1366x900.png"))
    plan.get_by_role("button", name="Propose a plan").click()

    proposal = DispatchProposal.objects.get()
    expect(page).to_have_url(re.compile(rf"/admin/fleet/trip/board/plan/{proposal.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Plan P{proposal.pk}")
    items = page.locator("#changes tbody tr")
    count = proposal.items.count()
    assert count >= 3  # two drivers and two vehicles cover most of a five-ride day
    expect(items).to_have_count(count)
    expect(page.locator("#changes input[name=item]:checked")).to_have_count(count)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
    page.screenshot(path=str(screenshots.folder / "plan-the-day-proposal-1366x900.png"), full_page=True)

    # Leave the first change out, apply the rest.
    first = proposal.items.order_by("starts_at", "pk").first()
    assert first is not None
    page.locator(f"#tick-{first.pk}").uncheck()
    page.get_by_role("button", name="Apply selected").click()
    expect(page.locator(".messagelist .success")).to_have_text(f"Applied {count - 1}, skipped 0, refused 0.")
    expect(page.locator(".fleet-outcome-applied")).to_have_count(count - 1)
    expect(page.locator("#changes input[name=item]")).to_have_count(1)  # the one left out can still be applied
    page.screenshot(path=str(screenshots.folder / "plan-the-day-applied-1366x900.png"), full_page=True)
    assert Trip.objects.filter(riders__booking__in=rides).count() == count - 1
    assert not Trip.objects.filter(riders__leg_id=first.leg_id).exists()
    favicon = f"console error on {site.url}/admin/login/"
    assert [problem for problem in desk.problems if not problem.startswith(favicon)] == []

    # The same pages in Turkish, the office's own language.
    turkish = browser.new_context(
        viewport=DESK, device_scale_factor=1, locale="tr-TR", storage_state=context.storage_state()
    )
    turkish.set_default_timeout(20_000)
    page = turkish.new_page()
    page.goto(site.url + f"/admin/fleet/trip/board/?day={day}")
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    page.screenshot(path=str(screenshots.folder / "plan-the-day-board-tr-1366x900.png"))
    page.goto(site.url + f"/admin/fleet/trip/board/plan/{proposal.pk}/")
    expect(page.locator("#changes tbody tr")).to_have_count(count)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
    page.screenshot(path=str(screenshots.folder / "plan-the-day-proposal-tr-1366x900.png"), full_page=True)
    turkish.close()
    context.close()
