"""A party larger than any vehicle gets a path: the results page offers a request for an offer, which is stored,
emailed to the operator, listed and answered in the back office, and the answer emailed to the traveller."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from gnb.bookings.models import GroupQuoteRequest
from gnb.bookings.services import Actor, group_quote_request_answer
from gnb.core.errors import InvalidTransition
from gnb.testing.catalog import future_local
from gnb.testing.personas import staff_login
from gnb.testing.website import search_query

pytestmark = pytest.mark.django_db


def _too_big() -> dict[str, str]:
    # The test catalogue's biggest vehicle (minibus) takes 16.
    return search_query(adults="18", children="2", infants="0", bags="20")


def _request_data(**changes) -> dict[str, str]:
    pickup = future_local(days=20, hour=14, minute=0)
    data = {
        "origin": "Antalya Airport (AYT)",
        "destination": "Regnum Carya",
        "date": pickup.date().isoformat(),
        "time": "14:00",
        "adults": "18",
        "children": "2",
        "infants": "0",
        "bags": "20",
        "name": "Olga Ivanova",
        "email": "olga@example.com",
        "phone": "+7 912 345 67 89",
        "message": "Two golf bags.",
    }
    return data | changes


def test_the_results_page_offers_a_request_for_an_offer_instead_of_a_dead_end(client, catalog):
    response = client.get(reverse("website:results"), _too_big())
    html = response.content.decode()
    assert response.status_code == 200 and response.context["options"] == []
    assert 'action="/en/transfers/group-quote/"' in html
    assert "Request an offer for your group" in html
    form = response.context["group_form"]
    assert {name: form[name].value() for name in form.TRIP_FIELDS} == {
        "origin": "Antalya Airport (AYT)",
        "destination": "Regnum Carya",
        "date": future_local(days=20).date(),
        # The search from the airport gave the landing at 14:00: the offer asks for the pickup after it.
        "time": f"14:{settings.GNB_PICKUP_MINUTES_AFTER_LANDING:02d}",
        "adults": 18,
        "children": 2,
        "infants": 0,
        "bags": 20,
    }
    # The search travels with the form as hidden fields; the visitor types only who they are.
    assert '<input type="hidden" name="adults" value="18"' in html
    for name in ("name", "email", "phone", "message"):
        assert f'name="{name}"' in html


def test_a_party_that_fits_gets_no_request_form(client, catalog):
    response = client.get(reverse("website:results"), search_query())
    assert response.context["options"] and response.context["group_form"] is None


def test_a_request_is_stored_and_emailed_to_the_operator(
    client, catalog, settings, tasks_run_at_once, django_capture_on_commit_callbacks
):
    settings.GNB_OPERATOR_EMAIL = "desk@gnb.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("website:group_quote"), _request_data())
    assert response.status_code == 302 and response.url == "/en/transfers/group-quote/?sent=1"
    assert "Your request has reached us" in client.get(response.url).content.decode()
    quote = GroupQuoteRequest.objects.get()
    local = timezone.localtime(quote.pickup_at)
    assert (quote.origin, quote.destination) == (catalog.ayt, catalog.belek_hotel)
    assert (local.date(), local.hour, local.minute) == (future_local(days=20).date(), 14, 0)
    assert (quote.adults, quote.children, quote.infants, quote.luggage) == (18, 2, 0, 20)
    assert (quote.name, quote.email, quote.phone, quote.message) == (
        "Olga Ivanova",
        "olga@example.com",
        "+79123456789",
        "Two golf bags.",
    )
    assert (quote.language, quote.status, quote.reply, quote.answered_at) == ("en", "new", "", None)
    [message] = mail.outbox
    assert message.to == ["desk@gnb.example"]
    assert message.reply_to == ["Olga Ivanova <olga@example.com>"]
    assert message.subject == "Group quote request: 20 passengers, Antalya Airport → Regnum Carya"
    assert "Passengers: 18 / 2 / 0 (adults / children / infants)\nSuitcases: 20\n" in message.body
    assert f"http://testserver/admin/bookings/groupquoterequest/{quote.pk}/change/" in message.body


def test_wrong_input_is_named_field_by_field_and_nothing_is_stored(client, catalog):
    response = client.post(
        reverse("website:group_quote"), _request_data(name="  ", phone="12", destination="Antalya Airport (AYT)")
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["name"] == ["This field is required."]
    assert response.context["form"].errors.keys() == {"name"}
    response = client.post(reverse("website:group_quote"), _request_data(phone="12", destination="ayt"))
    errors = response.context["form"].errors
    assert errors == {
        "destination": ["The destination must differ from the pickup place."],
        "phone": ["Enter the phone number with its country code, e.g. +90 532 123 45 67."],
    }
    html = response.content.decode()
    # Errors on the trip are shown next to its inputs: the page shows every field.
    assert 'name="destination" value="ayt"' in html and 'type="hidden"' not in html.split("<form")[1].split("csrf")[1]
    assert not GroupQuoteRequest.objects.exists()


def test_requests_are_limited_per_address(client, catalog):
    url = reverse("website:group_quote")
    for _attempt in range(5):
        assert client.post(url, _request_data(name="")).status_code == 422
    blocked = client.post(url, _request_data())
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 3600
    assert not GroupQuoteRequest.objects.exists()


def _stored_request(catalog, language: str = "tr") -> GroupQuoteRequest:
    return GroupQuoteRequest.objects.create(
        origin=catalog.ayt,
        destination=catalog.belek_hotel,
        pickup_at=timezone.now() + dt.timedelta(days=20),
        adults=20,
        luggage=20,
        name="Ayşe Yılmaz",
        email="ayse@example.com",
        phone="+905321234567",
        language=language,
    )


def test_staff_answer_from_the_back_office_and_the_traveller_gets_it_in_their_language(
    client, catalog, manager, tasks_run_at_once, django_capture_on_commit_callbacks
):
    quote = _stored_request(catalog)
    staff_login(client, manager)
    listing = client.get(reverse("admin:bookings_groupquoterequest_changelist") + "?status__exact=new")
    assert listing.status_code == 200 and "Ayşe Yılmaz" in listing.content.decode()
    url = reverse("admin:bookings_groupquoterequest_change", args=[quote.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reply": "Two minibuses: €380 in total.", "_save": "Save"})
    assert response.status_code == 302
    quote.refresh_from_db()
    assert (quote.status, quote.reply, quote.answered_by) == ("answered", "Two minibuses: €380 in total.", manager)
    assert quote.answered_at is not None
    [message] = mail.outbox
    assert message.to == ["ayse@example.com"]
    assert message.body.startswith("Sayın Ayşe Yılmaz,\n")  # in the language the traveller wrote in
    assert "Two minibuses: €380 in total." in message.body
    # Answered: the page is read-only, a second save changes nothing and sends nothing.
    page = client.get(url).content.decode()
    assert 'name="reply"' not in page
    assert client.post(url, {"reply": "Another answer", "_save": "Save"}).status_code == 403
    quote.refresh_from_db()
    assert quote.reply == "Two minibuses: €380 in total." and len(mail.outbox) == 1


def test_a_request_is_answered_once(catalog, manager):
    quote = _stored_request(catalog)
    group_quote_request_answer(request_id=quote.pk, reply="Offer", actor=Actor.for_user(manager))
    with pytest.raises(InvalidTransition):
        group_quote_request_answer(request_id=quote.pk, reply="Again", actor=Actor.for_user(manager))
