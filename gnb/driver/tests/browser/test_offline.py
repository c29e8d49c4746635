"""On a phone (390 × 844) in Chromium: the drivers' app installs its service worker, keeps tomorrow's trips, and
takes presses without signal.

A driver signs in and sees tomorrow's three trips. The next morning, on the first, with the signal gone, he presses
on the way, arrived, picked up and records the cash (four presses waiting); a reload still shows the trip; back
online the outbox sends them in order and the server applies each once. A double press sends one move. A trip
given to another driver while the phone had no signal refuses the press queued on it, and the page says why.
Signing out leaves no trip on the phone. A push message shows a notification and reloads the open list.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from gnb.accounts.roles import DISPATCHER
from gnb.bookings.services import Actor
from gnb.fleet import services as fleet
from gnb.fleet.models import Trip, TripEvent
from gnb.fleet.services import RideRef
from gnb.payments.models import Payment
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.browser import PHONE, Screenshots, Traveller, settle
from gnb.testing.catalog import IST, future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle
from gnb.testing.personas import persona

PASSWORD = "Yol-arkadasi-2026"
# Antalya Airport, where the phone says it is.
AIRPORT = {"latitude": 36.8987, "longitude": 30.8005, "accuracy": 12}
TIMEOUT_MS = 15_000


def tomorrow(hour: int, minute: int = 0) -> dt.datetime:
    # Until 11:00 tomorrow is always within the app's next 36 hours, whenever the test runs.
    return future_local(days=1, hour=hour, minute=minute)


@pytest.fixture
def fleet_day(site):
    """Mehmet (signs in with a password) drives tomorrow's three rides in one sedan; Ayşe stands by."""
    catalog = site.catalog
    make_drive_times(catalog)
    mehmet = make_driver("Mehmet", "Yılmaz", languages=["en", "tr"])
    mehmet.user.set_password(PASSWORD)
    mehmet.user.save()
    ayse = make_driver("Ayşe", "Demir")
    sedan, spare = make_vehicle(catalog.sedan, "07 GNB 101"), make_vehicle(catalog.sedan, "07 GNB 202")
    dispatcher = Actor.for_user(persona(DISPATCHER, "deniz"))
    trips = []
    for hour, minute in ((8, 0), (9, 30), (11, 0)):
        booking = place_transfer(transfer_request(pickup_at=tomorrow(hour, minute)))
        trips.append(
            fleet.fleet_assign(
                ride=RideRef(leg_id=booking.legs.get().pk), driver_id=mehmet.pk, vehicle_id=sedan.pk, actor=dispatcher
            )
        )
    return type("FleetDay", (), {"mehmet": mehmet, "ayse": ayse, "spare": spare, "trips": trips, "actor": dispatcher})


def open_phone(browser: Browser, screenshots: Screenshots) -> tuple[Traveller, object]:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=1,
        locale="en-GB",
        permissions=["geolocation", "notifications"],
        geolocation=AIRPORT,
        service_workers="allow",
    )
    context.set_default_timeout(TIMEOUT_MS)
    phone = Traveller("mehmet", context.new_page(), screenshots)
    phone.watch()
    return phone, context


def cached_pages(page: Page) -> list[str]:
    """The paths the service worker keeps for the app's pages."""
    return page.evaluate(
        """async () => {
            const names = await caches.keys();
            const paths = [];
            for (const name of names.filter((n) => n.startsWith("driver-pages"))) {
                for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
            }
            return paths.sort();
        }"""
    )


def wait_until_kept(page: Page, paths: list[str]) -> None:
    page.wait_for_function(
        """async (paths) => {
            const cache = await caches.open("driver-pages");
            const kept = await Promise.all(paths.map((path) => cache.match(new URL(path, location.href).href)));
            return kept.every(Boolean);
        }""",
        arg=paths,
        polling=200,
    )


