"""Peak booking rate: confirmed bookings per minute through the public API under 64 concurrent clients, with the
capacity checked from the database afterwards (0 oversell).

Set-up, all automatic: a scratch PostgreSQL database (created here, dropped at the end), ``migrate``, ``load_demo``,
then two new departures of a demo tour created through the catalogue's model (a large one, 5,000 seats by default,
and a small one, 300 seats, that sells out under the race) and the transfer routes the demo catalogue can quote
from the airport; then gunicorn with production settings (DEBUG=0, 5 sync workers by default) on a free port.

Three rows, each after a short warm-up on a departure/routes of its own, from client threads that each hold one
HTTP/1.1 connection and send the next booking as soon as the last answer is read (a closed loop):

1. ``tour bookings``: ``POST /api/v1/tour-bookings`` (cash, 2 adults each) on the large departure for 30 s.
   Budgets: ≥ 2,000 confirmed bookings/min; 0 oversell (seats held ≤ capacity, counted from the database).
2. ``tour sell-out``: the same on the small departure until it is sold out and 3 s past it (at most 30 s). Exactly
   ``capacity`` seats must be sold, and every refused request answered 409 ``sold_out`` (anything else fails the
   run): the race on the last seats is the point of this row.
3. ``transfer bookings``: ``POST /api/v1/bookings`` (cash) spread over every route from the airport the demo
   catalogue quotes, for 30 s. Budget: ≥ 2,000/min; every confirmed answer is one booking row, no more, no fewer.

Any other answer (a 5xx, a 503 "busy", a validation error) fails the run (exit 1): a broken API cannot produce a
good-looking figure. ``peak_rows()`` returns the rows for ``bench/peak.py``'s table. Run alone with
``.venv/bin/python bench/booking_rate.py`` (``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import secrets
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import api_load
import bodies
from api_load import BenchFailure
from common import busy_percent, cpu_times, shared_cpu_note, write_results

RATE_BUDGET_PER_MINUTE = 2000.0
TOUR_PARTY = {"adults": 2, "children": 0, "infants": 0}
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


@dataclass
class Options:
    postgres_url: str = api_load.DEFAULT_POSTGRES_URL
    workers: int = 5
    clients: int = 64
    duration: float = 30.0
    warmup: float = 3.0
    large_capacity: int = 5000
    small_capacity: int = 300
    sold_out_tail: float = 3.0  # seconds the sell-out row keeps sending after the first sold-out answer


# Runs in ``manage.py shell``: the departures are made through the catalogue's model, the routes found by quoting
# them with the same engine the API uses, so nothing here hard-codes what the demo data calls things.
SETUP = """
import datetime as dt, json
from django.utils import timezone
from gnb.bookings.quotes import TransferQuoteRequest, transfer_quote
from gnb.catalog.models import Place, Tour, TourDeparture
from gnb.catalog.selectors import tour_pickup_offsets
from gnb.core.errors import ValidationFailed
capacities = %(capacities)s
tour = next(
    tour for tour in Tour.objects.filter(is_active=True).order_by("sort_order", "slug")
    if tour.departures.filter(is_active=True).exists()
)
offsets = tour_pickup_offsets(tour_id=tour.pk)
pickup = ""
if offsets:
    place = Place.objects.filter(zone_id__in=list(offsets), is_active=True).order_by("slug").first()
    pickup = place.slug if place else ""
base = (timezone.now() + dt.timedelta(days=90)).replace(minute=0, second=0, microsecond=0)
departures = {}
for index, (name, capacity) in enumerate(capacities.items()):
    departure = TourDeparture(tour=tour, starts_at=base + dt.timedelta(days=index), capacity=capacity)
    departure.full_clean()
    departure.save()
    departures[name] = departure.pk
airport = Place.objects.get(iata_code="AYT", is_active=True)
pickup_at = (timezone.localtime(timezone.now() + dt.timedelta(days=30), airport.tzinfo)).replace(
    hour=12, minute=0, second=0, microsecond=0, tzinfo=None)
