"""The Content-Security-Policy and Permissions-Policy hold in Chromium: every page works and nothing is blocked.

Each page records the ``securitypolicyviolation`` events the browser fires (into ``window.__cspViolations``) and
every console message that names a policy; both must stay empty. The pages' own behaviour shows their script ran.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import Page, Route, expect

from gnb.bookings.orders import Contact, PassengerInput, TransferOrder
from gnb.bookings.quotes import TransferQuoteRequest
from gnb.bookings.services import booking_place_transfer
from gnb.testing.browser import Traveller, type_place

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.effectiveDirective + " blocked " + (event.blockedURI || "inline") + " in " + event.sourceFile
  );
});
"""
POLICY_WORDS = re.compile(r"Content Security Policy|Content-Security-Policy|Permissions-Policy|Permissions Policy")


def watch_policies(traveller: Traveller) -> list[str]:
    """Every policy complaint of the traveller's pages: console messages of any level that name a policy."""
    complaints: list[str] = []
    traveller.page.add_init_script(RECORD_VIOLATIONS)
    traveller.page.on(
        "console",
        lambda message: (
            complaints.append(f"{message.type}: {message.text}") if POLICY_WORDS.search(message.text) else None
        ),
    )
    return complaints


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def _booking_to_manage():
    pickup = (timezone.now() + dt.timedelta(days=12)).astimezone(dt.timezone(dt.timedelta(hours=3)))
    return booking_place_transfer(
        order=TransferOrder(
            quote_request=TransferQuoteRequest(
                origin="regnum-carya",
                destination="ayt",
                pickup_at=pickup.replace(tzinfo=None, hour=9, minute=0, second=0, microsecond=0),
                adults=1,
                children=0,
                infants=0,
                luggage=1,
            ),
            vehicle_class="sedan",
            contact=Contact("Anna Smith", "anna@example.com", "+44 7911 123456"),
            passengers=[PassengerInput("Anna", "Smith", "adult")],
            pickup_point="Main entrance",
            language="en",
        )
    )


def test_public_pages_run_their_script_under_the_policy(site, traveller):
    anna = traveller("anna")
    complaints = watch_policies(anna)
    page = anna.page
    search = {
        "origin": "ayt",
        "destination": "regnum-carya",
        "date": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        "time": "14:00",
        "adults": "2",
        "children": "0",
        "infants": "0",
        "bags": "2",
    }
    booking = _booking_to_manage()

    page.goto(site.url + "/en/")
    # site.js ran (it hides the return date until "Return trip" is ticked) and fetched suggestions (connect-src).
    expect(page.get_by_label("Return date (optional)", exact=True)).to_be_hidden()
    type_place(anna, "From", "Antalya")
    assert violations(page) == [], page.url

    pages = {
        "results": reverse("website:results") + "?" + urlencode(search),
        "transfer form": reverse("website:transfer_book") + "?" + urlencode(search | {"vehicle": "sedan"}),
        "tours": reverse("website:tours"),
        "tour": reverse("website:tour", kwargs={"slug": "perge-aspendos"}),
        "tour form": reverse("website:tour_book", kwargs={"slug": "perge-aspendos"})
        + "?"
        + urlencode({"departure": site.catalog.departure.pk, "adults": 2, "children": 0, "infants": 0}),
        "manage": reverse("website:manage", kwargs={"reference": booking.reference, "token": booking.manage_token}),
        "sign in": reverse("website:account_login"),
        "sign up": reverse("website:account_signup"),
        "sign-in link": reverse("website:account_sign_in_link_request"),
        "not found": "/en/no-such-page/",
    }
    for name, path in pages.items():
        page.goto(site.url + path)
        expect(page.locator("h1").first).to_be_visible()
        assert violations(page) == [], name
    anna.shot("manage")

    assert complaints == []
    assert [problem for problem in anna.problems if "404" not in problem] == []


