"""Security headers of every answer: CSP with a fresh nonce per response, HSTS, Permissions-Policy, Referrer-Policy,
nosniff, no framing, cookie flags, and CORS for the API only.

The suite runs with DEBUG off (the Makefile's TEST_ENV), so these are the production headers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from csp.exceptions import CSPNonceError
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gnb.core.security import ContentSecurityPolicyMiddleware, permissions_policy
from gnb.testing.website import PAGES, transfer_draft

pytestmark = pytest.mark.django_db

NONCE = re.compile(r"'nonce-([A-Za-z0-9+/]{22}==)'")
POLICY = (
    "default-src 'self'; script-src 'self'{nonce}; style-src 'self'{nonce}; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
    "upgrade-insecure-requests"
)
PERMISSIONS = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), geolocation=(), gyroscope=(), "
    "hid=(), idle-detection=(), magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), "
    "screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)
GA4_SCRIPT = " https://*.googletagmanager.com"
GA4_IMG = " https://*.google-analytics.com https://*.googletagmanager.com"
GA4_CONNECT = " https://*.google-analytics.com https://*.analytics.google.com https://*.googletagmanager.com"
CLARITY_SCRIPT = " https://*.clarity.ms"
CLARITY_OTHER = " https://*.clarity.ms https://c.bing.com"
DATA_TYPES = {"application/json", "application/ld+json"}  # data blocks: never executed


class _Tags(HTMLParser):
    """The page's script tags (attributes and whether they hold code) and any inline style."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.inline_styles: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values)
        if tag == "style":
            self.inline_styles.append("<style>")
        if "style" in values:
            self.inline_styles.append(f"<{tag} style=…>")
        if any(name.startswith("on") for name in values):
            self.inline_styles.append(f"<{tag} on…=> event handler")


