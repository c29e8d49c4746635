"""Public website benchmark: server time of the busiest pages at a fixed request rate, and the weight of every
booking-flow page as Chromium downloads it, both against the site served the way production serves it.

Set-up, all automatic: a scratch database (a SQLite file by default; ``--database-url postgres://…`` for a scratch
PostgreSQL database, created here and dropped at the end), ``migrate``, ``load_demo``, ``collectstatic`` (hashed,
gzip-compressed files that WhiteNoise serves), then gunicorn with production settings (DEBUG=0, a fresh
SECRET_KEY) on a free port.

1. Server time: for each of home, transfer results and a tour page, requests sent at a fixed rate (50/s by default)
   whatever the answers do (an open loop: a slow answer does not slow the sending), for 20 s after a 3 s warm-up;
   latency from sending the request to reading the whole body. Budget: p95 ≤ 150 ms. Then 6 s at 5/s, where
   answers never queue, as a reference for the cost of one request.
2. Page weight: Chromium (Playwright) walks the booking flow with its cache off, as a first visit: home, results,
   the transfer form, review (with the payment choice) and confirmation (it books a cash transfer in the scratch
   database), then a tour page and its form; per page it adds up the bytes transferred (headers + compressed
   bodies) and the JavaScript.
   Budgets: ≤ 400 KB per page, ≤ 60 KB of JavaScript.

Exit status: 0 when every request succeeded (a missed budget is reported; ``--strict`` makes it exit 3), 1 when a
request failed (an error answer, a page without its content, a time-out after 30 s; reported after every page was
measured) or the stack could not be set up, 130 on Ctrl-C. ``--serve`` only sets up and serves until Ctrl-C
(``bench/lighthouse.sh`` uses it). Run with ``.venv/bin/python bench/site.py`` (``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import api_load
from api_load import BenchFailure
from common import ROOT, busy_percent, cpu_times, own_cpu_times, write_results

CHROMIUM = Path("/usr/bin/chromium")
# The machine has no network: without these Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LATENCY_BUDGET_MS = 150.0  # p95
PAGE_BUDGET_BYTES = 400 * 1024
SCRIPT_BUDGET_BYTES = 60 * 1024
# Client threads: enough that requests leave on schedule even when answers queue up (50/s for 20 s is 1000
# requests; an overloaded server holds hundreds at once), so a slow server cannot slow the sending down.
MAX_IN_FLIGHT = 512
# Above this share of the machine's CPU used by processes outside the benchmark, the figures are suspect.
OTHER_CPU_WARNING = 10.0
NOTE = (
    "The load generator, Chromium, gunicorn and the database share this machine's {cpus} CPU core(s): the "
    "figures are for the whole stack on one box, and the client's own CPU time is inside every latency."
)


@dataclass
class Options:
    rate: float = 50.0
    duration: float = 20.0
    baseline_rate: float = 5.0  # an unloaded reference: answers never queue at this rate
    baseline_duration: float = 6.0
    warmup: float = 3.0
    workers: int = 2
    database_url: str = ""  # empty: a scratch SQLite file
    skip_load: bool = False
    skip_weight: bool = False


# --- the stack ----------------------------------------------------------------------------------------------
@contextlib.contextmanager
def scratch_database(options: Options) -> Iterator[tuple[str, str]]:
    """(DATABASE_URL, name) of an empty database that is removed at the end, whatever happens."""
    if not options.database_url:
        folder = Path(tempfile.mkdtemp(prefix="gnb-site-bench-"))
        try:
            yield f"sqlite:///{folder / 'site.sqlite3'}", ""
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    parts = urllib.parse.urlsplit(options.database_url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise BenchFailure(f"--database-url {options.database_url!r}: give a postgres://user@host:port URL")
    name = parts.path.strip("/") or f"gnb_site_{os.getpid()}"
    server = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    settings = api_load.Settings(postgres_url=server, database=name)
    if not name.replace("_", "").isalnum():
        raise BenchFailure(f"database name {name!r} must be letters, digits and underscores")
    # CREATE fails on a database that exists: the benchmark never drops one it did not make.
    api_load._psql(settings, f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}", name
    finally:
        api_load._psql(settings, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(database_url: str) -> dict[str, str]:
    """Production settings as ``make run`` would give them, with DEBUG off (see api_load._app_env)."""
    env = api_load._app_env(api_load.Settings(), database_url)
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    return env


TOUR_PROBE = """
import json
from gnb.catalog.models import Tour
from gnb.bookings.availability import departures_with_availability
for tour in Tour.objects.filter(is_active=True).order_by("sort_order", "slug"):
    departure = departures_with_availability(tour=tour).filter(seats_left__gte=2).first()
    if departure is not None:
        print(json.dumps({"slug": tour.slug, "name": tour.name, "departure": departure.pk}))
        break
