"""Backup services: create, verify, restore, prune and drill. The ``backup`` command and the daily task call these.

Every ``create`` and ``drill`` is recorded as a ``BackupRun`` whatever its outcome (health reads the last successful
create). Failures raise ``BackupError`` with a message naming what is wrong, after recording and alerting.
"""

from __future__ import annotations

import datetime as dt
import logging
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from gnb.ops.alerts.services import alert_raise, alert_resolve
from gnb.ops.backups.databases import Database, TableSummary, compare, database_from_settings_dict, database_from_url
from gnb.ops.backups.errors import BackupError, TargetError
from gnb.ops.backups.selectors import backup_listings, latest_set_name, locations
from gnb.ops.backups.sets import (
    FORMAT,
    MANIFEST,
    MEDIA,
    SUFFIX,
    FileRecord,
    SealedWriter,
    check_record,
    read_manifest,
    set_name,
    unseal,
    write_manifest,
)
from gnb.ops.backups.targets import LocalTarget, Target, configured_targets
from gnb.ops.models import BackupRun

logger = logging.getLogger(__name__)

ALERT_FAILED = "backup.failed"
ALERT_DRILL = "backup.drill"
_TITLE_FAILED = "Backup failed"
_TITLE_DRILL = "Backup drill found a problem"
# Leftovers of an interrupted upload or copy are removed once they are surely not in progress any more.
_INCOMPLETE_GRACE = dt.timedelta(days=1)


def _key() -> bytes:
    key = settings.BACKUP_ENCRYPTION_KEY
    if not key:
        raise BackupError(
            "BACKUP_ENCRYPTION_KEY is not set (nor BACKUP_ENCRYPTION_KEY_FILE); backups are encrypted with it. "
            "Create one with `manage.py backup keygen` and keep a copy away from this machine: without it no "
            "backup can be read"
        )
    return key


def current_database() -> Database:
    """The database this process uses (the test database under pytest)."""
    return database_from_settings_dict(connections["default"].settings_dict)


def _alert_raise(key: str, title: str, detail: str) -> None:
    # An alert channel that fails must not hide the backup's own outcome, which is recorded and raised anyway.
    try:
        alert_raise(key=key, title=title, detail=detail, severity="error")
    except Exception:
        logger.exception("could not raise alert %s", key)


def _alert_resolve(key: str, title: str) -> None:
    try:
        alert_resolve(key=key, title=title)
    except Exception:
        logger.exception("could not resolve alert %s", key)


def _finish(run: BackupRun, status: str, *, error: str = "") -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save()


def _free_name(at: dt.datetime) -> str:
    base = set_name(at)
    taken = set(BackupRun.objects.filter(name__startswith=base).values_list("name", flat=True))
    sequence = 1
    while set_name(at, sequence) in taken:
        sequence += 1
    return set_name(at, sequence)


# --- create -----------------------------------------------------------------------------------------------
def _media_archive(path: Path, key: bytes) -> FileRecord:
    """Every file under MEDIA_ROOT as a tar, paths relative to it (an empty archive when there is none)."""
    media_root = Path(settings.MEDIA_ROOT)
    writer = SealedWriter(path, key)
    try:
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as archive:  # type: ignore[call-overload]
            if media_root.is_dir():
                for child in sorted(media_root.iterdir()):
                    archive.add(child, arcname=child.name)
    except OSError as exc:
        writer.abort()
        raise BackupError(f"cannot archive media in {media_root}: {exc}") from exc
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def _build_set(
    name: str, database: Database, key: bytes, workdir: Path, *, include_media: bool
) -> tuple[dict[str, Any], list[Path]]:
    database_file = f"{database.file_name}{SUFFIX}"
    writer = SealedWriter(workdir / database_file, key)
    try:
        tables = database.dump(writer)
    except BaseException:
        writer.abort()
        raise
    records = {database_file: writer.close()}
    if include_media:
        records[MEDIA] = _media_archive(workdir / MEDIA, key)
    manifest = {
        "format": FORMAT,
        "name": name,
        "created_at": timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
        "database": {"engine": database.engine, "file": database_file},
        "media": MEDIA if include_media else None,
        "compression": "gzip",
        "encryption": "AES-256-GCM, 1 MiB chunks (gnb.ops.backups.crypto, format 1)",
        "files": {file_name: record.as_json() for file_name, record in records.items()},
        "tables": {table: summary.as_json() for table, summary in tables.items()},
    }
    write_manifest(workdir / MANIFEST, manifest, key)
    return manifest, [*(workdir / file_name for file_name in records), workdir / MANIFEST]


