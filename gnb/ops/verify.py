"""Post-deployment verification over HTTP: does the site that was just deployed actually work?

``verify(base_url)`` calls the deployed site like a visitor and a monitor would, with the standard library only
(it runs in CI and on machines without the project's dependencies in mind): health probes, database connectivity
as readiness reports it, the home page and every stylesheet and script it references, a quote through the API,
and the security headers on the home page. Each check gives one ``Check``; ``manage.py verify_deployment``
prints them.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

OK, WARN, FAIL = "ok", "warn", "fail"
USER_AGENT = "gnb-verify-deployment/1"


@dataclass(frozen=True)
class HeaderRule:
    """A response header the home page must carry; ``required=False`` makes its absence a warning only."""

    name: str
    required: bool = True
    https_only: bool = False
    expected: str | None = None  # exact value (case-insensitive) when only one is right
    alternative: Callable[[dict[str, str]], bool] | None = None  # another header that does the same job


def _frame_ancestors_in_csp(headers: dict[str, str]) -> bool:
    return "frame-ancestors" in headers.get("content-security-policy", "").lower()


# What the home page must send.
SECURITY_HEADERS: tuple[HeaderRule, ...] = (
    HeaderRule("Strict-Transport-Security", https_only=True),
    HeaderRule("X-Content-Type-Options", expected="nosniff"),
    HeaderRule("Referrer-Policy"),
    HeaderRule("X-Frame-Options", alternative=_frame_ancestors_in_csp),
    HeaderRule("Content-Security-Policy"),
    HeaderRule("Permissions-Policy"),
)


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    ms: float


@dataclass
class Report:
    url: str
    checks: list[Check] = field(default_factory=list)
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return all(check.status != FAIL for check in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "ok": self.ok,
            "attempts": self.attempts,
            "checks": [asdict(check) for check in self.checks],
        }


# --- HTTP -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """One HTTP answer, error statuses included (a 503 from readiness is an answer, not an exception)."""

    status: int
    url: str  # after redirects
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class FetchError(Exception):
    """The server could not be reached or did not answer in time."""


class Client:
    """A tiny HTTP client on ``urllib``; only ``http``/``https`` URLs are fetched, whatever a page references."""

    def __init__(self, base_url: str, *, timeout: float) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def request(self, url: str, *, method: str = "GET", body: Any = None) -> Answer:
        if urlsplit(url).scheme not in {"http", "https"}:
            raise FetchError(f"not an http(s) URL: {url}")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 scheme checked
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 scheme checked
                return Answer(
                    response.status,
                    response.url,
                    {k.lower(): v for k, v in response.headers.items()},
                    response.read(),
                )
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, error.url, {k.lower(): v for k, v in error.headers.items()}, error.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(f"{url}: {reason}") from exc


# --- page parsing ---------------------------------------------------------------------------------------------
class AssetParser(HTMLParser):
    """Collect the stylesheets (``<link rel=stylesheet href>``) and scripts (``<script src>``) a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and "stylesheet" in values.get("rel", "").lower().split() and values.get("href"):
            self.assets.append(values["href"])
        elif tag == "script" and values.get("src"):
            self.assets.append(values["src"])


def page_assets(html: str, page_url: str) -> list[str]:
    """Absolute URLs of the page's stylesheets and scripts, in order, each once."""
    parser = AssetParser()
    parser.feed(html)
    parser.close()
    seen: dict[str, None] = {}
    for reference in parser.assets:
        seen.setdefault(urljoin(page_url, reference.strip()), None)
    return list(seen)


