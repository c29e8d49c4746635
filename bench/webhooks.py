"""Stripe webhook benchmark: how fast the site acknowledges signed events under load.

Set-up, all automatic: a scratch database (a SQLite file by default; ``--postgres`` for a scratch PostgreSQL
database on ``--postgres-url``, created here and dropped at the end), ``migrate``, the test catalogue and one card
booking waiting for its payment per pair of events, each with an open Stripe payment (the Checkout Session id is
made up: no Stripe call is made), then gunicorn with production settings (DEBUG=0, 2 sync workers) and Stripe keys.

Load: distinct events, each signed as Stripe signs them (``t=…,v1=HMAC-SHA256(secret, "t.payload")``), sent at a
fixed rate (100/s by default) whatever the answers do (an open loop: a slow answer does not slow the sending), for
20 s after a 3 s warm-up. For every booking both events Stripe sends for a paid Checkout Session arrive a moment
apart: ``checkout.session.completed`` (confirms the payment and the booking, queues the emails) and
``payment_intent.succeeded`` (finds it confirmed). Latency runs from the moment a request was due to be sent to
the whole answer read, so a client that falls behind counts against the server. Budget: p99 ≤ 150 ms.

Afterwards the database must show every payment confirmed once and every event stored once; otherwise the run
fails. Exit status: 0 when every event was acknowledged with 200 and the database is right (a missed budget is
reported; ``--strict`` makes it exit 3), 1 otherwise, 130 on Ctrl-C. Run ``.venv/bin/python bench/webhooks.py``
(``--help`` for the knobs) or ``make bench-webhooks``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import http.client
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import api_load
from api_load import BenchFailure, percentile
from common import PYTHON, ROOT, busy_percent, cpu_times, shared_cpu_note, write_results

WEBHOOK_SECRET = "whsec_bench_" + "0" * 24
SECRET_KEY = "sk_test_bench"  # noqa: S105 - never reaches Stripe: the bench makes no API call
PATH = "/payments/stripe/webhook"
P99_BUDGET_MS = 150.0
MAX_IN_FLIGHT = 256


@dataclass
class Options:
    rate: float = 100.0
    duration: float = 20.0
    warmup: float = 3.0
    workers: int = 2
    postgres: bool = False
    postgres_url: str = api_load.DEFAULT_POSTGRES_URL
    strict: bool = False


@dataclass
class Result:
    database: str
    rate: float
    sent: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    machine_busy_percent: float | None = None

    def summary(self) -> dict[str, Any]:
        lat = self.latencies_ms
        return {
            "database": self.database,
            "target_rate": self.rate,
            "achieved_rate": round(self.sent / self.seconds, 1) if self.seconds else 0.0,
            "events": self.sent,
            "statuses": dict(self.statuses),
            "errors": len(self.errors),
            "p50_ms": round(percentile(lat, 50), 1) if lat else None,
            "p95_ms": round(percentile(lat, 95), 1) if lat else None,
            "p99_ms": round(percentile(lat, 99), 1) if lat else None,
            "max_ms": round(max(lat), 1) if lat else None,
            "machine_busy_percent": self.machine_busy_percent,
            "p99_met": bool(lat) and percentile(lat, 99) <= P99_BUDGET_MS,
        }


# --- inside the app (run as a subprocess with the app's environment) ----------------------------------------
def _setup_inside(count: int) -> None:
    """Create the catalogue and ``count`` card bookings with an open Stripe payment; print them as JSON."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from gnb.payments.models import Payment
    from gnb.testing.bookings import place_transfer
    from gnb.testing.catalog import make_catalog

    make_catalog()
    rows = []
    for index in range(count):
        booking = place_transfer(payment_method="card")
        payment = Payment.objects.create(
            booking=booking,
            provider="stripe",
            amount=booking.total,
            currency=booking.currency,
            state=Payment.State.PENDING,
            provider_reference=f"cs_bench_{index:06d}",
        )
        rows.append([payment.pk, booking.reference, int(payment.amount * 100), payment.currency.lower(), index])
    print(json.dumps(rows))


