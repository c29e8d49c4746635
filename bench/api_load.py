"""API benchmark: latency and throughput of the booking API under load, served the way production serves it.

It creates a throw-away PostgreSQL database, migrates it, loads the demo catalogue (``manage.py load_demo``),
starts gunicorn with production settings (DEBUG=0) and drives three endpoints, each for a fixed time at a fixed
concurrency after a warm-up, from client threads that each hold one HTTP/1.1 connection (a closed loop: each
client sends its next request as soon as the previous answer is read):

* ``POST /api/v1/quotes``: AYT → a Belek hotel, 2 adults, 1 child, 1 infant, ~30 days ahead (budget p95 ≤ 40 ms)
* ``POST /api/v1/bookings``: cash transfer bookings with unique travellers (budget p99 ≤ 500 ms)
* ``GET /api/v1/bookings/{reference}``: the bookings just placed, with their X-Manage-Token

Any non-2xx answer, malformed body or connection error makes the run fail (exit status 1), so a broken API cannot
produce a good-looking figure. gunicorn is stopped and the database dropped at the end, also on failure or
Ctrl-C. Run alone with ``.venv/bin/python bench/api_load.py`` (``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import bodies
from common import (
    PYTHON,
    ROOT,
    VENV_BIN,
    busy_percent,
    cpu_times,
    idle_machine_check,
    own_cpu_times,
    shared_cpu_note,
    stop_processes,
    write_results,
)

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432"
BUDGETS = {
    "POST /api/v1/quotes": ("p95", 40.0),
    "POST /api/v1/bookings": ("p99", 500.0),
}
HOT_PATH_MAX_QUERIES = 5
# Above this share of the machine's CPU used by processes outside the benchmark, the figures are suspect.
OTHER_CPU_WARNING = 10.0
# Past this many failed requests a phase stops early: the run has failed already and more would only add noise.
ERROR_LIMIT = 25


class BenchFailure(Exception):
    """The run cannot produce a trustworthy figure; the message says why."""


@dataclass
class Settings:
    concurrency: int = 8
    warmup: float = 3.0
    duration: float = 15.0
    read_duration: float = 10.0
    single_duration: float = 5.0
    # Two sync workers, one per core: the app is CPU-bound on 2 cores, and threads in one process queue on the GIL
    # (measured on a quiet machine: quote p95 67–68 ms with gthread 2×4 against 35–41 ms with 2 sync workers).
    workers: int = 2
    threads: int = 1
    postgres_url: str = DEFAULT_POSTGRES_URL
    database: str = field(default_factory=lambda: f"gnb_bench_{os.getpid()}")

    @property
    def worker_class(self) -> str:
        return "gthread" if self.threads > 1 else "sync"


# --- the stack: database, demo data, gunicorn ---------------------------------------------------------------
def _step(message: str) -> None:
    print(f"  · {message}", flush=True)


def _postgres(settings: Settings) -> tuple[list[str], str]:
    """psql's connection arguments and the server part of DATABASE_URL."""
    if shutil.which("psql") is None:
        raise BenchFailure(
            "psql is not installed; the API benchmark needs PostgreSQL's client (apt-get install postgresql-client) "
            "and a server that accepts the URL in --postgres-url"
        )
    parts = urllib.parse.urlsplit(settings.postgres_url)
    if parts.scheme not in {"postgres", "postgresql"} or not parts.hostname:
        raise BenchFailure(f"--postgres-url {settings.postgres_url!r} is not a postgres://user@host:port URL")
    args = ["-h", parts.hostname, "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    return args, settings.postgres_url.rstrip("/")


def _psql(settings: Settings, sql: str) -> None:
    args, _ = _postgres(settings)
    env = dict(os.environ)
    password = urllib.parse.urlsplit(settings.postgres_url).password
    if password:
        env["PGPASSWORD"] = urllib.parse.unquote(password)
    result = subprocess.run(
        ["psql", *args, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    if result.returncode != 0:
        raise BenchFailure(f"psql failed on {sql!r}: {result.stderr.strip() or result.stdout.strip()}")


def _app_env(settings: Settings, database_url: str) -> dict[str, str]:
    """Production settings as config/settings.py reads them; nothing inherited may change what is measured."""
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        EMAIL_URL="console://",
        DATABASE_URL=database_url,
        PYTHONDONTWRITEBYTECODE="1",
        # All the load comes from one address: budgets no single client reaches, so every request is measured all
        # the way through (the throttle's own counting still runs on each).
        API_RATE_QUOTES_PER_IP="1000000000",
        API_RATE_BOOKINGS_PER_IP="1000000000",
    )
    return env


def _manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [str(PYTHON), str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise BenchFailure(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}")
    return result.stdout


def _probe(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [str(PYTHON), str(ROOT / "bench" / "probe.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise BenchFailure(f"bench/probe.py {args[0]} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(path: Path, lines: int = 40) -> str:
    """The end of gunicorn's log without the app's INFO lines (one per booking), which would bury a traceback."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join([line for line in text.splitlines() if " INFO " not in line][-lines:]) or "(nothing logged)"


@dataclass
class Server:
    port: int
    pid: int
    database: str


@contextlib.contextmanager
def gunicorn(settings: Settings, env: dict[str, str]) -> Iterator[Server]:
    """Serve config.wsgi with gunicorn on a free port until the block ends; the port is yielded once it answers."""
    binary = VENV_BIN / "gunicorn"
    if not binary.exists():
        raise BenchFailure(f"{binary} is missing; run `make install` first")
    port = _free_port()
    log = Path(tempfile.mkstemp(prefix="gnb-bench-gunicorn-", suffix=".log")[1])
    command = [
        str(binary),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={settings.workers}",
        f"--worker-class={settings.worker_class}",
        f"--threads={settings.threads}",
        "--keep-alive=5",
        "--graceful-timeout=5",
        "--log-level=warning",
    ]
    with log.open("w") as log_file:
        # A session of its own: Ctrl-C reaches this script only, which then stops gunicorn in order.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_up(process, port, log)
        yield Server(port, process.pid, settings.database)
    except BaseException:
        print(f"gunicorn's log, last lines:\n{_log_tail(log)}", file=sys.stderr)
        raise
    finally:
        stop_processes([process])
        with contextlib.suppress(OSError):
            log.unlink()


# Five workers importing Django at once on a busy 2-core machine (load 9) took 41 s to answer a first request.
STARTUP_TIMEOUT = 180.0


def _wait_until_up(process: subprocess.Popen, port: int, log: Path, timeout: float = STARTUP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchFailure(f"gunicorn exited with status {process.returncode} while starting")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            # A catalogue endpoint, so "up" means the app, its settings and the database all answer.
            connection.request("GET", "/api/v1/currencies")
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                return
            raise BenchFailure(f"gunicorn is up but GET /api/v1/currencies answered {response.status}")
        except (TimeoutError, ConnectionError):
            time.sleep(0.1)
        finally:
            connection.close()
    raise BenchFailure(f"gunicorn did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def bench_database(settings: Settings) -> Iterator[str]:
    """A fresh database for this run, dropped afterwards whatever happens."""
    if not settings.database.replace("_", "").isalnum():
        raise BenchFailure(f"database name {settings.database!r} must be letters, digits and underscores")
    _, server = _postgres(settings)
    _psql(settings, f'DROP DATABASE IF EXISTS "{settings.database}" WITH (FORCE)')
    _psql(settings, f'CREATE DATABASE "{settings.database}"')
    try:
        yield f"{server}/{settings.database}"
    finally:
        # FORCE ends connections a killed worker may have left behind.
        _psql(settings, f'DROP DATABASE IF EXISTS "{settings.database}" WITH (FORCE)')


# --- the load generator -------------------------------------------------------------------------------------
Check = Callable[[bytes], str | None]
Request = tuple[str, str, bytes | None, dict[str, str], Check]


@dataclass
class Phase:
    name: str
    concurrency: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    error_examples: list[str] = field(default_factory=list)
    elapsed: float = 0.0


def drive(
    port: int, name: str, *, concurrency: int, seconds: float, next_request: Callable[[random.Random], Request]
) -> Phase:
    """``concurrency`` clients send requests back to back for ``seconds``, each on its own connection.

    http.client reopens a connection the server closed after an answer (gunicorn's sync workers do, as they serve
    behind a proxy), so that costs a TCP handshake on localhost and is not an error.
    """
    phase = Phase(name, concurrency, seconds)
    lock = threading.Lock()
    start = threading.Barrier(concurrency + 1)
    abort = threading.Event()
    stop_at = [0.0]

    def failed(message: str) -> None:
        with lock:
            phase.errors += 1
            if len(phase.error_examples) < 5:
                phase.error_examples.append(message)
            if phase.errors >= ERROR_LIMIT:
                abort.set()

    def client(index: int) -> None:
        rng = random.Random(f"{name}-{index}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies: list[float] = []
        statuses: Counter = Counter()
        start.wait()
        try:
            while time.perf_counter() < stop_at[0] and not abort.is_set():
                method, path, body, headers, check = next_request(rng)
                began = time.perf_counter()
                try:
                    connection.request(method, path, body=body, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    failed(f"{method} {path}: {type(exc).__name__}: {exc}")
                    continue
                latencies.append((time.perf_counter() - began) * 1000)
                statuses[response.status] += 1
                if not 200 <= response.status < 300:
                    failed(f"{method} {path} → HTTP {response.status}: {data[:400].decode(errors='replace')}")
                elif problem := check(data):
                    failed(f"{method} {path} → HTTP {response.status} but {problem}")
        finally:
            connection.close()
            with lock:
                phase.latencies_ms.extend(latencies)
                phase.statuses.update(statuses)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.wait()
    try:
        for thread in threads:
            thread.join()
    except BaseException:
        abort.set()  # Ctrl-C: the clients stop before gunicorn is taken down under them
        raise
    phase.elapsed = time.perf_counter() - began
    return phase


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value that ``p`` % of the samples do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _json_check(required: tuple[str, ...]) -> Check:
    def check(data: bytes) -> str | None:
        try:
            body = json.loads(data)
        except ValueError:
            return "the body is not JSON"
        missing = [key for key in required if not body.get(key)]
        return f"the body lacks {', '.join(missing)}" if missing else None

    return check


JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def quote_requests(targets: dict[str, Any]) -> Callable[[random.Random], Request]:
    check = _json_check(("options", "currency"))
    counter = iter(range(10**12))

    def make(rng: random.Random) -> Request:
        body = json.dumps(bodies.quote_body(targets, rng, next(counter))).encode()
        return "POST", "/api/v1/quotes", body, JSON_HEADERS, check

    return make


def booking_requests(targets: dict[str, Any], placed: list[tuple[str, str]], run_id: str):
    def check(data: bytes) -> str | None:
        try:
            body = json.loads(data)
        except ValueError:
            return "the body is not JSON"
        if body.get("status") != "confirmed" or not body.get("reference") or not body.get("manage_token"):
            return f"not a confirmed booking with a reference and manage token: {data[:200]!r}"
        placed.append((body["reference"], body["manage_token"]))
        return None

    def make(rng: random.Random) -> Request:
        body = json.dumps(bodies.booking_body(targets, rng, run_id)).encode()
        return "POST", "/api/v1/bookings", body, JSON_HEADERS, check

    return make


def read_requests(placed: list[tuple[str, str]]):
    def make(rng: random.Random) -> Request:
        reference, token = rng.choice(placed)

        def check(data: bytes) -> str | None:
            try:
                body = json.loads(data)
            except ValueError:
                return "the body is not JSON"
            return None if body.get("reference") == reference else f"another booking came back: {data[:200]!r}"

        headers = {"Accept": "application/json", "X-Manage-Token": token}
        return "GET", f"/api/v1/bookings/{reference}", None, headers, check

    return make


def summarise(phase: Phase, *, budgeted: bool) -> dict[str, Any]:
    latencies = phase.latencies_ms
    row: dict[str, Any] = {
        "endpoint": phase.name,
        "concurrency": phase.concurrency,
        "seconds": round(phase.elapsed, 2),
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / phase.elapsed, 1) if phase.elapsed else 0.0,
        "non_2xx": sum(count for status, count in phase.statuses.items() if not 200 <= status < 300),
        "errors": phase.errors,
        "statuses": {str(status): count for status, count in sorted(phase.statuses.items())},
        "error_examples": phase.error_examples,
    }
    if latencies:
        for p in (50, 95, 99):
            row[f"p{p}_ms"] = round(percentile(latencies, p), 2)
        row["max_ms"] = round(max(latencies), 2)
    budget = BUDGETS.get(phase.name)
    if budget and budgeted:
        metric, limit = budget
        row["budget"] = f"{metric} ≤ {limit:g} ms"
        row["budget_met"] = bool(latencies) and row[f"{metric}_ms"] <= limit
    return row


def _run_phase(
    server: Server, name: str, settings: Settings, seconds: float, make, *, concurrency: int | None = None
) -> dict[str, Any]:
    """Warm up, then measure. Budgets are judged at the configured concurrency only (the "under load" figure)."""
    concurrency = concurrency or settings.concurrency
    port = server.port
    warm = drive(port, name, concurrency=concurrency, seconds=settings.warmup, next_request=make)
    if warm.errors:
        raise BenchFailure(f"{name} failed during the warm-up:\n  " + "\n  ".join(warm.error_examples))
    before, own_before = cpu_times(), own_cpu_times({server.pid}, server.database)
    measured = drive(port, name, concurrency=concurrency, seconds=seconds, next_request=make)
    after, own_after = cpu_times(), own_cpu_times({server.pid}, server.database)
    row = summarise(measured, budgeted=concurrency == settings.concurrency)
    row["cpu_busy_percent"] = busy_percent(before, after)
    row["cpu_other_percent"] = None
    if row["cpu_busy_percent"] is not None and own_before is not None and own_after is not None:
        # Busy time that neither the client, gunicorn nor our PostgreSQL backends account for: other work.
        own = 100 * (own_after - own_before) / (after[1] - before[1])
        row["cpu_other_percent"] = round(max(0.0, row["cpu_busy_percent"] - own), 1)
    row["warmup_requests"] = len(warm.latencies_ms)
    if measured.errors:
        print_table([row], settings)
        raise BenchFailure(
            f"{name}: {measured.errors} request(s) failed; the figures above are not valid:\n  "
            + "\n  ".join(measured.error_examples)
        )
    _step(f"{name} ×{concurrency}: {row['requests']} requests, p95 {row['p95_ms']:.1f} ms")
    return row


# --- the run ------------------------------------------------------------------------------------------------
def run(settings: Settings) -> dict[str, Any]:
    """Set up, measure, tear down; raises BenchFailure (after tearing down) if anything went wrong."""
    load_demo = ROOT / "gnb" / "catalog" / "management" / "commands" / "load_demo.py"
    if not load_demo.exists():
        raise BenchFailure(f"{load_demo.relative_to(ROOT)} is missing: the API benchmark runs on the demo catalogue")
    run_id = secrets.token_hex(3)
    with bench_database(settings) as database_url:
        _step(f"created database {settings.database}")
        env = _app_env(settings, database_url)
        began = time.perf_counter()
        _manage(env, "migrate", "--no-input")
        _step(f"migrated ({time.perf_counter() - began:.1f} s)")
        began = time.perf_counter()
        _manage(env, "load_demo")
        _step(f"loaded the demo catalogue with manage.py load_demo ({time.perf_counter() - began:.1f} s)")
        targets = _probe(env, "targets")
        _step(
            f"route {targets['origin']} → {targets['destination']} ({targets['destination_name']}), "
            f"{targets['options']} vehicle option(s), booking a {targets['vehicle_class']}; extras "
            f"{', '.join(targets['extras']) or 'none'}; coupon {targets['coupon'] or 'none'}; "
            f"currencies {', '.join(targets['currencies'])}"
        )
        queries = _probe(env, "queries", json.dumps(targets))
        with gunicorn(settings, env) as server:
            port = server.port
            busy_before = idle_machine_check()
            _step(
                f"gunicorn up on 127.0.0.1:{port} ({settings.workers} {settings.worker_class} worker(s) × "
                f"{settings.threads} thread(s)); {settings.concurrency} clients, {settings.warmup:g} s warm-up per "
                "endpoint"
            )
            placed: list[tuple[str, str]] = []
            rows = [
                _run_phase(server, "POST /api/v1/quotes", settings, settings.duration, quote_requests(targets)),
                # One client alone: the time a quote takes when nothing queues, to tell slow code from a busy CPU.
                _run_phase(
                    server,
                    "POST /api/v1/quotes",
                    settings,
                    settings.single_duration,
                    quote_requests(targets),
                    concurrency=1,
                ),
                _run_phase(
                    server,
                    "POST /api/v1/bookings",
                    settings,
                    settings.duration,
                    booking_requests(targets, placed, run_id),
                ),
                _run_phase(
                    server, "GET /api/v1/bookings/{reference}", settings, settings.read_duration, read_requests(placed)
                ),
            ]
    _step(f"stopped gunicorn, dropped {settings.database}")
    return {
        "settings": {**asdict(settings), "worker_class": settings.worker_class},
        "targets": targets,
        "endpoints": rows,
        "queries_per_request": queries,
        "cpu_busy_before_percent": busy_before,
        "note": shared_cpu_note(),
    }


def print_table(rows: list[dict[str, Any]], settings: Settings) -> None:
    print(
        f"API under load: gunicorn {settings.workers} {settings.worker_class} worker(s) × {settings.threads} "
        f"thread(s), PostgreSQL, DEBUG=0; each client sends its next request as soon as the last answer is read"
    )
    header = (
        f"  {'endpoint':<34} {'clients':>7} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'non-2xx':>7} {'other':>5} {'CPU %':>5} {'not us':>6}  {'budget':<14} met"
    )
    print(header)
    for row in rows:
        met = "—" if "budget" not in row else ("yes" if row["budget_met"] else "NO")
        print(
            f"  {row['endpoint']:<34} {row['concurrency']:>7} {row['requests']:>8} {row['requests_per_second']:>7.1f} "
            f"{row.get('p50_ms', float('nan')):>7.1f} {row.get('p95_ms', float('nan')):>7.1f} "
            f"{row.get('p99_ms', float('nan')):>7.1f} {row.get('max_ms', float('nan')):>7.1f} "
            f"{row['non_2xx']:>7} {row['errors'] - row['non_2xx']:>5} {_percent(row.get('cpu_busy_percent')):>5} "
            f"{_percent(row.get('cpu_other_percent')):>6}  "
            f"{row.get('budget', '—'):<14} {met}"
        )


def _percent(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def print_queries(queries: dict[str, Any]) -> None:
    print("SQL queries per request (one request through the full Django stack, after a first one warmed caches)")
    for endpoint, data in queries.items():
        hot = not endpoint.startswith("POST /api/v1/bookings")
        verdict = (
            f"budget ≤ {HOT_PATH_MAX_QUERIES} (hot path): {'yes' if data['queries'] <= HOT_PATH_MAX_QUERIES else 'NO'}"
            if hot
            else "write path, not budgeted"
        )
        print(f"  {endpoint:<34} {data['queries']:>3}  {verdict}")


def print_report(result: dict[str, Any]) -> None:
    print_table(result["endpoints"], Settings(**{k: v for k, v in result["settings"].items() if k != "worker_class"}))
    print(
        f"  ({result['note']} CPU %: the whole machine's busy share, all cores, during each measured phase; "
        "'not us': the part used by processes other than the client, gunicorn and the bench database's backends.)"
    )
    other = max((row.get("cpu_other_percent") or 0 for row in result["endpoints"]), default=0)
    busy = result.get("cpu_busy_before_percent") or 0
    if other > OTHER_CPU_WARNING or busy > OTHER_CPU_WARNING:
        print(
            f"  WARNING: other processes used up to {max(other, busy):.0f} % of the CPU during the run (tests, "
            "builds?); these figures understate the app. Run again on a quiet machine."
        )
    print_queries(result["queries_per_request"])


def parser() -> argparse.ArgumentParser:
    defaults = Settings()
    p = argparse.ArgumentParser(
        description="Booking API under load (gunicorn + PostgreSQL, production settings).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_arguments(p, defaults)
    return p


def add_arguments(p: argparse.ArgumentParser, defaults: Settings) -> None:
    p.add_argument("--concurrency", type=int, default=defaults.concurrency, help="concurrent clients")
    p.add_argument("--warmup", type=float, default=defaults.warmup, help="seconds of warm-up per endpoint")
    p.add_argument("--duration", type=float, default=defaults.duration, help="seconds measured for each POST")
    p.add_argument("--read-duration", type=float, default=defaults.read_duration, help="seconds measured for GET")
    p.add_argument(
        "--single-duration",
        type=float,
        default=defaults.single_duration,
        help="seconds measured for quotes from a single client (unloaded latency)",
    )
    p.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=defaults.threads, help="threads per worker (1 = sync workers)")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="server to create the throw-away database on (env BENCH_POSTGRES_URL)",
    )
    p.add_argument("--strict", action="store_true", help="exit with status 3 when a budget is missed")


def settings_from(args: argparse.Namespace) -> Settings:
    for name in ("concurrency", "workers", "threads"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name} must be at least 1")
    if args.warmup < 0 or min(args.duration, args.read_duration, args.single_duration) <= 0:
        raise SystemExit("--warmup must be ≥ 0 and the durations > 0")
    return Settings(
        concurrency=args.concurrency,
        warmup=args.warmup,
        duration=args.duration,
        read_duration=args.read_duration,
        single_duration=args.single_duration,
        workers=args.workers,
        threads=args.threads,
        postgres_url=args.postgres_url,
    )


def stop_on_sigterm() -> None:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so gunicorn is stopped and the database dropped."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)


def budgets_met(result: dict[str, Any]) -> bool:
    return all(row.get("budget_met", True) for row in result["endpoints"])


def main() -> int:
    args = parser().parse_args()
    settings = settings_from(args)
    stop_on_sigterm()
    print("API under load", flush=True)
    try:
        result = run(settings)
    except BenchFailure as exc:
        print(f"\nBENCH FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; gunicorn stopped and the bench database dropped.", file=sys.stderr)
        return 130
    print()
    print_report(result)
    path = write_results({"api": result})
    print(f"\nResults written to {path.relative_to(ROOT)}")
    if not budgets_met(result):
        print("A budget was missed.")
        return 3 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
