"""Readiness checks: can this instance serve traffic, and is the machinery around it (worker, disk, backups) sound?

Each check answers ``ok``, ``warn`` or ``fail`` with a short detail. ``warn`` never makes readiness fail: it is
something an operator should look at, not a reason to take the instance out of rotation. A check guards itself:
any exception becomes ``fail`` with the exception's class name only (never its message, which can carry host
names, users or paths), and the full error goes to the log.

Thresholds come from settings (``HEALTH_*``, see ``docs/environment.md``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import connections, models
from django.db.models import Case, Count, F, Max, Min, Q, When
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from gnb.ops.models import BackupRun

logger = logging.getLogger(__name__)

OK, WARN, FAIL = "ok", "warn", "fail"
_SEVERITY = {OK: 0, WARN: 1, FAIL: 2}
_MIB = 1024 * 1024


@dataclass(frozen=True)
class CheckResult:
    """One check's answer; ``ms`` is how long it took, in milliseconds."""

    name: str
    status: str
    detail: str
    ms: float

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "detail": self.detail, "ms": self.ms}


def worst(statuses: Iterable[str]) -> str:
    """The most severe of ``statuses`` (``ok`` when there are none)."""
    return max(statuses, key=_SEVERITY.__getitem__, default=OK)


def _graded(value: float, *, warn: float, fail: float) -> str:
    """``fail`` above ``fail``, ``warn`` above ``warn``, else ``ok``."""
    if value > fail:
        return FAIL
    if value > warn:
        return WARN
    return OK


# --- readings shared with the metrics collectors ------------------------------------------------------------
@dataclass(frozen=True)
class QueueStats:
    """Tasks due to run now that no worker has picked up, and how long the oldest of them has waited."""

    waiting: int
    oldest_seconds: float | None


def queue_stats(*, now: dt.datetime | None = None) -> QueueStats:
    """Read the django-tasks database queue in one aggregate query.

    A task scheduled for later (``run_after`` in the future) is not waiting yet; one that is due waits since it
    became due (``run_after``) or, when it has no ``run_after``, since it was enqueued.
    """
    now = now or timezone.now()
    waiting_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=F("run_after"),
        output_field=models.DateTimeField(),
    )
    row = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .filter(Q(run_after=get_date_max()) | Q(run_after__lte=now))
        .aggregate(waiting=Count("id"), oldest=Min(waiting_since))
    )
    oldest = row["oldest"]
    return QueueStats(
        waiting=row["waiting"],
        oldest_seconds=max((now - oldest).total_seconds(), 0.0) if oldest is not None else None,
    )


@dataclass(frozen=True)
class BackupStats:
    """When the newest successful ``backup create`` finished, and when the first attempt of any outcome started."""

    last_success_at: dt.datetime | None
    first_attempt_at: dt.datetime | None


def backup_stats() -> BackupStats:
    """Read both times in one aggregate query over ``BackupRun(kind="create")``."""
    row = BackupRun.objects.filter(kind=BackupRun.Kind.CREATE).aggregate(
        last_success_at=Max("finished_at", filter=Q(status=BackupRun.Status.SUCCEEDED)),
        first_attempt_at=Min("started_at"),
    )
    return BackupStats(last_success_at=row["last_success_at"], first_attempt_at=row["first_attempt_at"])


