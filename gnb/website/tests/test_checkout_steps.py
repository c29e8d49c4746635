"""The checkout's steps: each prices once per request, the draft holds the checked order (typed data, never the
posted form), and the form mixin puts service errors next to the fields they name."""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from decimal import Decimal
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from gnb.bookings import quotes
from gnb.bookings.models import Booking
from gnb.bookings.orders import Contact, FlightInput, PassengerInput, TransferOrder
from gnb.bookings.quotes import ExtraRequest
from gnb.core.errors import SoldOut, ValidationFailed
from gnb.testing.catalog import future_local
from gnb.testing.website import book_url, contact, details, tour_draft, tour_form_url
from gnb.website.checkout.draft import SESSION_KEY, draft_get
from gnb.website.forms import ContactForm, TourDetailsForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def pricings(monkeypatch) -> Counter:
    """Counts the calls of the two pricing entry points, wherever a module imported them by name."""
    calls: Counter = Counter()
    import_module("gnb.website.views")  # with every module it imports: the views are imported on first use
    for name in ("transfer_quote", "tour_quote"):
        original = getattr(quotes, name)

        def counting(*args, _name=name, _original=original, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        for module in list(sys.modules.values()):
            if getattr(module, "__name__", "").startswith("gnb.") and getattr(module, name, None) is original:
                monkeypatch.setattr(module, name, counting)
    return calls


def test_a_pay_post_prices_a_transfer_once(client, catalog, pricings):
    client.post(book_url(), details())
    pricings.clear()
    placed = client.post(reverse("website:review"), {"payment_method": "cash"})
    booking = Booking.objects.get()
    assert placed.status_code == 302
    assert placed.url == reverse(
        "website:confirmation", kwargs={"reference": booking.reference, "token": booking.manage_token}
    )
    assert booking.total == Decimal("60.00")
    assert pricings == Counter({"transfer_quote": 1})


def test_a_pay_post_prices_a_tour_once(client, catalog, pricings):
    tour_draft(client, catalog)
    pricings.clear()
    placed = client.post(reverse("website:review"), {"payment_method": "cash"})
    assert placed.status_code == 302
    assert Booking.objects.get().kind == Booking.Kind.TOUR
    assert pricings == Counter({"tour_quote": 1})


def test_a_details_form_sent_prices_its_order_once(client, catalog, pricings):
    assert client.post(book_url(), details()).url == reverse("website:review")
    assert pricings == Counter({"transfer_quote": 1})
    pricings.clear()
    sent = client.post(tour_form_url(catalog), contact(2) | {"pickup_place": "Regnum Carya"})
    assert sent.url == reverse("website:review")
    assert pricings == Counter({"tour_quote": 1})


def test_a_refused_details_form_shows_the_search_again_with_its_errors(client, catalog):
    response = client.post(book_url(), details(coupon="NOPE"))
    assert response.status_code == 200
    assert response.context["form"].errors["coupon"]
    assert response.context["option"].vehicle.code == "minivan"
    assert client.session.get(SESSION_KEY) is None


def test_the_review_page_prices_once(client, catalog, pricings):
    client.post(book_url(), details())
    for name in ("website:review",):
        pricings.clear()
        assert client.get(reverse(name)).status_code == 200
        assert pricings == Counter({"transfer_quote": 1}), name


def test_the_draft_is_the_checked_order_not_the_posted_form(client, catalog):
    client.post(book_url(), details(coupon="", notes=" Child is 4 years old "))
    stored = client.session[SESSION_KEY]
    assert "details" not in stored and "csrfmiddlewaretoken" not in str(stored)
    draft = draft_get(client.session)
    assert draft is not None and draft.kind == "transfer" and draft.currency == "EUR"
    order = draft.order
    assert isinstance(order, TransferOrder)
    arrival = future_local(days=20, hour=13, minute=40)
    assert order.vehicle_class == "minivan"
    assert order.contact == Contact("Ayşe Yılmaz", "ayse@example.com", "+90 532 123 45 67")
    assert order.passengers == (
        PassengerInput("Ayşe", "Yılmaz", "adult"),
        PassengerInput("Mehmet", "Yılmaz", "adult"),
        PassengerInput("Can", "Yılmaz", "child"),
    )
    # The form's time, made aware in the site's zone as the form field does.
    assert order.flight == FlightInput("TK 2412", timezone.make_aware(arrival))
    assert order.notes == "Child is 4 years old"
    request = order.quote_request
    assert (request.origin, request.destination, request.adults, request.children, request.luggage) == (
        "ayt",
        "regnum-carya",
        2,
        1,
        2,
    )
    # Naive, the origin's time: 45 minutes (GNB_PICKUP_MINUTES_AFTER_LANDING) after the landing the form gives.
    assert request.pickup_at == dt.datetime.combine(arrival.date(), dt.time(14, 25))
    assert request.extras == (ExtraRequest("child_seat", 1),)
    assert request.coupon is None and request.currency == "EUR"


def test_the_details_form_opens_again_filled_in_from_the_draft(client, catalog):
    client.post(book_url(), details())
    form = client.get(book_url()).context["form"]
    assert form["passenger_0_last_name"].value() == "Yılmaz"
    assert form["passenger_2_first_name"].value() == "Can"
    assert form["flight_number"].value() == "TK 2412"
    assert form["extra_child_seat"].value() == 1
    assert form["notes"].value() == "Child is 4 years old"

    tour_draft(client, catalog)
    tour_form = client.get(tour_form_url(catalog)).context["form"]
    assert tour_form["pickup_place"].value() == "Regnum Carya"
    assert tour_form["passenger_0_first_name"].value() == "NameA"


def test_a_draft_in_another_shape_restarts_the_flow(client, catalog):
    session = client.session
    session[SESSION_KEY] = {"id": "a" * 32, "kind": "transfer", "query": {}, "details": {"name": "Ayşe"}}
    session.save()
    response = client.get(reverse("website:review"))
    assert response.url == reverse("website:home")
    assert client.post(reverse("website:review"), {"payment_method": "cash"}).url == reverse("website:home")
    assert Booking.objects.count() == 0


def test_service_errors_land_next_to_the_fields_they_name():
    form = TourDetailsForm({}, tour=SimpleNamespace(slug="perge-aspendos"), adults=1, children=0, infants=0)
    form.is_valid()
    form.add_domain_errors(
        ValidationFailed(
            [
                ("contact.name", "Name error."),
                ("passengers.0.last_name", "Last name error."),
                ("pickup_place", "Pickup error."),
                ("vehicle_class", "Not on this form."),
            ]
        )
    )
    assert "Name error." in form.errors["passenger_0_first_name"]  # the lead contact is passenger 1
    assert "Last name error." in form.errors["passenger_0_last_name"]
    assert "Pickup error." in form.errors["pickup_place"]
    assert form.non_field_errors() == ["Not on this form."]

    contact = ContactForm({})
    contact.is_valid()
    contact.add_domain_errors(SoldOut("Sold out.", field="message"))
    contact.add_domain_errors(SoldOut("Whole form."))
    assert "Sold out." in contact.errors["message"]
    assert contact.non_field_errors() == ["Whole form."]