# --- the checks -----------------------------------------------------------------------------------------------
class Verifier:
    """Runs the checks in order; later checks reuse what earlier ones fetched (the home page, readiness)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        quote_from: str | None = None,
        quote_to: str | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.client = Client(base_url, timeout=timeout)
        self.https = urlsplit(base_url).scheme == "https"
        self.quote_from = quote_from
        self.quote_to = quote_to
        self.today = today or dt.datetime.now(dt.UTC).date()
        self.ready_answer: Answer | None = None
        self.home: Answer | None = None

    def _timed(self, name: str, check: Callable[[], tuple[str, str]]) -> Check:
        started = time.perf_counter()
        try:
            status, detail = check()
        except FetchError as exc:
            status, detail = FAIL, f"no answer: {exc}"
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # A malformed answer (not JSON, wrong shape) is the server's failure, reported, never a traceback.
            status, detail = FAIL, f"unexpected answer: {type(exc).__name__}: {exc}"
        return Check(name, status, detail, round((time.perf_counter() - started) * 1000, 1))

    # health ------------------------------------------------------------------------------------------------
    def check_live(self) -> tuple[str, str]:
        answer = self.client.request(self.client.url("health/live"))
        if answer.status != 200:
            return FAIL, f"HTTP {answer.status}"
        if answer.json().get("status") != "ok":
            return FAIL, f"status {answer.json().get('status')!r}"
        return OK, "HTTP 200"

    def check_ready(self) -> tuple[str, str]:
        self.ready_answer = answer = self.client.request(self.client.url("health/ready"))
        if answer.status != 200 and answer.content_type != "application/json":
            return FAIL, f"HTTP {answer.status}"  # e.g. a proxy's error page while the app is down
        body = answer.json()
        checks = body.get("checks", {})
        failing = sorted(name for name, check in checks.items() if check.get("status") == FAIL)
        warning = sorted(name for name, check in checks.items() if check.get("status") == WARN)
        if answer.status != 200:
            return FAIL, f"HTTP {answer.status}; failing: {', '.join(failing) or 'none named'}"
        build = body.get("build", "?")
        if warning:
            return OK, f"HTTP 200, build {build}; warnings: {', '.join(warning)}"
        return OK, f"HTTP 200, build {build}"

    def check_database(self) -> tuple[str, str]:
        if self.ready_answer is None:
            return FAIL, "readiness did not answer"
        database = self.ready_answer.json().get("checks", {}).get("database")
        if database is None:
            return FAIL, "readiness reports no database check"
        if database.get("status") != OK:
            return FAIL, f"database {database.get('status')}: {database.get('detail', '')}"
        return OK, str(database.get("detail", "ok"))

    # pages -------------------------------------------------------------------------------------------------
    def check_home(self) -> tuple[str, str]:
        self.home = answer = self.client.request(self.client.url(""))
        path = urlsplit(answer.url).path
        if answer.status != 200:
            return FAIL, f"HTTP {answer.status} at {path}"
        if answer.content_type != "text/html":
            return FAIL, f"{path} is {answer.content_type or 'without a content type'}, not text/html"
        return OK, f"HTTP 200 at {path}"

    def _home_loaded(self) -> bool:
        return self.home is not None and self.home.status == 200 and self.home.content_type == "text/html"

    def check_static(self) -> tuple[str, str]:
        if self.home is None or not self._home_loaded():
            return FAIL, "home page did not load"
        assets = page_assets(self.home.body.decode("utf-8", "replace"), self.home.url)
        if not assets:
            return WARN, "the home page references no stylesheet or script"
        broken = []
        for url in assets:
            try:
                status = self.client.request(url).status
            except FetchError:
                status = 0
            if status != 200:
                broken.append(f"{urlsplit(url).path} ({'no answer' if status == 0 else f'HTTP {status}'})")
        if broken:
            return FAIL, f"{len(broken)} of {len(assets)} broken: {', '.join(broken)}"
        return OK, f"{len(assets)} files load"

    def check_headers(self) -> list[Check]:
        if self.home is None or not self._home_loaded():
            return [Check(f"header {rule.name}", FAIL, "home page did not load", 0.0) for rule in SECURITY_HEADERS]
        checks = []
        for rule in SECURITY_HEADERS:
            checks.append(Check(f"header {rule.name}", *self._header_status(rule, self.home.headers), 0.0))
        return checks

    def _header_status(self, rule: HeaderRule, headers: dict[str, str]) -> tuple[str, str]:
        if rule.https_only and not self.https:
            return OK, "not expected over plain HTTP"
        value = headers.get(rule.name.lower())
        missing = FAIL if rule.required else WARN
        if value is None:
            if rule.alternative is not None and rule.alternative(headers):
                return OK, "absent, covered by Content-Security-Policy frame-ancestors"
            return missing, "missing"
        if rule.expected is not None and value.strip().lower() != rule.expected:
            return FAIL, f"{value!r}, expected {rule.expected!r}"
        return OK, value if len(value) <= 60 else value[:57] + "..."

    # API ---------------------------------------------------------------------------------------------------
    def _places(self, **query: str) -> list[str]:
        answer = self.client.request(self.client.url("api/v1/places?" + urlencode(query)))
        if answer.status != 200:
            raise ValueError(f"GET /api/v1/places answered HTTP {answer.status}")
        return [place["slug"] for place in answer.json()]

    def check_quote(self) -> tuple[str, str]:
        """Price a transfer: between ``--quote-from``/``--quote-to``, or from the first airport to a hotel.

        Without given places, up to three hotels are tried, since a hotel in a zone without a fare from the
        airport gets an empty (but valid) answer.
        """
        origins = [self.quote_from] if self.quote_from else self._places(kind="airport", limit="1")
        destinations = [self.quote_to] if self.quote_to else self._places(kind="hotel", limit="3")
        if not origins or not destinations:
            return FAIL, "no airport and hotel found with GET /api/v1/places"
        pickup = dt.datetime.combine(self.today + dt.timedelta(days=5), dt.time(12, 0))
        reason = ""
        for destination in destinations:
            body = {
                "origin": origins[0],
                "destination": destination,
                "pickup_at": pickup.isoformat(timespec="minutes"),
                "adults": 2,
                "luggage": 2,
            }
            answer = self.client.request(self.client.url("api/v1/quotes"), method="POST", body=body)
            if answer.status != 200:
                error = answer.json().get("error", {}) if answer.content_type == "application/json" else {}
                message = f": {error['message']}" if error.get("message") else ""
                return FAIL, f"HTTP {answer.status} for {origins[0]} → {destination}{message}"
            quote = answer.json()
            if quote["options"]:
                cheapest = quote["options"][0]["price"]
                return OK, (
                    f"{origins[0]} → {destination}: {len(quote['options'])} vehicle classes, "
                    f"from {cheapest['total']} {quote['currency']}"
                )
            reason = quote.get("unavailable_reason") or "no vehicle class offered"
        return WARN, f"the API answers but offers nothing: {reason}; choose places with --quote-from/--quote-to"

    # running -----------------------------------------------------------------------------------------------
    def startup_checks(self) -> list[Check]:
        """The checks that tell a site still starting from one that is up: worth retrying."""
        return [self._timed("live", self.check_live), self._timed("ready", self.check_ready)]

    def other_checks(self) -> list[Check]:
        checks = [
            self._timed("database", self.check_database),
            self._timed("home page", self.check_home),
            self._timed("static files", self.check_static),
        ]
        checks.extend(self.check_headers())
        checks.append(self._timed("quote", self.check_quote))
        return checks


def verify(
    base_url: str,
    *,
    timeout: float = 10.0,
    retries: int = 0,
    retry_delay: float = 5.0,
    quote_from: str | None = None,
    quote_to: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """Check the site at ``base_url``. While the health probes fail (a deploy still starting), they are retried
    ``retries`` more times, ``retry_delay`` seconds apart; the other checks then run once."""
    verifier = Verifier(base_url, timeout=timeout, quote_from=quote_from, quote_to=quote_to)
    report = Report(url=base_url)
    startup = verifier.startup_checks()
    while any(check.status == FAIL for check in startup) and report.attempts <= retries:
        sleep(retry_delay)
        report.attempts += 1
        startup = verifier.startup_checks()
    report.checks = startup + verifier.other_checks()
    return report


_MARKS = {OK: "✓", WARN: "!", FAIL: "✗"}


def format_report(report: Report) -> str:
    """One line per check (mark, name, detail, time), then a summary line."""
    width = max((len(check.name) for check in report.checks), default=0)
    lines = [f"Verifying {report.url}" + (f" (after {report.attempts} attempts)" if report.attempts > 1 else "")]
    for check in report.checks:
        timing = f"  {check.ms:.0f} ms" if check.ms else ""
        lines.append(f"{_MARKS[check.status]} {check.name.ljust(width)}  {check.detail}{timing}")
    counts = {status: sum(check.status == status for check in report.checks) for status in _MARKS}
    verdict = "deployment OK" if report.ok else "deployment FAILED"
    lines.append(f"{verdict}: {counts[OK]} passed, {counts[WARN]} warnings, {counts[FAIL]} failed")
    return "\n".join(lines)
