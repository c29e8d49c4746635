"""Dispatch on PostgreSQL: the board of a day with 300 trips and 40 drivers, and ``fleet_assign`` under 8 concurrent
dispatchers.

A fresh database is migrated and filled with a day of rides spread from 04:00 to 23:30 (mixed parties and classes),
40 drivers and 48 vehicles; the rides are assigned to whoever is free first, so the board shows a day as a dispatcher
sees it. Then:

- the board: rendered ``--renders`` times through Django's test client (server-side time: queries, the fleet rules for
  every driver and vehicle, the template), with its query count;
- assigning: 8 threads, each a dispatcher with its own connection, assign 160 rides of another day, every thread
  drawing drivers and vehicles from the same pool so they collide as real dispatchers do; each call's latency, the
  refusals, and afterwards an independent SQL check that no driver or vehicle has two overlapping live trips.

    .venv/bin/python bench/fleet.py [--renders 30] [--postgres-url postgres://postgres@127.0.0.1:5432]

Prints a table and the JSON of the figures; ``make bench`` runs it after the API benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_load import DEFAULT_POSTGRES_URL, BenchFailure, Settings, bench_database
from common import PYTHON, ROOT

BOARD_BUDGET_P95_MS = 300.0
BOARD_BUDGET_QUERIES = 15
DRIVERS = 40
VEHICLES = 48
RIDES = 300
DISPATCHERS = 8
RIDES_PER_DISPATCHER = 20
RESULT_MARKER = "FLEET-BENCH-RESULT "


def run(postgres_url: str = DEFAULT_POSTGRES_URL, renders: int = 30) -> dict[str, Any]:
    """Set up a database, measure in a Django process, drop the database; the figures as a dict."""
    settings = Settings(postgres_url=postgres_url, database=f"gnb_bench_fleet_{os.getpid()}")
    with bench_database(settings) as database_url:
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # The script's own folder comes first on its path; the project's packages are at the root.
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "testserver,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "EMAIL_URL": "console://",
            "SITE_URL": "http://testserver",
        }
        result = subprocess.run(
            [str(PYTHON), __file__, "--inside", "--renders", str(renders)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        if result.returncode != 0:
            raise BenchFailure(f"the fleet benchmark failed:\n{result.stderr[-3000:]}")
        # The Django process logs JSON lines to stdout too: the figures are the line after the marker.
        lines = [line for line in result.stdout.splitlines() if line.startswith(RESULT_MARKER)]
        if not lines:
            raise BenchFailure(f"the fleet benchmark printed no result:\n{result.stdout[-2000:]}")
        return json.loads(lines[-1][len(RESULT_MARKER) :])


# --- inside the Django process -----------------------------------------------------------------------------
def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _inside(renders: int) -> dict[str, Any]:
    import django

    django.setup()
    import datetime as dt
    import random
    import threading

    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.urls import reverse

    from gnb.accounts.roles import DISPATCHER
    from gnb.bookings.models import TransferLeg
    from gnb.fleet import services
    from gnb.fleet.services import Actor, AssignmentRefused, RideRef
    from gnb.testing.bookings import passengers_for, place_transfer, transfer_request
    from gnb.testing.catalog import future_local, make_catalog
    from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle
    from gnb.testing.personas import persona, staff_login

    call_command("migrate", verbosity=0)
    # Production settings serve hashed static files: the board's page names them through the manifest.
    call_command("collectstatic", "--no-input", verbosity=0)
    catalog = make_catalog()
    make_drive_times(catalog)
    random.seed(20261206)
    drivers = [make_driver(f"Driver{n:02d}") for n in range(DRIVERS)]
    classes = [catalog.sedan, catalog.minivan, catalog.minibus]
    vehicles = [make_vehicle(classes[n % 3], plate=f"07 BF {100 + n}") for n in range(VEHICLES)]
    dispatcher = persona(DISPATCHER, "bench-dispatcher")
    actor = Actor.for_user(dispatcher)

    def place_day(days: int, count: int) -> list[int]:
        legs = []
        for n in range(count):
            minute_of_day = 4 * 60 + (n * (19 * 60 + 30)) // count
            adults = random.choice((1, 2, 2, 3, 4, 5, 6))
            vehicle_class = "sedan" if adults <= 3 else "minivan"
            origin, destination = random.choice(
                (("ayt", "regnum-carya"), ("ayt", "titanic-lara"), ("titanic-lara", "ayt"))
            )
            booking = place_transfer(
                transfer_request(
                    origin=origin,
                    destination=destination,
                    adults=adults,
                    pickup_at=future_local(days=days, hour=minute_of_day // 60, minute=minute_of_day % 60),
                ),
                vehicle_class=vehicle_class,
                passengers=passengers_for(adults),
            )
            legs.append(booking.legs.get().pk)
        return legs

    # The board's day: rides assigned to whoever is free first (earliest pickup first), the rest left unassigned.
    board_legs = place_day(1, RIDES)
    free_at: dict[str, dt.datetime] = {}
    assigned = 0
    legs = TransferLeg.objects.filter(pk__in=board_legs).select_related("booking__vehicle_class").order_by("pickup_at")
    for number, leg in enumerate(legs):
        booking = leg.booking
        if number % 10 == 9:
            continue  # a tenth of the day still waits for a driver, as on a real morning

        def free(key: str, pickup: dt.datetime = leg.pickup_at) -> bool:
            return free_at.get(key, pickup) <= pickup

        driver = next((d for d in drivers if free(f"d{d.pk}")), None)
        vehicle = next(
            (
                v
                for v in vehicles
                if free(f"v{v.pk}")
                and v.seats >= booking.passenger_count
                and v.vehicle_class.max_passengers >= booking.vehicle_class.max_passengers
            ),
            None,
        )
        if driver is None or vehicle is None:
            continue
        try:
            trip = services.fleet_assign(
                ride=RideRef(leg_id=leg.pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor
            )
        except AssignmentRefused:
            continue
        free_at[f"d{driver.pk}"] = free_at[f"v{vehicle.pk}"] = trip.ends_at
        assigned += 1
    day = future_local(days=1, hour=12).date()

    client = Client()
    staff_login(client, dispatcher)
    url = reverse("admin:fleet_board") + f"?day={day.isoformat()}"
    first = client.get(url)
    if first.status_code != 200:
        raise SystemExit(f"the board answered {first.status_code}")
    # Counted with an execute wrapper: Django empties its query log at the start of every request.
    queries: list[str] = []
    with connection.execute_wrapper(
        lambda execute, sql, params, many, context: queries.append(sql) or execute(sql, params, many, context)
    ):
        client.get(url)
    timings = []
    for _ in range(renders):
        reset_queries()
        began = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    board = {
        "rides": RIDES,
        "trips": assigned,
        "unassigned": RIDES - assigned,
        "drivers": DRIVERS,
        "vehicles": VEHICLES,
        "renders": renders,
        "queries": len(queries),
        "bytes": len(first.content),
        "p50_ms": round(_percentile(timings, 50), 1),
        "p95_ms": round(_percentile(timings, 95), 1),
        "max_ms": round(max(timings), 1),
    }

    # Eight dispatchers assigning another day's rides at once, drawing from the same drivers and vehicles.
    race_legs = place_day(2, DISPATCHERS * RIDES_PER_DISPATCHER)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(DISPATCHERS)
    minivans = [v for v in vehicles if v.vehicle_class_id != catalog.sedan.pk]

    def dispatcher_thread(number: int) -> None:
        rng = random.Random(number)
        try:
            barrier.wait()
            for leg in race_legs[number::DISPATCHERS]:
                driver = rng.choice(drivers)
                vehicle = rng.choice(minivans)
                began = time.perf_counter()
                try:
                    services.fleet_assign(
                        ride=RideRef(leg_id=leg), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=actor
                    )
                    kind = "assigned"
                except AssignmentRefused as refusal:
                    kind = refusal.code
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    latencies.append(elapsed)
                    outcomes[kind] = outcomes.get(kind, 0) + 1
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher_thread, args=(n,)) for n in range(DISPATCHERS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM fleet_trip a JOIN fleet_trip b ON a.id < b.id
             AND a.status <> 'released' AND b.status <> 'released'
             AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
             AND (a.driver_id = b.driver_id OR a.vehicle_id = b.vehicle_id)
            """
        )
        overlaps = cursor.fetchone()[0]
    assign = {
        "dispatchers": DISPATCHERS,
        "calls": len(latencies),
        "outcomes": dict(sorted(outcomes.items())),
        "calls_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
        "overlapping_trip_pairs": overlaps,
    }
    return {"board": board, "assign": assign}