"""


# The drivers' app: a demo driver with the next assigned trip, signed in on a device as the sign-in page does it
# (a session holding the device), so Lighthouse can open the pages with the session cookie.
DRIVER_PROBE = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from gnb.driver.middleware import SESSION_DEVICE
from gnb.driver.services import driver_device_start
from gnb.fleet.models import Trip
trip = Trip.objects.filter(driver__isnull=False, status="assigned", starts_at__gte=timezone.now()).first()
device = driver_device_start(driver=trip.driver, user_agent="Lighthouse")
session = import_module(settings.SESSION_ENGINE).SessionStore()
user = trip.driver.user
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session[SESSION_DEVICE] = device.pk
session.set_expiry(device.expires_at)
session.create()
print(json.dumps({"cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}", "trip": trip.pk}))
"""


def set_up(env: dict[str, str]) -> dict[str, Any]:
    """Migrate, load the demo catalogue, collect the static files; returns the pages the benchmark visits."""
    for step, args in (
        ("migrated", ("migrate", "--no-input")),
        ("loaded the demo catalogue (manage.py load_demo)", ("load_demo",)),
        ("collected the static files (hashed, gzip-compressed)", ("collectstatic", "--no-input")),
    ):
        began = time.perf_counter()
        api_load._manage(env, *args)
        api_load._step(f"{step} ({time.perf_counter() - began:.1f} s)")
    transfer = api_load._probe(env, "targets")
    lines = api_load._manage(env, "shell", "-c", TOUR_PROBE).strip().splitlines()
    if not lines:
        raise BenchFailure("the demo catalogue has no tour with an open departure that has 2 seats left")
    tour = json.loads(lines[-1])
    pickup = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date().isoformat()
    search = {
        "origin": transfer["origin"],
        "destination": transfer["destination"],
        "date": pickup,
        "time": "12:00",
        "adults": "2",
        "children": "0",
        "infants": "0",
        "bags": "2",
    }
    pages = {
        "home": "/en/",
        "results": "/en/transfers/?" + urllib.parse.urlencode(search),
        "tour": f"/en/tours/{tour['slug']}/",
        "transfer form": "/en/transfers/book/?" + urllib.parse.urlencode(search | {"vehicle": "sedan"}),
    }
    api_load._step(
        f"pages: {transfer['origin']} → {transfer['destination']} ({transfer['destination_name']}) on {pickup}; "
        f"tour {tour['slug']}"
    )
    driver = json.loads(api_load._manage(env, "shell", "-c", DRIVER_PROBE).strip().splitlines()[-1])
    return {"pages": pages, "tour": tour, "transfer": transfer, "driver": driver}


# --- 1. server time at a fixed rate ---------------------------------------------------------------------------
MARKERS = {
    "home": b'name="origin"',
    "results": b"Book this car",
    "tour": b'class="slot"',
    "transfer form": b'class="checkout__form"',
}