def tags(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


def executable_inline_scripts(html: str) -> list[dict[str, str | None]]:
    return [s for s in tags(html).scripts if not s.get("src") and s.get("type") not in DATA_TYPES]


def nonce_of(response) -> str:
    [nonce] = set(NONCE.findall(response["Content-Security-Policy"]))
    return nonce


# --- Content-Security-Policy ------------------------------------------------------------------------------
@pytest.mark.parametrize("page", list(PAGES))
def test_each_booking_flow_page_has_the_policy_and_its_scripts_carry_that_responses_nonce(client, catalog, page):
    url = PAGES[page](client, catalog)
    first = client.get(url, secure=True)
    second = client.get(url, secure=True)
    assert first.status_code == second.status_code == 200
    nonce = nonce_of(first)
    assert first["Content-Security-Policy"] == POLICY.format(nonce=f" 'nonce-{nonce}'")
    assert nonce_of(second) != nonce  # fresh for each response
    scripts = tags(first.content.decode()).scripts
    assert [script["src"] for script in scripts if script.get("type") not in DATA_TYPES] == ["/static/website/site.js"]
    assert {script.get("nonce") for script in scripts if script.get("type") not in DATA_TYPES} == {nonce}
    assert tags(first.content.decode()).inline_styles == []


@pytest.mark.parametrize(
    "url", ["/en/contact/", "/en/about/", "/en/manage/", "/tr/", "/ar/tours/", "/en/no-such-page/"], ids=str
)
def test_other_pages_and_the_not_found_page_have_the_policy_and_the_nonce(client, catalog, url):
    response = client.get(url, secure=True)
    assert response.status_code == (404 if "no-such" in url else 200)
    nonce = nonce_of(response)
    assert response["Content-Security-Policy"] == POLICY.format(nonce=f" 'nonce-{nonce}'")
    [site_js] = [script for script in tags(response.content.decode()).scripts if script.get("src")]
    assert (site_js["src"], site_js["nonce"]) == ("/static/website/site.js", nonce)


def test_json_ld_data_blocks_are_not_scripts_the_policy_has_to_allow(client, catalog):
    # Structured data is a data block (type application/ld+json): browsers never run it, so it needs no nonce.
    html = client.get("/en/tours/perge-aspendos/", secure=True).content.decode()
    scripts = tags(html).scripts
    assert [script.get("type") for script in scripts] == [None, "application/ld+json"]
    assert executable_inline_scripts(html) == []


@pytest.mark.parametrize(
    "url",
    [
        "/admin/login/",
        "/admin/",
        "/admin/bookings/booking/",
        "/admin/bookings/booking/dashboard/",
        "/admin/catalog/tour/add/",
        "/admin/catalog/place/",
    ],
)
def test_the_admin_runs_no_inline_code_so_the_policy_holds_there(admin_client, catalog, url):
    client = admin_client if url != "/admin/login/" else Client()
    response = client.get(url, secure=True)
    assert response.status_code == 200
    # The admin's templates take no nonce, so the policy names none: only the site's own files run.
    assert response["Content-Security-Policy"] == POLICY.format(nonce="")
    html = response.content.decode()
    assert executable_inline_scripts(html) == []
    assert tags(html).inline_styles == []


def test_the_api_docs_are_served_from_local_files_with_no_inline_code(client, db):
    response = client.get("/api/v1/docs", secure=True)
    assert response["Content-Security-Policy"] == POLICY.format(nonce="")
    html = response.content.decode()
    scripts = tags(html).scripts
    assert [(script.get("src"), script.get("type")) for script in scripts] == [
        (None, "application/json"),  # Swagger UI's settings, read by swagger-ui-init.js
        ("/static/ninja/swagger-ui-bundle.js", None),
        ("/static/ninja/swagger-ui-init.js", None),
    ]
    assert re.findall(r'href="([^"]+)"', html) == [
        "/static/ninja/swagger-ui.css",
        "/static/ninja/favicon.svg",
        "/static/ninja/favicon.png",
    ]


def test_api_answers_carry_the_policy_too(client, catalog):
    response = client.get("/api/v1/places?q=bel", secure=True)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY.format(nonce="")


def test_no_policy_allows_unsafe_inline_or_eval(client, catalog, settings):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    settings.CLARITY_PROJECT_ID = "abc123xyz"
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert not any("unsafe" in str(value) for value in directives.values())
    for url in ("/en/", "/admin/login/", "/api/v1/docs", "/api/v1/places?q=bel", "/en/no-such-page/"):
        assert "unsafe" not in client.get(url, secure=True)["Content-Security-Policy"], url


def test_analytics_hosts_are_in_the_policy_only_while_configured(client, catalog, settings):
    response = client.get("/en/", secure=True)
    assert response["Content-Security-Policy"] == POLICY.format(nonce=f" 'nonce-{nonce_of(response)}'")

    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    response = client.get("/en/", secure=True)
    nonce = f" 'nonce-{nonce_of(response)}'"
    assert response["Content-Security-Policy"] == (
        POLICY.format(nonce=nonce)
        .replace(f"script-src 'self'{nonce}", f"script-src 'self'{nonce}{GA4_SCRIPT}")
        .replace("img-src 'self' data:", f"img-src 'self' data:{GA4_IMG}")
        .replace("connect-src 'self'", f"connect-src 'self'{GA4_CONNECT}")
    )

    settings.GA4_MEASUREMENT_ID = ""
    settings.CLARITY_PROJECT_ID = "abc123xyz"
    response = client.get("/en/", secure=True)
    nonce = f" 'nonce-{nonce_of(response)}'"
    assert response["Content-Security-Policy"] == (
        POLICY.format(nonce=nonce)
        .replace(f"script-src 'self'{nonce}", f"script-src 'self'{nonce}{CLARITY_SCRIPT}")
        .replace("img-src 'self' data:", f"img-src 'self' data:{CLARITY_OTHER}")
        .replace("connect-src 'self'", f"connect-src 'self'{CLARITY_OTHER}")
    )


def test_a_consented_page_loads_analytics_with_the_nonce_and_the_policy_names_both_services(client, catalog, settings):
    settings.GA4_MEASUREMENT_ID = "G-TEST1234"
    settings.CLARITY_PROJECT_ID = "abc123xyz"
    without_consent = client.get("/en/", secure=True)
    assert [s["src"] for s in tags(without_consent.content.decode()).scripts if s.get("src")] == [
        "/static/website/site.js"
    ]

    client.cookies["gnb_consent"] = "analytics"
    response = client.get("/en/", secure=True)
    nonce = nonce_of(response)
    scripts = [s for s in tags(response.content.decode()).scripts if s.get("src")]
    assert [(s["src"], s["nonce"]) for s in scripts] == [
        ("/static/website/site.js", nonce),
        ("/static/website/analytics.js", nonce),
    ]
    assert (scripts[1]["data-ga4"], scripts[1]["data-clarity"]) == ("G-TEST1234", "abc123xyz")
    directives = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; ") if " " in part)
    assert directives["script-src"] == f"'self' 'nonce-{nonce}'{GA4_SCRIPT}{CLARITY_SCRIPT}"
    assert directives["img-src"] == f"'self' data:{GA4_IMG}{CLARITY_OTHER}"
    assert directives["connect-src"] == f"'self'{GA4_CONNECT}{CLARITY_OTHER}"


def test_the_report_uri_is_added_when_set(client, catalog, settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "report-uri": ["/csp-reports/"]}
    }
    response = client.get("/en/", secure=True)
    nonce = nonce_of(response)
    assert (
        response["Content-Security-Policy"] == POLICY.format(nonce=f" 'nonce-{nonce}'") + "; report-uri /csp-reports/"
    )


