"""manage.py verify_deployment: a good site passes; each kind of breakage is caught and exits 1.

The failures are shown against a small local HTTP server that answers like the site would, one thing broken per
test; the success against the real application over real HTTP (pytest-django's ``live_server``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gnb.ops import verify

BASE_DIR = Path(__file__).resolve().parents[3]

HOME_HTML = b"""<!doctype html><html lang="en"><head>
<link rel="stylesheet" href="/static/site.css">
<link rel="icon" href="/static/favicon.ico">
<link rel="preload" href="/static/font.woff2" as="font">
<script>window.inline = true;</script>
</head><body><h1>GNB Transfer</h1><script src="/static/app.js" defer></script>
<script src="/static/app.js"></script></body></html>"""

HOME_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'",
    "Permissions-Policy": "geolocation=()",
}


def ready_body(**statuses: str) -> dict[str, Any]:
    checks = {name: {"status": "ok", "detail": "fine", "ms": 1.0} for name in verify_names()}
    checks["database"]["detail"] = "postgresql answers"
    for name, status in statuses.items():
        checks[name] = {"status": status, "detail": "error: OperationalError", "ms": 1.0}
    worst = "fail" if "fail" in statuses.values() else ("warn" if statuses else "ok")
    return {"status": worst, "build": "b1", "checks": checks}


def verify_names() -> list[str]:
    return ["database", "cache", "queue", "disk", "backup"]


Answer = tuple[int, dict[str, str], bytes]


def json_answer(status: int, body: Any) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def places(query: dict[str, list[str]]) -> Answer:
    kind = query.get("kind", [""])[0]
    slugs = {"airport": ["ayt"], "hotel": ["regnum-carya", "titanic-lara"]}.get(kind, [])
    return json_answer(200, [{"slug": slug, "kind": kind} for slug in slugs])


QUOTE = {
    "currency": "EUR",
    "options": [{"price": {"total": "40.00"}}, {"price": {"total": "55.00"}}],
    "unavailable_reason": None,
}


@dataclass
class FakeSite:
    """Routes by (method, path); a route is a fixed answer or a function of the query string."""

    url: str = ""
    routes: dict[tuple[str, str], Answer | Callable[[dict[str, list[str]]], Answer]] = field(default_factory=dict)
    posted: list[tuple[str, Any]] = field(default_factory=list)

    def answer(self, method: str, target: str, body: bytes) -> Answer:
        parts = urlsplit(target)
        if method == "POST":
            self.posted.append((parts.path, json.loads(body or b"null")))
        route = self.routes.get((method, parts.path))
        if route is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return route(parse_qs(parts.query)) if callable(route) else route


def good_routes() -> dict[tuple[str, str], Answer | Callable[[dict[str, list[str]]], Answer]]:
    return {
        ("GET", "/health/live"): json_answer(200, {"status": "ok"}),
        ("GET", "/health/ready"): json_answer(200, ready_body()),
        ("GET", "/"): (302, {"Location": "/en/"}, b""),
        ("GET", "/en/"): (200, dict(HOME_HEADERS), HOME_HTML),
        ("GET", "/static/site.css"): (200, {"Content-Type": "text/css"}, b"body{}"),
        ("GET", "/static/app.js"): (200, {"Content-Type": "text/javascript"}, b"void 0;"),
        ("GET", "/api/v1/places"): places,
        ("POST", "/api/v1/quotes"): json_answer(200, QUOTE),
    }


@pytest.fixture
def site() -> Iterator[FakeSite]:
    fake = FakeSite(routes=good_routes())

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, headers, body = fake.answer(self.command, self.path, self.rfile.read(length))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _reply

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def run(url: str, *args: str) -> tuple[int, str]:
    """Run the command; (exit code, output)."""
    out = io.StringIO()
    try:
        call_command("verify_deployment", url, *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def lines(output: str) -> dict[str, tuple[str, str]]:
    """Check name → (mark, detail), timings left out."""
    result = {}
    for line in output.splitlines()[1:-1]:
        mark, rest = line[0], line[2:]
        name, detail = re.split(r"\s{2,}", rest, maxsplit=1)
        result[name] = (mark, re.sub(r"\s+\d+ ms$", "", detail))
    return result


def pickup() -> str:
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=5)
    return f"{day.isoformat()}T12:00"


# --- a good site --------------------------------------------------------------------------------------------
def test_a_good_site_passes_every_check(site):
    code, output = run(site.url)
    assert code == 0
    assert output.splitlines()[0] == f"Verifying {site.url}"
    assert lines(output) == {
        "live": ("✓", "HTTP 200"),
        "ready": ("✓", "HTTP 200, build b1"),
        "database": ("✓", "postgresql answers"),
        "home page": ("✓", "HTTP 200 at /en/"),
        "static files": ("✓", "2 files load"),
        "header Strict-Transport-Security": ("✓", "not expected over plain HTTP"),
        "header X-Content-Type-Options": ("✓", "nosniff"),
        "header Referrer-Policy": ("✓", "strict-origin-when-cross-origin"),
        "header X-Frame-Options": ("✓", "DENY"),
        "header Content-Security-Policy": ("✓", "default-src 'self'"),
        "header Permissions-Policy": ("✓", "geolocation=()"),
        "quote": ("✓", "ayt → regnum-carya: 2 vehicle classes, from 40.00 EUR"),
    }
    assert output.splitlines()[-1] == "deployment OK: 12 passed, 0 warnings, 0 failed"
    assert site.posted == [
        (
            "/api/v1/quotes",
            {"origin": "ayt", "destination": "regnum-carya", "pickup_at": pickup(), "adults": 2, "luggage": 2},
        )
    ]


def test_given_places_are_quoted_without_searching(site):
    code, output = run(site.url, "--quote-from", "gzp", "--quote-to", "alanya-hotel")
    assert code == 0
    assert lines(output)["quote"] == ("✓", "gzp → alanya-hotel: 2 vehicle classes, from 40.00 EUR")
    assert [body["origin"] + ">" + body["destination"] for _path, body in site.posted] == ["gzp>alanya-hotel"]


def test_json_output_for_ci(site):
    site.routes[("GET", "/en/")][1].pop("Permissions-Policy")
    code, output = run(site.url, "--json")
    report = json.loads(output)
    assert code == 1
    assert (report["url"], report["ok"], report["attempts"]) == (site.url, False, 1)
    assert [(check["name"], check["status"]) for check in report["checks"]][-2:] == [
        ("header Permissions-Policy", "fail"),
        ("quote", "ok"),
    ]
    assert sorted(report["checks"][0]) == ["detail", "ms", "name", "status"]


# --- each failure is caught -----------------------------------------------------------------------------------
def test_a_missing_security_header_fails(site):
    site.routes[("GET", "/en/")][1].pop("X-Content-Type-Options")
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["header X-Content-Type-Options"] == ("✗", "missing")
    assert output.splitlines()[-1] == "deployment FAILED: 11 passed, 0 warnings, 1 failed"


def test_a_wrong_nosniff_value_fails(site):
    site.routes[("GET", "/en/")][1]["X-Content-Type-Options"] = "sniff-away"
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["header X-Content-Type-Options"] == ("✗", "'sniff-away', expected 'nosniff'")


def test_csp_frame_ancestors_stands_in_for_x_frame_options(site):
    headers = site.routes[("GET", "/en/")][1]
    headers.pop("X-Frame-Options")
    headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
    code, output = run(site.url)
    assert code == 0
    assert lines(output)["header X-Frame-Options"] == (
        "✓",
        "absent, covered by Content-Security-Policy frame-ancestors",
    )


def test_missing_frame_protection_fails(site):
    site.routes[("GET", "/en/")][1].pop("X-Frame-Options")
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["header X-Frame-Options"] == ("✗", "missing")


def test_missing_csp_and_permissions_policy_fail(site):
    headers = site.routes[("GET", "/en/")][1]
    headers.pop("Content-Security-Policy")
    headers.pop("Permissions-Policy")
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["header Content-Security-Policy"] == ("✗", "missing")
    assert lines(output)["header Permissions-Policy"] == ("✗", "missing")
    assert output.splitlines()[-1] == "deployment FAILED: 10 passed, 0 warnings, 2 failed"


def test_hsts_is_required_over_https():
    verifier = verify.Verifier("https://gnbtransfer.example")
    hsts = verify.SECURITY_HEADERS[0]
    assert hsts.name == "Strict-Transport-Security"
    assert verifier._header_status(hsts, {}) == ("fail", "missing")
    assert verifier._header_status(hsts, {"strict-transport-security": "max-age=31536000"}) == (
        "ok",
        "max-age=31536000",
    )


def test_ready_answering_503_fails_ready_and_database(site):
    site.routes[("GET", "/health/ready")] = json_answer(503, ready_body(database="fail"))
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["ready"] == ("✗", "HTTP 503; failing: database")
    assert lines(output)["database"] == ("✗", "database fail: error: OperationalError")
    assert lines(output)["live"] == ("✓", "HTTP 200")


def test_ready_behind_a_proxy_error_page_fails_readably(site):
    site.routes[("GET", "/health/ready")] = (502, {"Content-Type": "text/html"}, b"<h1>Bad gateway</h1>")
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["ready"] == ("✗", "HTTP 502")
    assert lines(output)["database"][0] == "✗"


def test_a_broken_static_file_fails(site):
    del site.routes[("GET", "/static/app.js")]
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["static files"] == ("✗", "1 of 2 broken: /static/app.js (HTTP 404)")


def test_a_home_page_that_is_not_html_fails_the_page_checks(site):
    site.routes[("GET", "/en/")] = json_answer(200, {"hello": "world"})
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["home page"] == ("✗", "/en/ is application/json, not text/html")
    assert lines(output)["static files"] == ("✗", "home page did not load")
    assert lines(output)["header Referrer-Policy"] == ("✗", "home page did not load")


def test_a_home_page_error_fails(site):
    site.routes[("GET", "/en/")] = (500, {"Content-Type": "text/html"}, b"<h1>Server Error (500)</h1>")
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["home page"] == ("✗", "HTTP 500 at /en/")


def test_a_failing_quote_fails(site):
    site.routes[("POST", "/api/v1/quotes")] = (500, {"Content-Type": "text/html"}, b"<h1>Server Error (500)</h1>")
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["quote"] == ("✗", "HTTP 500 for ayt → regnum-carya")


def test_a_rejected_quote_shows_the_api_message(site):
    error = {"error": {"code": "validation_error", "message": "Unknown place “ayt”.", "fields": []}}
    site.routes[("POST", "/api/v1/quotes")] = json_answer(422, error)
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["quote"] == ("✗", "HTTP 422 for ayt → regnum-carya: Unknown place “ayt”.")


def test_a_quote_with_a_malformed_answer_fails(site):
    site.routes[("POST", "/api/v1/quotes")] = json_answer(200, {"currency": "EUR"})
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["quote"] == ("✗", "unexpected answer: KeyError: 'options'")


def test_a_quote_offering_nothing_warns_after_trying_three_hotels(site):
    site.routes[("GET", "/api/v1/places")] = lambda query: json_answer(
        200, [{"slug": s} for s in (["ayt"] if query["kind"] == ["airport"] else ["h1", "h2", "h3"])]
    )
    empty = {"currency": "EUR", "options": [], "unavailable_reason": "No fare between these places."}
    site.routes[("POST", "/api/v1/quotes")] = json_answer(200, empty)
    code, output = run(site.url)
    assert code == 0
    assert lines(output)["quote"] == (
        "!",
        "the API answers but offers nothing: No fare between these places.; choose places with --quote-from/--quote-to",
    )
    assert [body["destination"] for _path, body in site.posted] == ["h1", "h2", "h3"]


def test_no_places_fails_the_quote(site):
    site.routes[("GET", "/api/v1/places")] = json_answer(200, [])
    code, output = run(site.url)
    assert code == 1
    assert lines(output)["quote"] == ("✗", "no airport and hotel found with GET /api/v1/places")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_site_that_does_not_answer_fails_after_the_retries():
    url = f"http://127.0.0.1:{closed_port()}"
    code, output = run(url, "--retries", "2", "--retry-delay", "0.01", "--timeout", "2")
    assert code == 1
    assert output.splitlines()[0] == f"Verifying {url} (after 3 attempts)"
    assert lines(output)["live"][0] == "✗"
    assert lines(output)["live"][1].startswith(f"no answer: {url}/health/live: ")
    assert output.splitlines()[-1] == "deployment FAILED: 0 passed, 0 warnings, 12 failed"


def test_a_deploy_still_starting_passes_once_ready(site):
    answers = iter([json_answer(503, ready_body(database="fail"))] * 2)
    site.routes[("GET", "/health/ready")] = lambda query: next(answers, json_answer(200, ready_body()))
    code, output = run(site.url, "--retries", "5", "--retry-delay", "0.01")
    assert code == 0
    assert output.splitlines()[0] == f"Verifying {site.url} (after 3 attempts)"
    assert lines(output)["ready"] == ("✓", "HTTP 200, build b1")


def test_warnings_inside_ready_are_reported_but_pass(site):
    site.routes[("GET", "/health/ready")] = json_answer(200, ready_body(backup="warn", disk="warn"))
    code, output = run(site.url)
    assert code == 0
    assert lines(output)["ready"] == ("✓", "HTTP 200, build b1; warnings: backup, disk")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://example.com"], "url: 'ftp://example.com' is not an http:// or https:// address"),
        (["example.com"], "url: 'example.com' is not an http:// or https:// address"),
    ],
)
def test_a_wrong_url_is_refused(args, message):
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_deployment", *args)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "0"], "argument --timeout: '0' is not a number of seconds between 0 and 3600"),
        (["--retries", "-1"], "argument --retries: '-1' is not a whole number of 0 or more"),
    ],
)
def test_wrong_options_are_refused(args, message):
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_deployment", "http://127.0.0.1", *args)
    assert str(excinfo.value) == f"Error: {message}"


def test_page_assets_are_the_stylesheets_and_scripts_once_each():
    html = (
        HOME_HTML.decode() + '<link rel="alternate stylesheet" href="alt.css"><script src="https://cdn.example/x.js">'
    )
    assert verify.page_assets(html, "https://gnb.example/en/") == [
        "https://gnb.example/static/site.css",
        "https://gnb.example/static/app.js",
        "https://gnb.example/en/alt.css",
        "https://cdn.example/x.js",
    ]


def test_only_http_urls_are_fetched():
    client = verify.Client("https://gnb.example", timeout=1)
    with pytest.raises(verify.FetchError, match="not an http"):
        client.request("file:///etc/passwd")


# --- exit codes of the real command ---------------------------------------------------------------------------
def command(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(  # noqa: S603 (this interpreter, manage.py, a local test URL)
        [sys.executable, "manage.py", "verify_deployment", url, "--timeout", "5"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_exits_1_for_a_broken_site(site):
    del site.routes[("GET", "/static/site.css")]
    site.routes[("GET", "/en/")][1].pop("Referrer-Policy")
    broken = command(site.url)
    assert broken.returncode == 1
    assert "✗ static files" in broken.stdout
    assert broken.stdout.splitlines()[-1] == "deployment FAILED: 10 passed, 0 warnings, 2 failed"
    assert broken.stderr.strip() == "CommandError: deployment verification failed: static files, header Referrer-Policy"


# --- the real application over real HTTP ----------------------------------------------------------------------
def test_the_deployed_application_passes_against_a_live_server(live_server, catalog, settings):
    settings.HEALTH_DISK_WARN_FREE_MB = settings.HEALTH_DISK_FAIL_FREE_MB = 1
    settings.BUILD_ID = "live-1"
    code, output = run(live_server.url)
    assert code == 0, output
    checks = lines(output)
    assert checks["live"] == ("✓", "HTTP 200")
    # No backup has run in a fresh database: readiness passes with that warning.
    assert checks["ready"] == ("✓", "HTTP 200, build live-1; warnings: backup")
    assert checks["database"] == ("✓", f"{connection.vendor} answers")
    assert checks["home page"] == ("✓", "HTTP 200 at /en/")
    # Whatever the pages reference (the website's own choice), every file loads.
    assert re.fullmatch(r"\d+ files load", checks["static files"][1])
    assert checks["header X-Content-Type-Options"] == ("✓", "nosniff")
    assert checks["header Referrer-Policy"] == ("✓", "strict-origin-when-cross-origin")
    assert checks["header X-Frame-Options"] == ("✓", "DENY")
    assert checks["quote"] == ("✓", "ayt → regnum-carya: 3 vehicle classes, from 40.00 EUR")
