"""A tour departure with three seats sells out to two travellers; the third sees "sold out" and cannot book."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from gnb.bookings.models import Booking
from gnb.catalog.models import TourDeparture
from gnb.core.formats import format_datetime
from gnb.testing.bookings import letters
from gnb.testing.browser import breakdown, pay_cash


def _slot_label(departure: TourDeparture) -> str:
    return format_datetime(timezone.localtime(departure.starts_at), "en", style="day")


def _seats_left(count: int) -> str:
    return "1 seat left" if count == 1 else f"{count} seats left"


def _book_tour(traveller, site_url: str, departure: TourDeparture, *, adults: int, seats_left: int, total: str):
    page = traveller.page
    page.goto(f"{site_url}/en/tours/perge-aspendos/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Perge & Aspendos")
    page.get_by_label("Adults", exact=True).fill(str(adults))
    slot = page.get_by_role("button", name=f"{_slot_label(departure)} — {_seats_left(seats_left)}")
    expect(slot).to_have_text(re.compile(rf"^{timezone.localtime(departure.starts_at):%H:%M}\s*{seats_left} left$"))
    traveller.shot("tour")
    slot.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    expect(page).to_have_url(re.compile(rf"/en/tours/perge-aspendos/book/\?.*departure={departure.pk}"))
    expect(page.locator(".summary")).to_contain_text(_seats_left(seats_left))
    name = traveller.name.capitalize()
    page.get_by_label("Email", exact=True).fill(f"{traveller.name}@example.com")
    page.get_by_label("Mobile phone", exact=True).fill("+44 7911 123456")
    passengers = page.locator(".passenger")
    expect(passengers).to_have_count(adults)
    for index in range(adults):
        passengers.nth(index).get_by_label("First name", exact=True).fill(f"{name} {letters(index)}")
        passengers.nth(index).get_by_label("Last name", exact=True).fill("Brown")
    # The hotel is chosen like a transfer's place (the list offers the tour's zones only); Belek is collected
    # 45 minutes before the departure.
    hotel = page.get_by_label("Your hotel", exact=True)
    expect(hotel).to_have_attribute("list", "tour-places")
    hotel.fill("Regnum Carya")
    pickup = timezone.localtime(departure.starts_at) - dt.timedelta(minutes=45)
    expect(page.locator(".pickup-times")).to_contain_text(f"Belek {pickup:%H:%M}")
    traveller.shot("details")
    page.get_by_role("button", name="Continue to review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review and pay")
    expect(page.locator(".facts")).to_contain_text("Regnum Carya")
    assert breakdown(page)[-1] == ["Total", total]
    traveller.shot("review")
    return pay_cash(traveller, total)


def test_a_departure_sells_out_and_the_next_traveller_sees_sold_out(site, traveller):
    starts = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=14)
    departure = TourDeparture.objects.create(tour=site.catalog.tour, starts_at=starts, capacity=3)

    first = _book_tour(traveller("alice"), site.url, departure, adults=2, seats_left=3, total="€90.00")
    second = _book_tour(traveller("bob"), site.url, departure, adults=1, seats_left=1, total="€45.00")
    bookings = Booking.objects.filter(tour_departure=departure).order_by("created_at")
    assert [(b.reference, b.adults, b.status) for b in bookings] == [(first, 2, "confirmed"), (second, 1, "confirmed")]

    carol = traveller("carol")
    page = carol.page
    page.goto(f"{site.url}/en/tours/perge-aspendos/")
    full = page.locator(".slot--full")
    expect(full).to_have_count(1)
    expect(full).to_have_text(f"{starts:%H:%M}sold out")
    expect(page.get_by_role("button", name=re.compile(f"^{re.escape(_slot_label(departure))} "))).to_have_count(0)
    # The other departure of the tour is untouched.
    other = site.catalog.departure
    expect(page.get_by_role("button", name=f"{_slot_label(other)} — 20 seats left")).to_be_visible()
    carol.shot("calendar-sold-out")

    # A link to the sold-out departure (an old tab, the back button) answers "Sold out" and books nothing.
    response = page.goto(
        f"{site.url}/en/tours/perge-aspendos/book/?departure={departure.pk}&adults=1&children=0&infants=0"
    )
    assert response is not None and response.status == 409
    expect(page.get_by_role("alert")).to_have_text(
        "Sold out — this departure has no seats left or is closed for booking."
    )
    expect(page.get_by_role("link", name="Choose another departure")).to_have_attribute(
        "href", "/en/tours/perge-aspendos/#book"
    )
    carol.shot("booking-sold-out")
    assert Booking.objects.filter(tour_departure=departure).count() == 2