@dataclass
class LoadRow:
    page: str
    path: str
    rate: float
    seconds: float
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    send_lag_ms: list[float] = field(default_factory=list, repr=False)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    cpu_busy_percent: float | None = None
    cpu_other_percent: float | None = None
    cpu_client_percent: float | None = None

    def summary(self, *, budgeted: bool = True) -> dict[str, Any]:
        ok = bool(self.latencies_ms)
        p95 = api_load.percentile(self.latencies_ms, 95) if ok else float("nan")
        return {
            "page": self.page,
            "path": self.path,
            "rate": self.rate,
            "seconds": self.seconds,
            "requests": len(self.latencies_ms),
            "achieved_per_second": round(len(self.latencies_ms) / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": round(api_load.percentile(self.latencies_ms, 50), 1) if ok else None,
            "p95_ms": round(p95, 1) if ok else None,
            "p99_ms": round(api_load.percentile(self.latencies_ms, 99), 1) if ok else None,
            "max_ms": round(max(self.latencies_ms), 1) if ok else None,
            "send_lag_p99_ms": round(api_load.percentile(self.send_lag_ms, 99), 1) if self.send_lag_ms else None,
            "statuses": dict(self.statuses),
            "errors": len(self.errors),
            "error_examples": self.errors[:5],
            "cpu_busy_percent": self.cpu_busy_percent,
            "cpu_other_percent": self.cpu_other_percent,
            "cpu_client_percent": self.cpu_client_percent,
            "budget": f"p95 ≤ {LATENCY_BUDGET_MS:.0f} ms" if budgeted else "—",
            "budget_met": ok and not self.errors and (p95 <= LATENCY_BUDGET_MS or not budgeted),
        }


def open_loop(server: api_load.Server, page: str, path: str, *, rate: float, seconds: float) -> LoadRow:
    """Send GET ``path`` every 1/``rate`` s for ``seconds``, each on a new connection, and time every answer."""
    row = LoadRow(page, path, rate, seconds)
    lock = threading.Lock()
    marker = MARKERS[page]

    def one(due: float) -> None:
        sent = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Accept-Encoding": "gzip, br", "Accept": "text/html"})
            response = connection.getresponse()
            body = response.read()
            latency = (time.perf_counter() - sent) * 1000
        except (OSError, http.client.HTTPException) as exc:
            with lock:
                row.errors.append(f"GET {path}: {type(exc).__name__}: {exc}")
            return
        finally:
            connection.close()
        with lock:
            row.latencies_ms.append(latency)
            row.send_lag_ms.append((sent - due) * 1000)
            row.statuses[response.status] += 1
            if response.status != 200:
                row.errors.append(f"GET {path} → HTTP {response.status}: {body[:300]!r}")
            elif marker not in body:
                row.errors.append(f"GET {path} → 200 without {marker!r}: not the page expected")

    total = max(1, round(rate * seconds))
    interval = 1 / rate
    before, own_before = cpu_times(), own_cpu_times({server.pid}, server.database)
    client_before = time.process_time()
    with ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT, thread_name_prefix="client") as pool:
        start = time.perf_counter() + 0.05
        for index in range(total):
            due = start + index * interval
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            pool.submit(one, due)
    row.elapsed = time.perf_counter() - start
    # The load generator's own share of the machine (all cores), which gunicorn could not use.
    row.cpu_client_percent = round(100 * (time.process_time() - client_before) / (row.elapsed * os.cpu_count()), 1)
    after, own_after = cpu_times(), own_cpu_times({server.pid}, server.database)
    row.cpu_busy_percent = busy_percent(before, after)
    if row.cpu_busy_percent is not None and before and after and own_before is not None and own_after is not None:
        # Busy time that neither this process, gunicorn nor the bench database's backends account for.
        own = 100 * (own_after - own_before) / (after[1] - before[1])
        row.cpu_other_percent = round(max(0.0, row.cpu_busy_percent - own), 1)
    return row


def measure_load(server: api_load.Server, pages: dict[str, str], options: Options) -> list[dict[str, Any]]:
    rows = []
    for page in ("home", "results", "tour"):
        path = pages[page]
        if options.warmup > 0:
            warm = open_loop(server, page, path, rate=options.rate, seconds=options.warmup)
            if warm.errors:
                raise BenchFailure(f"{page} failed during the warm-up:\n  " + "\n  ".join(warm.errors[:5]))
        for rate, seconds, budgeted in (
            (options.rate, options.duration, True),
            (options.baseline_rate, options.baseline_duration, False),
        ):
            row = open_loop(server, page, path, rate=rate, seconds=seconds).summary(budgeted=budgeted)
            # A failed request (an error answer, a wrong page, a time-out) fails the run, after every page was
            # measured: under overload the table of all pages says more than the first failure.
            errors = f", {row['errors']} FAILED" if row["errors"] else ""
            p95 = "?" if row["p95_ms"] is None else f"{row['p95_ms']:.1f}"
            api_load._step(f"{page}: {row['requests']} requests at {rate:g}/s, p95 {p95} ms{errors}")
            rows.append(row)
    return rows


