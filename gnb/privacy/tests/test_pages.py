"""The privacy notice and cookie page say what the settings make the site do; the consent banner records each
answer with its time and text version, can be changed from the footer, and analytics load only after consent."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from gnb.privacy.consent import consent_parse
from gnb.privacy.models import ConsentDecision

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)
NECESSARY_COOKIES = ["sessionid", "csrftoken", "django_language", "gnb_currency", "gnb_consent"]


@pytest.fixture
def bare(settings):
    """No optional processor on: no Stripe, PayTR, Sentry, analytics, SMTP or U-ETDS."""
    settings.STRIPE_SECRET_KEY = ""
    settings.PAYTR_MERCHANT_ID = ""
    settings.SENTRY_DSN = ""
    settings.GA4_MEASUREMENT_ID = ""
    settings.CLARITY_PROJECT_ID = ""
    settings.GNB_UETDS_REPORTING = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


def cookies_listed(html: str) -> list[str]:
    return re.findall(r'data-cookie="([^"]+)"', html)


def processors_listed(html: str) -> list[str]:
    return re.findall(r'data-processor="([^"]+)"', html)


def test_the_cookie_page_lists_exactly_the_cookies_the_settings_set(client, catalog, bare):
    url = reverse("website:cookies")
    html = client.get(url).content.decode()
    assert cookies_listed(html) == NECESSARY_COOKIES
    assert "nothing to choose" in html and 'name="choice"' not in html

    bare.GA4_MEASUREMENT_ID = "G-TEST1234"
    assert cookies_listed(client.get(url).content.decode()) == [*NECESSARY_COOKIES, "_ga", "_ga_TEST1234"]
    bare.CLARITY_PROJECT_ID = "abc123xyz"
    html = client.get(url).content.decode()
    assert cookies_listed(html) == [*NECESSARY_COOKIES, "_ga", "_ga_TEST1234", "_clck", "_clsk", "CLID"]
    assert 'name="choice" value="analytics"' in html
    bare.GA4_MEASUREMENT_ID = ""
    assert cookies_listed(client.get(url).content.decode()) == [*NECESSARY_COOKIES, "_clck", "_clsk", "CLID"]


def test_cookie_lifetimes_come_from_the_settings(client, catalog, bare):
    bare.SESSION_COOKIE_AGE = 12 * 3600
    bare.GA4_MEASUREMENT_ID = "G-TEST1234"

    def lifetimes(path: str) -> dict[str, str]:
        html = client.get(path).content.decode()
        return dict(re.findall(r'data-cookie="([^"]+)".*?</dd>\s*<dt>[^<]*</dt><dd>([^<]+)</dd>', html, re.S))

    assert lifetimes("/en/cookies/") == {
        "sessionid": "12 hours",
        "csrftoken": "1 year",
        "django_language": "1 year",
        "gnb_currency": "1 year",
        "gnb_consent": "6 months",
        "_ga": "2 years",
        "_ga_TEST1234": "2 years",
    }
    bare.SESSION_COOKIE_AGE = 3 * 24 * 3600
    assert lifetimes("/de/cookies/")["sessionid"] == "3 Tage"


@pytest.mark.parametrize(
    ("setting", "value", "key"),
    [
        ("STRIPE_SECRET_KEY", "sk_test_123", "stripe"),
        ("PAYTR_MERCHANT_ID", "123456", "paytr"),
        ("SENTRY_DSN", "https://key@o1.ingest.sentry.io/1", "sentry"),
        ("GA4_MEASUREMENT_ID", "G-TEST1234", "ga4"),
        ("CLARITY_PROJECT_ID", "abc123xyz", "clarity"),
        ("GNB_UETDS_REPORTING", True, "uetds"),
    ],
)
def test_the_privacy_notice_names_a_processor_only_when_its_setting_is_on(client, catalog, bare, setting, value, key):
    url = reverse("website:privacy")
    assert processors_listed(client.get(url).content.decode()) == []
    setattr(bare, setting, value)
    assert processors_listed(client.get(url).content.decode()) == [key]


def test_the_privacy_notice_names_the_email_provider_and_the_controller(client, catalog, bare):
    bare.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    bare.EMAIL_HOST = "smtp.mailgun.org"
    bare.GNB_CONTROLLER_NAME = "Example Turizm A.Ş."
    bare.GNB_CONTROLLER_ADDRESS = "Lara Cd. 1, Antalya"
    bare.GNB_CONTROLLER_EMAIL = "kvkk@example.com"
    bare.GNB_DPO_EMAIL = ""
    bare.GNB_PRIVACY_RETENTION_MONTHS = 36
    html = client.get(reverse("website:privacy")).content.decode()
    assert processors_listed(html) == ["email"]
    assert "smtp.mailgun.org" in html
    assert "<bdi>Example Turizm A.Ş.</bdi>, <bdi>Lara Cd. 1, Antalya</bdi>, is the data controller" in html
    assert "kvkk@example.com" in html and "data protection officer" not in html
    assert "personal data 36 months after their last trip" in html
    bare.GNB_DPO_EMAIL = "dpo@example.com"
    assert (
        "Our data protection officer: <bdi>dpo@example.com</bdi>."
        in client.get(reverse("website:privacy")).content.decode()
    )


@pytest.mark.parametrize("code", ["tr", "de", "ru", "ar"])
def test_the_pages_exist_in_every_language(client, catalog, code):
    for name in ("privacy", "cookies"):
        response = client.get(f"/{code}/{name}/")
        assert response.status_code == 200
        assert f'<html lang="{code}"' in response.content.decode()


def test_the_footer_links_the_cookie_page_and_the_sitemap_lists_it(client, catalog):
    html = client.get("/en/").content.decode()
    assert f'href="{reverse("website:cookies")}"' in html.split("<footer")[1]
    xml = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/ar/cookies/</loc>" in xml and "<loc>http://testserver/en/privacy/</loc>" in xml


# --- consent --------------------------------------------------------------------------------------------------
def test_analytics_scripts_are_absent_before_consent_and_present_after(client, catalog, settings):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    settings.CLARITY_PROJECT_ID = "abc123xyz"
    html = client.get("/en/tours/").content.decode()
    assert "analytics.js" not in html and "googletagmanager" not in html and "clarity.ms" not in html
    assert 'id="consent"' in html  # the question is asked

    response = client.post(
        reverse("website:consent"), {"choice": "analytics", "next": "/en/tours/"}, headers={"accept-language": "en"}
    )
    assert response.status_code == 302 and response.url == "/en/tours/"
    html = client.get("/en/tours/").content.decode()
    assert 'data-ga4="G-TEST1234"' in html and 'data-clarity="abc123xyz"' in html
    assert 'id="consent"' not in html  # answered

    client.post(reverse("website:consent"), {"choice": "necessary", "next": "/en/tours/"})
    html = client.get("/en/tours/").content.decode()
    assert "analytics.js" not in html and 'id="consent"' not in html


def test_each_decision_is_a_row_with_time_version_and_categories_and_no_address(client, catalog, settings):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    settings.GNB_CONSENT_VERSION = 3
    with time_machine.travel(NOW, tick=False):
        client.post("/de/cookies/consent/", {"choice": "analytics", "next": "/de/"})
    subject = consent_parse(client.cookies["gnb_consent"].value).subject
    assert client.cookies["gnb_consent"].value == f"analytics,v3,{subject}"
    assert client.cookies["gnb_consent"]["max-age"] == 180 * 24 * 3600
    with time_machine.travel(NOW + dt.timedelta(days=40), tick=False):
        client.post("/de/cookies/consent/", {"choice": "necessary", "next": "/de/cookies/"})
    assert client.cookies["gnb_consent"].value == f"necessary,v3,{subject}"

    rows = list(
        ConsentDecision.objects.order_by("decided_at").values(
            "subject", "version", "categories", "language", "decided_at"
        )
    )
    assert rows == [
        {"subject": subject, "version": 3, "categories": ["analytics"], "language": "de", "decided_at": NOW},
        {
            "subject": subject,
            "version": 3,
            "categories": [],
            "language": "de",
            "decided_at": NOW + dt.timedelta(days=40),
        },
    ]
    field_names = {field.name for field in ConsentDecision._meta.get_fields()}
    assert not {"ip", "ip_address", "user_agent", "user"} & field_names


def test_a_new_consent_text_asks_again_and_the_cookie_page_shows_the_choice(client, catalog, settings):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    client.post(reverse("website:consent"), {"choice": "analytics", "next": "/en/"})
    html = client.get(reverse("website:cookies")).content.decode()
    assert "You have allowed analytics." in html and 'id="consent"' not in html
    settings.GNB_CONSENT_VERSION = 2
    html = client.get("/en/").content.decode()
    assert 'id="consent"' in html
    html = client.get(reverse("website:cookies")).content.decode()
    assert 'id="consent"' not in html and 'name="choice" value="analytics"' in html  # asked once, in the page


def test_a_bad_answer_or_an_outside_address_is_refused(client, catalog, settings):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    assert client.post(reverse("website:consent"), {"choice": "everything"}).status_code == 400
    assert client.get(reverse("website:consent")).status_code == 405
    response = client.post(reverse("website:consent"), {"choice": "necessary", "next": "https://evil.example/"})
    assert response.url == reverse("website:cookies")
    assert ConsentDecision.objects.count() == 1
    assert timezone.now() - ConsentDecision.objects.get().decided_at < dt.timedelta(minutes=1)


def test_without_analytics_configured_no_question_is_asked(client, catalog, bare):
    html = client.get("/en/").content.decode()
    assert 'id="consent"' not in html and "privacy.css" not in html
