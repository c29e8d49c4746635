"""In a real browser at the back office's size (1366 × 900): staff give a drop-off's departure flight on the booking's
details page, and the booking keeps it."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from gnb.accounts.roles import MANAGER
from gnb.testing.bookings import place_transfer_to_the_airport_in
from gnb.testing.browser import Traveller
from gnb.testing.personas import authenticator_code, authenticator_enrol, persona

DESK = {"width": 1366, "height": 900}
PASSWORD = "Bookings-desk-2025!"


def test_staff_give_a_drop_offs_departure_flight(site, browser, screenshots):
    booking = place_transfer_to_the_airport_in(hours=48)
    leg = booking.legs.get()
    departs = timezone.localtime(leg.pickup_at, leg.destination.tzinfo) + dt.timedelta(hours=3)
    selin = persona(MANAGER, "selin", password=PASSWORD)
    device, _codes = authenticator_enrol(selin)
    context = browser.new_context(viewport=DESK, device_scale_factor=1, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    desk = Traveller("selin", page, screenshots)
    desk.watch()
    edit = reverse("admin:bookings_booking_edit_details", args=[booking.pk])
    page.goto(site.url + "/admin/login/?next=" + edit)
    page.get_by_label("Username").fill("selin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Authentication code").fill(authenticator_code(device, steps_ahead=1))
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Departure flight number").fill("PC 2010")
    page.locator("input[name=flight_departure_at_0]").fill(departs.strftime("%Y-%m-%d"))
    page.locator("input[name=flight_departure_at_1]").fill(departs.strftime("%H:%M"))
    desk.shot("drop-off-flight-1366x900")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".messagelist")).to_be_visible()
    leg.refresh_from_db()
    assert (leg.flight_number, leg.flight_departure_at) == ("PC2010", departs)
    desk.shot("drop-off-flight-saved-1366x900")