# --- 2. page weight in Chromium -------------------------------------------------------------------------------
@dataclass
class PageWeight:
    page: str
    url: str
    requests: int
    bytes: int
    script_bytes: int
    by_type: dict[str, int]

    def summary(self) -> dict[str, Any]:
        return asdict(self) | {
            "budget": "≤ 400 KB, JS ≤ 60 KB",
            "budget_met": self.bytes <= PAGE_BUDGET_BYTES and self.script_bytes <= SCRIPT_BUDGET_BYTES,
        }


def measure_weight(base_url: str, setup: dict[str, Any]) -> list[dict[str, Any]]:
    """Walk the booking flow in Chromium with the cache off and add up what each page transferred."""
    if not CHROMIUM.exists():
        raise BenchFailure(f"{CHROMIUM} is missing: `make browser` installs Debian's Chromium")
    from playwright.sync_api import sync_playwright

    pages = setup["pages"]
    rows: list[dict[str, Any]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=1,
            locale="en-GB",
            extra_http_headers={"Accept-Encoding": "gzip, br"},
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        # A first visit: every page fetches its stylesheet, script and icons again.
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        seen: list[Any] = []
        problems: list[str] = []
        page.on("requestfinished", lambda request: seen.append(request))
        page.on("requestfailed", lambda r: problems.append(f"{r.url}: {r.failure}"))
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)

        def measure(name: str, action) -> None:
            seen.clear()
            response = action()
            page.wait_for_load_state("networkidle")
            if response is not None and response.status != 200:
                raise BenchFailure(f"{name}: {page.url} answered {response.status}")
            if problems:
                raise BenchFailure(f"{name}: " + "; ".join(problems))
            total = scripts = 0
            by_type: Counter = Counter()
            for request in seen:
                sizes = request.sizes()
                if sizes["responseBodySize"] < 0 or sizes["responseHeadersSize"] < 0:
                    raise BenchFailure(f"{name}: Chromium did not report the size of {request.url}")
                size = sizes["responseBodySize"] + sizes["responseHeadersSize"]
                total += size
                by_type[request.resource_type] += size
                if request.resource_type == "script":
                    scripts += sizes["responseBodySize"]
            rows.append(PageWeight(name, page.url, len(seen), total, scripts, dict(by_type)).summary())

        def navigate(click) -> Any:
            with page.expect_navigation() as navigation:
                click()
            return navigation.value

        measure("home", lambda: page.goto(base_url + pages["home"]))
        measure("results", lambda: page.goto(base_url + pages["results"]))
        measure("transfer form", lambda: navigate(page.locator(".vehicle__buy a").first.click))
        page.fill("#id_email", "bench@example.com")
        page.fill("#id_phone", "+44 7911 123456")
        for index in range(2):
            page.fill(f"#id_passenger_{index}_first_name", f"Bench{index + 1}")
            page.fill(f"#id_passenger_{index}_last_name", "Traveller")
        if page.locator("#id_flight_number").count():
            page.fill("#id_flight_number", "TK2412")
        measure("review", lambda: navigate(page.locator("form.checkout__form button[type=submit]").click))
        if "/checkout/review/" not in page.url:
            raise BenchFailure(f"the details form did not lead to the review page: {page.url}")
        # The review page holds the payment choice (cash is chosen): its button books.
        measure("confirmation", lambda: navigate(page.locator(".summary form[data-once] button[type=submit]").click))
        if "/confirmed/" not in page.url:
            raise BenchFailure(f"booking did not reach the confirmation page: {page.url}")
        measure("tour", lambda: page.goto(base_url + pages["tour"]))
        measure("tour form", lambda: navigate(page.locator("button.slot").first.click))
        context.close()
        browser.close()
    return rows