routes = []
for place in Place.objects.filter(is_active=True).exclude(pk=airport.pk).order_by("slug"):
    try:
        quote = transfer_quote(TransferQuoteRequest(
            origin=airport.slug, destination=place.slug, pickup_at=pickup_at, adults=2, children=1, infants=1,
            luggage=2))
    except ValidationFailed:
        continue
    if quote.options:
        vehicle = min((o.vehicle for o in quote.options), key=lambda v: (v.max_passengers, v.code))
        routes.append({"origin": airport.slug, "destination": place.slug, "vehicle_class": vehicle.code,
                       "max_luggage": vehicle.max_luggage, "extras": []})
print(json.dumps({"tour": tour.slug, "pickup_place": pickup, "departures": departures, "routes": routes}))
"""

# Runs in ``manage.py shell`` after a row: what the database holds, the only judge of oversell.
COUNT = """
import json
from django.db.models import F, Sum
from gnb.bookings.models import Booking
from gnb.bookings.policies import HOLDS_CAPACITY
from gnb.catalog.models import TourDeparture
out = {"departures": {}}
for departure in TourDeparture.objects.filter(pk__in=%(departures)s):
    rows = Booking.objects.filter(tour_departure=departure)
    held = rows.filter(status__in=HOLDS_CAPACITY).aggregate(seats=Sum(F("adults") + F("children") + F("infants")))
    out["departures"][str(departure.pk)] = {"capacity": departure.capacity, "seats_held": held["seats"] or 0,
                                           "bookings": rows.count()}
