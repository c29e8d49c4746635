"""What the public pages promise is generated from what is configured: card payment only when a card provider
takes the visitor's currency, only the airports the catalogue serves, and extras that say what they add."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse

from gnb.catalog.models import Extra, Place
from gnb.payments.providers import registry
from gnb.testing.payments import RecordingCardProvider

pytestmark = pytest.mark.django_db


def _description(html: str) -> str:
    match = re.search(r'<meta name="description" content="([^"]*)">', html)
    assert match is not None
    return unescape(match.group(1))


@pytest.fixture
def card_provider(monkeypatch):
    monkeypatch.setitem(registry._instances, "stripe", RecordingCardProvider())


def _closed_airport(catalog) -> None:
    Place.objects.create(
        kind="airport",
        slug="dlm",
        name="Dalaman Airport",
        iata_code="DLM",
        zone=catalog.ayt.zone,
        latitude=Decimal("36.713100"),
        longitude=Decimal("28.792500"),
        is_active=False,
    )


def test_without_a_card_provider_no_page_promises_card_payment(client, catalog):
    assert registry.enabled_for("EUR") == []
    home = client.get(reverse("website:home")).content.decode()
    assert "by card" not in home
    assert "Pay the driver in cash on the day" in home
    assert _description(home) == (
        "Fixed-price private transfers from Antalya Airport to your hotel, and day tours. Book in a minute, pay the "
        "driver in cash."
    )


def test_with_a_card_provider_for_the_currency_the_home_page_offers_card(client, catalog, card_provider):
    home = client.get(reverse("website:home")).content.decode()
    assert "Pay the driver in cash, or by card online" in home
    assert _description(home).endswith("pay the driver in cash or by card online.")


class LiraCardProvider(RecordingCardProvider):
    def currencies(self) -> frozenset[str]:
        return frozenset({"TRY"})


def test_a_card_provider_for_another_currency_promises_nothing(client, catalog, monkeypatch):
    monkeypatch.setitem(registry._instances, "stripe", LiraCardProvider())
    home = client.get(reverse("website:home")).content.decode()
    assert "by card" not in home


def test_the_description_and_about_page_name_only_served_airports(client, catalog):
    _closed_airport(catalog)
    Place.objects.create(
        kind="airport",
        slug="gzp",
        name="Gazipaşa-Alanya Airport",
        name_tr="Gazipaşa-Alanya Havalimanı",
        iata_code="GZP",
        zone=catalog.ayt.zone,
        latitude=Decimal("36.299300"),
        longitude=Decimal("32.300600"),
    )
    home = client.get(reverse("website:home")).content.decode()
    assert _description(home).startswith(
        "Fixed-price private transfers from Antalya Airport and Gazipaşa-Alanya Airport to your hotel"
    )
    about = client.get(reverse("website:about")).content.decode()
    assert "Our licensed drivers serve Antalya Airport and Gazipaşa-Alanya Airport." in about
    for page in (home, about):
        for name in ("Istanbul", "Dalaman", "Bodrum", "Izmir"):
            assert name not in page


def test_the_demo_meet_and_greet_sells_what_the_included_meeting_lacks():
    call_command("load_demo", verbosity=0)
    meet = Extra.objects.get(code="meet_greet")
    # Every airport pickup includes the driver at the arrivals exit with a name sign; the extra adds a host.
    for language in ("tr", "de", "ru", "uk", "pl", "nl", "fr", "ar"):
        description = getattr(meet, f"description_{language}")
        assert description, language
        assert description != meet.description_en, language
    assert "sign" not in meet.description_en and "luggage" in meet.description_en


def test_every_page_links_the_operators_phone_and_whatsapp(client, catalog, settings):
    settings.GNB_OPERATOR_PHONE = "+90 242 123 45 67"
    settings.GNB_OPERATOR_WHATSAPP = "+90 532 765 43 21"
    for url in (reverse("website:home"), reverse("website:contact"), reverse("website:tours"), "/en/nowhere/"):
        page = client.get(url).content.decode()
        assert '<a href="tel:+902421234567">Call us <bdi dir="ltr" class="no-break">+90 242 123 45 67</bdi></a>' in page
        assert 'href="https://wa.me/905327654321" rel="noopener">WhatsApp' in page, url


def test_an_empty_setting_shows_no_link(client, catalog, settings):
    settings.GNB_OPERATOR_PHONE = "+90 242 123 45 67"
    settings.GNB_OPERATOR_WHATSAPP = ""
    page = client.get(reverse("website:home")).content.decode()
    assert "wa.me" not in page and "WhatsApp" not in page
    settings.GNB_OPERATOR_PHONE = ""
    page = client.get(reverse("website:home")).content.decode()
    assert 'href="tel:' not in page and "Call us" not in page


def test_the_contact_form_says_optional_once_per_field(client):
    page = client.get(reverse("website:contact")).content.decode()
    assert "(optional) (optional)" not in re.sub(r"<[^>]+>", "", page)
    labels = re.findall(r'<label for="id_(\w+)">(.*?)</label>', page, flags=re.S)
    texts = {name: " ".join(re.sub(r"<[^>]+>", "", label).split()) for name, label in labels}
    assert texts["phone"] == "Phone (optional)"
    assert texts["booking_reference"] == "Booking reference (optional)"