# --- report ---------------------------------------------------------------------------------------------------
def print_load(rows: list[dict[str, Any]], options: Options) -> None:
    print(
        f"Server time at a fixed {options.rate:g} requests/s (open loop, a new connection each), "
        f"{options.duration:g} s per page after {options.warmup:g} s warm-up, then {options.baseline_duration:g} s "
        f"at {options.baseline_rate:g}/s as an unloaded reference; gunicorn {options.workers} sync worker(s), DEBUG=0"
    )
    print(
        f"  {'page':<14} {'rate':>5} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'lag p99':>7} {'errors':>6} {'CPU %':>5} {'client':>6} {'not us':>6}  {'budget':<14} met"
    )
    for row in rows:
        cpu, client, other = (
            "?" if row[key] is None else f"{row[key]:.0f}"
            for key in ("cpu_busy_percent", "cpu_client_percent", "cpu_other_percent")
        )
        print(
            f"  {row['page']:<14} {row['rate']:>5g} {row['requests']:>8} {row['achieved_per_second']:>6.1f} "
            f"{_ms(row['p50_ms'])} {_ms(row['p95_ms'])} {_ms(row['p99_ms'])} {_ms(row['max_ms'])} "
            f"{_ms(row['send_lag_p99_ms'])} {row['errors']:>6} {cpu:>5} {client:>6} {other:>6}  "
            f"{row['budget']:<14} "
            f"{'—' if row['budget'] == '—' else 'yes' if row['budget_met'] else 'NO'}"
        )
    print(
        "  (lag p99: how late the generator sent a request against its schedule; above a few ms it fell behind. "
        "CPU %: the whole machine's busy share during the phase; client: the part the load generator used; "
        "not us: the part used by other processes.)"
    )
    other = max((row["cpu_other_percent"] or 0 for row in rows), default=0)
    if other > OTHER_CPU_WARNING:
        print(
            f"  WARNING: other processes used up to {other:.0f} % of the CPU during the run (tests, builds?); "
            "these figures understate the site. Run again on a quiet machine."
        )


def _ms(value: float | None) -> str:
    return f"{'?':>7}" if value is None else f"{value:>7.1f}"


def print_weight(rows: list[dict[str, Any]]) -> None:
    print("Page weight in Chromium, cache off (a first visit): headers + bodies as transferred, gzip where served")
    print(
        f"  {'page':<14} {'requests':>8} {'total KB':>9} {'HTML KB':>8} {'CSS KB':>7} {'JS KB':>6}  {'budget':<20} met"
    )
    for row in rows:
        kb = {kind: size / 1024 for kind, size in row["by_type"].items()}
        print(
            f"  {row['page']:<14} {row['requests']:>8} {row['bytes'] / 1024:>9.1f} {kb.get('document', 0):>8.1f} "
            f"{kb.get('stylesheet', 0):>7.1f} {row['script_bytes'] / 1024:>6.1f}  {row['budget']:<20} "
            f"{'yes' if row['budget_met'] else 'NO'}"
        )


def run(options: Options) -> dict[str, Any]:
    result: dict[str, Any] = {"options": asdict(options) | {"database_url": options.database_url or "sqlite"}}
    with scratch_database(options) as (database_url, database):
        env = app_env(database_url)
        setup = set_up(env)
        result["setup"] = setup
        with serve(env, options, database) as server:
            base_url = f"http://127.0.0.1:{server.port}"
            api_load._step(f"gunicorn up on {base_url} ({options.workers} sync workers)")
            if not options.skip_load:
                result["load"] = measure_load(server, setup["pages"], options)
            if not options.skip_weight:
                result["weight"] = measure_weight(base_url, setup)
    api_load._step("stopped gunicorn, removed the scratch database")
    result["note"] = NOTE.format(cpus=os.cpu_count())
    return result


@contextlib.contextmanager
def serve(env: dict[str, str], options: Options, database: str = "") -> Iterator[api_load.Server]:
    """gunicorn on a free port of 127.0.0.1 (api_load.gunicorn), stopped when the block ends."""
    settings = api_load.Settings(workers=options.workers, threads=1, database=database)
    with api_load.gunicorn(settings, env) as server:
        yield server