# --- the checks ---------------------------------------------------------------------------------------------
def check_database() -> tuple[str, str]:
    """``SELECT 1`` on the default database."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    if row is None or row[0] != 1:
        return FAIL, "SELECT 1 returned an unexpected row"
    return OK, f"{connections['default'].vendor} answers"


def check_cache() -> tuple[str, str]:
    """Write a unique key to the default cache and read it back (a cache that drops writes fails too)."""
    cache = caches["default"]
    key = f"gnb:health:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    try:
        if cache.get(key) != value:
            return FAIL, "a value written was not read back"
    finally:
        cache.delete(key)
    return OK, "write and read back"


def check_queue() -> tuple[str, str]:
    """Backlog of the task queue: a stopped or overwhelmed worker shows as many or old waiting tasks."""
    stats = queue_stats()
    oldest = stats.oldest_seconds or 0.0
    status = worst(
        (
            _graded(stats.waiting, warn=settings.HEALTH_QUEUE_WARN_TASKS, fail=settings.HEALTH_QUEUE_FAIL_TASKS),
            _graded(oldest, warn=settings.HEALTH_QUEUE_WARN_AGE_SECONDS, fail=settings.HEALTH_QUEUE_FAIL_AGE_SECONDS),
        )
    )
    if stats.waiting == 0:
        return status, "no task waiting"
    return status, f"{stats.waiting} waiting, oldest {oldest:.0f} s"


def _existing(path: Path) -> Path:
    # MEDIA_ROOT may not exist before the first upload; its nearest existing parent is on the same volume.
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def disk_paths() -> dict[str, Path]:
    """The volumes to watch, by label: var/ (SQLite, backups in progress) and uploaded media."""
    return {"var": Path(settings.VAR_DIR), "media": Path(settings.MEDIA_ROOT)}


def check_disk() -> tuple[str, str]:
    """Free space on each watched volume; two paths on the same device are measured once."""
    seen: dict[int, str] = {}
    statuses: list[str] = []
    details: list[str] = []
    for label, path in disk_paths().items():
        existing = _existing(path)
        device = os.stat(existing).st_dev
        if device in seen:
            details.append(f"{label}: same volume as {seen[device]}")
            continue
        seen[device] = label
        free_mb = shutil.disk_usage(existing).free // _MIB
        # Less free space is worse, so grade the shortfall: negated values keep "above the limit is worse".
        statuses.append(
            _graded(-free_mb, warn=-settings.HEALTH_DISK_WARN_FREE_MB, fail=-settings.HEALTH_DISK_FAIL_FREE_MB)
        )
        details.append(f"{label}: {free_mb} MiB free")
    return worst(statuses), "; ".join(details)


def check_backup() -> tuple[str, str]:
    """Age of the last successful ``backup create``.

    With no successful backup at all the answer depends on whether backups have been tried: a deployment where
    no backup ever ran (new, or backups not set up yet) is ``warn`` so it can go live, while one where backup runs
    exist but none succeeded since the first attempt more than ``HEALTH_BACKUP_FAIL_HOURS`` ago is ``fail``:
    backups are configured and broken. Otherwise the age is graded against ``HEALTH_BACKUP_WARN_HOURS`` and
    ``HEALTH_BACKUP_FAIL_HOURS``.
    """
    stats = backup_stats()
    now = timezone.now()
    warn_seconds = settings.HEALTH_BACKUP_WARN_HOURS * 3600
    fail_seconds = settings.HEALTH_BACKUP_FAIL_HOURS * 3600
    if stats.last_success_at is None:
        if stats.first_attempt_at is not None and (now - stats.first_attempt_at).total_seconds() > fail_seconds:
            hours = (now - stats.first_attempt_at).total_seconds() / 3600
            return FAIL, f"never succeeded; first attempt {hours:.1f} h ago"
        return WARN, "never: no successful backup yet"
    age = max((now - stats.last_success_at).total_seconds(), 0.0)
    return _graded(age, warn=warn_seconds, fail=fail_seconds), f"last success {age / 3600:.1f} h ago"


CHECKS: tuple[tuple[str, Callable[[], tuple[str, str]]], ...] = (
    ("database", check_database),
    ("cache", check_cache),
    ("queue", check_queue),
    ("disk", check_disk),
    ("backup", check_backup),
)


def run_check(name: str, check: Callable[[], tuple[str, str]]) -> CheckResult:
    """Run one check, timing it; an exception is a ``fail`` named by its class, logged in full."""
    started = time.perf_counter()
    try:
        status, detail = check()
    except Exception as exc:
        logger.warning("health check %s raised", name, exc_info=True)
        status, detail = FAIL, f"error: {type(exc).__name__}"
    return CheckResult(name, status, detail, round((time.perf_counter() - started) * 1000, 1))


def run_checks() -> list[CheckResult]:
    """Every readiness check, in a fixed order."""
    return [run_check(name, check) for name, check in CHECKS]
