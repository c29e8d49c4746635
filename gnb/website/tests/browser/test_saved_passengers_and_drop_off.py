"""A signed-in customer puts a saved passenger in a row with one tap; a traveller going to the airport gives the
departure flight and sees the proposed pickup, in English, Turkish and Arabic, on a phone."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils import timezone
from playwright.sync_api import expect

from gnb.accounts.models import SavedPassenger, User
from gnb.bookings.models import Booking
from gnb.fleet.models import ZoneDriveTime
from gnb.testing.browser import Traveller, pay_cash, type_place
from gnb.testing.catalog import future_local
from gnb.testing.website import search_query

PASSWORD = "sunny-harbour-lantern-42"


def details_path(language: str, **changes) -> str:
    return f"/{language}/transfers/book/?" + urlencode(search_query(**changes) | {"vehicle": "minivan"})


def sign_in(anna: Traveller, site_url: str) -> None:
    page = anna.page
    page.goto(site_url + "/en/account/sign-in/")
    page.get_by_label("Email", exact=True).fill("anna@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")


def test_a_saved_passenger_fills_a_row_in_one_tap(site, traveller):
    anna = User.objects.create_user(
        username="anna@example.com", email="anna@example.com", password=PASSWORD, first_name="Anna", last_name="Smith"
    )
    anna.email_verified_at = timezone.now()
    anna.save(update_fields=["email_verified_at"])
    for first, last, category in (("John", "Smith", "adult"), ("Tom", "Smith", "child"), ("Kate", "Brown", "adult")):
        SavedPassenger.objects.create(user=anna, first_name=first, last_name=last, category=category)
    customer = traveller("anna")
    sign_in(customer, site.url)
    page = customer.page
    page.goto(site.url + details_path("en"))  # two adults and a child
    rows = page.locator(".passenger")
    chips = page.get_by_role("group", name="Add your saved passengers:")
    expect(chips.get_by_role("button")).to_have_text(["John Smith", "Tom Smith", "Kate Brown"])
    # The sensible start: Anna herself, then her saved passengers in the order saved; Kate is one tap away.
    expect(chips.get_by_role("button", name="John Smith")).to_have_attribute("aria-pressed", "true")
    expect(chips.get_by_role("button", name="Kate Brown")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("[data-saved-select]:visible")).to_have_count(0)  # the no-script choice is not needed
    chips.get_by_role("button", name="John Smith").click()  # John stays home: his row empties
    expect(rows.nth(1).get_by_label("First name", exact=True)).to_have_value("")
    chips.get_by_role("button", name="Kate Brown").click()  # one tap: Kate in the empty row
    expect(rows.nth(1).get_by_label("First name", exact=True)).to_have_value("Kate")
    expect(rows.nth(1).get_by_label("Last name", exact=True)).to_have_value("Brown")
    expect(chips.get_by_role("button", name="Kate Brown")).to_have_attribute("aria-pressed", "true")
    customer.shot("saved-passengers-en")
    # No empty adult row left: a tap on John says what to do instead of overwriting someone.
    chips.get_by_role("button", name="John Smith").click()
    expect(page.locator("[data-saved-status]")).to_have_text(
        "Every row for this age group is filled: tap a name that is in to take it out first."
    )
    page.get_by_label("Mobile phone", exact=True).fill("+44 7911 123456")
    page.get_by_label("Flight number", exact=True).fill("TK 2412")
    page.get_by_role("button", name="Continue to review").click()
    pay_cash(customer, "€55.00")
    booking = Booking.objects.get()
    names = [f"{p.first_name} {p.last_name}" for p in booking.passengers.order_by("position")]
    assert names == ["Anna Smith", "Kate Brown", "Tom Smith"]
    # The change page's landing: a date and a time input side by side, both whole at 390 px.
    page.goto(site.url + f"/en/manage/{booking.reference}/{booking.manage_token}/change/")
    landing_date, landing_time = page.get_by_label("Landing date"), page.get_by_label("Landing time")
    expect(landing_time).to_have_value("14:00")
    for box in (landing_date, landing_time):
        frame = box.bounding_box()
        assert frame is not None and frame["x"] >= 0 and frame["x"] + frame["width"] <= 390
    customer.shot("manage-change-landing-en")
    for language in ("tr", "ar"):
        page.goto(site.url + details_path(language))
        expect(page.locator("[data-saved-chips]")).to_be_visible()
        customer.shot(f"saved-passengers-{language}")


def test_the_details_of_a_drop_off_ask_the_departure_flight(site, traveller):
    ZoneDriveTime.objects.create(origin=site.catalog.ayt.zone, destination=site.catalog.belek, minutes=42)
    visitor = traveller("anna")
    page = visitor.page
    query = {"origin": "regnum-carya", "destination": "ayt", "time": "12:00"}
    page.goto(site.url + details_path("en", **query))
    expect(page.get_by_label("Departure flight number", exact=True)).to_be_visible()
    expect(page.get_by_label("Pickup time", exact=True)).to_have_value("09:15")  # 12:00 − 42 min − 2 h, editable
    # The pickup card holds the flight number, the pickup time and the pickup point: no stray label of a landing.
    expect(page.locator("fieldset", has_text="Departure flight number").locator(".field > label")).to_have_text(
        ["Departure flight number", "Pickup time", "Pickup point (optional)"]
    )
    visitor.shot("drop-off-en")
    page.get_by_label("Departure flight number", exact=True).fill("PC 2010")
    page.get_by_label("Pickup time", exact=True).fill("11:30")
    for index, (first, last) in enumerate((("Anna", "Smith"), ("John", "Smith"), ("Tom", "Smith"))):
        page.locator(".passenger").nth(index).get_by_label("First name", exact=True).fill(first)
        page.locator(".passenger").nth(index).get_by_label("Last name", exact=True).fill(last)
    page.get_by_label("Email", exact=True).fill("anna@example.com")
    page.get_by_label("Mobile phone", exact=True).fill("+44 7911 123456")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.locator("#id_pickup_time_error")).to_have_text(
        "The flight departs at 12:00: a pickup at 11:30 does not reach the airport in time (about 42 minutes' "
        "drive). Choose a pickup at 11:18 at the latest."
    )
    visitor.shot("drop-off-refused-en")
    page.get_by_label("Pickup time", exact=True).fill("11:15")  # tight, but the traveller's choice
    page.get_by_role("button", name="Continue to review").click()
    expect(page.locator(".facts")).to_contain_text("flight PC2010 · departs 12:00")
    visitor.shot("drop-off-review-en")
    for language in ("tr", "ar"):
        page.goto(site.url + details_path(language, **query))
        expect(page.locator("input[name=flight_number]")).to_be_visible()
        visitor.shot(f"drop-off-{language}")


def test_the_search_asks_the_return_landing_when_the_return_leaves_the_airport(site, traveller):
    visitor = traveller("anna")
    page = visitor.page
    page.goto(site.url + "/en/")
    type_place(visitor, "From", "Regnum Carya")
    type_place(visitor, "To", "Antalya Airport")
    expect(page.get_by_label("Flight departure time", exact=True)).to_be_visible()
    page.locator("input[name=return_trip]").check()
    expect(page.get_by_label("Return landing time (optional)", exact=True)).to_be_visible()
    visitor.shot("search-return-landing")


def test_a_return_to_the_airport_asks_its_departure_and_proposes_the_pickup(site, traveller):
    ZoneDriveTime.objects.create(origin=site.catalog.ayt.zone, destination=site.catalog.belek, minutes=42)
    visitor = traveller("anna")
    page = visitor.page
    page.goto(site.url + "/en/")
    type_place(visitor, "From", "Antalya Airport")
    type_place(visitor, "To", "Regnum Carya")
    page.locator("input[name=return_trip]").check()
    expect(page.get_by_label("Return flight departure time (optional)", exact=True)).to_be_visible()
    visitor.shot("search-return-departure")
    back = {"return_trip": "on", "return_date": future_local(days=27).date().isoformat(), "return_time": "12:00"}
    page.goto(site.url + details_path("en", **back))
    returning = page.locator("fieldset", has_text="Return departure flight number")
    expect(returning.get_by_label("Return pickup time", exact=True)).to_have_value("09:15")  # 12:00 − 42 min − 2 h
    for index, (first, last) in enumerate((("Anna", "Smith"), ("John", "Smith"), ("Tom", "Smith"))):
        page.locator(".passenger").nth(index).get_by_label("First name", exact=True).fill(first)
        page.locator(".passenger").nth(index).get_by_label("Last name", exact=True).fill(last)
    page.get_by_label("Email", exact=True).fill("anna@example.com")
    page.get_by_label("Mobile phone", exact=True).fill("+44 7911 123456")
    page.get_by_label("Flight number", exact=True).fill("TK 2412")
    returning.get_by_label("Return departure flight number", exact=True).fill("PC 2011")
    returning.get_by_label("Return pickup time", exact=True).fill("11:30")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.locator("#id_return_pickup_time_error")).to_have_text(
        "The flight departs at 12:00: a pickup at 11:30 does not reach the airport in time (about 42 minutes' "
        "drive). Choose a pickup at 11:18 at the latest."
    )
    visitor.shot("return-drop-off-refused-en")
    page.locator("fieldset", has_text="Return departure flight number").get_by_label(
        "Return pickup time", exact=True
    ).fill("11:15")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.locator(".facts")).to_contain_text("Regnum Carya · flight PC2011 · departs 12:00")
    visitor.shot("return-drop-off-review-en")
    pay_cash(visitor, "€107.25")
    booking = Booking.objects.get()
    # The change page shows the return flight's departure as a date and a time, both whole at 390 px.
    page.goto(site.url + f"/en/manage/{booking.reference}/{booking.manage_token}/change/")
    expect(page.get_by_label("Departure flight number (optional)", exact=True)).to_have_value("PC2011")
    departure_date, departure_time = page.get_by_label("Departure date"), page.get_by_label("Departure time")
    expect(departure_time).to_have_value("12:00")
    for box in (departure_date, departure_time):
        frame = box.bounding_box()
        assert frame is not None and frame["x"] >= 0 and frame["x"] + frame["width"] <= 390
    visitor.shot("manage-change-departure-en")
    # The results page's search form says what the return time means, in every language, whole on a phone.
    for language in ("tr", "ar"):
        page.goto(site.url + f"/{language}/transfers/?" + urlencode(search_query(**back)))
        page.locator("details.change-search > summary").click()
        page.locator("input[name=return_time]").scroll_into_view_if_needed()
        box = page.locator("input[name=return_time]").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        visitor.shot(f"search-return-departure-{language}")
