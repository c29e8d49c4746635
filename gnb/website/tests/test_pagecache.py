"""Whole pages kept for stateless visits (gnb.website.pagecache): served again only while nothing they show changed,
each with its own CSP nonce, and never to a visitor with state or from a page that carried a CSRF token."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gnb.catalog.models import Fare
from gnb.testing.bookings import place_tour
from gnb.testing.website import search_query
from gnb.website.pagecache import cached_page

pytestmark = pytest.mark.django_db


def results_url(**extra: str) -> str:
    return reverse("website:results") + "?" + urlencode(search_query(children="0", **extra))


def nonces(response) -> tuple[set[str], str]:
    in_body = set(re.findall(r'nonce="([^"]+)"', response.content.decode()))
    in_header = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    return in_body, in_header


def test_a_stateless_visit_is_served_again_with_its_own_nonce(client, catalog):
    first = client.get(results_url())
    with CaptureQueriesContext(connection) as queries:
        second = client.get(results_url())
    assert first.status_code == second.status_code == 200
    # Only the catalogue's version is read; nothing is priced or rendered again.
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]
    (first_body,), first_header = nonces(first)
    (second_body,), second_header = nonces(second)
    assert first_body == first_header and second_body == second_header and first_header != second_header
    assert first.content.decode().replace(first_body, "") == second.content.decode().replace(second_body, "")


def test_a_price_change_shows_on_the_next_visit(client, catalog):
    assert "€40.00" in client.get(results_url()).content.decode()
    Fare.objects.filter(vehicle_class=catalog.sedan, destination_zone=catalog.belek).update(price=Decimal("47.00"))
    html = client.get(results_url()).content.decode()
    assert "€47.00" in html and "€40.00" not in html


def test_each_currency_and_consent_has_its_own_page(client, catalog, settings):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    assert "€40.00" in client.get(results_url()).content.decode()
    client.cookies["gnb_currency"] = "GBP"
    assert "£34.00" in client.get(results_url()).content.decode()
    assert "analytics.js" not in client.get("/en/").content.decode()
    client.cookies["gnb_consent"] = "analytics"
    assert "analytics.js" in client.get("/en/").content.decode()


def test_a_signed_in_traveller_never_gets_a_strangers_page(client, catalog, customer):
    assert "Sign in" in client.get("/en/").content.decode()
    client.force_login(customer)
    html = client.get("/en/").content.decode()
    assert "My account" in html and 'href="/en/account/login/' not in html


def test_a_tour_page_follows_its_bookings(client, catalog):
    url = reverse("website:tour", kwargs={"slug": "perge-aspendos"})
    assert "20 left" in client.get(url).content.decode()
    place_tour(catalog.departure, adults=3)
    assert "17 left" in client.get(url).content.decode()


def test_a_form_that_posts_gets_each_visitor_their_own_csrf_token(client, catalog):
    url = reverse("website:transfer_book") + results_url(vehicle="sedan")[len(reverse("website:results")) :]
    first = client.get(url)
    stranger = Client(enforce_csrf_checks=True)
    second = stranger.get(url)
    [first_token] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', first.content.decode())
    [second_token] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', second.content.decode())
    assert first_token != second_token
    # The token served from the kept page belongs to this visitor's cookie: their post is accepted by the CSRF check
    # (and refused by the form for its empty fields, not with a 403).
    assert stranger.cookies["csrftoken"].value
    posted = stranger.post(url, {"csrfmiddlewaretoken": second_token})
    assert posted.status_code == 200


def test_a_page_with_two_different_csrf_tokens_is_not_kept(catalog):
    rendered = []

    @cached_page(seconds=60, version=lambda request: ("v",))
    def view(request):
        rendered.append(1)
        # Two calls, two masks of the same secret: two different strings in one page.
        forms = [
            f'<form method=post><input name="csrfmiddlewaretoken" value="{get_token(request)}"></form>' for _ in "ab"
        ]
        return HttpResponse("".join(forms))

    for _ in range(2):
        request = RequestFactory().get("/en/form/")
        request.csp_nonce = "n0nce"
        view(request)
    assert len(rendered) == 2


def test_only_stateless_answers_are_kept(catalog):
    rendered = []

    @cached_page(seconds=60, version=lambda request: ("v",))
    def view(request):
        rendered.append(1)
        response = HttpResponse("<p>hello</p>")
        if request.GET.get("remember"):
            response.set_cookie("gnb_currency", "GBP")
        if request.GET.get("note"):
            request.session["seen"] = True
        return response

    def visit(query: str = "", cookies: dict | None = None) -> None:
        request = RequestFactory().get("/en/page/" + query)
        request.COOKIES.update(cookies or {})
        request.csp_nonce = "n0nce"
        request.session = SessionStore()
        view(request)

    visit("?remember=1")  # sets a cookie: rendered, not kept
    visit("?remember=1")
    visit("?note=1")  # writes to the session: rendered, not kept
    visit("?note=1")
    visit(cookies={"sessionid": "abc"})  # a visitor with a session: always rendered
    visit(cookies={"sessionid": "abc"})
    assert len(rendered) == 6
    visit()
    visit()
    assert len(rendered) == 7