out["transfers"] = Booking.objects.filter(kind=Booking.Kind.TRANSFER, lead_email__startswith=%(prefix)r).count()
print(json.dumps(out))
"""


# --- the load ---------------------------------------------------------------------------------------------------
@dataclass
class Run:
    name: str
    clients: int
    confirmed_ms: list[float] = field(default_factory=list)  # latencies of the confirmed bookings
    refused_ms: list[float] = field(default_factory=list)  # latencies of the sold-out answers
    confirmed: int = 0
    refused: int = 0
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    sold_out_at: float | None = None  # seconds into the row when the first sold-out answer came


def book(
    port: int,
    name: str,
    *,
    clients: int,
    seconds: float,
    path: str,
    body: Callable[[random.Random], dict[str, Any]],
    stop_after_sold_out: float | None = None,
) -> Run:
    """``clients`` threads post bookings back to back for ``seconds`` (or until ``stop_after_sold_out`` seconds
    after the first sold-out answer). A 201 confirmed booking and a 409 ``sold_out`` are the only good answers."""
    run = Run(name, clients)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop = threading.Event()
    began = [0.0]
    stop_at = [0.0]

    def fail(message: str) -> None:
        with lock:
            if len(run.errors) < 25:
                run.errors.append(message)
            if len(run.errors) >= 25:
                stop.set()

    def sold_out() -> None:
        if stop_after_sold_out is None:
            return
        with lock:
            if run.sold_out_at is None:
                now = time.perf_counter()
                run.sold_out_at = now - began[0]
                stop_at[0] = min(stop_at[0], now + stop_after_sold_out)

    def client(index: int) -> None:
        rng = random.Random(f"{name}-{index}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        confirmed: list[float] = []
        refused: list[float] = []
        statuses: Counter = Counter()
        start.wait()
        try:
            while not stop.is_set() and time.perf_counter() < stop_at[0]:
                payload = json.dumps(body(rng)).encode()
                sent = time.perf_counter()
                try:
                    connection.request("POST", path, body=payload, headers=JSON_HEADERS)
                    response = connection.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    fail(f"{type(exc).__name__}: {exc}")
                    continue
                took = (time.perf_counter() - sent) * 1000
                statuses[response.status] += 1
                try:
                    answer = json.loads(data)
                except ValueError:
                    fail(f"HTTP {response.status}, not JSON: {data[:200]!r}")
                    continue
                if response.status == 201 and answer.get("status") == "confirmed" and answer.get("reference"):
                    confirmed.append(took)
                elif response.status == 409 and answer.get("error", {}).get("code") == "sold_out":
                    refused.append(took)
                    sold_out()
                else:
                    fail(f"HTTP {response.status}: {data[:300].decode(errors='replace')}")
        finally:
            connection.close()
            with lock:
                run.confirmed_ms.extend(confirmed)
                run.refused_ms.extend(refused)
                run.statuses.update(statuses)

    threads = [threading.Thread(target=client, args=(index,), daemon=True) for index in range(clients)]
    for thread in threads:
        thread.start()
    began[0] = time.perf_counter()
    stop_at[0] = began[0] + seconds
    start.wait()
    try:
        for thread in threads:
            thread.join()
    except BaseException:
        stop.set()
        raise
    run.elapsed = time.perf_counter() - began[0]
    run.confirmed, run.refused = len(run.confirmed_ms), len(run.refused_ms)
    return run


def tour_body(departure_id: int, pickup_place: str, run_id: str) -> Callable[[random.Random], dict[str, Any]]:
    counter = iter(range(10**9))

    def make(rng: random.Random) -> dict[str, Any]:
        number = next(counter)
        family = bodies.FAMILY_NAMES[number % len(bodies.FAMILY_NAMES)]
        return {
            "departure_id": departure_id,
            **TOUR_PARTY,
            "pickup_place": pickup_place,
            "contact": {
                "name": f"Anna {family}",
                "email": f"rate-{run_id}-t{number}@example.com",
                "phone": f"+90 532 {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            },
            "passengers": [
                {"first_name": first, "last_name": family, "category": "adult"} for first in ("Anna", "John")
            ],
            "language": "en",
            "payment_method": "cash",
        }

    return make


def transfer_body(routes: list[dict[str, Any]], run_id: str) -> Callable[[random.Random], dict[str, Any]]:
    def make(rng: random.Random) -> dict[str, Any]:
        body = bodies.booking_body(rng.choice(routes), rng, run_id)
        body["contact"]["email"] = body["contact"]["email"].replace("bench-", "rate-", 1)
        return body

    return make


# --- judging ----------------------------------------------------------------------------------------------------
def _row(run: Run, *, cpu: float | None) -> dict[str, Any]:
    per_second = run.confirmed / run.elapsed if run.elapsed else 0.0
    latencies = run.confirmed_ms or [float("nan")]
    return {
        "name": run.name,
        "clients": run.clients,
        "seconds": round(run.elapsed, 2),
        "confirmed": run.confirmed,
        "refused_sold_out": run.refused,
        "per_second": round(per_second, 1),
        "per_minute": round(per_second * 60),
        "p50_ms": round(api_load.percentile(latencies, 50), 1),
        "p95_ms": round(api_load.percentile(latencies, 95), 1),
        "p99_ms": round(api_load.percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
        "refused_p95_ms": round(api_load.percentile(run.refused_ms, 95), 1) if run.refused_ms else None,
        "statuses": {str(status): count for status, count in sorted(run.statuses.items())},
        "cpu_busy_percent": cpu,
        "budgets": [],
    }


def _rate_budget(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "budget": f"≥ {RATE_BUDGET_PER_MINUTE:,.0f}/min",
        "value": float(row["per_minute"]),
        "met": row["per_minute"] >= RATE_BUDGET_PER_MINUTE,
    }


def _measure(server: api_load.Server, name: str, options: Options, **kwargs: Any) -> tuple[Run, float | None]:
    before = cpu_times()
    run = book(server.port, name, clients=options.clients, **kwargs)
    cpu = busy_percent(before, cpu_times())
    if run.errors:
        raise BenchFailure(f"{name}: {len(run.errors)}+ request(s) failed:\n  " + "\n  ".join(run.errors[:5]))
    api_load._step(
        f"{name}: {run.confirmed} confirmed, {run.refused} sold out in {run.elapsed:.1f} s "
        f"({60 * run.confirmed / run.elapsed:.0f}/min)"
    )
    return run, cpu


def run(options: Options) -> dict[str, Any]:
    """Set up, measure, check the database, tear down; raises BenchFailure (after tearing down) on any failure."""
    run_id = secrets.token_hex(3)
    settings = api_load.Settings(postgres_url=options.postgres_url, workers=options.workers)
    settings.database = f"gnb_rate_{settings.database.rsplit('_', 1)[-1]}"
    with api_load.bench_database(settings) as database_url:
        env = api_load._app_env(settings, database_url)
        api_load._manage(env, "migrate", "--no-input")
        api_load._manage(env, "load_demo")
        capacities = {"warm-up": 2000, "large": options.large_capacity, "small": options.small_capacity}
        setup = json.loads(
            api_load._manage(env, "shell", "-c", SETUP % {"capacities": repr(capacities)}).strip().splitlines()[-1]
        )
        if not setup["routes"]:
            raise BenchFailure("the demo catalogue quotes no transfer route from AYT")
        departures = setup["departures"]
        api_load._step(
            f"tour {setup['tour']}: departures {departures}; {len(setup['routes'])} transfer routes from AYT"
        )

        def counts() -> dict[str, Any]:
            script = COUNT % {"departures": list(departures.values()), "prefix": f"rate-{run_id}-"}
            return json.loads(api_load._manage(env, "shell", "-c", script).strip().splitlines()[-1])

        with api_load.gunicorn(settings, env) as server:
            api_load._step(f"gunicorn: {options.workers} sync workers on 127.0.0.1:{server.port}")
            busy_before = api_load.idle_machine_check()
            tour_path, transfer_path = "/api/v1/tour-bookings", "/api/v1/bookings"
            # Warm-up on a departure of its own, so the measured departures start empty.
            _measure(
                server,
                "warm-up",
                options,
                seconds=options.warmup,
                path=tour_path,
                body=tour_body(departures["warm-up"], setup["pickup_place"], run_id),
            )
            large, large_cpu = _measure(
                server,
                f"tour bookings, {options.clients} clients",
                options,
                seconds=options.duration,
                path=tour_path,
                body=tour_body(departures["large"], setup["pickup_place"], run_id),
            )
            small, small_cpu = _measure(
                server,
                f"tour sell-out ({options.small_capacity} seats), {options.clients} clients",
                options,
                seconds=options.duration,
                path=tour_path,
                body=tour_body(departures["small"], setup["pickup_place"], run_id),
                stop_after_sold_out=options.sold_out_tail,
            )
            transfers, transfer_cpu = _measure(
                server,
                f"transfer bookings, {len(setup['routes'])} routes, {options.clients} clients",
                options,
                seconds=options.duration,
                path=transfer_path,
                body=transfer_body(setup["routes"], run_id),
            )
        held = counts()

    seats = TOUR_PARTY["adults"] + TOUR_PARTY["children"] + TOUR_PARTY["infants"]
    rows = []
    for run_, cpu, key in ((large, large_cpu, "large"), (small, small_cpu, "small")):
        row = _row(run_, cpu=cpu)
        db = held["departures"][str(departures[key])]
        oversold = max(0, db["seats_held"] - db["capacity"])
        row.update(capacity=db["capacity"], seats_held=db["seats_held"], bookings_in_database=db["bookings"])
        row["budgets"] = [_rate_budget(row)] if key == "large" else []
        row["budgets"].append({"budget": "0 oversell", "value": float(oversold), "met": oversold == 0})
        # Every 201 is one booking row of ``seats`` seats, and nothing else was written.
        agrees = db["bookings"] == run_.confirmed and db["seats_held"] == run_.confirmed * seats
        row["budgets"].append({"budget": "answers = rows", "value": float(db["bookings"]), "met": agrees})
        if key == "small":
            sold_out = db["seats_held"] == db["capacity"] and run_.refused > 0
            row["budgets"].append(
                {"budget": "exactly capacity sold", "value": float(db["seats_held"]), "met": sold_out}
            )
        rows.append(row)
    row = _row(transfers, cpu=transfer_cpu)
    row["bookings_in_database"] = held["transfers"]
    row["budgets"] = [
        _rate_budget(row),
        {
            "budget": "answers = rows",
            "value": float(held["transfers"]),
            "met": held["transfers"] == transfers.confirmed,
        },
    ]
    rows.append(row)
    return {
        "options": options.__dict__,
        "tour": setup["tour"],
        "routes": len(setup["routes"]),
        "rows": rows,
        "cpu_busy_before_percent": busy_before,
        "note": shared_cpu_note(),
    }


def peak_rows(options: Options | None = None) -> list[dict[str, Any]]:
    """Run the benchmark and return its rows for ``bench/peak.py``'s table: name, per_second, p50/p95/p99_ms and
    budgets ([{"budget", "value", "met"}]); raises BenchFailure when a request failed or the stack did not start."""
    return run(options or Options())["rows"]


def print_table(result: dict[str, Any]) -> None:
    print(
        f"\nPeak booking rate: gunicorn {result['options']['workers']} sync workers, PostgreSQL, DEBUG=0, cash "
        f"bookings, closed loop. {result['note']}"
    )
    header = (
        f"  {'row':<52}{'booked':>7}{'/min':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'CPU %':>6}"
        f"  {'budget':<22}{'value':>8}  met"
    )
    print(header)
    for row in result["rows"]:
        for index, budget in enumerate(row["budgets"] or [{"budget": "—", "value": None, "met": None}]):
            prefix = (
                f"  {row['name']:<52}{row['confirmed']:>7}{row['per_minute']:>7}{row['p50_ms']:>8}{row['p95_ms']:>8}"
                f"{row['p99_ms']:>8}{row['cpu_busy_percent'] or 0:>6.0f}"
                if index == 0
                else " " * 98
            )
            met = "" if budget["met"] is None else ("yes" if budget["met"] else "NO")
            value = "—" if budget["value"] is None else f"{budget['value']:g}"
            print(f"{prefix}  {budget['budget']:<22}{value:>8}  {met}")
    for row in result["rows"]:
        if row.get("refused_sold_out"):
            print(
                f"  {row['name']}: {row['refused_sold_out']} requests refused 409 sold_out "
                f"(p95 {row['refused_p95_ms']} ms); {row['seats_held']} of {row['capacity']} seats held"
            )
    if (result.get("cpu_busy_before_percent") or 0) > api_load.OTHER_CPU_WARNING:
        print(f"  WARNING: the machine was {result['cpu_busy_before_percent']:.0f} % busy before the load started.")


def budgets_met(result: dict[str, Any]) -> bool:
    return all(budget["met"] for row in result["rows"] for budget in row["budgets"])


def main() -> int:
    defaults = Options()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=defaults.postgres_url, help="server for the scratch database")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=defaults.clients, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds per row")
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="seconds of warm-up")
    parser.add_argument("--large-capacity", type=int, default=defaults.large_capacity, help="seats, first row")
    parser.add_argument("--small-capacity", type=int, default=defaults.small_capacity, help="seats, sell-out row")
    parser.add_argument("--strict", action="store_true", help="exit 3 when a budget is missed")
    args = parser.parse_args()
    if min(args.workers, args.clients) < 1 or args.duration <= 0 or args.warmup <= 0:
        raise SystemExit("--workers and --clients must be at least 1, --duration and --warmup above 0")
    if not 2 <= args.small_capacity <= args.large_capacity <= 32767:
        raise SystemExit("capacities: 2 ≤ --small-capacity ≤ --large-capacity ≤ 32767 (a departure's limit)")
    options = Options(
        postgres_url=args.postgres_url,
        workers=args.workers,
        clients=args.clients,
        duration=args.duration,
        warmup=args.warmup,
        large_capacity=args.large_capacity,
        small_capacity=args.small_capacity,
    )
    api_load.stop_on_sigterm()
    print("Peak booking rate: setting up", flush=True)
    try:
        result = run(options)
    except BenchFailure as exc:
        print(f"\nBENCH FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; gunicorn stopped and the bench database dropped.", file=sys.stderr)
        return 130
    print_table(result)
    path = write_results({"booking_rate": result})
    print(f"\nResults written to {path.relative_to(api_load.ROOT)}")
    if not budgets_met(result):
        print("A budget was missed (see the 'met' column).")
        return 3 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
