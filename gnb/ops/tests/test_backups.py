"""Backups end to end on the configured database (SQLite by default, PostgreSQL with DATABASE_URL), local target."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import Booking, BookingEvent, BookingExtra, Passenger, TransferLeg
from gnb.bookings.quotes import ExtraRequest
from gnb.ops.backups import services
from gnb.ops.backups.crypto import HEADER_SIZE
from gnb.ops.backups.databases import KEY_TABLES
from gnb.ops.backups.errors import BackupError, TargetError
from gnb.ops.backups.services import backup_create, backup_drill, backup_prune, backup_restore, backup_verify
from gnb.ops.backups.sets import MANIFEST, MEDIA, read_manifest, set_name, set_sort_key, unseal, write_manifest
from gnb.ops.backups.targets import LocalTarget
from gnb.ops.models import AlertState, BackupRun
from gnb.ops.schedule import JOBS
from gnb.testing.backups import KEY, database_file
from gnb.testing.bookings import place_tour, place_transfer, transfer_request
from gnb.testing.catalog import future_local

# Backups read the database through their own connections (and pg_dump), so the data must be committed.
committed = pytest.mark.django_db(transaction=True)

REFUSED = "cannot decrypt: wrong key or tampered file"
ROOT = Path(__file__).resolve().parents[3]


def place_bookings(catalog) -> list[str]:
    """Three bookings: a one-way transfer, a round trip with extras, and a tour; their references."""
    place_transfer()
    place_transfer(
        transfer_request(
            adults=2,
            children=1,
            infants=1,
            luggage=3,
            return_pickup_at=future_local(days=37, hour=10),
            extras=[ExtraRequest("child_seat", 2), ExtraRequest("meet_greet", 1)],
        ),
        vehicle_class="minivan",
    )
    place_tour(catalog.departure, adults=2, children=1)
    return sorted(Booking.objects.values_list("reference", flat=True))


def booking_rows() -> dict[str, int]:
    return {
        "bookings": Booking.objects.count(),
        "passengers": Passenger.objects.count(),
        "legs": TransferLeg.objects.count(),
        "extras": BookingExtra.objects.count(),
        "events": BookingEvent.objects.count(),
    }


def flip_byte(path: Path, position: int) -> None:
    data = bytearray(path.read_bytes())
    data[position] ^= 0x40
    path.write_bytes(bytes(data))


def alert(key: str) -> AlertState:
    return AlertState.objects.get(key=key)


# --- the whole cycle --------------------------------------------------------------------------------------
@committed
def test_create_delete_restore_brings_every_booking_back_and_tampering_is_refused(catalog, backup_dir):
    references = place_bookings(catalog)
    rows = booking_rows()
    assert rows == {"bookings": 3, "passengers": 9, "legs": 3, "extras": 2, "events": 3}
    before = services.current_database().summarize()

    out = io.StringIO()
    call_command("backup", "create", stdout=out)
    run = BackupRun.objects.get(kind="create")
    assert (run.status, run.targets, run.error, run.database_engine) == (
        "succeeded",
        ["local"],
        "",
        "postgresql" if connection.vendor == "postgresql" else "sqlite",
    )
    assert run.finished_at >= run.started_at
    assert out.getvalue().startswith(f"created {run.name}: ")
    assert sorted(path.name for path in (backup_dir / run.name).iterdir()) == sorted([database_file(), MEDIA, MANIFEST])
    assert run.stored_bytes == sum(path.stat().st_size for path in (backup_dir / run.name).iterdir())
    assert run.raw_bytes == sum(record["raw_bytes"] for record in run.manifest["files"].values())
    assert run.manifest["tables"] == {table: summary.as_json() for table, summary in before.items()}
    assert set(run.manifest["tables"]) == set(KEY_TABLES)
    assert run.manifest["tables"]["bookings_booking"]["rows"] == 3
    assert run.manifest["tables"]["bookings_passenger"]["rows"] == 9

    Booking.objects.all().delete()
    assert booking_rows() == {"bookings": 0, "passengers": 0, "legs": 0, "extras": 0, "events": 0}

    with pytest.raises(CommandError) as refused:
        call_command("backup", "restore")
    tables = services.current_database().table_count()
    assert str(refused.value).endswith(
        f"is not empty ({tables} tables); restoring would replace its data. Pass --force to do it anyway"
    )
    assert Booking.objects.count() == 0

    out = io.StringIO()
    call_command("backup", "restore", "--force", stdout=out)
    assert sorted(Booking.objects.values_list("reference", flat=True)) == references
    assert booking_rows() == rows
    assert services.current_database().summarize() == before
    assert out.getvalue().splitlines()[-1] == "  every key table matches the manifest"
    assert "  bookings_booking                     3 rows" in out.getvalue().splitlines()
    # Backup history is not part of a backup: the restored database starts without it.
    assert BackupRun.objects.count() == 0

    sealed = backup_dir / run.name / database_file()
    flip_byte(sealed, sealed.stat().st_size // 2)
    message = f"{REFUSED} ({run.name}/{database_file()})"
    with pytest.raises(CommandError) as refused:
        call_command("backup", "verify")
    assert str(refused.value) == message
    Booking.objects.filter(reference=references[0]).delete()
    with pytest.raises(CommandError) as refused:
        call_command("backup", "restore", run.name, "--force")
    assert str(refused.value) == message
    # Nothing of the refused file reached the database.
    assert sorted(Booking.objects.values_list("reference", flat=True)) == references[1:]


@committed
def test_a_set_with_a_tampered_media_file_is_refused_whole_also_without_media(catalog, backup_dir):
    references = place_bookings(catalog)
    run = backup_create()
    sealed = backup_dir / run.name / MEDIA
    flip_byte(sealed, sealed.stat().st_size // 2)
    Booking.objects.filter(reference=references[0]).delete()

    with pytest.raises(CommandError) as refused:
        call_command("backup", "restore", run.name, "--force")  # the database only: no --media

    assert str(refused.value) == f"{REFUSED} ({run.name}/{MEDIA})"
    # The database file was intact, yet nothing of the refused set was restored.
    assert sorted(Booking.objects.values_list("reference", flat=True)) == references[1:]


@committed
def test_verify_checks_every_file_of_the_latest_set(catalog, backup_dir):
    place_bookings(catalog)
    first = backup_create()
    second = backup_create()
    assert set_sort_key(second.name) > set_sort_key(first.name)
    out = io.StringIO()
    call_command("backup", "verify", stdout=out)
    raw = {name: record["raw_bytes"] for name, record in second.manifest["files"].items()}
    assert out.getvalue() == (
        f"{second.name} in local: OK — {database_file()} ({_size(raw[database_file()])}), "
        f"{MEDIA} ({_size(raw[MEDIA])})\n"
    )
    reports = backup_verify(name=first.name)
    assert [(report.target, report.name, sorted(report.files)) for report in reports] == [
        ("local", first.name, sorted([database_file(), MEDIA]))
    ]


def _size(count: int) -> str:
    from gnb.ops.management.commands.backup import _size as size

    return size(count)


@committed
def test_media_are_archived_and_restored_on_request(catalog, backup_dir, settings):
    run = backup_create()
    media = Path(settings.MEDIA_ROOT)
    (media / "tours" / "perge.jpg").unlink()
    result = backup_restore(force=True, include_media=True)
    assert (result.name, result.target, result.media_files, result.differences) == (run.name, "local", 1, [])
    assert (media / "tours" / "perge.jpg").read_bytes() == b"\xff\xd8 not really a jpeg"


@committed
def test_a_file_swapped_in_from_another_set_is_refused_by_its_checksum(catalog, backup_dir):
    first = backup_create()
    place_transfer()
    second = backup_create()
    # Sealed with the same key, so it decrypts: only the manifest's checksum can tell.
    (backup_dir / second.name / database_file()).write_bytes((backup_dir / first.name / database_file()).read_bytes())
    with pytest.raises(BackupError) as refused:
        backup_verify(name=second.name)
    assert str(refused.value).startswith(f"{second.name}/{database_file()} does not match the manifest: stored ")


@committed
def test_a_manifest_from_another_set_is_refused(catalog, backup_dir):
    first = backup_create()
    second = backup_create()
    (backup_dir / second.name / MANIFEST).write_bytes((backup_dir / first.name / MANIFEST).read_bytes())
    with pytest.raises(BackupError) as refused:
        backup_restore(name=second.name, force=True)
    assert str(refused.value) == f"{second.name}/{MANIFEST} belongs to another set ({first.name!r})"


@committed
def test_the_wrong_key_cannot_read_a_set(catalog, backup_dir, settings):
    run = backup_create()
    settings.BACKUP_ENCRYPTION_KEY = bytes(32)
    with pytest.raises(CommandError) as refused:
        call_command("backup", "verify", run.name)
    assert str(refused.value) == f"{REFUSED} ({run.name}/{MANIFEST})"


@committed
def test_an_unknown_set_name_is_named_in_the_error(backup_dir):
    backup_create()
    with pytest.raises(CommandError) as refused:
        call_command("backup", "restore", "gnb-20200101T000000Z")
    assert str(refused.value) == (
        f"no backup set named gnb-20200101T000000Z in local:{backup_dir}; `manage.py backup list` shows the sets"
    )


def test_no_set_at_all_is_a_clear_error(backup_dir):
    with pytest.raises(CommandError) as refused:
        call_command("backup", "verify")
    assert str(refused.value) == f"no complete backup set in local:{backup_dir}"


@committed
def test_restore_refuses_a_database_of_another_engine(catalog, backup_dir, tmp_path):
    run = backup_create()
    if connection.vendor == "postgresql":
        other, engine, describe = (
            f"sqlite:///{tmp_path}/other.sqlite3",
            "postgresql",
            f"SQLite database {tmp_path}/other.sqlite3 is sqlite",
        )
    else:
        other, engine = "postgres://postgres@127.0.0.1:5432/gnb_bk_never_created", "sqlite"
        describe = "PostgreSQL database gnb_bk_never_created on 127.0.0.1:5432 is postgresql"
    with pytest.raises(BackupError) as refused:
        backup_restore(database_url=other, force=True)
    assert str(refused.value) == f"set {run.name} holds a {engine} database; {describe}"


# --- failures are recorded and alerted --------------------------------------------------------------------
@committed
def test_a_missing_key_fails_the_run_records_it_and_raises_the_alert_until_the_next_success(backup_dir, settings):
    settings.BACKUP_ENCRYPTION_KEY = None
    with pytest.raises(CommandError) as refused:
        call_command("backup", "create")
    assert str(refused.value).startswith("BACKUP_ENCRYPTION_KEY is not set (nor BACKUP_ENCRYPTION_KEY_FILE)")
    failed = BackupRun.objects.get()
    assert (failed.kind, failed.status, failed.error) == ("create", "failed", str(refused.value))
    assert failed.finished_at is not None
    assert not backup_dir.exists() or list(backup_dir.iterdir()) == []
    assert (alert("backup.failed").status, alert("backup.failed").title) == ("firing", "Backup failed")

    settings.BACKUP_ENCRYPTION_KEY = KEY
    run = backup_create()
    assert run.status == "succeeded"
    assert alert("backup.failed").status == "resolved"


@committed
def test_a_failure_half_way_leaves_no_set_behind(backup_dir, monkeypatch):
    def broken_media(path, key):
        raise BackupError("cannot archive media in /srv/media: No space left on device")

    monkeypatch.setattr(services, "_media_archive", broken_media)
    with pytest.raises(BackupError):
        backup_create()
    run = BackupRun.objects.get()
    assert (run.status, run.targets, run.error) == (
        "failed",
        [],
        "cannot archive media in /srv/media: No space left on device",
    )
    assert not backup_dir.exists() or list(backup_dir.iterdir()) == []


@committed
def test_a_target_that_fails_is_named_and_says_whether_it_is_permanent(backup_dir):
    backup_dir.parent.mkdir(exist_ok=True)
    backup_dir.write_text("a file where the folder should be")
    with pytest.raises(BackupError) as refused:
        backup_create()
    assert str(refused.value).startswith("target local: cannot store gnb-")
    assert str(refused.value).endswith("(permanent error)")
    assert BackupRun.objects.get().status == "failed"


def test_the_local_target_stores_a_set_whole_or_not_at_all(tmp_path):
    target = LocalTarget(tmp_path / "backups", keep_days=7)
    present = tmp_path / "database.sqlite3.gz.enc"
    present.write_bytes(b"sealed")
    with pytest.raises(TargetError) as refused:
        target.store("gnb-20261125T030000Z", [present, tmp_path / MANIFEST])
    assert refused.value.permanent is True
    assert list((tmp_path / "backups").iterdir()) == []
    assert target.sets() == []


# --- drill ------------------------------------------------------------------------------------------------
@committed
def test_a_drill_restores_into_a_scratch_database_and_finds_everything_equal(catalog, backup_dir):
    place_bookings(catalog)
    run = backup_create()
    out = io.StringIO()
    call_command("backup", "drill", stdout=out)
    drill = BackupRun.objects.get(kind="drill")
    assert (drill.name, drill.status, drill.error) == (run.name, "succeeded", "")
    assert drill.manifest["differences"] == []
    assert drill.manifest["tables"] == run.manifest["tables"]
    assert out.getvalue() == f"drill of {run.name} passed: {len(KEY_TABLES)} key tables match the manifest\n"
    # The live database was not touched.
    assert Booking.objects.count() == 3


@committed
def test_a_drill_finds_a_recorded_checksum_that_does_not_match_and_alerts(catalog, backup_dir):
    place_bookings(catalog)
    run = backup_create()
    # Someone holding the key rewrites the manifest's record of the bookings table.
    path = backup_dir / run.name / MANIFEST
    manifest = read_manifest(path, KEY, expected_name=run.name)
    manifest["tables"]["bookings_booking"]["sha256"] = "0" * 64
    manifest["tables"]["bookings_passenger"]["rows"] = 8
    path.unlink()
    write_manifest(path, manifest, KEY)

    with pytest.raises(CommandError) as found:
        call_command("backup", "drill")
    expected = (
        f"drill of {run.name}: 2 difference(s): bookings_booking: checksum differs (3 rows); "
        "bookings_passenger: 8 rows recorded, 9 restored"
    )
    assert str(found.value) == expected
    drill = BackupRun.objects.get(kind="drill")
    assert (drill.status, drill.error) == ("failed", expected)
    assert drill.manifest["differences"] == [
        "bookings_booking: checksum differs (3 rows)",
        "bookings_passenger: 8 rows recorded, 9 restored",
    ]
    assert (alert("backup.drill").status, alert("backup.drill").detail) == ("firing", expected)


@committed
def test_a_drill_of_a_tampered_set_fails_and_alerts(catalog, backup_dir):
    run = backup_create()
    flip_byte(backup_dir / run.name / database_file(), HEADER_SIZE + 5)
    with pytest.raises(BackupError) as refused:
        backup_drill()
    assert str(refused.value) == f"{REFUSED} ({run.name}/{database_file()})"
    assert BackupRun.objects.get(kind="drill").status == "failed"
    assert alert("backup.drill").status == "firing"


# --- retention --------------------------------------------------------------------------------------------
def store_dummy_set(target: LocalTarget, at: dt.datetime, tmp_path: Path, *, complete: bool = True) -> str:
    name = set_name(at)
    folder = tmp_path / f"files-{name}"
    folder.mkdir()
    files = [folder / "database.sqlite3.gz.enc"] + ([folder / MANIFEST] if complete else [])
    for path in files:
        path.write_bytes(b"x" * 10)
    target.store(name, files)
    return name


def test_local_prune_keeps_sets_younger_than_seven_days_and_deletes_older_ones(backup_dir, tmp_path):
    now = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
    target = LocalTarget(backup_dir, keep_days=7)
    for days in (30, 8, 7.01, 6.99, 1, 0):
        store_dummy_set(target, now - dt.timedelta(days=days), tmp_path)
    store_dummy_set(target, now - dt.timedelta(days=3), tmp_path, complete=False)  # an upload that died
    store_dummy_set(target, now - dt.timedelta(hours=2), tmp_path, complete=False)  # may still be uploading
    doomed = ["gnb-20261026T030000Z", "gnb-20261117T030000Z", "gnb-20261118T024536Z", "gnb-20261122T030000Z"]
    kept = ["gnb-20261118T031424Z", "gnb-20261124T030000Z", "gnb-20261125T010000Z", "gnb-20261125T030000Z"]

    out = io.StringIO()
    with time_machine.travel(now, tick=False):
        call_command("backup", "prune", "--dry-run", stdout=out)
    assert out.getvalue() == f"local: would delete {', '.join(doomed)}\n"
    assert [stored.name for stored in target.sets()] == sorted(doomed + kept)

    assert backup_prune(now=now) == {"local": doomed}
    assert [stored.name for stored in target.sets()] == kept
    assert sorted(path.name for path in backup_dir.iterdir()) == kept


def test_prune_never_deletes_the_newest_complete_set(backup_dir, tmp_path):
    now = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
    target = LocalTarget(backup_dir, keep_days=7)
    store_dummy_set(target, now - dt.timedelta(days=20), tmp_path)
    store_dummy_set(target, now - dt.timedelta(days=10), tmp_path)
    assert backup_prune(now=now) == {"local": ["gnb-20261105T030000Z"]}
    assert [stored.name for stored in target.sets()] == ["gnb-20261115T030000Z"]


def test_list_shows_each_set_with_its_age_and_size(backup_dir, tmp_path):
    target = LocalTarget(backup_dir, keep_days=7)
    now = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    complete = store_dummy_set(target, now - dt.timedelta(days=2, hours=3), tmp_path)
    partial = store_dummy_set(target, now - dt.timedelta(minutes=5), tmp_path, complete=False)
    out = io.StringIO()
    call_command("backup", "list", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"local:{backup_dir} (keeps 7 days)"
    assert lines[1] == f"  {partial:26} {'5m':>8} {'10 B':>10}  INCOMPLETE"
    assert lines[2] == f"  {complete:26} {'2d03h':>8} {'20 B':>10}"


# --- daily job --------------------------------------------------------------------------------------------
@committed
def test_the_daily_job_runs_at_three_utc_and_creates_verifies_and_prunes(catalog, backup_dir, tmp_path):
    job = next(job for job in JOBS if job.name == "backup-daily")
    assert job.cron == "0 3 * * *"
    job.enqueue()
    assert DBTaskResult.objects.get().task_path == "gnb.ops.tasks.backup_daily"

    old = store_dummy_set(LocalTarget(backup_dir, keep_days=7), dt.datetime(2020, 1, 1, tzinfo=dt.UTC), tmp_path)
    run = services.backup_run_daily()
    assert run.status == "succeeded"
    assert [path.name for path in backup_dir.iterdir()] == [run.name]
    assert old != run.name


@committed
def test_the_daily_job_marks_a_set_that_does_not_verify_as_failed(catalog, backup_dir, monkeypatch):
    def unreadable(*, name=None, target_names=None):
        raise BackupError(f"{REFUSED} ({name}/{MEDIA})")

    monkeypatch.setattr(services, "backup_verify", unreadable)
    with pytest.raises(BackupError):
        services.backup_run_daily()
    run = BackupRun.objects.get()
    assert (run.status, run.error) == ("failed", f"stored but does not verify: {REFUSED} ({run.name}/{MEDIA})")
    assert alert("backup.failed").status == "firing"


# --- settings ---------------------------------------------------------------------------------------------
def test_the_key_is_read_as_hex_or_base64(monkeypatch):
    from config.settings import _backup_key

    key = os.urandom(32)
    import base64

    for written in (
        key.hex(),
        key.hex().upper(),
        base64.b64encode(key).decode(),
        base64.urlsafe_b64encode(key).decode(),
    ):
        monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", written)
        assert _backup_key("BACKUP_ENCRYPTION_KEY") == key
    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", "")
    assert _backup_key("BACKUP_ENCRYPTION_KEY") is None
    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", base64.b64encode(key[:16]).decode())
    with pytest.raises(ImproperlyConfigured) as refused:
        _backup_key("BACKUP_ENCRYPTION_KEY")
    assert str(refused.value) == (
        "BACKUP_ENCRYPTION_KEY must be 32 bytes written as 64 hex digits or as base64 (44 characters); "
        "the value given (24 characters) is neither"
    )


def test_a_wrong_backup_setting_stops_the_start_naming_it(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("not-a-key\n")
    base = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "gnbtransfer.com",
        "EMAIL_URL": "console://",
        "SITE_URL": "https://gnbtransfer.com",
    }
    cases = {
        "key file": (
            {"BACKUP_ENCRYPTION_KEY_FILE": str(key_file)},
            "BACKUP_ENCRYPTION_KEY must be 32 bytes written as 64 hex digits or as base64 (44 characters); "
            "the value given (9 characters) is neither",
        ),
        "targets": ({"BACKUP_TARGETS": "local,ftp"}, "BACKUP_TARGETS names unknown targets ftp; use local, s3"),
        "bucket": ({"BACKUP_TARGETS": "s3"}, "BACKUP_TARGETS includes s3 but BACKUP_S3_BUCKET is not set"),
        "keep days": ({"BACKUP_LOCAL_KEEP_DAYS": "0"}, "BACKUP_LOCAL_KEEP_DAYS=0 must be at least 1"),
    }
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-c", "import django; django.setup()"],
            cwd=ROOT,
            env={**base, **changes},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (changes, _message) in cases.items()
    }
    for name, process in processes.items():
        _stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 1, name
        assert stderr.strip().splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {cases[name][1]}"


def test_keygen_prints_a_key_the_settings_accept(monkeypatch):
    from config.settings import _backup_key

    out = io.StringIO()
    call_command("backup", "keygen", stdout=out)
    monkeypatch.setenv("BACKUP_ENCRYPTION_KEY", out.getvalue().strip())
    assert len(_backup_key("BACKUP_ENCRYPTION_KEY") or b"") == 32


@committed
def test_the_database_file_is_sealed_and_holds_the_engine_s_own_format(catalog, backup_dir, tmp_path):
    run = backup_create()
    with (tmp_path / "plain").open("wb") as plain:
        unseal(backup_dir / run.name / database_file(), KEY, dst=plain)
    head = (tmp_path / "plain").read_bytes()[:16]
    assert head.startswith(b"PGDMP") if connection.vendor == "postgresql" else head == b"SQLite format 3\x00"
    assert (backup_dir / run.name / database_file()).read_bytes()[:6] == b"GNBBAK"
