"""A traveller books an airport transfer on a phone, gets the email with the voucher, and cancels from its link."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import unquote

from django.utils import timezone
from playwright.sync_api import expect

from gnb.bookings.models import Booking
from gnb.core.formats import format_datetime
from gnb.testing.bookings import place_transfer_to_the_airport_in
from gnb.testing.browser import (
    PASSENGERS,
    breakdown,
    fill_transfer_details,
    pay_cash,
    run_worker,
    search_transfer,
)
from gnb.testing.catalog import future_local

MANAGE_LINK = re.compile(r"http://localhost:\d+/en/manage/GNB-[A-Z0-9]{4}-[A-Z0-9]{4}/[\w-]+/")


def _book_family_transfer(traveller, site_url: str, *, javascript: bool) -> Booking:
    """Search, choose the minivan, type the details with a child seat, review and book paying cash."""
    landing = future_local(days=20, hour=14, minute=0)
    pickup = landing + dt.timedelta(minutes=45)  # GNB_PICKUP_MINUTES_AFTER_LANDING
    search_transfer(traveller, site_url, landing, children=1, javascript=javascript)
    page = traveller.page
    expect(page.locator(".vehicle__name")).to_have_text(["Sedan", "Minivan", "Minibus"])
    expect(page.locator(".vehicle .price__amount")).to_have_text(["€40.00", "€55.00", "€90.00"])
    expect(page.locator(".trip-head__timing")).to_have_text(
        "Your flight lands at 14:00: the driver picks you up 45 minutes later."
    )
    traveller.shot("results")

    page.get_by_role("link", name="Book this car — Minivan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details")
    # The landing given with the search is shown, not asked again.
    expect(page.get_by_label("Landing date", exact=True)).to_have_value(landing.date().isoformat())
    expect(page.get_by_label("Landing time", exact=True)).to_have_value("14:00")
    fill_transfer_details(page, child_seats=1)
    traveller.shot("details")
    page.get_by_role("button", name="Continue to review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review and pay")
    assert breakdown(page) == [["Transfer", "€55.00"], ["Child seat", "€5.00"], ["Total", "€60.00"]]
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Antalya Airport → Regnum Carya")
    expect(facts).to_contain_text(f"{format_datetime(pickup, 'en', style='weekday')} · flight TK2412 · lands 14:00")
    expect(facts.locator("ul.plain li")).to_have_text(["Anna Smith", "John Smith", "Tom Smith"])
    traveller.shot("review")

    reference = pay_cash(traveller, "€60.00")
    booking = Booking.objects.get()
    assert reference == booking.reference
    assert (booking.status, booking.payment_method, booking.total, booking.currency) == (
        "confirmed",
        "cash",
        Decimal("60.00"),
        "EUR",
    )
    assert [(p.first_name, p.last_name, p.category) for p in booking.passengers.order_by("position")] == [
        (*PASSENGERS[0], "adult"),
        (*PASSENGERS[1], "adult"),
        (*PASSENGERS[2], "child"),
    ]
    assert [(e.extra.code, e.quantity) for e in booking.extras.all()] == [("child_seat", 1)]
    leg = booking.legs.get()
    assert leg.flight_number == "TK2412"
    assert timezone.localtime(leg.flight_arrival_at).replace(tzinfo=None) == landing
    assert timezone.localtime(leg.pickup_at).replace(tzinfo=None) == pickup
    assert (booking.lead_name, booking.lead_email, booking.lead_phone) == (
        "Anna Smith",
        "anna@example.com",
        "+447911123456",
    )
    expect(page.locator(".booking-head .badge").first).to_have_text("Confirmed")
    return booking


def test_family_books_an_airport_transfer_with_a_child_seat_and_gets_voucher_and_calendar_file(
    site, traveller, mailoutbox
):
    anna = traveller("anna")
    booking = _book_family_transfer(anna, site.url, javascript=True)
    confirmation = anna.page
    expect(confirmation.get_by_role("status")).to_contain_text(
        "We have sent the confirmation with your voucher to anna@example.com."
    )

    run_worker()
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.subject == f"Your booking {booking.reference} is confirmed"
    assert email.to == ["anna@example.com"]
    assert [(name, mimetype.split(";")[0]) for name, _content, mimetype in email.attachments] == [
        (f"{booking.reference}.pdf", "application/pdf"),
        (f"{booking.reference}.ics", "text/calendar"),
    ]
    voucher, calendar = (content for _name, content, _mimetype in email.attachments)
    assert voucher.startswith(b"%PDF-")
    calendar_text = calendar.decode() if isinstance(calendar, bytes) else calendar
    assert calendar_text.startswith("BEGIN:VCALENDAR") and booking.reference in calendar_text
    manage_url = f"{site.url}/en/manage/{booking.reference}/{booking.manage_token}/"
    assert MANAGE_LINK.findall(email.body) == [manage_url]
    html = email.alternatives[0]
    assert html.mimetype == "text/html" and manage_url in html.content

    # Every page of the flow loaded cleanly: no console error, no failed request, no error answer.
    assert anna.problems == []
    # Typing fetched suggestions for the names (a slow keystroke may add one for a part of a name).
    searched = {unquote(url.split("?q=")[1]) for url in anna.requested if "/api/v1/places?q=" in url}
    assert {"Antalya Airport", "Regnum Carya"} <= searched
    assert all("Antalya Airport".startswith(q) or "Regnum Carya".startswith(q) for q in searched), searched


def test_the_booking_flow_works_without_javascript(site, traveller, mailoutbox):
    anna = traveller("anna", javascript=False)
    booking = _book_family_transfer(anna, site.url, javascript=False)
    assert Booking.objects.get() == booking
    # No script ran: the place suggestions were never fetched.
    assert [url for url in anna.requested if "/api/" in url] == []
    assert anna.problems == []


def test_traveller_opens_the_link_from_the_email_and_cancels_after_seeing_the_fee(site, traveller, mailoutbox):
    booking = place_transfer_to_the_airport_in(hours=8)  # inside the 24 hours before pickup: 50 % of €40.00
    run_worker()
    (link,) = MANAGE_LINK.findall(mailoutbox[0].body)

    anna = traveller("anna")
    page = anna.page
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    expect(page.locator(".reference")).to_have_text(booking.reference)
    expect(page.locator(".booking-head .badge").first).to_have_text("Confirmed")
    anna.shot("manage")

    page.get_by_role("link", name="Cancel booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Cancel your booking {booking.reference}")
    expect(page.locator(".cancel-fee")).to_have_text(
        "Cancelling now costs €20.00 of the €40.00 total, under our cancellation policy."
    )
    anna.shot("cancel-fee")
    booking.refresh_from_db()
    assert booking.status == "confirmed"  # seeing the fee changes nothing

    page.get_by_role("button", name="Yes, cancel my booking").click()
    expect(page).to_have_url(link)
    expect(page.locator(".messages")).to_have_text("Your booking is cancelled. We have emailed you a confirmation.")
    expect(page.locator(".booking-head .badge").first).to_have_text("Cancelled")
    expect(page.locator(".summary")).to_contain_text("Cancelled. Cancellation fee: €20.00.")
    expect(page.get_by_role("link", name="Cancel booking")).to_have_count(0)
    anna.shot("cancelled")

    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_fee) == ("cancelled", Decimal("20.00"))
    run_worker()
    assert [m.subject for m in mailoutbox] == [
        f"Your booking {booking.reference} is confirmed",
        f"Your booking {booking.reference} is cancelled",
    ]
    assert [name for name, _content, _mimetype in mailoutbox[1].attachments] == [f"{booking.reference}.ics"]
    assert anna.problems == []
