"""The platform at the peak: every figure against its budget and against the health check measured in the same run.

Set-up, all automatic: a scratch PostgreSQL database (created here, dropped at the end), ``migrate``, ``load_demo``,
``collectstatic``, then gunicorn with production settings (DEBUG=0, a fresh SECRET_KEY, 5 sync workers by default)
on a free port.

1. Closed loop, with wrk (2 threads, 16 connections, 15 s after a 3 s warm-up): the bare health check
   (``/health/live``, the floor: answered above most of the middleware, when the application does nothing),
   ``/robots.txt`` (a view that does nothing, behind the whole middleware stack the pages pass through), the quote
   API, home, the transfer results page, a tour page and the transfer form. Each figure is also printed as a share
   of the health check's throughput, which survives a noisy machine better than requests per second do.
2. Open loop, with the project's own generator (``bench/site.py``): each page at a constant 100 requests/s for
   15 s whatever the answers do; p95 from sending to reading the whole body.

The table prints every row next to its budget. Exit status: 0 when every request succeeded (a missed budget is
reported; ``--strict`` makes it exit 3), 1 when a request failed or the stack could not be set up. wrk is Debian's
``wrk`` package (``apt-get install wrk``); without it the closed-loop rows stop with that hint.

``--smoke`` is what CI runs: one second per row at a low rate, no budgets, just proof that every row still runs.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import api_load
import bodies
from api_load import BenchFailure
from common import ROOT, busy_percent, cpu_times, shared_cpu_note, write_results

HEALTH = "/health/live"


def _load_site_bench() -> Any:
    # bench/site.py shares its name with the standard library's ``site``, which the interpreter has already
    # imported, so it is loaded from its path.
    spec = importlib.util.spec_from_file_location("site_bench", Path(__file__).with_name("site.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["site_bench"] = module
    spec.loader.exec_module(module)
    return module


site_bench = _load_site_bench()


@dataclass
class Options:
    database_url: str = "postgres://postgres@127.0.0.1:5432"
    workers: int = 5
    threads: int = 2  # wrk's
    connections: int = 16
    duration: float = 15.0
    warmup: float = 3.0
    rate: float = 100.0
    open_duration: float = 15.0
    smoke: bool = False
    strict: bool = False
    # The million-bookings rows: an existing database to measure (bench/bigdata.py --keep made it), or a number of
    # bookings to generate first (1,000,000 takes about half an hour here); 0 leaves the rows out.
    bigdata_database: str = ""
    bigdata_bookings: int = 0
    pages_only: bool = False  # the closed and open loops only, none of the sections below them


# --- budgets: (what, kind, limit); kinds: "ratio" (share of the health check, at least), "p95"/"p99" (ms, at most),
# "rps" (requests/s, at least)
CLOSED_BUDGETS: dict[str, list[tuple[str, float]]] = {
    "health": [],
    "robots.txt": [],
    "quote API": [("ratio", 50.0), ("p95", 40.0)],
    "home": [("ratio", 50.0)],
    "results": [("ratio", 25.0), ("rps", 250.0)],
    "tour": [("ratio", 50.0)],
    "transfer form": [],
}
OPEN_BUDGET_P95_MS = 150.0


# --- wrk --------------------------------------------------------------------------------------------------------
# The script prints one JSON line at the end; latencies in microseconds. With several bodies, each request takes
# the next one, so a quote is never the same request twice in a row.
WRK_SCRIPT = """
local bodies = {%(bodies)s}
local unique = %(unique)s
local index = 0
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
wrk.method = "%(method)s"
wrk.headers["Accept"] = "%(accept)s"
%(content_type)s
request = function()
  index = index + 1
  if unique then
    -- A page never asked for before on each request: nothing may come from the page cache.
    return wrk.format(nil, wrk.path .. "&visit=" .. tostring(tid) .. "-" .. tostring(index))
  end
  if #bodies == 0 then return wrk.format() end
  return wrk.format(nil, nil, nil, bodies[index %% #bodies + 1])
end
done = function(summary, latency, requests)
  io.write(string.format(
    '\\nRESULT {"requests": %%d, "duration_us": %%d, "p50": %%d, "p95": %%d, "p99": %%d, "max": %%d, '
    .. '"status": %%d, "connect": %%d, "read": %%d, "write": %%d, "timeout": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for the ASCII bodies sent here


def wrk(
    port: int,
    path: str,
    options: Options,
    *,
    method: str = "GET",
    bodies_: list[str] | None = None,
    accept: str = "text/html",
    seconds: float | None = None,
    unique: bool = False,
) -> dict[str, Any]:
    binary = shutil.which("wrk")
    if binary is None:
        raise BenchFailure("wrk is not installed: apt-get install wrk")
    script = WRK_SCRIPT % {
        "bodies": ", ".join(_lua_string(body) for body in bodies_ or []),
        "method": method,
        "unique": "true" if unique else "false",
        "accept": accept,
        "content_type": 'wrk.headers["Content-Type"] = "application/json"' if bodies_ else "",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = [
            binary,
            f"--threads={options.threads}",
            f"--connections={options.connections}",
            f"--duration={max(1, round(seconds if seconds is not None else options.duration))}s",
            "--timeout=10s",
            f"--script={handle.name}",
            f"http://127.0.0.1:{port}{path}",
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(handle.name)
    match = re.search(r"^RESULT (\{.*\})$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or match is None:
        raise BenchFailure(f"wrk failed on {path}: {result.stderr.strip() or result.stdout[-500:]}")
    raw = json.loads(match.group(1))
    errors = raw["status"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    # gunicorn's sync workers close each connection after the answer; wrk counts that as a read error only when
    # it happens mid-answer, so any error here is a real failure.
    return {
        "requests": raw["requests"],
        "per_second": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50"] / 1000, 1),
        "p95_ms": round(raw["p95"] / 1000, 1),
        "p99_ms": round(raw["p99"] / 1000, 1),
        "max_ms": round(raw["max"] / 1000, 1),
        "errors": errors,
        "non_2xx": raw["status"],
    }


def _fetch(port: int, path: str, method: str = "GET", body: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Accept": "application/json" if body else "text/html"}
        if body:
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- the closed and open loops ----------------------------------------------------------------------------------
def closed_loop(port: int, pages: dict[str, str], targets: dict[str, Any], options: Options) -> list[dict[str, Any]]:
    rng = random.Random(17)
    quote_bodies = [json.dumps(bodies.quote_body(targets, rng, index)) for index in range(64)]
    endpoints: list[tuple[str, str, dict[str, Any]]] = [
        ("health", HEALTH, {"accept": "application/json"}),
        # A view that does nothing, behind every middleware the pages pass through (the health check is answered
        # before most of them): the ceiling of any page's ratio on this stack.
        ("robots.txt", "/robots.txt", {}),
        ("quote API", "/api/v1/quotes", {"method": "POST", "bodies_": quote_bodies, "accept": "application/json"}),
        *[(name, path, {}) for name, path in pages.items()],
        # The same searches as "results", each with a parameter never seen before: what a search costs the first time.
        ("results, new searches", pages["results"], {"unique": True}),
    ]
    rows = []
    for name, path, kwargs in endpoints:
        # Each row is checked once before it is timed: a page without its content would time an error page.
        status, body = _fetch(port, path, kwargs.get("method", "GET"), (kwargs.get("bodies_") or [None])[0])
        marker = site_bench.MARKERS.get(name.split(",")[0])
        if status != 200 or (marker and marker not in body):
            raise BenchFailure(f"{name} ({path}) answered {status} without its content: {body[:300]!r}")
        if not options.smoke:
            wrk(port, path, options, seconds=options.warmup, **kwargs)
        before = cpu_times()
        result = wrk(port, path, options, seconds=1 if options.smoke else None, **kwargs)
        result.update(name=name, path=path, cpu_busy_percent=busy_percent(before, cpu_times()))
        if result["errors"]:
            raise BenchFailure(f"{name}: {result['errors']} failed requests ({result['non_2xx']} not 2xx/3xx)")
        rows.append(result)
        print(f"  closed loop  {name:<14} {result['per_second']:>8.1f} req/s  p95 {result['p95_ms']} ms", flush=True)
    floor = rows[0]["per_second"]
    for row in rows:
        row["ratio_percent"] = round(100 * row["per_second"] / floor, 1) if floor else None
        row["budgets"] = [] if options.smoke else _judge(row, CLOSED_BUDGETS.get(row["name"], []))
    return rows


def _judge(row: dict[str, Any], budgets: list[tuple[str, float]]) -> list[dict[str, Any]]:
    judged = []
    for kind, limit in budgets:
        if kind == "ratio":
            value, met, text = row["ratio_percent"], row["ratio_percent"] >= limit, f"≥ {limit:.0f} % of health"
        elif kind == "rps":
            value, met, text = row["per_second"], row["per_second"] >= limit, f"≥ {limit:.0f} req/s"
        else:
            value = row[f"{kind}_ms"]
            met, text = value <= limit, f"{kind} ≤ {limit:.0f} ms"
        judged.append({"budget": text, "value": value, "met": bool(met)})
    return judged


def open_loop(server: api_load.Server, pages: dict[str, str], options: Options) -> list[dict[str, Any]]:
    rows = []
    rate = 5.0 if options.smoke else options.rate
    seconds = 1.0 if options.smoke else options.open_duration
    for name, path in pages.items():
        if not options.smoke:
            site_bench.open_loop(server, name, path, rate=rate, seconds=options.warmup)
        row = site_bench.open_loop(server, name, path, rate=rate, seconds=seconds).summary()
        if row["errors"]:
            raise BenchFailure(f"{name} at {rate:.0f}/s: {row['errors']} failed requests: {row['error_examples']}")
        met = row["p95_ms"] <= OPEN_BUDGET_P95_MS
        row["budgets"] = (
            []
            if options.smoke
            else [{"budget": f"p95 ≤ {OPEN_BUDGET_P95_MS:.0f} ms", "value": row["p95_ms"], "met": met}]
        )
        rows.append(row)
        print(f"  open loop    {name:<14} {rate:.0f}/s  p95 {row['p95_ms']} ms", flush=True)
    return rows


# --- the table ------------------------------------------------------------------------------------------------
def print_table(result: dict[str, Any]) -> None:
    floor = result["closed"][0]["per_second"] if result.get("closed") else None
    print(f"\nThe health check (the floor) answered {floor} req/s in this run; ratios are shares of it.")
    header = (
        f"{'row':<46}{'req/s':>9}{'ratio':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  {'budget':<22}{'value':>9}  met"
    )
    print(header)
    print("-" * len(header))
    for row in result.get("closed", []):
        _print_row(f"closed 16 conn  {row['name']}", row["per_second"], row["ratio_percent"], row, row["budgets"])
    for row in result.get("open", []):
        _print_row(f"open {row['rate']:.0f}/s  {row['page']}", row["achieved_per_second"], None, row, row["budgets"])
    for row in result.get("extra", []):
        _print_row(row["name"], row.get("per_second"), row.get("ratio_percent"), row, row.get("budgets", []))


def _print_row(label: str, rps: float | None, ratio: float | None, row: dict[str, Any], budgets: list) -> None:
    def cell(value: Any, width: int, suffix: str = "") -> str:
        return f"{'—' if value is None else f'{value}{suffix}':>{width}}"

    lines = budgets or [{"budget": "—", "value": None, "met": None}]
    for index, budget in enumerate(lines):
        met = "" if budget["met"] is None else ("yes" if budget["met"] else "NO")
        if index == 0:
            prefix = (
                f"{label:<46}{cell(rps, 9)}{cell(ratio, 8, ' %')}{cell(row.get('p50_ms'), 9)}"
                f"{cell(row.get('p95_ms'), 9)}{cell(row.get('p99_ms'), 9)}"
            )
        else:
            prefix = " " * 90
        print(f"{prefix}  {budget['budget']:<22}{cell(budget['value'], 9)}  {met}")


def budgets_met(result: dict[str, Any]) -> bool:
    rows = [*result.get("closed", []), *result.get("open", []), *result.get("extra", [])]
    return all(budget["met"] for row in rows for budget in row.get("budgets", []))


# --- running it -----------------------------------------------------------------------------------------------
@contextlib.contextmanager
def stack(options: Options) -> Iterator[tuple[api_load.Server, dict[str, Any], dict[str, str]]]:
    site_options = site_bench.Options(database_url=options.database_url.rstrip("/") + f"/gnb_peak_{os.getpid()}")
    with site_bench.scratch_database(site_options) as (database_url, name):
        env = site_bench.app_env(database_url)
        setup = site_bench.set_up(env)
        settings = api_load.Settings(workers=options.workers, database=name)
        with api_load.gunicorn(settings, env) as server:
            yield server, setup, env


def run(options: Options) -> dict[str, Any]:
    with stack(options) as (server, setup, _env):
        pages = setup["pages"]
        print(f"gunicorn: {options.workers} sync workers on 127.0.0.1:{server.port}", flush=True)
        result = {
            "closed": closed_loop(server.port, pages, setup["transfer"], options),
            "open": open_loop(server, pages, options),
        }
    # Each of these sets up a stack of its own (its own database, gunicorn and workers), one after the other.
    result["extra"] = []
    for name, rows_of in [] if options.pages_only else EXTRA_SECTIONS:
        if rows_of is _bigdata_rows and not (options.smoke or options.bigdata_database or options.bigdata_bookings):
            print(f"\n{name}: left out (--bigdata-database NAME or --bigdata-bookings N)", flush=True)
            continue
        print(f"\n{name}: setting up", flush=True)
        rows = rows_of(options)
        for row in rows:
            if options.smoke:
                row["budgets"] = []
            print(f"  {row['name']:<40} p99 {row.get('p99_ms')} ms", flush=True)
        result["extra"].extend(rows)
    return result


def _booking_rate_rows(options: Options) -> list[dict[str, Any]]:
    import booking_rate

    settings = booking_rate.Options(postgres_url=options.database_url, workers=options.workers)
    if options.smoke:
        settings = booking_rate.Options(
            postgres_url=options.database_url,
            workers=options.workers,
            clients=8,
            duration=1.0,
            warmup=0.5,
            large_capacity=500,
            small_capacity=20,
            sold_out_tail=0.5,
        )
    return booking_rate.peak_rows(settings)


def _worker_rows(options: Options) -> list[dict[str, Any]]:
    import worker

    if options.smoke:
        return worker.peak_rows(
            postgres_url=options.database_url, bookings=10, spread=1.0, idle_seconds=2.0, latency_tasks=3
        )
    # The rate of 2,000 bookings a minute for 9 s: the full minute (bench/worker.py's default) leaves a queue that
    # two cores take half an hour to send.
    return worker.peak_rows(postgres_url=options.database_url, bookings=300, spread=9.0)


def _webhook_rows(options: Options) -> list[dict[str, Any]]:
    import webhooks

    return webhooks.peak_rows(postgres_url=options.database_url, smoke=options.smoke)


def _bigdata_rows(options: Options) -> list[dict[str, Any]]:
    import bigdata

    if options.smoke:
        settings = dict(bookings=300, requests=2, database=None, skip_backup=True)
    elif options.bigdata_database:
        settings = dict(bookings=0, requests=50, database=options.bigdata_database, skip_backup=True)
    else:
        settings = dict(bookings=options.bigdata_bookings, requests=50, database=None, skip_backup=False)
    args = argparse.Namespace(
        seed=1, postgres_url=options.database_url, keep=False, only="", measure_in_process=False, **settings
    )
    return bigdata.peak_rows(bigdata.run(args))


# (what, rows): the sections of the table measured by their own benchmarks.
EXTRA_SECTIONS: list[tuple[str, Any]] = [
    ("Stripe webhooks (bench/webhooks.py)", _webhook_rows),
    ("Peak booking rate (bench/booking_rate.py)", _booking_rate_rows),
    ("The task worker (bench/worker.py)", _worker_rows),
    ("A million bookings (bench/bigdata.py)", _bigdata_rows),
]


def parser() -> argparse.ArgumentParser:
    defaults = Options()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--database-url", default=defaults.database_url, help="PostgreSQL server (a scratch database is made)"
    )
    p.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn sync workers")
    p.add_argument("--duration", type=float, default=defaults.duration, help="seconds per closed-loop row")
    p.add_argument("--rate", type=float, default=defaults.rate, help="requests/s of the open-loop rows")
    p.add_argument("--smoke", action="store_true", help="one second per row, no budgets (what CI runs)")
    p.add_argument("--pages-only", action="store_true", help="the pages and the quote API only")
    p.add_argument("--bigdata-database", default="", help="the million-bookings rows, on this existing database")
    p.add_argument("--bigdata-bookings", type=int, default=0, help="the million-bookings rows, generating N first")
    p.add_argument("--strict", action="store_true", help="exit 3 when a budget is missed")
    return p


def main() -> int:
    args = parser().parse_args()
    options = Options(
        database_url=args.database_url,
        workers=args.workers,
        duration=args.duration,
        rate=args.rate,
        open_duration=args.duration,
        smoke=args.smoke,
        bigdata_database=args.bigdata_database,
        bigdata_bookings=args.bigdata_bookings,
        pages_only=args.pages_only,
        strict=args.strict,
    )
    api_load.stop_on_sigterm()
    print(f"GNB Transfer at the peak. {shared_cpu_note()}\n", flush=True)
    began = time.perf_counter()
    try:
        result = run(options)
    except BenchFailure as exc:
        print(f"\nBENCH FAILED: {exc}", file=sys.stderr)
        return 1
    print_table(result)
    path = write_results({"peak": result, "total_seconds": round(time.perf_counter() - began, 1)})
    print(f"\nTook {time.perf_counter() - began:.0f} s. Results written to {path.relative_to(ROOT)}")
    if not budgets_met(result):
        print("A budget was missed (see the 'met' column).")
        return 3 if options.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