def backup_create(*, target_names: Sequence[str] | None = None, include_media: bool | None = None) -> BackupRun:
    """Snapshot the database (and media), seal it and store it in every target; record the run.

    A set stored in some targets but not others still counts as failed (and alerts), and stays where it was stored.
    """
    started = timezone.now()
    run = BackupRun.objects.create(kind=BackupRun.Kind.CREATE, name=_free_name(started), started_at=started)
    with_media = settings.BACKUP_INCLUDE_MEDIA if include_media is None else include_media
    try:
        key = _key()
        database = current_database()
        run.database_engine = database.engine
        targets = configured_targets(target_names)
        with tempfile.TemporaryDirectory(prefix="gnb-backup-") as workdir:
            manifest, files = _build_set(run.name, database, key, Path(workdir), include_media=with_media)
            run.manifest = manifest
            run.raw_bytes = sum(record["raw_bytes"] for record in manifest["files"].values())
            run.stored_bytes = sum(path.stat().st_size for path in files)
            errors = []
            for target in targets:
                try:
                    target.store(run.name, files)
                except TargetError as exc:
                    logger.error("backup not stored: %s", exc)
                    errors.append(str(exc))
                else:
                    run.targets = [*run.targets, target.name]
        if errors:
            raise BackupError("; ".join(errors))
    except Exception as exc:
        message = str(exc) if isinstance(exc, BackupError) else f"unexpected error: {exc!r}"
        _finish(run, BackupRun.Status.FAILED, error=message)
        logger.error("backup %s failed: %s", run.name, message)
        _alert_raise(ALERT_FAILED, _TITLE_FAILED, f"{run.name}: {message}")
        if isinstance(exc, BackupError):
            raise
        raise BackupError(message) from exc
    _finish(run, BackupRun.Status.SUCCEEDED)
    logger.info(
        "backup %s stored in %s",
        run.name,
        ", ".join(run.targets),
        extra={"raw_bytes": run.raw_bytes, "stored_bytes": run.stored_bytes},
    )
    _alert_resolve(ALERT_FAILED, _TITLE_FAILED)
    return run


# --- reading a set back -----------------------------------------------------------------------------------
def _open_manifest(target: Target, name: str, key: bytes, workdir: Path) -> dict[str, Any]:
    path = workdir / f"{target.name}-{MANIFEST}"
    target.fetch(name, MANIFEST, path)
    try:
        return read_manifest(path, key, expected_name=name)
    finally:
        path.unlink(missing_ok=True)


def _check_file(
    target: Target, name: str, file_name: str, manifest: dict[str, Any], key: bytes, workdir: Path, *, keep: bool
) -> Path | None:
    """Fetch, authenticate and check one file; with ``keep``, return its plaintext (only once fully checked)."""
    try:
        expected = FileRecord.from_json(manifest["files"][file_name])
    except (KeyError, TypeError, ValueError):
        raise BackupError(f"{name}: the manifest has no record of {file_name}") from None
    sealed = workdir / f"{target.name}-{file_name}"
    plain = workdir / f"{target.name}-{file_name.removesuffix(SUFFIX)}"
    target.fetch(name, file_name, sealed)
    try:
        if keep:
            with plain.open("xb") as out:
                actual = unseal(sealed, key, dst=out, label=f"{name}/{file_name}")
        else:
            actual = unseal(sealed, key, label=f"{name}/{file_name}")
        check_record(f"{name}/{file_name}", expected, actual)
    except BaseException:
        plain.unlink(missing_ok=True)
        raise
    finally:
        sealed.unlink(missing_ok=True)
    return plain if keep else None


@dataclass(frozen=True)
class VerifyReport:
    target: str
    name: str
    files: dict[str, int]  # file name: raw bytes checked


