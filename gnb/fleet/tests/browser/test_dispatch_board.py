"""In a real browser at the back office's size (1366 × 900): a dispatcher signs in with password and authenticator
code, opens tomorrow's board with the keyboard, assigns three rides, sees a conflicting assignment refused with its
reason, and opens a trip's manifest PDF."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from gnb.accounts.roles import DISPATCHER
from gnb.fleet import services
from gnb.fleet.models import Trip
from gnb.fleet.services import Actor, RideRef
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.browser import Traveller
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle
from gnb.testing.personas import authenticator_code, authenticator_enrol, persona

DESK = {"width": 1366, "height": 900}
PASSWORD = "Dispatch-desk-2025!"


def tomorrow(hour: int, minute: int = 0) -> dt.datetime:
    return future_local(days=1, hour=hour, minute=minute)


def test_a_dispatcher_runs_tomorrow_from_the_board(site, browser, screenshots):
    catalog = site.catalog
    make_drive_times(catalog)  # 45 minutes between zones, 30 of turnaround: a trip is busy for 75 minutes
    rides = [
        place_transfer(transfer_request(pickup_at=tomorrow(9))),
        place_transfer(
            transfer_request(destination="titanic-lara", pickup_at=tomorrow(9, 15), adults=4), vehicle_class="minivan"
        ),
        place_transfer(transfer_request(pickup_at=tomorrow(13))),
    ]
    # Two rides at 15:00: the dispatcher takes one, another dispatcher the other at the same time.
    contested, taken_meanwhile = (place_transfer(transfer_request(pickup_at=tomorrow(15))) for _ in range(2))
    ayse, burak = make_driver("Ayşe", "Demir"), make_driver("Burak", "Kaya")
    sedan = make_vehicle(catalog.sedan, "07 ABC 101")
    make_vehicle(catalog.minivan, "07 ABC 202")
    make_vehicle(catalog.sedan, "07 ABC 303")
    dilek = persona(DISPATCHER, "dilek", password=PASSWORD)
    device, _codes = authenticator_enrol(dilek)

    context = browser.new_context(viewport=DESK, device_scale_factor=1, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    desk = Traveller("dilek", page, screenshots)
    desk.watch()

    # Password and the code from the authenticator app, on one form.
    page.goto(site.url + "/admin/login/?next=/admin/fleet/trip/board/")
    page.get_by_label("Username").fill("dilek")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authentication code").fill(authenticator_code(device, steps_ahead=1))
    desk.shot("login")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dispatch board")

    # "]" opens the next day: tomorrow.
    day = tomorrow(12).date().isoformat()
    page.wait_for_load_state()  # board.js, which listens for the keys, has run
    page.locator("body").press("]")
    expect(page).to_have_url(re.compile(rf"/admin/fleet/trip/board/\?day={day}$"))
    expect(page.locator("tr.fleet-ride")).to_have_count(5)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]  # nothing runs off the side
    desk.shot("tomorrow")

    def assign(booking, driver: str, vehicle: str) -> None:
        page.locator(f"tr#leg-{booking.legs.get().pk}").get_by_role("link", name="Assign").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Assign {booking.reference}")
        page.get_by_label("Driver", exact=True).select_option(label=driver)
        page.get_by_label("Vehicle", exact=True).select_option(label=vehicle)
        desk.shot(f"assign-{booking.reference}")
        page.get_by_role("button", name="Assign").click()
        expect(page.locator(".messagelist .success")).to_contain_text(
            f"{driver}, {vehicle.split(' · ')[0]} for {booking.reference}"
        )

    assign(rides[0], "Ayşe Demir", "07 ABC 101 · Sedan · 3/3")
    # Ayşe is on the 09:00 trip until 10:15: for the 09:15 ride she is not offered, and the page says why.
    page.locator(f"tr#leg-{rides[1].legs.get().pk}").get_by_role("link", name="Assign").click()
    expect(page.locator("#id_driver option")).to_have_text(["Burak Kaya"])
    why_not = page.locator("details.fleet-why-not")
    why_not.locator("summary").click()
    first = Trip.objects.get(riders__booking=rides[0])
    expect(why_not).to_contain_text(
        f"Ayşe Demir is on trip T{first.pk} (Antalya Airport → Belek, 09:00–10:15) at that time."
    )
    expect(why_not).to_contain_text("The traveller booked a Minivan; 07 ABC 303 is a Sedan.")
    desk.shot("why-not")
    page.go_back()
    assign(rides[1], "Burak Kaya", "07 ABC 202 · Minivan · 7/7")
    assign(rides[2], "Ayşe Demir", "07 ABC 101 · Sedan · 3/3")

    # The form for 15:00 offers Ayşe; before it is sent, another dispatcher gives her the other 15:00 ride.
    page.locator(f"tr#leg-{contested.legs.get().pk}").get_by_role("link", name="Assign").click()
    page.get_by_label("Driver", exact=True).select_option(label="Ayşe Demir")
    page.get_by_label("Vehicle", exact=True).select_option(label="07 ABC 303 · Sedan · 3/3")
    other = services.fleet_assign(
        ride=RideRef(leg_id=taken_meanwhile.legs.get().pk),
        driver_id=ayse.pk,
        vehicle_id=sedan.pk,
        actor=Actor("another dispatcher"),
    )
    page.get_by_role("button", name="Assign").click()
    refusal = page.locator(".messagelist .error")
    expect(refusal).to_have_text(
        f"Assignment refused: Ayşe Demir is on trip T{other.pk} (Antalya Airport → Belek, 15:00–16:15) at that "
        f"time. See trip T{other.pk} on the board."
    )
    desk.shot("refused")
    assert not Trip.objects.filter(riders__booking=contested).exists()
    assert Trip.objects.filter(driver=burak).count() == 1
    assert Trip.objects.exclude(status=Trip.Status.RELEASED).count() == 4
    expect(page.locator("#drivers .fleet-trip")).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]

    # The manifest of the first trip, from its link on Ayşe's row.
    link = page.locator(f"#trip-{first.pk}").get_by_role("link", name="Manifest PDF")
    response = page.request.get(site.url + link.get_attribute("href"))
    assert (response.status, response.headers["content-type"]) == (200, "application/pdf")
    assert response.body().startswith(b"%PDF-")
    page.locator(f"#trip-{first.pk}").scroll_into_view_if_needed()
    desk.shot("assigned")
    # The back office has no icon of its own: Chromium's own request for /favicon.ico (which the page's listeners
    # do not see) is reported on the first page as a console line; nothing else may go wrong.
    favicon = f"console error on {site.url}/admin/login/?next=/admin/fleet/trip/board/: Failed to load resource: "
    assert [p for p in desk.problems if not p.startswith(favicon)] == []
    context.close()