def serve_forever(options: Options) -> int:
    """Set up and serve until Ctrl-C or SIGTERM; prints one line ``READY <base url> <path>…`` when up."""
    with scratch_database(options) as (database_url, _name):
        env = app_env(database_url)
        setup = set_up(env)
        with serve(env, options) as server:
            pages = setup["pages"]
            base_url = f"http://127.0.0.1:{server.port}"
            paths = " ".join(pages[name] for name in ("home", "results", "transfer form", "tour"))
            # The drivers' app: its session cookie, the list and a trip's page.
            driver = setup["driver"]
            paths += f" {driver['cookie']} /driver/ /driver/trips/{driver['trip']}/"
            print(f"READY {base_url} {paths}", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(1)
    return 0


def budgets_met(result: dict[str, Any]) -> bool:
    rows = result.get("load", []) + result.get("weight", [])
    return all(row["budget_met"] for row in rows)


def parser() -> argparse.ArgumentParser:
    defaults = Options()
    p = argparse.ArgumentParser(
        description="Public website: server time at a fixed rate and page weight in Chromium (production settings).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--rate", type=float, default=defaults.rate, help="requests per second sent to each page")
    p.add_argument("--duration", type=float, default=defaults.duration, help="seconds measured per page")
    p.add_argument("--warmup", type=float, default=defaults.warmup, help="seconds of warm-up per page")
    p.add_argument(
        "--baseline-rate", type=float, default=defaults.baseline_rate, help="requests/s of the unloaded reference"
    )
    p.add_argument(
        "--baseline-duration", type=float, default=defaults.baseline_duration, help="seconds of the unloaded reference"
    )
    p.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn sync workers (2–4)")
    p.add_argument(
        "--database-url",
        default=defaults.database_url,
        help="postgres://user@host:port[/name]: a scratch PostgreSQL database made there and dropped at the end "
        "(the name must not exist; default gnb_site_<pid>); default: a scratch SQLite file",
    )
    p.add_argument("--skip-load", action="store_true", help="only the page weight")
    p.add_argument("--skip-weight", action="store_true", help="only the server time")
    p.add_argument("--strict", action="store_true", help="exit with status 3 when a budget is missed")
    p.add_argument("--serve", action="store_true", help="set up, serve until Ctrl-C, measure nothing")
    return p


def main() -> int:
    args = parser().parse_args()
    if not 1 <= args.workers <= 8 or min(args.rate, args.duration, args.baseline_rate, args.baseline_duration) <= 0:
        raise SystemExit("--workers must be 1–8, the rates and durations > 0")
    if args.warmup < 0:
        raise SystemExit("--warmup must be ≥ 0")
    options = Options(
        rate=args.rate,
        duration=args.duration,
        warmup=args.warmup,
        baseline_rate=args.baseline_rate,
        baseline_duration=args.baseline_duration,
        workers=args.workers,
        database_url=args.database_url,
        skip_load=args.skip_load,
        skip_weight=args.skip_weight,
    )
    api_load.stop_on_sigterm()
    began = time.perf_counter()
    try:
        if args.serve:
            return serve_forever(options)
        print(f"GNB Transfer public website benchmark. {NOTE.format(cpus=os.cpu_count())}", flush=True)
        result = run(options)
    except BenchFailure as exc:
        print(f"\nBENCH FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; gunicorn stopped and the scratch database removed.", file=sys.stderr)
        return 130
    print("\n=== Summary " + "=" * 100)
    if "load" in result:
        print_load(result["load"], options)
        print()
    if "weight" in result:
        print_weight(result["weight"])
    path = write_results({"site": result, "total_seconds": round(time.perf_counter() - began, 1)})
    print(f"\nTook {time.perf_counter() - began:.0f} s. Results written to {path.relative_to(ROOT)}")
    failed = [row for row in result.get("load", []) if row["errors"]]
    if failed:
        for row in failed:
            print(f"{row['page']} at {row['rate']:g}/s: {row['errors']} request(s) failed, e.g.", file=sys.stderr)
            print("  " + "\n  ".join(row["error_examples"]), file=sys.stderr)
        print("\nBENCH FAILED: requests failed; the figures above are not valid.", file=sys.stderr)
        return 1
    if not budgets_met(result):
        print("A budget was missed (see the 'met' column).")
        return 3 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
