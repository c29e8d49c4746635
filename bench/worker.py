"""The task worker at the peak, and at rest: confirmation emails in a burst of bookings, an urgent task in the middle
of it, idle CPU of the worker and the scheduler, and how soon an idle worker starts a task.

Set-up, all automatic: a scratch PostgreSQL database on ``--postgres-url`` (created here, dropped at the end),
``migrate``, the test catalogue (``gnb.testing.catalog``) and ``--bookings`` cash transfer bookings placed through
the real services; the confirmation tasks their placing queued are removed, so every email is sent during the run.

1. Burst: ``--workers`` ``manage.py run_worker`` processes (default: one per core) wait; the confirmation emails of
   the bookings are queued at an even rate over ``--spread`` seconds (2,000 in 60 s by default), each as its booking's
   transaction queues it. The mail backend is Django's file backend in a temporary folder: every email is built
   whole (HTML and text, the PDF voucher and the .ics attached) and written out. For each booking the delay runs from
   the moment its task was queued (``enqueued_at``, the booking's commit in production) to the moment the email was
   handed to the backend (``SentEmail.sent_at``). Budget: 95 % within 60 s. Half-way through, a payment follow-up
   (``holds_expire_task``, URGENT) is queued: its start delay is reported (budget 1 s).
2. Idle CPU: ``db_worker --interval 1`` (what ran before), ``run_worker`` and ``run_scheduler`` side by side for
   ``--idle-seconds`` (60); each one's utime + stime from /proc/<pid>/stat, as a share of one core. The workers
   serve a queue of their own, so the scheduler's per-minute jobs stay queued and only wake them. Budget: ≤ 1 %.
3. Start latency: ``--latency-tasks`` (50) tasks queued one at a time, with random pauses, to an idle ``db_worker
   --interval 1`` and then to an idle ``run_worker``; p50/p95/p99 of ``started_at - enqueued_at``. Budget: p99 ≤ 1 s.

``peak_rows()`` runs it and returns the rows for ``bench/peak.py``'s table. Run ``.venv/bin/python bench/worker.py``
(``--help`` for the knobs); ``--bookings 300 --spread 9`` is the same rate in a shorter run. Exit status 0 when the
run completed (a missed budget is reported; ``--strict`` makes it exit 3), 1 when it failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import api_load
from api_load import BenchFailure, percentile
from common import PYTHON, ROOT, busy_percent, cpu_times, shared_cpu_note, stop_processes, write_results

EMAIL_BUDGET_SECONDS = 60.0
EMAIL_BUDGET_SHARE = 95.0
URGENT_BUDGET_MS = 1000.0
IDLE_BUDGET_PERCENT = 1.0
START_BUDGET_P99_MS = 1000.0
IDLE_QUEUE = "bench-idle"  # the idle phase's workers serve this queue, where nothing is ever queued


@dataclass
class Options:
    bookings: int = 2000
    spread: float = 60.0
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    idle_seconds: float = 60.0
    latency_tasks: int = 50
    timeout: float = 900.0
    postgres_url: str = api_load.DEFAULT_POSTGRES_URL
    phases: tuple[str, ...] = ("burst", "idle", "latency")
    strict: bool = False


# --- inside the app (run as subprocesses with the app's environment) ----------------------------------------------
def _django() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()


def _setup_inside(count: int) -> None:
    """The catalogue and ``count`` cash bookings, their queued tasks removed; prints the bookings' ids."""
    _django()
    from django_tasks_db.models import DBTaskResult

    from gnb.testing.bookings import place_transfer
    from gnb.testing.catalog import make_catalog

    make_catalog()
    ids = [place_transfer().pk for _ in range(count)]
    DBTaskResult.objects.all().delete()
    print(json.dumps(ids))


def _burst_inside(ids_file: str, spread: float) -> None:
    """Queue each booking's confirmation at an even rate over ``spread`` seconds (an open loop: a slow insert does not
    slow the schedule), and the urgent task half-way; prints the urgent task's id."""
    _django()
    from gnb.notifications.tasks import send_booking_email
    from gnb.payments.tasks import holds_expire_task

    ids = json.loads(Path(ids_file).read_text())
    urgent_id = None
    start = time.monotonic()
    for index, booking_id in enumerate(ids):
        due = start + index * spread / len(ids)
        time.sleep(max(0.0, due - time.monotonic()))
        send_booking_email.enqueue(booking_id=booking_id, kind="confirmation")
        if index == len(ids) // 2:
            urgent_id = str(holds_expire_task.enqueue().id)
    print(json.dumps({"urgent_id": urgent_id}))


