"""The public booking flow through the Django test client: search, details, review, pay, confirmation, manage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from gnb.bookings.models import Booking, BookingEvent
from gnb.notifications.models import ContactMessage
from gnb.testing.catalog import future_local, seats_for_children
from gnb.testing.website import book_url, details, search_query

pytestmark = pytest.mark.django_db


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_results_list_the_classes_that_fit_with_exact_totals(client, catalog):
    response = client.get(reverse("website:results"), search_query())
    assert response.status_code == 200
    names = [option["vehicle"].code for option in response.context["options"]]
    assert names == ["sedan", "minivan", "minibus"]
    totals = [option["breakdown"].total for option in response.context["options"]]
    assert totals == [Decimal("40.00"), Decimal("55.00"), Decimal("90.00")]
    assert "€55.00" in response.content.decode()


def test_results_in_another_currency_keep_the_search(client, catalog):
    response = client.get(reverse("website:results"), search_query(currency="GBP"))
    assert [option["breakdown"].total for option in response.context["options"]] == [
        Decimal("34.00"),
        Decimal("46.75"),
        Decimal("76.50"),
    ]
    assert response.cookies["gnb_currency"].value == "GBP"
    html = response.content.decode()
    # The currency and language switchers link to this same search.
    assert "destination=regnum-carya" in html.split("switcher--currency")[1].split("</details>")[0]
    assert "/language/tr/?next=%2Ftr%2Ftransfers%2F%3Forigin%3Dayt%26destination%3Dregnum-carya" in html


def test_search_accepts_place_names_in_any_language(client, catalog):
    catalog.ayt.name_tr = "Antalya Havalimanı"
    catalog.ayt.save()
    response = client.get(
        reverse("website:results"), search_query(origin="Antalya Havalimanı", destination="Regnum Carya")
    )
    assert response.context["quote"].origin.slug == "ayt"
    assert response.context["quote"].destination.slug == "regnum-carya"


def test_search_errors_name_the_field_and_keep_the_input(client, catalog):
    response = client.get(reverse("website:results"), search_query(destination="Nowhere Hotel", adults="0"))
    form = response.context["form"]
    assert form.errors["destination"] == ["Choose a place from the list, e.g. “Antalya Airport (AYT)” or a hotel name."]
    assert form.errors["adults"] == ["Ensure this value is greater than or equal to 1."]
    assert 'value="Nowhere Hotel"' in response.content.decode()


def test_past_pickup_error_lands_on_the_date(client, catalog):
    yesterday = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    response = client.get(reverse("website:results"), search_query(date=yesterday))
    assert response.context["form"].errors["date"] == ["The pickup time is in the past."]


def test_booking_form_has_a_name_field_per_passenger_and_flight_fields_for_an_airport(client, catalog):
    response = client.get(book_url())
    form = response.context["form"]
    passenger_fields = [name for name in form.fields if name.startswith("passenger_")]
    assert len(passenger_fields) == 6  # 3 passengers × first and last name
    assert "flight_number" in form.fields and "flight_arrival" in form.fields
    assert "return_flight_number" not in form.fields
    assert [extra.code for extra, _field in form.extra_fields()] == ["child_seat", "meet_greet"]


def test_the_extras_select_offers_no_more_seats_than_the_party_has_children_and_infants(client, catalog):
    seats_for_children(catalog)
    form = client.get(book_url(children="1", infants="0")).context["form"]
    # No infant travels: no baby seat; one child: at most one child seat and one booster.
    assert [extra.code for extra, _field in form.extra_fields()] == ["child_seat", "meet_greet", "booster"]
    assert [value for value, _label in form.fields["extra_child_seat"].choices] == [0, 1]
    assert [value for value, _label in form.fields["extra_booster"].choices] == [0, 1]
    response = client.post(book_url(children="1"), details(extra_child_seat="3"))
    assert response.status_code == 200
    assert response.context["form"].errors["extra_child_seat"] == [
        "Select a valid choice. 3 is not one of the available choices."
    ]
    assert "gnb_checkout" not in client.session


def test_a_child_seat_and_a_booster_for_one_child_are_refused_next_to_the_booster(client, catalog):
    seats_for_children(catalog)
    response = client.post(book_url(children="1"), details(extra_child_seat="1", extra_booster="1"))
    assert response.status_code == 200
    assert response.context["form"].errors["extra_booster"] == [
        "Child seat + Booster seat: at most 1 together for 1 child."
    ]


def test_bad_details_keep_the_data_and_show_each_error_next_to_its_field(client, catalog):
    response = client.post(book_url(), details(email="not-an-email", passenger_1_last_name="", flight_number="12"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["email"] == ["Enter a valid email address."]
    assert form.errors["passenger_1_last_name"] == ["This field is required."]
    html = response.content.decode()
    assert 'value="Ayşe"' in html and "Child is 4 years old" in html
    assert Booking.objects.count() == 0


def test_service_rules_come_back_next_to_the_field(client, catalog):
    response = client.post(book_url(), details(flight_number="12", phone="12345"))
    form = response.context["form"]
    assert form.errors["flight_number"] == ["Enter a flight number like TK2412 or U2 1234."]
    assert form.errors["phone"] == ["Enter the phone number with its country code, e.g. +90 532 123 45 67."]


# The worker closes and reopens its database connection as in production, so it must find committed rows.
@pytest.mark.django_db(transaction=True)
def test_the_whole_flow_books_once_and_emails_the_traveller(client, catalog):
    response = client.post(book_url(), details())
    assert response.status_code == 302 and response.url == reverse("website:review")

    review = client.get(reverse("website:review"))
    assert review.status_code == 200
    breakdown = review.context["breakdown"]
    assert breakdown.total == Decimal("60.00")  # minivan 55 + child seat 5
    html = review.content.decode()
    assert "Free cancellation until" in html and "50% of the total" in html
    # The payment choice is on the review page: one page load less.
    assert [method.code for method in review.context["methods"]] == ["cash"]
    assert 'name="payment_method" value="cash" checked' in html and "Book now · €60.00" in html
    placed = client.post(reverse("website:review"), {"payment_method": "cash"})
    booking = Booking.objects.get()
    assert placed.url == reverse(
        "website:confirmation", kwargs={"reference": booking.reference, "token": booking.manage_token}
    )
    assert booking.status == "confirmed" and booking.payment_method == "cash"
    assert booking.total == Decimal("60.00") and booking.language == "en"
    assert [(p.first_name, p.last_name, p.category) for p in booking.passengers.order_by("position")] == [
        ("Ayşe", "Yılmaz", "adult"),
        ("Mehmet", "Yılmaz", "adult"),
        ("Can", "Yılmaz", "child"),
    ]
    assert booking.legs.get().flight_number == "TK2412"

    # A second submit (double tap, reload) shows the same booking and places nothing.
    again = client.post(reverse("website:review"), {"payment_method": "cash"})
    assert again.url == placed.url
    assert Booking.objects.count() == 1

    run_worker()
    confirmation = client.get(placed.url)
    assert confirmation.status_code == 200
    assert booking.reference in confirmation.content.decode()
    assert "your booking is confirmed" in confirmation.content.decode()
    assert [m.subject for m in mail.outbox] == [f"Your booking {booking.reference} is confirmed"]


def test_pay_refuses_an_unknown_method(client, catalog):
    client.post(book_url(), details())
    response = client.post(reverse("website:review"), {"payment_method": "bitcoin"})
    assert response.status_code == 422
    assert response.context["error"] == "Choose how you want to pay."
    assert Booking.objects.count() == 0


def test_review_without_a_booking_in_progress_goes_home(client, catalog):
    response = client.get(reverse("website:review"))
    assert response.url == reverse("website:home")


def _place(client) -> Booking:
    client.post(book_url(), details())
    client.post(reverse("website:review"), {"payment_method": "cash"})
    return Booking.objects.get()


def test_manage_link_shows_the_booking_and_a_wrong_token_is_404(client, catalog):
    booking = _place(client)
    url = reverse("website:manage", kwargs={"reference": booking.reference, "token": booking.manage_token})
    assert client.get(url).status_code == 200
    wrong = reverse("website:manage", kwargs={"reference": booking.reference, "token": "x" * 43})
    assert client.get(wrong).status_code == 404


def test_traveller_changes_contact_and_flight_and_it_is_recorded(client, catalog):
    booking = _place(client)
    url = reverse("website:manage_change", kwargs={"reference": booking.reference, "token": booking.manage_token})
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["leg_1_flight_arrival"] = future_local(days=20, hour=13, minute=50).strftime("%Y-%m-%dT%H:%M")
    data |= {"phone": "+44 7911 123456", "leg_1_flight_number": "PC1234"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    booking.refresh_from_db()
    assert booking.lead_phone == "+447911123456"
    assert booking.legs.get().flight_number == "PC1234"
    event = BookingEvent.objects.filter(booking=booking, kind="changed").get()
    assert event.details["changes"]["contact.phone"] == ["+905321234567", "+447911123456"]


def test_traveller_cancels_after_seeing_the_fee(client, catalog, django_capture_on_commit_callbacks):
    booking = _place(client)
    url = reverse("website:manage_cancel", kwargs={"reference": booking.reference, "token": booking.manage_token})
    page = client.get(url)
    assert page.context["fee"] == Decimal("0.00")
    assert "Cancelling now is free of charge." in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancellation_fee == Decimal("0.00")
    assert client.get(url).context["fee"] is None


@pytest.mark.django_db(transaction=True)
def test_lookup_answers_the_same_whether_or_not_a_booking_matches(client, catalog):
    booking = _place(client)
    run_worker()
    mail.outbox.clear()
    url = reverse("website:manage_lookup")
    hit = client.post(url, {"reference": booking.reference.lower(), "email": "AYSE@example.com"})
    miss = client.post(url, {"reference": booking.reference, "email": "someone@example.com"})
    unknown = client.post(url, {"reference": "GNB-AAAA-AAAA", "email": "ayse@example.com"})
    run_worker()
    assert hit.status_code == miss.status_code == unknown.status_code == 200
    assert hit.context["sent"] and miss.context["sent"] and unknown.context["sent"]
    assert [m.to for m in mail.outbox] == [["ayse@example.com"]]
    manage_url = "http://testserver" + reverse(
        "website:manage", kwargs={"reference": booking.reference, "token": booking.manage_token}
    )
    assert manage_url in mail.outbox[0].body


def test_lookup_is_rate_limited_per_address(client, catalog, settings):
    url = reverse("website:manage_lookup")
    for index in range(settings.GNB_AUTH_LIMIT_PER_IP):
        reference = f"GNB-AAAA-A{'23456789'[index % 8]}{'ABCD'[index // 8]}A"
        assert client.post(url, {"reference": reference, "email": "a@example.com"}).status_code == 200
    blocked = client.post(url, {"reference": "GNB-BBBB-BBBB", "email": "a@example.com"})
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 900


def test_voucher_and_calendar_download_from_the_manage_page(client, catalog):
    booking = _place(client)
    kwargs = {"reference": booking.reference, "token": booking.manage_token}
    voucher = client.get(reverse("website:voucher", kwargs=kwargs))
    assert voucher.status_code == 200
    assert voucher["Content-Type"] == "application/pdf"
    assert voucher["Content-Disposition"] == f'attachment; filename="{booking.reference}.pdf"'
    assert voucher.content.startswith(b"%PDF-")
    calendar = client.get(reverse("website:calendar", kwargs=kwargs))
    assert calendar["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"BEGIN:VEVENT" in calendar.content and booking.reference.encode() in calendar.content
    wrong = {"reference": booking.reference, "token": "nope"}
    assert client.get(reverse("website:voucher", kwargs=wrong)).status_code == 404


def test_contact_form_reaches_the_operator(client, settings):
    url = reverse("website:contact")
    bad = client.post(url, {"name": "", "email": "x", "message": ""})
    assert bad.status_code == 422
    assert set(bad.context["form"].errors) == {"name", "email", "message"}
    sent = client.post(url, {"name": "Olga", "email": "olga@example.com", "message": "Do you have baby seats?"})
    assert sent.status_code == 302 and sent.url == url
    message = ContactMessage.objects.get()
    assert (message.name, message.email, message.message) == ("Olga", "olga@example.com", "Do you have baby seats?")