def print_report(result: dict[str, Any]) -> None:
    board, assign = result["board"], result["assign"]
    print(
        f"Dispatch board, {board['rides']} rides ({board['trips']} assigned, {board['unassigned']} unassigned), "
        f"{board['drivers']} drivers, {board['vehicles']} vehicles: p50 {board['p50_ms']} ms, p95 {board['p95_ms']} ms "
        f"(budget {BOARD_BUDGET_P95_MS:.0f}), {board['queries']} queries (budget {BOARD_BUDGET_QUERIES}), "
        f"{board['bytes'] // 1024} KB, {board['renders']} renders"
    )
    print(
        f"fleet_assign, {assign['dispatchers']} concurrent dispatchers, {assign['calls']} calls: "
        f"{assign['calls_per_s']} calls/s, p50 {assign['p50_ms']} ms, p95 {assign['p95_ms']} ms, "
        f"p99 {assign['p99_ms']} ms; outcomes {assign['outcomes']}; overlapping trips afterwards: "
        f"{assign['overlapping_trip_pairs']}"
    )


def budgets_met(result: dict[str, Any]) -> bool:
    board, assign = result["board"], result["assign"]
    return (
        board["p95_ms"] <= BOARD_BUDGET_P95_MS
        and board["queries"] <= BOARD_BUDGET_QUERIES
        and assign["overlapping_trip_pairs"] == 0
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=30, help="board renders measured (default 30)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.renders < 1:
        parser.error("--renders must be at least 1")
    if args.inside:
        print(RESULT_MARKER + json.dumps(_inside(args.renders)), flush=True)
        return 0
    try:
        result = run(args.postgres_url, args.renders)
    except BenchFailure as exc:
        print(f"BENCH FAILED: {exc}", file=sys.stderr)
        return 1
    print_report(result)
    print(json.dumps(result))
    return 0 if budgets_met(result) else 3


if __name__ == "__main__":
    sys.exit(main())
