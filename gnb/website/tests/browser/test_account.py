"""A traveller opens an account on a phone, confirms the address from the email, signs in and finds the booking
made earlier with the same address under "My bookings"."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from gnb.accounts.models import User
from gnb.bookings.models import Booking
from gnb.testing.bookings import place_transfer_to_the_airport_in
from gnb.testing.browser import run_worker

VERIFY_LINK = re.compile(r"http://localhost:\d+/en/account/verify/[^\s]+/")
PASSWORD = "sunny-harbour-lantern-42"


def test_sign_up_confirm_the_email_and_see_my_bookings(site, traveller, mailoutbox):
    booking = place_transfer_to_the_airport_in(hours=72)  # booked as a guest with anna@example.com
    run_worker()
    mailoutbox.clear()

    anna = traveller("anna", javascript=False)  # every account page works without scripts
    page = anna.page
    page.goto(site.url + "/en/")
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Full name", exact=True).fill("Anna Smith")
    page.get_by_label("Email", exact=True).fill("anna@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    anna.shot("sign-up")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    anna.shot("check-email")

    run_worker()
    (message,) = mailoutbox
    assert message.subject == "Confirm your email address"
    (link,) = set(VERIFY_LINK.findall(message.body))
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.locator(".notice--success")).to_have_text(
        "Your email address is confirmed. Bookings made with it are now in your account."
    )
    assert Booking.objects.get(pk=booking.pk).customer_id == User.objects.get(email="anna@example.com").pk

    page.get_by_label("Email", exact=True).fill("anna@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My account")).to_be_visible()
    anna.shot("account")
    page.get_by_role("link", name="My bookings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My bookings")
    upcoming = page.locator("section", has=page.get_by_role("heading", name="Upcoming"))
    expect(upcoming.locator(".reference")).to_have_text([booking.reference])
    anna.shot("my-bookings")
    upcoming.get_by_role("link", name=booking.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    expect(page.locator(".booking-head .reference")).to_have_text(booking.reference)
    anna.shot("booking")
    assert anna.problems == []