def _answer(middleware: ContentSecurityPolicyMiddleware, path: str = "/en/", *, nonce: bool = True, **policy):
    """One response through the CSP middleware: the view used the nonce or not, and set its own policy or not."""
    request = RequestFactory().get(path)
    middleware.process_request(request)
    if nonce:
        str(request.csp_nonce)
    response = HttpResponse("page")
    for name, value in policy.items():
        setattr(response, name, value)
    return request, middleware.process_response(request, response)


def test_a_kept_policy_carries_each_answers_own_nonce_and_nothing_of_another_shape():
    """The policy is written once per shape of answer and process, then each answer gets its own nonce put in: a
    view's own policy, an answer without a nonce and an excluded path each get theirs, and none of them changes
    what the next plain answer gets."""
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    first_request, first = _answer(middleware)
    second_request, second = _answer(middleware)
    for request, response in ((first_request, first), (second_request, second)):
        assert response["Content-Security-Policy"] == POLICY.format(nonce=f" 'nonce-{request._csp_nonce}'")
    assert first_request._csp_nonce != second_request._csp_nonce

    _request, own = _answer(middleware, _csp_update={"img-src": ["https://maps.example"]})
    assert "img-src 'self' data: https://maps.example" in own["Content-Security-Policy"]
    _request, exempt = _answer(middleware, _csp_exempt=True)
    assert "Content-Security-Policy" not in exempt

    for _round in range(2):  # written, then kept
        without_request, without = _answer(middleware, nonce=False)
        assert without["Content-Security-Policy"] == POLICY.format(nonce="")
        # As django-csp does: a nonce asked for once the header is written would be in no policy.
        with pytest.raises(CSPNonceError):
            str(without_request.csp_nonce)

    third_request, third = _answer(middleware)
    assert third["Content-Security-Policy"] == POLICY.format(nonce=f" 'nonce-{third_request._csp_nonce}'")


def test_a_path_the_settings_exclude_gets_no_policy_though_one_is_kept_for_its_shape(settings):
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse())
    _answer(middleware, "/en/")
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/widget/"]}
    _request, excluded = _answer(middleware, "/widget/frame")
    assert "Content-Security-Policy" not in excluded
    request, page = _answer(middleware, "/en/")
    assert page["Content-Security-Policy"] == POLICY.format(nonce=f" 'nonce-{request._csp_nonce}'")