def _verify_inside() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db.models import Count

    from gnb.bookings.models import BookingEvent
    from gnb.payments.models import Payment, ProviderEvent

    print(
        json.dumps(
            {
                "confirmed": Payment.objects.filter(state="confirmed").count(),
                "payments": Payment.objects.count(),
                "events": ProviderEvent.objects.count(),
                "unprocessed": ProviderEvent.objects.filter(processed_at__isnull=True).count(),
                "outcomes": dict(Counter(ProviderEvent.objects.values_list("outcome", flat=True))),
                "twice_confirmed": BookingEvent.objects.filter(to_status="confirmed")
                .values("booking")
                .annotate(n=Count("pk"))
                .filter(n__gt=1)
                .count(),
            }
        )
    )


# --- events -------------------------------------------------------------------------------------------------
def sign(payload: bytes, timestamp: int) -> str:
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def events_for(rows: list[list[Any]], run: str) -> list[dict[str, Any]]:
    """Per booking: checkout.session.completed, then payment_intent.succeeded (Stripe sends both)."""
    events = []
    for payment_id, reference, minor, currency, index in rows:
        metadata = {"payment_id": str(payment_id), "booking_reference": reference}
        intent = f"pi_bench_{payment_id}"
        session = {
            "id": f"cs_bench_{index:06d}",
            "object": "checkout.session",
            "amount_total": minor,
            "currency": currency,
            "client_reference_id": str(payment_id),
            "metadata": metadata,
            "payment_intent": intent,
            "payment_status": "paid",
            "status": "complete",
        }
        events.append(_event(f"evt_{run}_{payment_id}_c", "checkout.session.completed", session))
        pi = {
            "id": intent,
            "object": "payment_intent",
            "amount": minor,
            "amount_received": minor,
            "currency": currency,
            "metadata": metadata,
            "status": "succeeded",
        }
        events.append(_event(f"evt_{run}_{payment_id}_p", "payment_intent.succeeded", pi))
    return events


def _event(event_id: str, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": kind, "created": int(time.time()), "data": {"object": obj}}


# --- the run ------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def scratch_database(options: Options) -> Iterator[str]:
    if options.postgres:
        settings = api_load.Settings(postgres_url=options.postgres_url)
        with api_load.bench_database(settings) as url:
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="gnb-bench-webhooks-") as folder:
            yield f"sqlite:///{Path(folder) / 'webhooks.sqlite3'}"


def send(port: int, events: list[dict[str, Any]], rate: float, result: Result | None) -> None:
    """Send ``events`` at ``rate`` per second on schedule (open loop); record into ``result`` unless warming up."""
    lock = threading.Lock()
    began = time.perf_counter() + 0.2

    def one(index: int, evt: dict[str, Any]) -> None:
        due = began + index / rate
        payload = json.dumps(evt).encode()
        headers = {"Content-Type": "application/json", "Stripe-Signature": sign(payload, int(time.time()))}
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("POST", PATH, body=payload, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            status = answer.status
        except (OSError, http.client.HTTPException) as exc:
            status, body = 0, f"{type(exc).__name__}: {exc}".encode()
        finally:
            connection.close()
        elapsed = (time.perf_counter() - due) * 1000
        if result is None:
            return
        with lock:
            result.latencies_ms.append(elapsed)
            result.statuses[status] += 1
            if status != 200 and len(result.errors) < 5:
                result.errors.append(f"{evt['type']} {evt['id']} → {status}: {body[:300].decode(errors='replace')}")

    with ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT) as pool:
        for index, evt in enumerate(events):
            pool.submit(one, index, evt)
    if result is not None:
        result.sent = len(events)
        result.seconds = time.perf_counter() - began


