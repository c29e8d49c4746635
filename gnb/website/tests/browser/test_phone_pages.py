"""Pages of issue 13 at 390 × 844 (the back office at 1366 × 900): the header on one row in every language, the
contact form, the manage and change pages (the reference on one line), the group quote form in en, tr and ar, and
the group quote requests in the back office. Each page's screenshot lands in the test's screenshot folder."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from gnb.bookings.models import GroupQuoteRequest
from gnb.testing.bookings import place_transfer
from gnb.testing.personas import staff_login
from gnb.testing.website import search_query

# Every link of the main navigation on the same row as the first, and nothing wider than the screen.
NAV_ROWS = """() => {
    const tops = [...document.querySelectorAll('.site-nav a')].map(a => Math.round(a.getBoundingClientRect().top));
    return {rows: new Set(tops).size, width: document.documentElement.scrollWidth};
}"""


def lines_of(page: Page, selector: str) -> int:
    """How many lines the element's text takes."""
    return page.locator(selector).evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e); "
        "return new Set([...r.getClientRects()].map(c => Math.round(c.top))).size; }"
    )


def url_in(language: str, name: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


@pytest.mark.parametrize("language", ["en", "tr", "ru", "uk", "pl", "fr", "de", "nl", "ar"])
def test_the_header_keeps_its_links_on_one_row(site, traveller, language, settings):
    settings.GNB_OPERATOR_PHONE = "+90 242 123 45 67"
    settings.GNB_OPERATOR_WHATSAPP = "+90 532 765 43 21"
    visitor = traveller(language)
    visitor.page.goto(site.url + url_in(language, "website:home"))
    layout = visitor.page.evaluate(NAV_ROWS)
    visitor.shot(f"home-{language}")
    assert layout == {"rows": 1, "width": 390}, language
    assert visitor.problems == []


def test_the_contact_page(site, traveller):
    visitor = traveller("contact")
    visitor.page.goto(site.url + reverse("website:contact"))
    expect(visitor.page.get_by_text("(optional) (optional)")).to_have_count(0)
    visitor.shot("contact-en")
    assert visitor.problems == []


@pytest.mark.parametrize("language", ["en", "tr", "ar"])
def test_the_manage_and_change_pages(site, traveller, language):
    booking = place_transfer(language=language)
    visitor = traveller(language)
    kwargs = {"reference": booking.reference, "token": booking.manage_token}
    visitor.page.goto(site.url + url_in(language, "website:manage", **kwargs))
    visitor.shot(f"manage-{language}")
    visitor.page.goto(site.url + url_in(language, "website:manage_change", **kwargs))
    assert lines_of(visitor.page, "h1 bdi") == 1
    visitor.shot(f"change-{language}")
    visitor.page.locator("[name=p1_first_name]").fill("Jon")
    visitor.page.locator("form.card button[type=submit]").click()
    visitor.page.wait_for_url("**/manage/**")
    assert [p.first_name for p in booking.passengers.all()] == ["Anna", "Jon"]
    assert visitor.problems == []


@pytest.mark.parametrize("language", ["en", "tr", "ar"])
def test_a_group_too_big_for_any_vehicle_requests_an_offer(site, traveller, language):
    visitor = traveller(language, javascript=False)
    query = "&".join(f"{k}={v}" for k, v in search_query(adults="18", children="2", bags="20").items())
    visitor.page.goto(site.url + url_in(language, "website:results") + "?" + query)
    form = visitor.page.locator("form.group-quote")
    expect(form).to_be_visible()
    visitor.shot(f"results-group-{language}")
    form.locator("[name=name]").fill("Olga Ivanova")
    form.locator("[name=email]").fill("olga@example.com")
    form.locator("[name=phone]").fill("+7 912 345 67 89")
    form.locator("button[type=submit]").click()
    visitor.page.wait_for_url("**sent=1")
    visitor.shot(f"group-sent-{language}")
    assert GroupQuoteRequest.objects.filter(language=language, adults=18, children=2, luggage=20).count() == 1
    visitor.page.goto(site.url + url_in(language, "website:group_quote"))
    visitor.page.locator("button[type=submit]").click()
    visitor.shot(f"group-errors-{language}")
    assert visitor.page.evaluate("document.documentElement.scrollWidth") == 390


def test_the_group_quote_requests_in_the_back_office(site, browser, screenshots, manager):
    for index, adults in enumerate((20, 34)):
        GroupQuoteRequest.objects.create(
            origin=site.catalog.ayt,
            destination=site.catalog.belek_hotel,
            pickup_at=place_transfer().starts_at,
            adults=adults,
            children=index,
            luggage=adults,
            name=["Olga Ivanova", "Ayşe Yılmaz"][index],
            email="olga@example.com",
            phone="+79123456789",
            message="Two golf bags.",
            language=["ru", "tr"][index],
        )
    client = Client()
    staff_login(client, manager)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    host = site.url.split("//")[1].split(":")[0]
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )
    page = context.new_page()
    page.goto(site.url + reverse("admin:bookings_groupquoterequest_changelist"))
    expect(page.get_by_text("Ayşe Yılmaz")).to_be_visible()
    screenshots.take(page, "admin-group-quotes")
    quote = GroupQuoteRequest.objects.get(name="Olga Ivanova")
    page.goto(site.url + reverse("admin:bookings_groupquoterequest_change", args=[quote.pk]))
    page.locator("[name=reply]").fill("Two minibuses: €380 in total.")
    screenshots.take(page, "admin-group-quote-answer")
    page.locator("[name=_save]").click()
    expect(page.locator("td.field-status").filter(has_text="Answered")).to_have_count(1)
    screenshots.take(page, "admin-group-quotes-answered")
    context.close()
    quote.refresh_from_db()
    assert quote.status == "answered" and quote.answered_by == manager
