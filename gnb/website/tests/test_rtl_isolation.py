"""Mixed-direction text is isolated in the markup, so an Arabic page (and email) keeps Latin names, phones and
references in their own order: place and person names in ``<bdi>``, phones, emails, references and flight numbers in
``<bdi dir="ltr">``, the route's arrow one that CSS turns to point the way the line reads."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from gnb.bookings.models import Booking
from gnb.testing.website import book_url, details, search_query

ROUTE = '<bdi>Antalya Airport</bdi> <span class="arrow">→</span> <bdi>Regnum Carya</bdi>'


def arabic(name: str, **kwargs) -> str:
    with translation.override("ar"):
        return reverse(name, **kwargs)


def arabic_book_url() -> str:
    with translation.override("ar"):
        return book_url()


@dataclass
class Placed:
    booking: Booking
    review_html: str  # the review page as the traveller saw it before booking


@pytest.fixture
def placed(client, catalog) -> Placed:
    """An Arabic traveller's booking, placed through the Arabic pages, with the review page's HTML kept."""
    response = client.post(arabic_book_url(), details())
    assert response.status_code == 302, response.context["form"].errors
    review = client.get(arabic("website:review"))
    client.post(arabic("website:review"), {"payment_method": "cash"})
    return Placed(Booking.objects.get(), review.content.decode())


def test_the_results_page_isolates_the_places_and_turns_the_title_arrow(client, catalog):
    with translation.override("ar"):
        html = client.get(reverse("website:results"), search_query()).content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert re.search(
        r"<h1><bdi>Antalya Airport</bdi> <span class=\"arrow\"[^>]*>→</span>.*<bdi>Regnum Carya</bdi></h1>", html
    )
    # The page title is plain text: Unicode isolates, and an arrow that points left, the way Arabic reads.
    title = "<title>&#x2068;Antalya Airport&#x2069; ← &#x2068;Regnum Carya&#x2069; · GNB Transfer</title>"
    assert title in html
    assert '<h2 class="vehicle__name"><bdi>' in html


def test_the_review_page_isolates_names_phone_email_and_flight(placed):
    html = placed.review_html
    assert f"<dd>{ROUTE}</dd>" in html
    assert '<bdi dir="ltr">TK2412</bdi>' in html
    assert (
        '<bdi>Ayşe Yılmaz</bdi><br><bdi dir="ltr">ayse@example.com</bdi><br><bdi dir="ltr">+905321234567</bdi>' in html
    )
    assert "<li><bdi>Ayşe Yılmaz</bdi></li><li><bdi>Mehmet Yılmaz</bdi></li><li><bdi>Can Yılmaz</bdi></li>" in html


def test_the_manage_page_isolates_the_reference_route_and_contact(client, placed):
    booking = placed.booking
    html = client.get(arabic("website:manage", kwargs={"reference": booking.reference, "token": booking.manage_token}))
    html = html.content.decode()
    assert f'<p class="reference"><bdi dir="ltr">{booking.reference}</bdi></p>' in html
    assert f"<dd>{ROUTE}<br>" in html
    assert '<bdi dir="ltr">TK2412</bdi>' in html
    assert (
        '<bdi>Ayşe Yılmaz</bdi><br><bdi dir="ltr">ayse@example.com</bdi><br><bdi dir="ltr">+905321234567</bdi>' in html
    )


def test_a_right_to_left_page_turns_the_route_arrow_and_keeps_typed_phones_left_to_right():
    css = (settings.BASE_DIR / "gnb/website/static/website/site.css").read_text()
    assert '[dir="rtl"] .route__arrow,\n[dir="rtl"] .arrow {\n  transform: scaleX(-1);\n}' in css
    assert re.search(r'\[dir="rtl"\] input\[type="tel"\],[^}]*direction: ltr;', css)


@pytest.mark.django_db(transaction=True)
def test_the_arabic_emails_isolate_names_phone_and_reference(client, catalog):
    client.post(arabic_book_url(), details())
    client.post(arabic("website:review"), {"payment_method": "cash"})
    booking = Booking.objects.get()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    [message] = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    [(html, _mimetype)] = message.alternatives
    assert isinstance(html, str)
    assert (
        f'<bdi dir="ltr"><strong style="font-size:18px;letter-spacing:1px">{booking.reference}</strong></bdi>' in html
    )
    # The ride: each place isolated, the arrow pointing left in a right-to-left email (no CSS to turn it there).
    assert "<bdi>Antalya Airport</bdi> ← <bdi>Regnum Carya</bdi>" in html
    assert (
        '<bdi>Ayşe Yılmaz</bdi><br><bdi dir="ltr">ayse@example.com</bdi><br><bdi dir="ltr">+905321234567</bdi>' in html
    )
    # The plain-text part uses Unicode isolates: FSI … PDI for names, LRI … PDI for the phone and the reference.
    text = message.body
    assert "\u2068Antalya Airport\u2069 ← \u2068Regnum Carya\u2069" in text
    assert "\u2066+905321234567\u2069" in text and f"\u2066{booking.reference}\u2069" in text


def test_catalogue_texts_take_their_own_direction(client, catalog):
    """A tour's texts (English until translated, or with Latin names and numbers) are laid out by their first letter."""
    with translation.override("ar"):
        html = client.get(reverse("website:tour", kwargs={"slug": catalog.departure.tour.slug})).content.decode()
    assert '<section class="prose" dir="auto"><p>Ancient theatre and city.</p></section>' in html
    assert '<li dir="auto">Guide</li><li dir="auto">Lunch</li>' in html
    assert '<p class="lead" dir="auto">' in html