def run(options: Options) -> dict[str, Any]:
    label = "postgresql" if options.postgres else "sqlite"
    warm_count = int(options.rate * options.warmup)
    measured_count = int(options.rate * options.duration)
    bookings = (warm_count + measured_count + 1) // 2
    with scratch_database(options) as database_url:
        settings = api_load.Settings(workers=options.workers, postgres_url=options.postgres_url)
        env = api_load._app_env(settings, database_url)
        env.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_CURRENCIES="EUR")
        print(f"  · {label}: migrate", flush=True)
        api_load._manage(env, "migrate", "--no-input")
        print(f"  · {label}: {bookings} card bookings waiting for Stripe", flush=True)
        rows = json.loads(_inside(env, "--setup-inside", str(bookings)).strip().splitlines()[-1])
        events = events_for(rows, label)
        warm, measured = events[:warm_count], events[warm_count : warm_count + measured_count]
        with api_load.gunicorn(settings, env) as server:
            print(f"  · {label}: warm-up {options.warmup:.0f} s, then {options.duration:.0f} s at {options.rate:.0f}/s")
            send(server.port, warm, options.rate, None)
            result = Result(label, options.rate)
            before = cpu_times()
            send(server.port, measured, options.rate, result)
            result.machine_busy_percent = busy_percent(before, cpu_times())
        check = json.loads(_inside(env, "--verify-inside").strip().splitlines()[-1])
    summary = result.summary() | {"database_check": check}
    problems = list(result.errors)
    if check["events"] != len(warm) + len(measured) or check["unprocessed"]:
        problems.append(f"events stored {check['events']} (unprocessed {check['unprocessed']}), sent {len(events)}")
    if check["confirmed"] != check["payments"] or check["twice_confirmed"]:
        problems.append(
            f"payments confirmed {check['confirmed']} of {check['payments']}, twice {check['twice_confirmed']}"
        )
    summary["problems"] = problems
    return summary


def _inside(env: dict[str, str], *args: str) -> str:
    import subprocess

    result = subprocess.run(
        [str(PYTHON), str(Path(__file__)), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        raise BenchFailure(f"bench/webhooks.py {args[0]} failed:\n{result.stderr[-4000:]}")
    return result.stdout


def print_report(summaries: list[dict[str, Any]]) -> None:
    print(
        f"\n{'database':<11} {'target/s':>8} {'achieved/s':>10} {'events':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'non-200':>7} {'CPU %':>6}  p99 ≤ {P99_BUDGET_MS:.0f} ms"
    )
    for s in summaries:
        non_ok = sum(n for status, n in s["statuses"].items() if status != 200)
        busy = "-" if s["machine_busy_percent"] is None else f"{s['machine_busy_percent']:.0f}"
        print(
            f"{s['database']:<11} {s['target_rate']:>8.0f} {s['achieved_rate']:>10.1f} {s['events']:>7} "
            f"{s['p50_ms']:>7} {s['p95_ms']:>7} {s['p99_ms']:>7} {s['max_ms']:>7} {non_ok:>7} {busy:>6}  "
            f"{'met' if s['p99_met'] else 'MISSED'}"
        )
        for problem in s["problems"]:
            print(f"    problem: {problem}")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--setup-inside":
        _setup_inside(int(sys.argv[2]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--verify-inside":
        _verify_inside()
        return 0
    defaults = Options()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=defaults.rate, help="events per second (default 100)")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="measured seconds (default 20)")
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="warm-up seconds (default 3)")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn sync workers (default 2)")
    parser.add_argument("--postgres", action="store_true", help="also run on a scratch PostgreSQL database")
    parser.add_argument("--postgres-url", default=defaults.postgres_url, help="PostgreSQL server (no database)")
    parser.add_argument("--strict", action="store_true", help="exit 3 when the p99 budget is missed")
    args = parser.parse_args()
    options = Options(**{k: v for k, v in vars(args).items() if k in Options.__dataclass_fields__})
    print(f"Stripe webhook acknowledgement under load. {shared_cpu_note()}\n", flush=True)
    summaries = []
    api_load.stop_on_sigterm()
    try:
        # SQLite first; with --postgres, PostgreSQL too.
        summaries.append(run(replace(options, postgres=False)))
        if options.postgres:
            summaries.append(run(replace(options, postgres=True)))
    except BenchFailure as exc:
        print(f"\nBENCH FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    print_report(summaries)
    path = write_results({"webhooks": summaries})
    print(f"\nResults written to {path.relative_to(ROOT)}")
    if any(s["problems"] for s in summaries):
        return 1
    if not all(s["p99_met"] for s in summaries):
        return 3 if options.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