def backup_verify(*, name: str | None = None, target_names: Sequence[str] | None = None) -> list[VerifyReport]:
    """Download, decrypt and check every file of a set (default: the latest) in every target holding it."""
    key = _key()
    listings = backup_listings(target_names)
    name = name or latest_set_name(listings)
    targets = locations(listings, name)
    reports = []
    with tempfile.TemporaryDirectory(prefix="gnb-verify-") as tmp:
        workdir = Path(tmp)
        for target in targets:
            manifest = _open_manifest(target, name, key, workdir)
            checked = {}
            for file_name, record in sorted(manifest.get("files", {}).items()):
                _check_file(target, name, file_name, manifest, key, workdir, keep=False)
                checked[file_name] = int(record["raw_bytes"])
            if manifest.get("database", {}).get("file") not in checked:
                raise BackupError(f"{name}: the manifest lists no database file")
            logger.info("backup %s verified in %s", name, target.name)
            reports.append(VerifyReport(target.name, name, checked))
    return reports


# --- restore ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RestoreResult:
    name: str
    target: str
    database: str
    tables: dict[str, TableSummary]
    differences: list[str] = field(default_factory=list)
    media_files: int = 0


def _check_engine(name: str, manifest: dict[str, Any], database: Database) -> str:
    engine = manifest.get("database", {}).get("engine")
    if engine != database.engine:
        raise BackupError(f"set {name} holds a {engine} database; {database.describe()} is {database.engine}")
    return str(manifest["database"]["file"])


def _restore_media(archive_path: Path) -> int:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path) as archive:
        members = archive.getmembers()
        # The "data" filter refuses absolute paths, "..", devices and links that point outside MEDIA_ROOT.
        archive.extractall(media_root, filter="data")
    return sum(1 for member in members if member.isfile())


def backup_restore(
    *,
    name: str | None = None,
    database_url: str | None = None,
    force: bool = False,
    target_names: Sequence[str] | None = None,
    include_media: bool = False,
) -> RestoreResult:
    """Restore a set (default: the latest) into the configured database, or the one ``database_url`` names.

    A database that already has tables is refused unless ``force``. The set is taken whole or not at all: every
    file it lists (the media archive too, also when only the database is restored) is authenticated and matched
    against the manifest before anything is restored; afterwards the key tables are compared with it.
    """
    key = _key()
    database = database_from_url(database_url) if database_url else current_database()
    listings = backup_listings(target_names)
    name = name or latest_set_name(listings)
    target = locations(listings, name)[0]
    database.check_restorable(force=force)
    with tempfile.TemporaryDirectory(prefix="gnb-restore-") as tmp:
        workdir = Path(tmp)
        manifest = _open_manifest(target, name, key, workdir)
        database_file = _check_engine(name, manifest, database)
        media_file = str(manifest["media"]) if manifest.get("media") else None
        if include_media and media_file is None:
            raise BackupError(f"set {name} has no media archive")
        kept = {database_file, media_file} if include_media else {database_file}
        # A tampered file anywhere in the set means the set cannot be trusted, whatever part of it is restored.
        for file_name in sorted(manifest.get("files", {})):
            if file_name not in kept:
                _check_file(target, name, file_name, manifest, key, workdir, keep=False)
        dump = _check_file(target, name, database_file, manifest, key, workdir, keep=True)
        assert dump is not None
        media_archive = None
        if include_media and media_file is not None:
            media_archive = _check_file(target, name, media_file, manifest, key, workdir, keep=True)
        if database == current_database():
            # Django's own connection must not hold the old file or tables open across the swap.
            connections["default"].close()
        database.restore(dump, force=force)
        media_files = _restore_media(media_archive) if media_archive else 0
    tables = database.summarize()
    differences = compare(manifest.get("tables", {}), tables)
    logger.info("backup %s restored into %s", name, database.describe(), extra={"differences": differences})
    return RestoreResult(name, target.name, database.describe(), tables, differences, media_files)


