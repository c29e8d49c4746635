"""Backup benchmark: how long `backup create`, `verify`, `restore` and `drill` take on 100,000 bookings.

Creates a scratch PostgreSQL database, migrates it, loads the demo catalogue, fills it with bookings by bulk SQL
(passengers, legs, extras and history in realistic proportions), then times each command as an operator runs it
(`manage.py backup …` in a fresh process, Django start-up included) and restores into a second, empty scratch
database. Both databases and the backup folder are removed at the end, also on failure.

    .venv/bin/python bench/backup.py                       # 100,000 bookings on postgres://postgres@127.0.0.1:5432
    .venv/bin/python bench/backup.py --bookings 20000 --postgres-url postgres://me:pw@db:5432
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from common import ROOT, machine, write_results

PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


class BenchFailure(Exception):
    pass


def psql(server: str, database: str, sql: str, *, timeout: float = 1800) -> str:
    parts = urllib.parse.urlsplit(server)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = urllib.parse.unquote(parts.password)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    result = subprocess.run(
        ["psql", *args, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise BenchFailure(f"psql failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


def app_env(database_url: str, backup_dir: Path, media_dir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BACKUP_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        EMAIL_URL="console://",
        DATABASE_URL=database_url,
        BACKUP_ENCRYPTION_KEY=base64.b64encode(os.urandom(32)).decode(),
        BACKUP_TARGETS="local",
        BACKUP_LOCAL_DIR=str(backup_dir),
        MEDIA_ROOT=str(media_dir),
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str) -> tuple[float, str]:
    """Run ``manage.py *args``; return (seconds, stdout)."""
    started = time.perf_counter()
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise BenchFailure(f"manage.py {' '.join(args)} failed: {result.stderr.strip()[-2000:]}")
    return elapsed, result.stdout


FILL_SQL = """
WITH vehicles AS (SELECT array_agg(id ORDER BY id) AS ids FROM catalog_vehicleclass)
INSERT INTO bookings_booking (
    created_at, updated_at, reference, manage_token, kind, status, payment_method, payment_state, lead_name,
    lead_email, lead_phone, language, notes, adults, children, infants, luggage, starts_at, currency, exchange_rate,
    total, total_base, price_breakdown, pickup_point, vehicle_class_id)
SELECT now() - (g % 400) * interval '1 day', now(), 'BNC-' || lpad(to_hex(g), 9, '0'),
       md5(g::text) || md5((g * 7919)::text), 'transfer',
       (ARRAY['confirmed', 'completed', 'completed', 'cancelled', 'pending_payment', 'assigned'])[1 + g % 6],
       'cash', 'unpaid', 'Guest ' || g, 'guest' || g || '@example.com', '+90532' || lpad((g % 9999999)::text, 7, '0'),
       (ARRAY['en', 'de', 'ru', 'tr', 'pl', 'nl'])[1 + g % 6],
       CASE WHEN g % 5 = 0 THEN 'Two surfboards and a folding pram' ELSE '' END,
       1 + g % 3, g % 2, CASE WHEN g % 7 = 0 THEN 1 ELSE 0 END, 1 + g % 4,
       now() + (g % 5000) * interval '1 hour', 'EUR', 1, 35 + g % 90, 35 + g % 90,
       jsonb_build_object(
           'currency', 'EUR', 'rate', '1.000000', 'total', (35 + g % 90)::text || '.00',
           'lines', jsonb_build_array(
               jsonb_build_object('kind', 'fare', 'label', 'Antalya Airport → Belek, Sedan', 'quantity', 1,
                                  'unit_price', (35 + g % 90)::text || '.00', 'amount', (35 + g % 90)::text || '.00'),
               jsonb_build_object('kind', 'season', 'label', 'Summer', 'percent', '10'))),
       '', v.ids[1 + g % array_length(v.ids, 1)]
FROM generate_series(1, {count}) AS g, vehicles AS v;

INSERT INTO bookings_passenger (position, category, first_name, last_name, booking_id)
SELECT p, CASE WHEN p <= b.adults THEN 'adult' WHEN p <= b.adults + b.children THEN 'child' ELSE 'infant' END,
       (ARRAY['Anna', 'John', 'Emma', 'Oliver', 'Mia', 'Leo', 'Ayşe', 'Mehmet'])[1 + (b.id + p) % 8],
       'Smith-' || (b.id % 997), b.id
FROM bookings_booking AS b, generate_series(1, b.adults + b.children + b.infants) AS p
WHERE b.reference LIKE 'BNC-%';

WITH airport AS (SELECT min(id) AS id FROM catalog_place WHERE kind = 'airport'),
     hotels AS (SELECT array_agg(id ORDER BY id) AS ids FROM catalog_place WHERE kind <> 'airport')
INSERT INTO bookings_transferleg (sequence, pickup_at, pickup_point, flight_number, flight_arrival_at, booking_id,
                                  origin_id, destination_id)
SELECT s, b.starts_at + (s - 1) * interval '7 days', CASE s WHEN 1 THEN 'Arrivals hall' ELSE 'Hotel lobby' END,
       CASE s WHEN 1 THEN 'TK' || (1000 + b.id % 8000) ELSE '' END,
       CASE s WHEN 1 THEN b.starts_at - interval '30 minutes' END, b.id,
       CASE s WHEN 1 THEN a.id ELSE h.ids[1 + b.id % array_length(h.ids, 1)] END,
       CASE s WHEN 1 THEN h.ids[1 + b.id % array_length(h.ids, 1)] ELSE a.id END