def sign_in(phone: Traveller, url: str, email: str) -> None:
    page = phone.page
    page.goto(url + "/driver/")
    expect(page).to_have_url(re.compile(r"/driver/sign-in/"))
    form = page.locator("form").filter(has=page.get_by_label("Password"))  # not the emailed link's form
    form.get_by_label("Email address").fill(email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button").click()
    expect(page).to_have_url(url + "/driver/")


def outbox_says(page: Page, waiting: int) -> None:
    expect(page.locator("#outbox .outbox__waiting")).to_have_text(f"Waiting to be sent: {waiting}")


def events(trip: Trip) -> list[tuple[str, str, str]]:
    return list(TripEvent.objects.filter(trip=trip).order_by("pk").values_list("action", "from_status", "to_status"))


def test_a_driver_works_a_trip_without_signal(site, fleet_day, browser, screenshots):
    phone, context = open_phone(browser, screenshots)
    page = phone.page
    sign_in(phone, site.url, fleet_day.mehmet.user.email)
    expect(page.get_by_role("heading", level=1, name=re.compile("^Tomorrow"))).to_be_visible()
    expect(page.locator("a.card.trip")).to_have_count(3)
    phone.shot("tomorrow")

    # The app is installable: its manifest and icons load, and the worker controls the page after a reload.
    settle(page)
    page.reload()
    assert page.evaluate("navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)")
    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href, {credentials: 'include'}).then((r) => r.json())"
    )
    assert (manifest["display"], manifest["start_url"], manifest["scope"]) == ("standalone", "/driver/", "/driver/")
    for icon in manifest["icons"]:
        assert page.evaluate("(src) => fetch(src).then((r) => r.ok && r.headers.get('content-type'))", icon["src"]) == (
            "image/png"
        )
    # Every page of the next 36 hours is kept: the list, each trip and its name sign.
    offline = json.loads(page.evaluate("fetch('/driver/offline.json').then((r) => r.text())"))
    assert len(offline["urls"]) == 7
    wait_until_kept(page, offline["urls"])

    # The next morning, a minute past the first pickup (picked up is refused before the pickup time).
    with time_machine.travel(tomorrow(8, 1).replace(tzinfo=IST), tick=True):
        work_the_day(site, fleet_day, phone, context)
    context.close()