# --- transport and the other headers ----------------------------------------------------------------------
@pytest.mark.parametrize("url", ["/en/", "/admin/login/", "/api/v1/places?q=bel", "/api/v1/docs", "/en/no-such-page/"])
def test_https_answers_carry_hsts_for_preload_and_the_other_headers(client, catalog, url):
    response = client.get(url, secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == PERMISSIONS
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"].split("; ")


def test_hsts_comes_with_https_from_the_proxy_and_never_over_plain_http(client, catalog):
    # Browsers ignore HSTS over plain HTTP; Django sends it only on HTTPS, as the TLS proxy reports it.
    assert "Strict-Transport-Security" not in client.get("/en/")
    proxied = client.get("/en/", headers={"x-forwarded-proto": "https"})
    assert proxied["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_is_redirected_to_https_except_the_health_probes(client, catalog, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/en/tours/?currency=GBP")
    assert (response.status_code, response["Location"]) == (301, "https://testserver/en/tours/?currency=GBP")
    assert client.get("/health/live").status_code == 200


def test_permissions_policy_header_format():
    assert permissions_policy({"camera": [], "payment": ["self", "https://js.stripe.com"], "fullscreen": ["*"]}) == (
        'camera=(), payment=(self "https://js.stripe.com"), fullscreen=(*)'
    )


def test_static_files_and_error_answers_carry_the_policies_too(client, catalog, settings):
    # Served from the apps' static folders: a fresh checkout has run no collectstatic.
    settings.WHITENOISE_USE_FINDERS = True
    static = client.get("/static/website/site.css", secure=True)
    not_found = client.get("/api/v1/no-such-endpoint", secure=True)
    assert (static.status_code, not_found.status_code) == (200, 404)
    assert static["Permissions-Policy"] == not_found["Permissions-Policy"] == PERMISSIONS
    assert static["Content-Security-Policy"] == POLICY.format(nonce="")
    # The JSON 404 replaces the rendered not-found page, whose nonce stays in the policy (harmless: no HTML left).
    assert NONCE.sub("'nonce-…'", not_found["Content-Security-Policy"]) == POLICY.format(nonce=" 'nonce-…'")


# --- cookies ----------------------------------------------------------------------------------------------
def test_session_and_csrf_cookies_are_secure_http_only_and_same_site_lax(catalog):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "a-long-test-password-0123")
    device = TOTPDevice.objects.create(user=admin, name="authenticator", confirmed=True)
    client = Client()
    client.get("/admin/login/", secure=True)
    csrf = client.cookies["csrftoken"]
    response = client.post(
        "/admin/login/?next=/admin/",
        {
            "username": "admin",
            "password": "a-long-test-password-0123",
            "otp_token": f"{totp(device.bin_key):06d}",
            "csrfmiddlewaretoken": csrf.value,
        },
        secure=True,
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    session = response.cookies["sessionid"]
    assert (session["secure"], session["httponly"], session["samesite"], session["max-age"]) == (
        True,
        True,
        "Lax",
        12 * 60 * 60,
    )
    assert (csrf["secure"], csrf["httponly"], csrf["samesite"]) == (True, True, "Lax")


def test_a_travellers_booking_draft_rides_on_the_same_session_cookie(client, catalog):
    transfer_draft(client, catalog)
    session = client.cookies["sessionid"]
    assert (session["secure"], session["httponly"], session["samesite"], session["max-age"]) == (
        True,
        True,
        "Lax",
        12 * 60 * 60,
    )


# --- CORS -------------------------------------------------------------------------------------------------
PARTNER = "https://partner.example"


def test_no_cross_origin_access_by_default(client, catalog, settings):
    assert settings.CORS_ALLOWED_ORIGINS == []
    response = client.get("/api/v1/places?q=bel", headers={"origin": PARTNER}, secure=True)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_an_allowed_origin_may_read_the_api_and_no_other(client, catalog, settings):
    settings.CORS_ALLOWED_ORIGINS = [PARTNER]
    allowed = client.get("/api/v1/places?q=bel", headers={"origin": PARTNER}, secure=True)
    assert allowed["Access-Control-Allow-Origin"] == PARTNER
    assert allowed["Access-Control-Expose-Headers"] == "Retry-After, X-Request-ID"
    assert "Access-Control-Allow-Credentials" not in allowed

    other = client.get("/api/v1/places?q=bel", headers={"origin": "https://evil.example"}, secure=True)
    assert other.status_code == 200
    assert "Access-Control-Allow-Origin" not in other


def test_a_preflight_from_an_allowed_origin_names_the_api_methods_and_headers(client, catalog, settings):
    settings.CORS_ALLOWED_ORIGINS = [PARTNER]
    response = client.options(
        "/api/v1/bookings",
        headers={
            "origin": PARTNER,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, idempotency-key",
        },
        secure=True,
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == PARTNER
    assert response["Access-Control-Allow-Methods"] == "GET, OPTIONS, PATCH, POST"
    assert response["Access-Control-Allow-Headers"] == (
        "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with, idempotency-key, "
        "x-manage-token"
    )
    assert response["Access-Control-Max-Age"] == "86400"


@pytest.mark.parametrize("url", ["/en/", "/en/tours/", "/admin/login/", "/sitemap.xml"])
def test_the_website_and_admin_never_answer_cross_origin_requests(client, catalog, settings, url):
    settings.CORS_ALLOWED_ORIGINS = [PARTNER]
    response = client.get(url, headers={"origin": PARTNER}, secure=True)
    assert response.status_code == 200
    assert not [name for name in response.headers if name.lower().startswith("access-control-")]
    preflight = client.options(url, headers={"origin": PARTNER, "access-control-request-method": "POST"}, secure=True)
    assert "Access-Control-Allow-Origin" not in preflight