def _collect_inside(count: int, urgent_id: str, timeout: float) -> None:
    """Wait until ``count`` confirmations were handed to the mail backend (or ``timeout``); print every delay."""
    _django()
    from django.db.models import F
    from django_tasks_db.models import DBTaskResult

    from gnb.notifications.models import SentEmail

    deadline = time.monotonic() + timeout
    sent = SentEmail.objects.filter(kind="confirmation", sent_at__isnull=False)
    while sent.count() < count and time.monotonic() < deadline:
        time.sleep(1.0)
    queued = {}
    for row in DBTaskResult.objects.filter(task_path="gnb.notifications.tasks.send_booking_email"):
        queued[row.args_kwargs["kwargs"]["booking_id"]] = row.enqueued_at
    delays = [
        (sent_at - queued[booking_id]).total_seconds()
        for booking_id, sent_at in sent.values_list("booking_id", "sent_at")
    ]
    urgent = DBTaskResult.objects.filter(pk=urgent_id).annotate(delay=F("started_at") - F("enqueued_at")).first()
    first_queued = min(queued.values()) if queued else None
    last_sent = sent.order_by("-sent_at").values_list("sent_at", flat=True).first()
    print(
        json.dumps(
            {
                "delays_s": delays,
                "urgent_start_ms": urgent.delay.total_seconds() * 1000 if urgent and urgent.delay else None,
                "span_s": (last_sent - first_queued).total_seconds() if last_sent and first_queued else None,
            }
        )
    )


def _latency_inside(count: int) -> None:
    """Queue ``count`` tasks one at a time to an idle worker (random pauses between); print each start delay."""
    _django()
    from django_tasks_db.models import DBTaskResult

    from gnb.payments.tasks import holds_expire_task

    rng = random.Random(17)
    delays = []
    for _ in range(count):
        time.sleep(rng.uniform(0.2, 1.2))
        task_id = holds_expire_task.enqueue().id
        deadline = time.monotonic() + 10
        row = None
        while time.monotonic() < deadline:
            row = DBTaskResult.objects.filter(pk=task_id, started_at__isnull=False).first()
            if row is not None:
                break
            time.sleep(0.02)
        if row is None:
            raise SystemExit(f"task {task_id} did not start within 10 s")
        delays.append((row.started_at - row.enqueued_at).total_seconds() * 1000)
    print(json.dumps(delays))