def work_the_day(site, fleet_day, phone: Traveller, context) -> None:
    first, second, third = fleet_day.trips
    page = phone.page
    # No signal: on the way, arrived, picked up, the cash: four presses wait, each shown at once.
    page.reload()
    settle(page)
    page.get_by_role("link", name=re.compile("08:00")).click()
    expect(page.locator(".badge").first).to_have_text("Assigned")
    settle(page)
    context.set_offline(True)
    page.get_by_role("button", name="On the way").click()
    outbox_says(page, 1)
    expect(page.locator(".badge").first).to_have_text("On the way")
    page.get_by_role("button", name="Arrived at pickup").click()
    outbox_says(page, 2)
    page.get_by_role("button", name="Picked up").click()
    outbox_says(page, 3)
    booking = first.riders.get().booking
    page.get_by_role("button", name="Record cash").click()
    outbox_says(page, 4)
    expect(page.locator("#outbox")).to_contain_text("No signal")
    phone.shot("trip-offline-with-outbox")

    # Without signal the worker reaches nothing either (a page it does not keep fails)...
    unkept = page.evaluate("fetch('/driver/trips/999999/').then((r) => r.status, (error) => error.name)")
    assert unkept == "TypeError"
    # ...so a reload shows the kept page, with the presses still waiting on it.
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.locator(".lead").first).to_have_text(booking.lead_name)
    outbox_says(page, 4)
    expect(page.locator(".badge").first).to_have_text("Picked up")
    assert TripEvent.objects.filter(trip=first, action__in=["on_the_way", "arrived", "picked_up"]).count() == 0

    # Signal again: sent in order, each applied once, and the page is the server's again.
    with page.expect_navigation(timeout=30_000):  # all sent, the page reloads from the server
        context.set_offline(False)
    expect(page.locator("#outbox .outbox__waiting")).to_have_count(0)
    expect(page.locator(".badge").first).to_have_text("Picked up")
    assert events(first) == [
        ("assigned", "", "assigned"),
        ("on_the_way", "assigned", "on_the_way"),
        ("arrived", "on_the_way", "arrived"),
        ("picked_up", "arrived", "picked_up"),
    ]
    latitude, longitude = (
        TripEvent.objects.filter(trip=first, action="on_the_way").values_list("latitude", "longitude").get()
    )
    assert (latitude, longitude) == (Decimal("36.898700"), Decimal("30.800500"))
    cash = Payment.objects.filter(booking=booking, provider=Payment.Provider.CASH)
    assert cash.count() == 1
    assert cash.get().amount == booking.total

    # A double press of a step sends one move.
    settle(page)
    page.goto(site.url + f"/driver/trips/{second.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="On the way").dblclick()
    expect(page.locator(".badge").first).to_have_text("On the way")
    expect(page.locator("#outbox .outbox__waiting")).to_have_count(0)
    assert [action for action, *_ in events(second)] == ["assigned", "on_the_way"]

    # Without signal the driver sets off to the third ride, which the dispatcher has meanwhile given to Ayşe.
    settle(page)
    page.goto(site.url + f"/driver/trips/{third.pk}/")
    settle(page)
    context.set_offline(True)
    page.get_by_role("button", name="On the way").click()
    outbox_says(page, 1)
    fleet.fleet_reassign(
        trip_id=third.pk,
        driver_id=fleet_day.ayse.pk,
        vehicle_id=fleet_day.spare.pk,
        actor=fleet_day.actor,
        reason="Mehmet's earlier ride runs late",
    )
    # Back online, the press is refused; the trip is no longer his, so the phone shows his list, saying why.
    with page.expect_navigation(url=site.url + "/driver/", timeout=30_000):
        context.set_offline(False)
    refused = page.locator("#outbox .outbox__refused")
    expect(refused).to_be_visible()
    expect(page.locator("a.card.trip")).to_have_count(2)
    expect(refused.get_by_role("heading")).to_have_text("Why your queued press was refused")
    expect(refused.locator("li")).to_have_count(1)
    expect(refused.locator("li")).to_contain_text("On the way")
    phone.shot("refused")
    third.refresh_from_db()
    assert (third.driver_id, third.status) == (fleet_day.ayse.pk, Trip.Status.ASSIGNED)
    assert [action for action, *_ in events(third)] == ["assigned", "reassigned"]

    # Read: the note goes (it stays until then, across pages and reloads).
    page.get_by_role("button", name="Understood").click()
    expect(refused).to_have_count(0)

    # The name sign for the travellers at arrivals.
    settle(page)
    page.goto(site.url + f"/driver/trips/{second.pk}/sign/")
    phone.shot("name-sign")

    # Signing out: the phone keeps no trip.
    assert any(path.startswith("/driver/trips/") for path in cached_pages(page))
    settle(page)
    page.goto(site.url + "/driver/")
    settle(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/driver/sign-in/"))
    assert not [path for path in cached_pages(page) if path.startswith("/driver/trips/")]
    # What went wrong on the way is what should: requests without signal, and the one refused press.
    # The refused press (409), and its page, no longer his (404).
    refused_press = (
        f"HTTP 409 for POST {site.url}/driver/trips/{third.pk}/status",
        f"HTTP 404 for GET {site.url}/driver/trips/{third.pk}/",
        *(
            f"console error on {site.url}/driver/trips/{third.pk}/: Failed to load resource: the server responded "
            f"with a status of {status}"
            for status in ("409 (Conflict)", "404 (Not Found)")
        ),
    )
    unexpected = [
        problem
        for problem in phone.problems
        if problem not in refused_press
        and "net::ERR_INTERNET_DISCONNECTED" not in problem
        and not (problem.endswith("net::ERR_FAILED") and ("/999999/" in problem or "console error" in problem))
    ]
    assert unexpected == [], unexpected


def test_a_push_shows_a_notification_and_the_open_list_reloads(site, fleet_day, browser, screenshots):
    phone, context = open_phone(browser, screenshots)
    page = phone.page
    sign_in(phone, site.url, fleet_day.mehmet.user.email)
    page.reload()
    assert page.evaluate("navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)")
    # Chromium's DevTools protocol delivers a push message to the worker as the push service would.
    devtools = context.new_cdp_session(page)
    registrations: list[str] = []
    devtools.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(item["registrationId"] for item in event["registrations"]),
    )
    devtools.send("ServiceWorker.enable")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    deadline = 50
    while not registrations and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    trip = fleet_day.trips[0]
    message = {"title": "Trip changed", "body": "Pickup now 08:15", "url": f"/driver/trips/{trip.pk}/"}
    with page.expect_navigation():  # the open list reloads to show the change
        devtools.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": site.url, "registrationId": registrations[0], "data": json.dumps(message)},
        )
    shown = page.evaluate(
        """navigator.serviceWorker.ready
            .then((registration) => registration.getNotifications())
            .then((notes) => notes.map((note) => [note.title, note.body, note.data.url]))"""
    )
    assert shown == [["Trip changed", "Pickup now 08:15", f"{site.url}/driver/trips/{trip.pk}/"]]
    assert phone.problems == [], phone.problems
    context.close()
