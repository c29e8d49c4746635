"""Public pages: languages in the URL, SEO links and structured data, tours, analytics consent and error pages."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from gnb.bookings.models import Booking
from gnb.catalog.models import TourDeparture
from gnb.testing.bookings import letters, place_transfer, transfer_request

pytestmark = pytest.mark.django_db


def json_ld(html: str) -> list[dict]:
    return [
        json.loads(block) for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]


def test_root_redirects_to_a_language(client, catalog):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/en/"
    turkish = client.get("/", headers={"accept-language": "tr-TR,tr;q=0.9"})
    assert turkish.url == "/tr/"


@pytest.mark.parametrize(("code", "direction", "heading"), [("en", "ltr", "How it works"), ("ar", "rtl", None)])
def test_home_carries_language_and_direction(client, catalog, code, direction, heading):
    html = client.get(f"/{code}/").content.decode()
    assert f'<html lang="{code}" dir="{direction}">' in html
    if heading:
        assert heading in html


def test_home_is_in_turkish_under_tr(client, catalog):
    html = client.get("/tr/").content.decode()
    assert '<html lang="tr" dir="ltr">' in html
    assert "Fiyatları gör" in html  # "See prices"


def test_canonical_and_hreflang_links_name_every_language(client, catalog):
    html = client.get("/tr/tours/").content.decode()
    assert '<link rel="canonical" href="http://testserver/tr/tours/">' in html
    alternates = re.findall(r'<link rel="alternate" hreflang="([a-z-]+)" href="([^"]+)">', html)
    assert ("de", "http://testserver/de/tours/") in alternates
    assert ("ar", "http://testserver/ar/tours/") in alternates
    assert ("x-default", "http://testserver/en/tours/") in alternates
    assert len(alternates) == 10


def test_popular_routes_show_the_cheapest_fare_from_the_airport(client, catalog):
    catalog.ayt.is_popular = True
    catalog.ayt.save()
    catalog.lara_hotel.is_popular = True
    catalog.lara_hotel.save()
    response = client.get("/en/")
    [item] = response.context["routes"]()  # evaluated by the template only when its cached fragment expired
    assert (item["route"].origin.slug, item["route"].destination.slug) == ("ayt", "titanic-lara")
    assert item["route"].price_from.amount == Decimal("25.00")
    assert "from €25.00" in response.content.decode()


def test_home_shows_the_free_cancellation_window_from_the_policy_setting(client, catalog, settings):
    settings.GNB_FREE_CANCELLATION_HOURS = 48
    assert "Free cancellation up to 48 hours before pickup" in client.get("/en/").content.decode()


def test_business_structured_data_on_home(client, catalog, settings):
    settings.GNB_OPERATOR_PHONE = "+902421234567"
    [business] = json_ld(client.get("/en/").content.decode())
    assert business["@type"] == "LocalBusiness"
    assert business["telephone"] == "+902421234567"
    assert business["email"] == settings.GNB_OPERATOR_EMAIL


def test_tour_page_shows_prices_calendar_and_product_data(client, catalog):
    response = client.get(reverse("website:tour", kwargs={"slug": "perge-aspendos"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "€45.00" in html and "€25.00" in html
    assert "20 left" in html
    [product] = json_ld(html)
    assert product["@type"] == "Product"
    assert product["offers"] == {
        "@type": "Offer",
        "price": "45.00",
        "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock",
        "url": "http://testserver/en/tours/perge-aspendos/",
    }


def test_tour_in_another_currency(client, catalog):
    html = client.get(reverse("website:tour", kwargs={"slug": "perge-aspendos"}), {"currency": "GBP"}).content.decode()
    assert "£38.25" in html  # 45.00 × 0.85


def test_unknown_tour_is_a_styled_404(client, catalog):
    response = client.get("/en/tours/no-such-tour/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def _book_tour(client, departure: TourDeparture, adults: int):
    url = reverse("website:tour_book", kwargs={"slug": "perge-aspendos"})
    query = f"?departure={departure.pk}&adults={adults}&children=0&infants=0"
    data = {
        "name": "Jan Kowalski",
        "email": "jan@example.com",
        "phone": "+48 601 234 567",
        "pickup_place": "Titanic Beach Lara",
    }
    for index in range(adults):
        data |= {f"passenger_{index}_first_name": f"Jan{letters(index)}", f"passenger_{index}_last_name": "Kowalski"}
    response = client.post(url + query, data)
    assert response.status_code == 302, response.context["form"].errors
    return client.post(reverse("website:review"), {"payment_method": "cash"})


def test_tour_sells_out_and_the_next_traveller_sees_it(client, catalog):
    departure = catalog.departure
    departure.capacity = 3
    departure.save()
    _book_tour(client, departure, adults=2)
    _book_tour(client, departure, adults=1)
    assert Booking.objects.filter(tour_departure=departure).count() == 2
    page = client.get(reverse("website:tour", kwargs={"slug": "perge-aspendos"})).content.decode()
    assert "sold out" in page
    assert json_ld(page)[0]["offers"]["availability"] == "https://schema.org/SoldOut"
    late = client.get(
        reverse("website:tour_book", kwargs={"slug": "perge-aspendos"}),
        {"departure": departure.pk, "adults": 1, "children": 0, "infants": 0},
    )
    assert late.status_code == 409
    assert "Sold out" in late.content.decode()


def test_sitemap_lists_pages_and_tours_with_language_alternates(client, catalog):
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/en/tours/perge-aspendos/</loc>" in xml
    assert "<loc>http://testserver/tr/tours/perge-aspendos/</loc>" in xml
    assert 'hreflang="ar" href="http://testserver/ar/about/"' in xml
    assert "/manage/" not in xml and "/checkout/" not in xml


def test_robots_keeps_private_pages_out_and_points_at_the_sitemap(client):
    text = client.get("/robots.txt").content.decode()
    assert "Disallow: /en/manage/" in text and "Disallow: /admin/" in text
    assert text.rstrip().endswith("Sitemap: http://testserver/sitemap.xml")


@pytest.mark.parametrize(
    "page", ["about", "terms", "privacy", "cancellation_policy", "contact", "manage_lookup", "tours"]
)
def test_static_pages_answer_in_english_and_turkish(client, catalog, page):
    for code in ("en", "tr"):
        with translation.override(code):
            url = reverse(f"website:{page}")
        assert client.get(url).status_code == 200


def test_cancellation_page_states_the_configured_policy(client, settings):
    settings.GNB_FREE_CANCELLATION_HOURS = 36
    settings.GNB_LATE_CANCELLATION_FEE_PERCENT = Decimal("30")
    html = client.get(reverse("website:cancellation_policy")).content.decode()
    assert "up to 36 hours before" in html and "is 30% of the booking total" in html


def test_analytics_load_only_after_consent(client, catalog, settings):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    settings.CLARITY_PROJECT_ID = "abc123xyz"
    assert "analytics.js" not in client.get("/en/").content.decode()
    client.cookies["gnb_consent"] = "analytics"
    html = client.get("/en/").content.decode()
    assert 'data-ga4="G-TEST1234"' in html and 'data-clarity="abc123xyz"' in html


def test_no_inline_script_or_style_so_a_strict_csp_can_hold(client, catalog):
    for url in ("/en/", reverse("website:tour", kwargs={"slug": "perge-aspendos"}), "/en/contact/"):
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", html)
        assert scripts == [], url
        assert " style=" not in html and "<style" not in html, url


def test_an_expired_form_explains_itself_and_changes_nothing(catalog):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/en/contact/", {"name": "A", "email": "a@example.com", "message": "Hi"})
    assert response.status_code == 403
    assert "Your page was open for too long" in response.content.decode()


def test_server_error_page_renders_without_a_request_context(rf):
    # Django renders 500.html with an empty context when something failed, so it must need nothing from a request.
    from django.views.defaults import server_error

    response = server_error(rf.get("/en/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and "/static/website/site.css" in html


def test_a_coupon_discount_is_shown_once_on_the_manage_page(client, catalog):
    booking = place_transfer(transfer_request(coupon="WELCOME10"))
    html = client.get(reverse("website:manage", args=[booking.reference, booking.manage_token])).content.decode()
    summary = html[html.index('class="card summary"') :]
    discount = booking.price_breakdown["discount"]
    assert Decimal(discount) > 0
    assert summary.count(f"€{discount}") == 1, summary[:2000]
    assert summary.count("breakdown__discount") == 1
    assert "WELCOME10" in summary


def test_the_return_trip_box_is_labelled_without_a_trailing_colon(client, catalog):
    html = client.get(reverse("website:home")).content.decode()
    assert '<label for="id_return_trip">Return trip</label>' in html