# --- processes ----------------------------------------------------------------------------------------------------
def _inside(env: dict[str, str], *args: str, timeout: float = 1800) -> Any:
    result = subprocess.run(
        [str(PYTHON), str(Path(__file__)), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise BenchFailure(f"bench/worker.py {args[0]} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def processes(env: dict[str, str], commands: list[list[str]], log_dir: Path) -> Iterator[list[subprocess.Popen]]:
    """``manage.py`` commands started together, stopped (SIGTERM, then SIGKILL) whatever happens. Each one's
    database connections carry the application name ``bench-<index>`` (libpq's PGAPPNAME)."""
    started: list[subprocess.Popen] = []
    try:
        for index, command in enumerate(commands):
            log = (log_dir / f"{command[0]}-{index}.log").open("w")
            started.append(
                subprocess.Popen(
                    [str(PYTHON), str(ROOT / "manage.py"), *command],
                    cwd=ROOT,
                    env=env | {"PGAPPNAME": f"bench-{index}"},
                    stdout=log,
                    stderr=log,
                )
            )
        yield started
    finally:
        stop_processes(started, timeout=20)


BACKENDS_SQL = "SELECT pid FROM pg_stat_activity WHERE application_name ="


def backends_of(env: dict[str, str], index: int) -> list[int]:
    """The PostgreSQL server processes serving the connections of process ``index`` of ``processes()``."""
    result = subprocess.run(
        ["psql", env["DATABASE_URL"], "-Atc", f"{BACKENDS_SQL} 'bench-{index:d}'"],
        capture_output=True, text=True, timeout=30, env=env | {"PGAPPNAME": "bench-probe"},
    )  # fmt: skip
    if result.returncode != 0:
        raise BenchFailure(f"psql could not list the database's connections: {result.stderr.strip()}")
    return [int(line) for line in result.stdout.split()]


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of ``pid`` in clock ticks (/proc/<pid>/stat); None when it has ended."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def alive_ticks(process: subprocess.Popen) -> int:
    ticks = cpu_ticks(process.pid)
    if ticks is None or process.poll() is not None:
        raise BenchFailure(f"{process.args[2:]} stopped (exit {process.returncode})")
    return ticks


def wait_started(process_list: list[subprocess.Popen], seconds: float) -> None:
    """Give the processes ``seconds`` to start (Django's set-up is the busy part), and check none stopped."""
    time.sleep(seconds)
    for process in process_list:
        if process.poll() is not None:
            raise BenchFailure(f"{process.args[2:]} stopped at start (exit {process.returncode})")


def settle(process_list: list[subprocess.Popen], *, window: float = 5.0, limit: float = 120.0) -> None:
    """Wait until every process has used less than 2 % of a core over ``window`` seconds: started, now idling."""
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = [alive_ticks(process) for process in process_list]
        time.sleep(window)
        used = [alive_ticks(process) - start for process, start in zip(process_list, before, strict=True)]
        if all(ticks / ticks_per_second / window <= 0.02 for ticks in used):
            return
    raise BenchFailure(f"the processes were still busy after {limit:.0f} s; nothing is idle to measure")


# --- the phases -------------------------------------------------------------------------------------------------
WORKER = ["run_worker", "--no-startup-delay", "--no-reload", "--verbosity", "0"]
OLD_WORKER = ["db_worker", "--interval", "1", "--no-startup-delay", "--no-reload", "--verbosity", "0"]


def burst(env: dict[str, str], options: Options, log_dir: Path) -> dict[str, Any]:
    print(f"  · {options.bookings} cash bookings (set-up, not timed)", flush=True)
    ids = _inside(env, "--setup-inside", str(options.bookings))
    ids_file = log_dir / "bookings.json"
    ids_file.write_text(json.dumps(ids))
    rate = options.bookings / options.spread * 60
    print(f"  · burst: {options.bookings} confirmations queued over {options.spread:.0f} s ({rate:.0f}/min), "
          f"{options.workers} run_worker process(es)", flush=True)  # fmt: skip
    with processes(env, [WORKER] * options.workers, log_dir) as workers:
        wait_started(workers, 5)
        before = cpu_times()
        urgent = _inside(env, "--burst-inside", str(ids_file), str(options.spread))
        collected = _inside(env, "--collect-inside", str(options.bookings), urgent["urgent_id"], str(options.timeout))
        busy = busy_percent(before, cpu_times())
    delays = sorted(collected["delays_s"])
    within = sum(1 for delay in delays if delay <= EMAIL_BUDGET_SECONDS)
    return {
        "bookings": options.bookings,
        "spread_s": options.spread,
        "workers": options.workers,
        "sent": len(delays),
        "within_budget_percent": round(100 * within / options.bookings, 1),
        "per_second": round(len(delays) / collected["span_s"], 1) if collected["span_s"] else None,
        "p50_ms": round(percentile(delays, 50) * 1000) if delays else None,
        "p95_ms": round(percentile(delays, 95) * 1000) if delays else None,
        "p99_ms": round(percentile(delays, 99) * 1000) if delays else None,
        "urgent_start_ms": None if collected["urgent_start_ms"] is None else round(collected["urgent_start_ms"], 1),
        "machine_busy_percent": busy,
    }


def idle(env: dict[str, str], options: Options, log_dir: Path) -> dict[str, Any]:
    names = ["db_worker --interval 1", "run_worker", "run_scheduler"]
    commands = [[*OLD_WORKER, "--queue-name", IDLE_QUEUE], [*WORKER, "--queue-name", IDLE_QUEUE], ["run_scheduler"]]
    print(f"  · idle: {', '.join(names)} side by side for {options.idle_seconds:.0f} s", flush=True)
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    with processes(env, commands, log_dir) as started:
        wait_started(started, 5)
        settle(started)  # Django's start-up, slow on a busy machine, is not idle time
        before = [alive_ticks(process) for process in started]
        # A process may close a connection and open another (CONN_MAX_AGE): its backends are looked up every
        # second, and each one counts from when it was first seen to when it was last seen.
        seen: list[dict[int, list[int]]] = [{} for _ in started]
        begun = time.monotonic()
        while time.monotonic() - begun < options.idle_seconds:
            for index in range(len(started)):
                for pid in backends_of(env, index):
                    ticks = cpu_ticks(pid)
                    if ticks is not None:
                        seen[index].setdefault(pid, [ticks, ticks])[1] = ticks
            time.sleep(1.0)
        after = [alive_ticks(process) for process in started]
        seconds = time.monotonic() - begun
        before_db = [sum(first for first, _last in pids.values()) for pids in seen]
        after_db = [sum(last for _first, last in pids.values()) for pids in seen]

    def percent(ticks: int) -> float:
        return round(100 * ticks / ticks_per_second / seconds, 2)

    result = {}
    for index, name in enumerate(names):
        result[name] = percent(after[index] - before[index])
        result[f"{name} +PG"] = percent(after[index] - before[index] + after_db[index] - before_db[index])
    return result


def latency(env: dict[str, str], options: Options, log_dir: Path) -> dict[str, Any]:
    result = {}
    for name, command in (("db_worker --interval 1", OLD_WORKER), ("run_worker", WORKER)):
        print(f"  · start latency: {options.latency_tasks} tasks, one at a time, to an idle {name}", flush=True)
        with processes(env, [command], log_dir) as started:
            wait_started(started, 5)
            delays = sorted(_inside(env, "--latency-inside", str(options.latency_tasks)))
        result[name] = {f"p{p}_ms": round(percentile(delays, p), 1) for p in (50, 95, 99)} | {"max_ms": max(delays)}
    return result


def run(options: Options) -> dict[str, Any]:
    settings = api_load.Settings(postgres_url=options.postgres_url, database=f"gnb_bench_worker_{os.getpid()}")
    result: dict[str, Any] = {"options": asdict(options)}
    with api_load.bench_database(settings) as database_url, tempfile.TemporaryDirectory(prefix="gnb-worker-") as tmp:
        folder = Path(tmp)
        (folder / "mail").mkdir()
        env = api_load._app_env(settings, database_url)
        env["EMAIL_URL"] = f"file://{folder / 'mail'}"
        print("  · migrate", flush=True)
        api_load._manage(env, "migrate", "--no-input")
        phases = (("burst", "burst", burst), ("idle", "idle_cpu_percent", idle), ("latency", "start_latency", latency))
        for phase, key, measure in phases:
            if phase not in options.phases:
                continue
            try:
                result[key] = measure(env, options, folder)
            except BenchFailure as error:  # the other phases still measure; the run fails at the end
                print(f"  ! {phase} failed: {error}", flush=True)
                result.setdefault("failures", []).append(f"{phase}: {error}")
    return result


# --- the rows -----------------------------------------------------------------------------------------------------
def rows_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of ``bench/peak.py``'s table for one run's result."""
    rows: list[dict[str, Any]] = []
    if "burst" in result:
        b = result["burst"]
        rate = b["bookings"] / b["spread_s"] * 60
        rows.append(
            {
                "name": f"emails {rate:.0f}/min, {b['workers']} workers",
                "per_second": b["per_second"],
                "p50_ms": b["p50_ms"],
                "p95_ms": b["p95_ms"],
                "p99_ms": b["p99_ms"],
                "budgets": [
                    {
                        "budget": f"{EMAIL_BUDGET_SHARE:.0f} % ≤ {EMAIL_BUDGET_SECONDS:.0f} s",
                        "value": b["within_budget_percent"],
                        "met": b["within_budget_percent"] >= EMAIL_BUDGET_SHARE,
                    }
                ],
            }
        )
        urgent = b["urgent_start_ms"]
        rows.append(
            {
                "name": "urgent task in the email burst",
                "per_second": None,
                "p50_ms": urgent,
                "p95_ms": urgent,
                "p99_ms": urgent,
                "budgets": [
                    {
                        "budget": f"start ≤ {URGENT_BUDGET_MS:.0f} ms",
                        "value": urgent,
                        "met": urgent is not None and urgent <= URGENT_BUDGET_MS,
                    }
                ],
            }
        )
    for name, percent in result.get("idle_cpu_percent", {}).items():
        rows.append(
            {
                "name": f"idle {name}",
                "per_second": None,
                "p50_ms": None,
                "p95_ms": None,
                "p99_ms": None,
                "budgets": [
                    {
                        "budget": f"≤ {IDLE_BUDGET_PERCENT:.0f} % of a core",
                        "value": percent,
                        "met": percent <= IDLE_BUDGET_PERCENT,
                    }
                ],
            }
        )
    for name, figures in result.get("start_latency", {}).items():
        rows.append(
            {
                "name": f"task start {name}",
                "per_second": None,
                "p50_ms": figures["p50_ms"],
                "p95_ms": figures["p95_ms"],
                "p99_ms": figures["p99_ms"],
                "budgets": [
                    {
                        "budget": f"p99 ≤ {START_BUDGET_P99_MS:.0f} ms",
                        "value": figures["p99_ms"],
                        "met": figures["p99_ms"] <= START_BUDGET_P99_MS,
                    }
                ],
            }
        )
    return rows


def peak_rows(options: Options | None = None, **overrides: Any) -> list[dict[str, Any]]:
    """Run the benchmark (``Options`` defaults, or ``options``, with ``overrides``) and return its table rows:
    ``{"name", "per_second", "p50_ms", "p95_ms", "p99_ms", "budgets": [{"budget", "value", "met"}]}``."""
    options = options or Options()
    for key, value in overrides.items():
        if not hasattr(options, key):
            raise TypeError(f"peak_rows() has no option {key!r}")
        setattr(options, key, value)
    return rows_of(run(options))


def print_rows(rows: list[dict[str, Any]]) -> None:
    def cell(value: Any, width: int) -> str:
        return f"{'—' if value is None else value:>{width}}"

    header = f"{'row':<36}{'per s':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}  {'budget':<22}{'value':>9}  met"
    print(header)
    print("-" * len(header))
    for row in rows:
        for index, budget in enumerate(row["budgets"]):
            prefix = (
                f"{row['name']:<36}{cell(row['per_second'], 8)}{cell(row['p50_ms'], 10)}{cell(row['p95_ms'], 10)}"
                f"{cell(row['p99_ms'], 10)}"
                if index == 0
                else " " * 74
            )
            print(f"{prefix}  {budget['budget']:<22}{cell(budget['value'], 9)}  {'yes' if budget['met'] else 'NO'}")


# --- the command ------------------------------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    defaults = Options()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bookings", type=int, default=defaults.bookings, help="bookings in the burst (%(default)s)")
    p.add_argument("--spread", type=float, default=defaults.spread, help="seconds the burst is queued over")
    p.add_argument("--workers", type=int, default=defaults.workers, help="run_worker processes (one per core)")
    p.add_argument("--idle-seconds", type=float, default=defaults.idle_seconds)
    p.add_argument("--latency-tasks", type=int, default=defaults.latency_tasks)
    p.add_argument("--timeout", type=float, default=defaults.timeout, help="longest wait for the burst's emails")
    p.add_argument("--postgres-url", default=defaults.postgres_url)
    p.add_argument("--phases", default=",".join(defaults.phases), help="any of burst,idle,latency")
    p.add_argument("--strict", action="store_true", help="exit 3 when a budget is missed")
    return p


def options_from(args: argparse.Namespace) -> Options:
    phases = tuple(name for name in args.phases.split(",") if name)
    unknown = set(phases) - {"burst", "idle", "latency"}
    if unknown:
        raise SystemExit(f"--phases: unknown phase(s) {', '.join(sorted(unknown))}; use burst, idle, latency")
    for name in ("bookings", "workers", "latency_tasks"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("spread", "idle_seconds", "timeout"):
        if getattr(args, name) <= 0:
            raise SystemExit(f"--{name.replace('_', '-')} must be more than 0 seconds")
    return Options(
        bookings=args.bookings,
        spread=args.spread,
        workers=args.workers,
        idle_seconds=args.idle_seconds,
        latency_tasks=args.latency_tasks,
        timeout=args.timeout,
        postgres_url=args.postgres_url,
        phases=phases,
        strict=args.strict,
    )


INSIDE = {
    "--setup-inside": lambda args: _setup_inside(int(args[0])),
    "--burst-inside": lambda args: _burst_inside(args[0], float(args[1])),
    "--collect-inside": lambda args: _collect_inside(int(args[0]), args[1], float(args[2])),
    "--latency-inside": lambda args: _latency_inside(int(args[0])),
}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in INSIDE:
        INSIDE[sys.argv[1]](sys.argv[2:])
        return 0
    options = options_from(parser().parse_args())
    print(shared_cpu_note(), flush=True)
    load = os.getloadavg()
    print(f"  · load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    started = time.monotonic()
    try:
        result = run(options)
    except BenchFailure as error:
        print(f"bench/worker.py failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    result["load_average_before"] = load
    result["load_average_after"] = os.getloadavg()
    rows = rows_of(result)
    result["rows"] = rows
    print()
    print_rows(rows)
    path = write_results({"bench": "worker", "took_s": round(time.monotonic() - started), **result})
    after = result["load_average_after"]
    print(f"\nLoad average after: {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}")
    print(f"Took {time.monotonic() - started:.0f} s. Results written to {path.relative_to(ROOT)}")
    met = all(budget["met"] for row in rows for budget in row["budgets"])
    if not met:
        print("A budget was missed (see the 'met' column).")
    if result.get("failures"):
        print("Failed: " + "; ".join(result["failures"]), file=sys.stderr)
        return 1
    return 3 if options.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
