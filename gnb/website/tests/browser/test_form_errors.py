"""Bad input on the details form: every error sits next to its field, is announced, and nothing typed is lost."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from playwright.sync_api import Page, expect

from gnb.bookings.models import Booking
from gnb.testing.browser import fill_transfer_details
from gnb.testing.catalog import future_local


def _book_url(site_url: str, pickup: dt.datetime) -> str:
    query = {
        "origin": "ayt",
        "destination": "regnum-carya",
        "date": pickup.date().isoformat(),
        "time": pickup.strftime("%H:%M"),
        "adults": "2",
        "children": "1",
        "infants": "0",
        "bags": "2",
        "vehicle": "minivan",
    }
    return f"{site_url}/en/transfers/book/?{urlencode(query)}"


def _assert_error_next_to(page: Page, field_id: str, message: str, *, help_text: str = "") -> None:
    """The error is in the field's own container, the field is marked invalid and described by the error."""
    field = page.locator(f"#{field_id}")
    container = page.locator(".field", has=field)
    expect(container).to_have_class("field field--error")
    error = container.locator(f"#{field_id}_error")
    expect(error).to_have_text(message)
    expect(field).to_have_attribute("aria-invalid", "true")
    described_by = (field.get_attribute("aria-describedby") or "").split()
    assert f"{field_id}_error" in described_by
    # The error is read out with the field, after its help text: its accessible description.
    expect(field).to_have_accessible_description(f"{help_text} {message}".strip(), ignore_case=False)


def _assert_valid(page: Page, field_id: str) -> None:
    field = page.locator(f"#{field_id}")
    expect(page.locator(".field", has=field)).to_have_class("field")
    expect(field).not_to_have_attribute("aria-invalid", "true")


def test_bad_details_keep_what_was_typed_and_show_each_error_next_to_its_field(site, traveller):
    pickup = future_local(days=20, hour=14, minute=0)
    anna = traveller("anna")
    page = anna.page
    page.goto(_book_url(site.url, pickup))
    fill_transfer_details(page, child_seats=1, landing=pickup - dt.timedelta(minutes=20))
    page.get_by_label("Email", exact=True).fill("anna@example")
    page.locator(".passenger").nth(1).get_by_label("Last name", exact=True).fill("")
    page.get_by_label("Flight number", exact=True).fill("12")
    anna.shot("bad-details")
    page.get_by_role("button", name="Continue to review").click()

    # The form's own checks come first: the address and the missing name.
    expect(page.get_by_role("alert")).to_have_text("Please check the highlighted fields.")
    _assert_error_next_to(page, "id_email", "Enter a valid email address.")
    _assert_error_next_to(page, "id_passenger_1_last_name", "This field is required.")
    expect(page.locator(".field--error")).to_have_count(2)
    # site.js puts the cursor in the first field with an error (the passengers come first).
    expect(page.locator("#id_passenger_1_last_name")).to_be_focused()
    # Everything typed is still there, the wrong values included.
    expected_values = {
        "id_email": "anna@example",
        "id_phone": "+44 7911 123456",
        "id_passenger_0_first_name": "Anna",
        "id_passenger_0_last_name": "Smith",
        "id_passenger_1_first_name": "John",
        "id_passenger_1_last_name": "",
        "id_passenger_2_first_name": "Tom",
        "id_passenger_2_last_name": "Smith",
        "id_flight_number": "12",
        "id_flight_arrival_0": (pickup - dt.timedelta(minutes=20)).date().isoformat(),
        "id_flight_arrival_1": (pickup - dt.timedelta(minutes=20)).strftime("%H:%M"),
        "id_extra_child_seat": "1",
        "id_notes": "Tom is 4 years old",
    }
    for field_id, value in expected_values.items():
        expect(page.locator(f"#{field_id}")).to_have_value(value)
    anna.shot("form-errors")

    # Fixed: now the booking rules speak, about the flight number, in the same place.
    page.get_by_label("Email", exact=True).fill("anna@example.com")
    page.locator(".passenger").nth(1).get_by_label("Last name", exact=True).fill("Smith")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("alert")).to_have_text("Please check the highlighted fields.")
    _assert_error_next_to(
        page,
        "id_flight_number",
        "Enter a flight number like TK2412 or U2 1234.",
        help_text="We follow the flight and wait if it lands late.",
    )
    expect(page.locator(".field--error")).to_have_count(1)
    _assert_valid(page, "id_email")
    _assert_valid(page, "id_passenger_1_last_name")
    expect(page.locator("#id_flight_number")).to_be_focused()
    for field_id, value in expected_values.items():
        fixed = {"id_email": "anna@example.com", "id_passenger_1_last_name": "Smith"}
        expect(page.locator(f"#{field_id}")).to_have_value(fixed.get(field_id, value))
    anna.shot("flight-error")

    page.get_by_label("Flight number", exact=True).fill("TK2412")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and pay")
    anna.shot("review")
    assert Booking.objects.count() == 0
    assert anna.problems == []


def test_a_name_in_emoji_is_refused_next_to_its_field_in_the_travellers_language(site, traveller):
    pickup = future_local(days=20, hour=14, minute=0)
    for language, locale, refusal in (
        ("en", "en-GB", "First name of passenger 2: write it in letters"),
        ("tr", "tr-TR", "2. yolcunun adı: pasaporttaki gibi harflerle yazın"),
    ):
        visitor = traveller(f"anna-{language}", locale=locale)
        page = visitor.page
        page.goto(_book_url(site.url, pickup).replace("/en/", f"/{language}/"))
        # By the fields' ids: the labels are in the page's language. The landing comes from the search.
        fields = {"email": "ayse@example.com", "phone": "+90 532 123 45 67", "flight_number": "TK 2412"}
        for index, first in enumerate(("Ayşe", "🚗 🌴", "Can")):
            fields |= {f"passenger_{index}_first_name": first, f"passenger_{index}_last_name": "Yılmaz"}
        for field, value in fields.items():
            page.locator(f"#id_{field}").fill(value)
        page.locator("form button[type=submit]").last.click()
        error = page.locator("#id_passenger_1_first_name_error")
        expect(error).to_contain_text(refusal)
        expect(error).to_contain_text("🚗🌴")
        expect(page.locator("#id_passenger_1_first_name")).to_have_value("🚗 🌴")
        error.scroll_into_view_if_needed()
        visitor.shot("emoji-name-refused")
    assert not Booking.objects.exists()
