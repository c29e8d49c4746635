"""Locale right: dates, times, numbers and prices per language, the first visit's language, the preselected currency,
hreflang alternates and the sitemap for all nine languages, and ``<html lang dir>``."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from gnb.core import formats
from gnb.notifications.itinerary import local_datetime_text, money_text

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]
MOMENT = dt.datetime(2027, 6, 12, 14, 30)
NBSP, NNBSP, RLM = "\xa0", "\u202f", "\u200f"


@pytest.mark.parametrize(
    ("language", "date", "time", "moment", "number", "price"),
    [
        ("en", "12 June 2027", "14:30", "12 June 2027, 14:30", "1,234,567.50", "€1,234.50"),
        ("de", "12. Juni 2027", "14:30", "12. Juni 2027, 14:30", "1.234.567,50", f"1.234,50{NBSP}€"),
        ("fr", "12 juin 2027", "14:30", "12 juin 2027, 14:30", f"1{NNBSP}234{NNBSP}567,50", f"1{NNBSP}234,50{NBSP}€"),
        (
            "ru",
            f"12 июня 2027{NNBSP}г.",
            "14:30",
            f"12 июня 2027{NNBSP}г., 14:30",
            f"1{NBSP}234{NBSP}567,50",
            f"1{NBSP}234,50{NBSP}€",
        ),
        (
            "uk",
            f"12 червня 2027{NNBSP}р.",
            "14:30",
            f"12 червня 2027{NNBSP}р., 14:30",
            f"1{NBSP}234{NBSP}567,50",
            f"1{NBSP}234,50{NBSP}EUR",
        ),
        (
            "pl",
            "12 czerwca 2027",
            "14:30",
            "12 czerwca 2027, 14:30",
            f"1{NBSP}234{NBSP}567,50",
            f"1{NBSP}234,50{NBSP}€",
        ),
        ("nl", "12 juni 2027", "14:30", "12 juni 2027, 14:30", "1.234.567,50", f"€{NBSP}1.234,50"),
        ("ar", "12 يونيو 2027", "2:30 م", "12 يونيو 2027، 2:30 م", "1,234,567.50", f"{RLM}1,234.50{NBSP}€"),
        ("tr", "12 Haziran 2027", "14:30", "12 Haziran 2027 14:30", "1.234.567,50", "€1.234,50"),
    ],
)
def test_dates_times_numbers_and_prices_per_language(language, date, time, moment, number, price):
    assert formats.format_date(MOMENT.date(), language) == date
    assert formats.format_time(MOMENT, language) == time
    assert formats.format_datetime(MOMENT, language) == moment
    assert formats.format_number(Decimal("1234567.5"), language, decimal_places=2) == number
    assert formats.format_price(Decimal("1234.50"), "EUR", language) == price


@pytest.mark.parametrize(
    ("language", "currency", "price"),
    [
        ("en", "GBP", "£38.25"),
        ("pl", "PLN", f"38,25{NBSP}zł"),
        ("tr", "TRY", "₺38,25"),
        ("ru", "RUB", f"38,25{NBSP}₽"),
        ("de", "USD", f"38,25{NBSP}$"),
    ],
)
def test_each_currency_reads_with_its_own_symbol(language, currency, price):
    assert formats.format_price(Decimal("38.25"), currency, language) == price


def test_the_weekday_styles_follow_the_language():
    assert formats.format_datetime(MOMENT, "en", style="weekday") == "Sat, 12 Jun 2027, 14:30"
    assert formats.format_datetime(MOMENT, "de", style="weekday") == "Sa., 12. Juni 2027, 14:30"
    assert formats.format_datetime(MOMENT, "ru", style="day") == "сб, 12 июн., 14:30"
    assert formats.format_date(MOMENT.date(), "fr", style="month") == "juin 2027"
    assert formats.format_time(dt.time(8, 0), "ar", clock="24h") == "08:00"
    assert formats.format_time(dt.time(8, 0), "ar") == "8:00 ص"


def test_templates_show_the_current_time_zone_in_the_active_language():
    moment = dt.datetime(2027, 6, 12, 11, 30, tzinfo=dt.UTC)  # 14:30 in Istanbul
    template = Template(
        "{% load formats %}{{ when|local_datetime }} | {{ when|local_time }} | {{ total|money:'EUR' }}"
        " | {{ n|local_number:1 }}"
    )
    with translation.override("de"):
        text = template.render(Context({"when": moment, "total": Decimal("40.00"), "n": Decimal("1234.56")}))
    assert text == f"12. Juni 2027, 14:30 | 14:30 | 40,00{NBSP}€ | 1.234,6"


def test_emails_and_the_voucher_write_times_and_prices_in_the_booking_language():
    moment = dt.datetime(2027, 6, 12, 14, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Istanbul"))
    with translation.override("ru"):
        assert local_datetime_text(moment, "Europe/Istanbul") == f"сб, 12 июн. 2027{NNBSP}г., 14:30 (Europe/Istanbul)"
        assert money_text(Decimal("1040.00"), "EUR") == f"1{NBSP}040,00{NBSP}€"
    with translation.override("de"):
        assert local_datetime_text(moment, "Europe/Istanbul") == "Sa., 12. Juni 2027, 14:30 (Europe/Istanbul)"


# --- the first visit to "/" and the remembered choice --------------------------------------------------------
def test_the_first_visit_goes_to_the_browsers_language(client):
    response = client.get("/", headers={"accept-language": "de-DE,de;q=0.9"})
    assert response.status_code == 302
    assert response.url == "/de/"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}
    assert "private" in response["Cache-Control"]


def test_an_unknown_browser_language_gets_english(client):
    assert client.get("/", headers={"accept-language": "ja-JP,ja;q=0.9"}).url == "/en/"


def test_a_chosen_language_wins_over_the_browsers(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert client.get("/", headers={"accept-language": "de-DE,de;q=0.9"}).url == "/fr/"


def test_the_switcher_remembers_the_choice_and_keeps_the_page(client, catalog):
    html = client.get("/en/tours/perge-aspendos/?currency=GBP").content.decode()
    link = re.search(r'<a href="([^"]+)" hreflang="fr" lang="fr"', html).group(1).replace("&amp;", "&")
    assert link == "/language/fr/?next=%2Ffr%2Ftours%2Fperge-aspendos%2F%3Fcurrency%3DGBP"
    response = client.get(link)
    assert response.status_code == 302
    assert response.url == "/fr/tours/perge-aspendos/?currency=GBP"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == 365 * 24 * 3600
    # From now on, Accept-Language no longer decides.
    assert client.get("/", headers={"accept-language": "de-DE,de;q=0.9"}).url == "/fr/"


def test_the_switcher_never_sends_a_visitor_to_another_site(client):
    response = client.get("/language/de/", {"next": "https://evil.example/de/"})
    assert response.url == "/de/"
    unknown = client.get("/language/xx/", {"next": "/tr/tours/"})
    assert unknown.url == "/en/tours/"
    assert unknown.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # Any page, whatever language it is in, is shown in the chosen one.
    assert client.get("/language/ar/", {"next": "/de/tours/perge-aspendos/"}).url == "/ar/tours/perge-aspendos/"
    assert client.get("/language/ar/", {"next": "/de/no-such-page/"}).url == "/ar/"


# --- the currency preselected by language, the traveller's choice kept ------------------------------------------
@pytest.fixture
def market_currencies(settings):
    settings.GNB_LANGUAGE_CURRENCIES = {"en": "GBP", "de": "EUR", "pl": "PLN"}


def _tour_adult_price(client, language: str, **query) -> str:
    html = client.get(f"/{language}/tours/perge-aspendos/", query).content.decode()
    return re.search(r'<tr><th scope="row">[^<]+</th><td>([^<]+)</td>', html).group(1)


def test_the_currency_follows_the_language_until_the_traveller_picks_one(client, catalog, market_currencies):
    assert _tour_adult_price(client, "en") == "£38.25"  # 45.00 EUR × 0.85
    assert _tour_adult_price(client, "de") == f"45,00{NBSP}€"
    # Złoty is not offered by this catalogue: the base currency, in Polish.
    assert _tour_adult_price(client, "pl") == f"45,00{NBSP}€"


def test_the_travellers_own_currency_is_kept_over_the_languages(client, catalog, market_currencies):
    assert _tour_adult_price(client, "en", currency="EUR") == "€45.00"
    assert client.cookies["gnb_currency"].value == "EUR"
    assert _tour_adult_price(client, "en") == "€45.00"
    assert _tour_adult_price(client, "de") == f"45,00{NBSP}€"
    client.get("/de/tours/", {"currency": "GBP"})
    assert _tour_adult_price(client, "de") == f"38,25{NBSP}£"


def test_a_bad_language_currency_setting_fails_at_start(monkeypatch):
    import importlib

    import config.settings as settings_module

    monkeypatch.setenv("GNB_LANGUAGE_CURRENCIES", "de:EURO")
    with pytest.raises(Exception, match="GNB_LANGUAGE_CURRENCIES"):
        importlib.reload(settings_module)
    monkeypatch.delenv("GNB_LANGUAGE_CURRENCIES")
    importlib.reload(settings_module)


# --- hreflang, sitemap, html lang/dir --------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/de/", "/de/tours/", "/de/tours/perge-aspendos/", "/de/about/", "/de/manage/"])
def test_every_public_page_names_all_nine_languages_and_x_default(client, catalog, path):
    html = client.get(path).content.decode()
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([a-z-]+)" href="([^"]+)">', html))
    english = "http://testserver" + path.replace("/de/", "/en/", 1)
    assert alternates == {
        **{code: "http://testserver" + path.replace("/de/", f"/{code}/", 1) for code in LANGUAGES},
        "x-default": english,
    }


def test_the_sitemap_covers_every_language_with_alternates(client, catalog):
    xml = client.get("/sitemap.xml").content.decode()
    for code in LANGUAGES:
        assert f"<loc>http://testserver/{code}/tours/perge-aspendos/</loc>" in xml
        assert f"<loc>http://testserver/{code}/about/</loc>" in xml
    entry = xml.split("<loc>http://testserver/ru/about/</loc>")[1].split("</url>")[0]
    links = re.findall(r'hreflang="([a-z-]+)" href="([^"]+)"', entry)
    assert links == [(code, f"http://testserver/{code}/about/") for code in LANGUAGES] + [
        ("x-default", "http://testserver/en/about/")
    ]


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("de", "ltr")])
def test_html_lang_and_dir_on_pages(client, catalog, language, direction):
    for path in (f"/{language}/", f"/{language}/tours/perge-aspendos/", f"/{language}/manage/"):
        assert f'<html lang="{language}" dir="{direction}">' in client.get(path).content.decode()
    missing = client.get(f"/{language}/tours/no-such-tour/")
    assert missing.status_code == 404
    assert f'<html lang="{language}" dir="{direction}">' in missing.content.decode()


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("de", "ltr")])
def test_html_lang_and_dir_in_the_back_office(admin_client, language, direction):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert f'<html lang="{language}" dir="{direction}"' in html
