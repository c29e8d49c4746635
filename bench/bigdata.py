"""A million bookings: generation speed, the back office and "my bookings" on a 3-year history, backup and restore.

Creates a scratch PostgreSQL database, migrates it, loads the demo catalogue, runs
``manage.py generate_load_data --bookings N`` (timed, with its rows/s), then measures each page below over
``--requests`` requests (p50/p95/p99 of the server time), then times ``manage.py backup create`` and the restore of
that database into a second scratch database, with sizes. The databases are dropped at the end unless ``--keep``;
``--database NAME`` measures a database kept from an earlier run (migrated first, nothing generated again).

Server time is measured through Django's test Client in one process with production settings (DEBUG off,
PostgreSQL, the real middleware, sessions and caches): the time from the request entering Django to the response
leaving it, without HTTP parsing or a network hop. Staff pages are fetched signed in as a superuser past the second
factor; "my bookings" as the customer with the most bookings.

    .venv/bin/python bench/bigdata.py                          # 1,000,000 bookings (10–25 minutes to generate)
    .venv/bin/python bench/bigdata.py --bookings 50000 --keep  # smaller, and keep the database for re-runs
    .venv/bin/python bench/bigdata.py --database gnb_bigdata_123 --skip-backup
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import backup as backup_bench
from common import ROOT, machine, write_results

PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
BUDGET_MS = 100.0


class BenchFailure(Exception):
    pass


def env_for(database_url: str, workdir: Path) -> dict[str, str]:
    env = backup_bench.app_env(database_url, workdir / "backups", workdir / "media")
    env["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    env["API_RATE_QUOTES_PER_IP"] = "1000000000"
    return env


def manage(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=7200
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise BenchFailure(f"manage.py {' '.join(args)} failed: {result.stderr.strip()[-3000:]}")
    return elapsed, result.stdout


# --- the measurement, run inside Django (a child process with the database's settings) -------------------------
def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def measure_pages(requests: int, only: str = "") -> list[dict[str, object]]:
    import django

    django.setup()
    # As config/wsgi.py does in every web process: after the first request, its long-lived objects are frozen.
    from gnb.core.heap import settle_after_first_request

    settle_after_first_request()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from gnb.bookings.models import Booking, TransferLeg
    from gnb.catalog.models import Place, Tour, VehicleClass
    from gnb.testing.personas import staff_login

    user_model = get_user_model()
    staff, _created = user_model.objects.get_or_create(
        username="bench-bigdata-staff", defaults={"is_staff": True, "is_superuser": True, "email": ""}
    )
    staff_client = Client()
    staff_login(staff_client, staff)
    top = (
        Booking.objects.filter(customer__isnull=False)
        .values("customer")
        .annotate(count=Count("id"))
        .order_by("-count")
        .first()
    )
    if top is None:
        raise SystemExit("no booking has a customer account: generate the data first")
    customer = user_model.objects.get(pk=top["customer"])
    customer_client = Client()
    customer_client.force_login(customer)

    sample = Booking.objects.filter(kind="transfer").order_by("-pk").first()
    assert sample is not None
    flight = TransferLeg.objects.filter(booking=sample).exclude(flight_number="").first()
    last_name = sample.lead_name.split()[-1]
    vehicle = VehicleClass.objects.order_by("pk").first()
    tour = Tour.objects.filter(is_active=True).order_by("sort_order", "slug").first()
    airport = Place.objects.filter(iata_code="AYT").first()
    hotel = (
        Place.objects.filter(kind="hotel", zone__code__icontains="belek").first()
        or Place.objects.filter(kind="hotel").first()
    )
    bookings = "/admin/bookings/booking/"
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    pages: list[tuple[str, Client, str, str, bytes | None]] = [
        ("bookings list", staff_client, "GET", bookings, None),
        ("bookings list, page 5", staff_client, "GET", f"{bookings}?p=5", None),
        ("bookings list: today", staff_client, "GET", f"{bookings}?starts=today", None),
        ("bookings list: next 7 days", staff_client, "GET", f"{bookings}?starts=week", None),
        ("bookings list: before today", staff_client, "GET", f"{bookings}?starts=past", None),
        ("bookings list: status no-show", staff_client, "GET", f"{bookings}?status__exact=no_show", None),
        ("bookings list: status confirmed", staff_client, "GET", f"{bookings}?status__exact=confirmed", None),
        (
            "bookings list: partially refunded",
            staff_client,
            "GET",
            f"{bookings}?payment_state__exact=partially_refunded",
            None,
        ),
        ("bookings list: tours", staff_client, "GET", f"{bookings}?kind__exact=tour", None),
        (
            "bookings list: vehicle class",
            staff_client,
            "GET",
            f"{bookings}?vehicle_class__id__exact={vehicle.pk}",
            None,
        ),
        ("bookings list: by year", staff_client, "GET", f"{bookings}?starts_at__year={sample.starts_at.year}", None),
        ("search: reference", staff_client, "GET", f"{bookings}?q={sample.reference}", None),
        ("search: email", staff_client, "GET", f"{bookings}?q={sample.lead_email}", None),
        ("search: last name", staff_client, "GET", f"{bookings}?q={last_name}", None),
        ("search: phone", staff_client, "GET", f"{bookings}?q={sample.lead_phone.replace('+', '%2B')}", None),
        ("search: flight", staff_client, "GET", f"{bookings}?q={flight.flight_number if flight else 'TK1'}", None),
        ("admin index", staff_client, "GET", "/admin/", None),
        ("dashboard", staff_client, "GET", f"{bookings}dashboard/", None),
        (
            "reconciliation (yesterday, Stripe)",
            staff_client,
            "GET",
            f"/admin/payments/payment/reconciliation/?provider=stripe&first_day={yesterday}&last_day={yesterday}",
            None,
        ),
        ("payments list", staff_client, "GET", "/admin/payments/payment/", None),
        ("tour departures (back office)", staff_client, "GET", "/admin/catalog/tourdeparture/", None),
        ("tour page with calendar", customer_client, "GET", f"/tours/{tour.slug}/" if tour else "/tours/", None),
        ("my bookings", customer_client, "GET", "/account/bookings/", None),
    ]
    if airport and hotel:
        body = {
            "origin": airport.slug,
            "destination": hotel.slug,
            "pickup_at": (timezone.localdate() + dt.timedelta(days=30)).strftime("%Y-%m-%dT10:00:00"),
            "adults": 2,
            "children": 1,
            "infants": 0,
            "luggage": 2,
            "currency": "EUR",
        }
        pages.append(("quote API", Client(), "POST", "/api/v1/quotes", json.dumps(body).encode()))

    wanted = [part.strip() for part in only.split(",") if part.strip()]
    if wanted:
        pages = [page for page in pages if any(page[0].startswith(prefix) for prefix in wanted)]
    results = []
    for name, client, method, url, body in pages:

        def fetch(client=client, method=method, url=url, body=body):
            if method == "POST":
                return client.post(url, data=body, content_type="application/json")
            return client.get(url)

        for _warm in range(2):
            response = fetch()
            if response.status_code in (301, 302) and method == "GET":
                url = response["Location"]  # the page's own address (a language prefix)
                response = fetch(url=url)
            if response.status_code != 200:
                raise SystemExit(f"{name}: {url} answered {response.status_code}: {response.content[:400]!r}")
        with CaptureQueriesContext(connection) as queries:
            fetch(url=url)
        # Read now: the next request resets the connection's query log.
        captured = list(queries.captured_queries)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            fetch(url=url)
            times.append((time.perf_counter() - started) * 1000)
        counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
        results.append(
            {
                "name": name,
                "url": url,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
                "p99_ms": round(percentile(times, 0.99), 1),
                "queries": len(captured),
                # The database's share of one request (the rest is Python: the view and its template).
                "sql_ms": round(sum(float(q["time"]) for q in captured) * 1000, 1),
                "counts": len(counts),
            }
        )
        print(
            f"  {name:36} p50 {results[-1]['p50_ms']:7.1f}  p99 {results[-1]['p99_ms']:7.1f} ms"
            f"  (SQL {results[-1]['sql_ms']} ms in {results[-1]['queries']} queries)",
            file=sys.stderr,
            flush=True,
        )
    return results


# --- the orchestration ---------------------------------------------------------------------------------------
def measure(env: dict[str, str], requests: int, only: str) -> list[dict[str, object]]:
    result = subprocess.run(
        [
            str(PYTHON),
            str(Path(__file__).resolve()),
            "--measure-in-process",
            "--requests",
            str(requests),
            "--only",
            only,
        ],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=7200,
    )
    sys.stderr.write(result.stderr[-6000:])
    if result.returncode != 0:
        raise BenchFailure(f"measuring failed: {result.stdout[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> dict[str, object]:
    server = args.postgres_url.rstrip("/")
    name = args.database or f"gnb_bigdata_{os.getpid()}"
    restored = f"{name}_restored"
    workdir = Path(tempfile.mkdtemp(prefix="gnb-bench-bigdata-"))
    (workdir / "media").mkdir()
    created: list[str] = []
    env = env_for(f"{server}/{name}", workdir)
    result: dict[str, object] = {"database": name, "bookings_requested": args.bookings}
    try:
        if not args.database:
            backup_bench.psql(server, "postgres", f'CREATE DATABASE "{name}"')
            created.append(name)
        print(f"migrating {name} …", flush=True)
        manage(env, "migrate", "--no-input", "-v0")
        # Production settings serve hashed static files: the pages need the manifest.
        manage(env, "collectstatic", "--no-input", "-v0")
        if not args.database:
            manage(env, "load_demo")
            print(f"generating {args.bookings:,} bookings …", flush=True)
            seconds, output = manage(
                env, "generate_load_data", "--bookings", str(args.bookings), "--seed", str(args.seed), "--force"
            )
            rows = sum(int(n.replace(",", "")) for n in re.findall(r"^\w+: ([\d,]+)$", output, re.MULTILINE))
            result.update(generate_seconds=round(seconds, 1), rows=rows, rows_per_second=round(rows / seconds))
            print(output.strip().splitlines()[-1], flush=True)
        result["bookings"] = int(backup_bench.psql(server, name, "SELECT count(*) FROM bookings_booking"))
        result["database_bytes"] = int(backup_bench.psql(server, name, "SELECT pg_database_size(current_database())"))
        print(f"measuring each page over {args.requests} requests …", flush=True)
        result["pages"] = measure(env, args.requests, args.only)
        if not args.skip_backup:
            print("timing backup create and restore …", flush=True)
            backup_bench.psql(server, "postgres", f'DROP DATABASE IF EXISTS "{restored}"')
            backup_bench.psql(server, "postgres", f'CREATE DATABASE "{restored}"')
            created.append(restored)
            manage(env, "backup", "keygen")
            create_seconds, _out = manage(env, "backup", "create", "--no-media")
            raw, stored = backup_bench.psql(
                server, name, "SELECT raw_bytes || ' ' || stored_bytes FROM ops_backuprun ORDER BY id DESC LIMIT 1"
            ).split()
            restore_seconds, restore_out = manage(env, "backup", "restore", "--database-url", f"{server}/{restored}")
            if "every key table matches the manifest" not in restore_out:
                raise BenchFailure(f"restore did not match its manifest:\n{restore_out[-2000:]}")
            result.update(
                backup_create_seconds=round(create_seconds, 1),
                backup_restore_seconds=round(restore_seconds, 1),
                dump_raw_bytes=int(raw),
                backup_stored_bytes=int(stored),
            )
    finally:
        for database in created:
            if database == name and args.keep:
                print(f"kept {name}: re-run with --database {name}", flush=True)
                continue
            backup_bench.psql(server, "postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def peak_rows(result: dict[str, object]) -> list[dict[str, object]]:
    """One row per page for the one table (``bench/peak.py``): p50/p95/p99 and the p99 ≤ 100 ms budget."""
    rows = []
    for page in result.get("pages", []):  # type: ignore[union-attr]
        rows.append(
            {
                "name": f"1M: {page['name']}",
                "per_second": None,
                "p50_ms": page["p50_ms"],
                "p95_ms": page["p95_ms"],
                "p99_ms": page["p99_ms"],
                "budgets": [
                    {"budget": "p99 ≤ 100 ms", "value": float(page["p99_ms"]), "met": page["p99_ms"] <= BUDGET_MS}
                ],
            }
        )
    return rows


def mib(count: object) -> str:
    return f"{int(count) / 1024 / 1024:,.0f} MiB"  # type: ignore[call-overload]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=1_000_000, help="bookings to generate (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="server, without a database name")
    parser.add_argument("--database", help="measure this existing database (kept, nothing generated)")
    parser.add_argument("--keep", action="store_true", help="keep the generated database for re-runs")
    parser.add_argument("--skip-backup", action="store_true", help="do not time backup and restore")
    parser.add_argument("--only", default="", help="measure only the pages whose names start so (comma-separated)")
    parser.add_argument("--measure-in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_in_process:
        print(json.dumps(measure_pages(args.requests, args.only)))
        return 0
    if args.bookings < 1 or args.requests < 1:
        parser.error("--bookings and --requests must be at least 1")
    try:
        result = run(args)
    except BenchFailure as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    print()
    if "generate_seconds" in result:
        print(
            f"generated {result['bookings']:,} bookings, {result['rows']:,} rows in {result['generate_seconds']} s "
            f"({result['rows_per_second']:,} rows/s)"
        )
    print(f"database {mib(result['database_bytes'])}")
    print(f"{'page':40} {'p50':>8} {'p95':>8} {'p99':>8}  {'SQL':>6}  queries  budget p99 ≤ 100 ms")
    for row, page in zip(peak_rows(result), result["pages"], strict=True):  # type: ignore[arg-type]
        met = "met" if row["budgets"][0]["met"] else "MISSED"  # type: ignore[index]
        print(
            f"{page['name']:40} {page['p50_ms']:8.1f} {page['p95_ms']:8.1f} {page['p99_ms']:8.1f}  "
            f"{page['sql_ms']:6.1f}  {page['queries']:>7}  {met}"
        )
    if "backup_create_seconds" in result:
        print(
            f"backup create {result['backup_create_seconds']} s (dump {mib(result['dump_raw_bytes'])}, stored "
            f"{mib(result['backup_stored_bytes'])}); restore {result['backup_restore_seconds']} s"
        )
    print("(server time through Django's test Client in one process, DEBUG off, PostgreSQL)")
    path = write_results({"bigdata": result})
    print(f"results: {path.relative_to(ROOT)}")
    print(f"machine: {machine()['cpus']} CPU(s), Python {machine()['python']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