def test_an_injected_inline_script_or_style_is_refused_and_reported(site, traveller):
    # What the other tests rely on: the policy blocks inline code, and both ways of noticing it see the refusal.
    mallory = traveller("mallory")
    complaints = watch_policies(mallory)
    page = mallory.page
    page.goto(site.url + "/en/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__injected = true";
          document.body.appendChild(script);
          document.body.innerHTML += '<p id="styled" style="color: red">x</p>';
        }"""
    )
    page.wait_for_function("window.__cspViolations.length === 2")
    assert page.evaluate("window.__injected === undefined")
    assert [violation.split(" in ")[0] for violation in violations(page)] == [
        "script-src-elem blocked inline",
        "style-src-attr blocked inline",
    ]
    assert len(complaints) == 2
    assert all("Content Security Policy" in complaint for complaint in complaints)


def test_analytics_load_from_their_hosts_only_when_configured_and_consented(site, traveller, settings):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    settings.CLARITY_PROJECT_ID = "abc123xyz"
    anna = traveller("anna")
    complaints = watch_policies(anna)
    page = anna.page
    fetched: list[str] = []

    def analytics_host(route: Route) -> None:
        # No network here: answer for Google and Microsoft, with a script that does nothing.
        fetched.append(route.request.url)
        route.fulfill(status=200, content_type="text/javascript", body="")

    page.route(re.compile(r"https://[^/]*(googletagmanager\.com|clarity\.ms)/"), analytics_host)

    page.goto(site.url + "/en/")
    assert fetched == []
    page.context.add_cookies([{"name": "gnb_consent", "value": "analytics", "url": site.url}])
    page.goto(site.url + "/en/")
    expect(page.locator("script[src*='googletagmanager.com']")).to_have_count(1)
    page.wait_for_function("document.querySelectorAll('script[src*=\"clarity.ms\"]').length === 1")
    page.wait_for_load_state("networkidle")
    assert sorted(fetched) == [
        "https://www.clarity.ms/tag/abc123xyz",
        "https://www.googletagmanager.com/gtag/js?id=G-TEST1234",
    ]
    assert violations(page) == []
    assert complaints == []


def test_the_admin_and_the_api_docs_work_under_the_policy(site, traveller):
    get_user_model().objects.create_superuser("admin", "admin@example.com", "a-long-test-password-0123")
    operator = traveller("operator")
    complaints = watch_policies(operator)
    page = operator.page

    page.goto(site.url + "/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("a-long-test-password-0123")
    page.get_by_role("button", name="Log in").click()
    # No authenticator yet: the password leads to setting one up. The QR code is an inline SVG the policy allows;
    # the code is computed from the secret shown as text, as an authenticator app would.
    expect(page.locator(".gnb-qr svg")).to_be_visible()
    assert violations(page) == []
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code from the app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert violations(page) == []
    page.get_by_role("link", name="I have saved them: continue").click()
    expect(page.locator("#site-name")).to_be_visible()
    assert violations(page) == []
    for path in ("/admin/bookings/booking/", "/admin/catalog/tour/add/", "/admin/bookings/booking/dashboard/"):
        page.goto(site.url + path)
        expect(page.locator("#content")).to_be_visible()
        assert violations(page) == [], path
    operator.shot("admin")

    page.goto(site.url + "/api/v1/docs")
    # Swagger UI ran from the site's own static files and rendered the operations it read from openapi.json.
    expect(page.locator(".opblock").first).to_be_visible()
    # Open "GET /api/v1/places", try it: the answer is fetched (connect-src) and shown highlighted.
    places = page.locator("#operations-catalogue-gnb_catalog_api_list_places")
    places.locator(".opblock-summary").click()
    places.get_by_role("button", name="Try it out").click()
    places.get_by_role("button", name="Execute").click()
    expect(places.locator(".live-responses-table tr.response .response-col_status")).to_have_text("200")
    assert violations(page) == []
    operator.shot("api-docs")

    assert complaints == []
    # The admin's pages name no icon, so Chromium asks for /favicon.ico, which the site does not have.
    assert [problem for problem in operator.problems if "status of 404 (Not Found)" not in problem] == []