FROM bookings_booking AS b, generate_series(1, CASE WHEN b.id % 3 = 0 THEN 2 ELSE 1 END) AS s, airport AS a,
     hotels AS h
WHERE b.reference LIKE 'BNC-%';

INSERT INTO bookings_bookingextra (quantity, total, booking_id, extra_id)
SELECT 1 + b.id % 2, 5 * (1 + b.id % 2), b.id, (SELECT min(id) FROM catalog_extra)
FROM bookings_booking AS b WHERE b.reference LIKE 'BNC-%' AND b.id % 4 = 0;

INSERT INTO bookings_bookingevent (kind, from_status, to_status, actor_label, reason, details, created_at, booking_id)
SELECT 'created', '', b.status, 'api', '', '{{}}'::jsonb, b.created_at, b.id
FROM bookings_booking AS b WHERE b.reference LIKE 'BNC-%';

ANALYZE;
"""

COUNTS_SQL = (
    "SELECT (SELECT count(*) FROM bookings_booking) || ' ' || (SELECT count(*) FROM bookings_passenger) || ' ' || "
    "(SELECT count(*) FROM bookings_transferleg) || ' ' || (SELECT count(*) FROM bookings_bookingextra) || ' ' || "
    "(SELECT count(*) FROM bookings_bookingevent)"
)


def mib(count: float) -> str:
    return f"{count / 1024 / 1024:,.1f} MiB"


def run(args: argparse.Namespace) -> dict[str, object]:
    server = args.postgres_url.rstrip("/")
    suffix = f"{os.getpid()}"
    source, target = f"gnb_bench_backup_src_{suffix}", f"gnb_bench_backup_dst_{suffix}"
    workdir = Path(tempfile.mkdtemp(prefix="gnb-bench-backup-"))
    created: list[str] = []
    try:
        for name in (source, target):
            psql(server, "postgres", f'CREATE DATABASE "{name}"')
            created.append(name)
        (workdir / "media").mkdir()
        env = app_env(f"{server}/{source}", workdir / "backups", workdir / "media")

        print(f"migrating and loading the demo catalogue into {source} …", flush=True)
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "load_demo")
        print(f"adding {args.bookings:,} bookings …", flush=True)
        started = time.perf_counter()
        psql(server, source, FILL_SQL.format(count=args.bookings))
        fill_seconds = time.perf_counter() - started
        counts = psql(server, source, COUNTS_SQL)
        database_bytes = int(psql(server, source, "SELECT pg_database_size(current_database())"))

        print("timing backup create, verify, restore, drill …", flush=True)
        startup, _ = manage(env, "backup", "keygen")
        create_seconds, create_out = manage(env, "backup", "create", "--no-media")
        raw_bytes, stored_bytes = (
            int(value)
            for value in psql(
                server, source, "SELECT raw_bytes || ' ' || stored_bytes FROM ops_backuprun ORDER BY id DESC LIMIT 1"
            ).split()
        )
        verify_seconds, _ = manage(env, "backup", "verify")
        restore_seconds, restore_out = manage(env, "backup", "restore", "--database-url", f"{server}/{target}")
        restored_counts = psql(server, target, COUNTS_SQL)
        if restored_counts != counts or "every key table matches the manifest" not in restore_out:
            raise BenchFailure(f"restore differs: source {counts}, restored {restored_counts}\n{restore_out}")
        drill_seconds, _ = manage(env, "backup", "drill")
    finally:
        for name in created:
            psql(server, "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)

    bookings, passengers, legs, extras, events = (int(value) for value in counts.split())
    return {
        "bookings": bookings,
        "passengers": passengers,
        "legs": legs,
        "extras": extras,
        "events": events,
        "fill_seconds": round(fill_seconds, 2),
        "database_bytes": database_bytes,
        "dump_raw_bytes": raw_bytes,
        "stored_bytes": stored_bytes,
        "django_startup_seconds": round(startup, 2),
        "create_seconds": round(create_seconds, 2),
        "verify_seconds": round(verify_seconds, 2),
        "restore_seconds": round(restore_seconds, 2),
        "drill_seconds": round(drill_seconds, 2),
        "create_output": create_out.strip(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=100_000, help="Bookings to add (default 100,000).")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="Server (no database name).")
    args = parser.parse_args()
    if shutil.which("psql") is None:
        print("psql is not installed (apt-get install postgresql-client)", file=sys.stderr)
        return 2
    try:
        result = run(args)
    except BenchFailure as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    print()
    print(
        f"{result['bookings']:,} bookings, {result['passengers']:,} passengers, {result['legs']:,} legs, "
        f"{result['extras']:,} extras, {result['events']:,} history rows (filled in {result['fill_seconds']} s)"
    )
    print(f"database on disk (pg_database_size)   {mib(result['database_bytes']):>12}")  # type: ignore[arg-type]
    print(f"dump, raw (pg_dump custom, no compr.) {mib(result['dump_raw_bytes']):>12}")  # type: ignore[arg-type]
    print(f"stored (gzip + AES-256-GCM)           {mib(result['stored_bytes']):>12}")  # type: ignore[arg-type]
    print(f"manage.py start-up alone              {result['django_startup_seconds']:>10} s")
    for step in ("create", "verify", "restore", "drill"):
        print(f"backup {step:31} {result[f'{step}_seconds']:>10} s")
    print("(times are wall clock of `manage.py backup …` in a new process, start-up included)")
    path = write_results({"backup": result})
    print(f"results: {path.relative_to(ROOT)}")
    print(f"machine: {machine()['cpus']} CPU(s), Python {machine()['python']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
