"""In a real browser on a phone: the cookie question, answered without JavaScript or with it, loads analytics only
after "Allow analytics", and the footer's cookie page changes the answer later. Also the back-office request page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import Route, expect

from gnb.accounts.roles import ADMIN
from gnb.privacy.models import ConsentDecision
from gnb.testing.bookings import place_past_sedan_transfer
from gnb.testing.personas import persona, staff_login

ANALYTICS_HOSTS = re.compile(r"https://[^/]*(googletagmanager\.com|clarity\.ms)/")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_banner_asks_once_and_the_footer_changes_the_answer(site, traveller, settings, javascript):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    anna = traveller("anna", javascript=javascript)
    page = anna.page
    fetched: list[str] = []

    def analytics_host(route: Route) -> None:
        fetched.append(route.request.url)
        route.fulfill(status=200, content_type="text/javascript", body="")

    page.route(ANALYTICS_HOSTS, analytics_host)
    page.goto(site.url + "/en/tours/")
    banner = page.locator("#consent")
    expect(banner).to_be_visible()
    assert banner.bounding_box()["y"] + banner.bounding_box()["height"] <= 844  # on screen, not below the page
    anna.shot("banner")
    assert page.locator("script[src*='analytics.js']").count() == 0

    banner.get_by_role("button", name="Allow analytics").click()
    page.wait_for_url(site.url + "/en/tours/")
    expect(page.locator("#consent")).to_have_count(0)
    expect(page.locator("script[src*='analytics.js']")).to_have_count(1)
    if javascript:
        page.wait_for_function("document.querySelectorAll('script[src*=\"googletagmanager\"]').length === 1")
        assert fetched == ["https://www.googletagmanager.com/gtag/js?id=G-TEST1234"]
    anna.shot("allowed")

    page.locator("footer").get_by_role("link", name="Cookie settings").click()
    expect(page.get_by_text("You have allowed analytics.")).to_be_visible()
    anna.shot("cookie-page")
    page.get_by_role("button", name="Only necessary cookies").click()
    expect(page.get_by_text("You have not allowed analytics.")).to_be_visible()
    expect(page.locator("script[src*='analytics.js']")).to_have_count(0)
    anna.shot("withdrawn")
    assert list(ConsentDecision.objects.order_by("pk").values_list("categories", flat=True)) == [["analytics"], []]
    assert anna.problems == []


def test_the_arabic_banner_and_pages_read_right_to_left(site, traveller, settings):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.SENTRY_DSN = "https://key@o1.ingest.sentry.io/1"
    settings.GNB_UETDS_REPORTING = True
    amira = traveller("amira", locale="ar")
    page = amira.page
    page.route(ANALYTICS_HOSTS, lambda route: route.fulfill(status=200, content_type="text/javascript", body=""))
    for path in ("/ar/", "/ar/privacy/", "/ar/cookies/", "/en/privacy/", "/en/cookies/", "/ru/cookies/"):
        page.goto(site.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)  # nothing wider than the phone
        amira.shot(path.strip("/").replace("/", "-"))
    assert amira.problems == []


def test_the_request_page_in_the_back_office(site, browser, screenshots):
    booking = place_past_sedan_transfer()
    office = Client()
    staff_login(office, persona(ADMIN, "leyla"))
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": office.cookies["sessionid"].value, "url": site.url}])
    page = context.new_page()
    page.goto(site.url + "/admin/privacy/datasubjectrequest/")
    screenshots.take(page, "admin-requests")
    page.get_by_role("link", name="Export or erase a traveller's data").click()
    page.get_by_label("Email").fill("anna@example.com")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name=booking.reference)).to_be_visible()
    screenshots.take(page, "admin-traveller")
    page.get_by_label("I have checked that the request comes from the traveller.").check()
    page.get_by_role("button", name="Erase personal data").click()
    expect(page.get_by_text("Personal data erased. Bookings anonymised: 1.")).to_be_visible()
    screenshots.take(page, "admin-erased")
    context.close()