# --- prune ------------------------------------------------------------------------------------------------
def backup_prune(
    *, now: dt.datetime | None = None, target_names: Sequence[str] | None = None, dry_run: bool = False
) -> dict[str, list[str]]:
    """Delete sets older than each target's retention; return the names deleted per target.

    The newest complete set of a target is always kept, however old: when backups stop working, retention must
    not delete the last good one. Incomplete sets go once they are a day old.
    """
    now = now or timezone.now()
    deleted: dict[str, list[str]] = {}
    errors = []
    for target in configured_targets(target_names):
        try:
            stored = target.sets()
            complete = [entry.name for entry in stored if entry.complete]
            newest = complete[-1] if complete else None
            cutoff = now - dt.timedelta(days=target.keep_days)
            doomed = [
                entry.name
                for entry in stored
                if entry.name != newest
                and (entry.created_at < cutoff or (not entry.complete and entry.created_at < now - _INCOMPLETE_GRACE))
            ]
            deleted[target.name] = doomed
            if dry_run:
                continue
            for set_name_ in doomed:
                target.delete(set_name_)
                logger.info("backup %s pruned from %s", set_name_, target.name)
            if isinstance(target, LocalTarget):
                for partial in target.stale_partials(now - _INCOMPLETE_GRACE):
                    target.remove_partial(partial)
        except TargetError as exc:
            errors.append(str(exc))
    if errors:
        raise BackupError("; ".join(errors))
    return deleted


# --- drill ------------------------------------------------------------------------------------------------
def backup_drill(*, name: str | None = None, target_names: Sequence[str] | None = None) -> BackupRun:
    """Restore a set (default: the latest) into a scratch database and compare its key tables with the manifest.

    The scratch database (``<name>_drill_<time>`` on the same PostgreSQL server, or a temporary SQLite file) is
    removed afterwards. Any difference or failure is recorded, alerted and raised.
    """
    run = BackupRun.objects.create(kind=BackupRun.Kind.DRILL, name=name or "")
    try:
        key = _key()
        live = current_database()
        run.database_engine = live.engine
        listings = backup_listings(target_names)
        run.name = name or latest_set_name(listings)
        target = locations(listings, run.name)[0]
        with tempfile.TemporaryDirectory(prefix="gnb-drill-") as tmp:
            workdir = Path(tmp)
            manifest = _open_manifest(target, run.name, key, workdir)
            database_file = _check_engine(run.name, manifest, live)
            for file_name in sorted(manifest.get("files", {})):
                if file_name != database_file:
                    _check_file(target, run.name, file_name, manifest, key, workdir, keep=False)
            dump = _check_file(target, run.name, database_file, manifest, key, workdir, keep=True)
            assert dump is not None
            with live.scratch("drill") as scratch:
                scratch.restore(dump, force=False)
                restored = scratch.summarize()
        recorded = manifest.get("tables", {})
        differences = compare(recorded, restored)
        run.manifest = {
            "target": target.name,
            "tables": {table: summary.as_json() for table, summary in restored.items()},
            "differences": differences,
        }
        run.raw_bytes = sum(int(record["raw_bytes"]) for record in manifest.get("files", {}).values())
        if differences:
            raise BackupError(f"drill of {run.name}: {len(differences)} difference(s): {'; '.join(differences)}")
    except Exception as exc:
        message = str(exc) if isinstance(exc, BackupError) else f"unexpected error: {exc!r}"
        _finish(run, BackupRun.Status.FAILED, error=message)
        logger.error("backup drill failed: %s", message)
        _alert_raise(ALERT_DRILL, _TITLE_DRILL, message)
        if isinstance(exc, BackupError):
            raise
        raise BackupError(message) from exc
    _finish(run, BackupRun.Status.SUCCEEDED)
    logger.info("backup drill of %s passed: %d tables match", run.name, len(restored))
    _alert_resolve(ALERT_DRILL, _TITLE_DRILL)
    return run


# --- daily ------------------------------------------------------------------------------------------------
def backup_run_daily() -> BackupRun:
    """Create a set, verify it in every target, then prune. A set that does not verify marks the run failed."""
    run = backup_create()
    try:
        backup_verify(name=run.name)
    except BackupError as exc:
        _finish(run, BackupRun.Status.FAILED, error=f"stored but does not verify: {exc}")
        _alert_raise(ALERT_FAILED, _TITLE_FAILED, f"{run.name} does not verify: {exc}")
        raise
    backup_prune()
    return run
