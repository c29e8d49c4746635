"""The daily self-check: things that break quietly (a stopped worker, a backup that stopped running)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from gnb.ops.alerts.services import (
    ERROR_BURST_KEY,
    ERROR_BURST_TITLE,
    alert_burst_settle,
    alert_raise,
    alert_resolve,
)
from gnb.ops.models import BackupRun


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome; ``key`` and ``title`` name the alert it raises or resolves."""

    key: str
    title: str
    severity: str
    ok: bool
    detail: str


def check_database() -> CheckResult:
    """The database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return CheckResult("selfcheck.database", "Database unreachable", "critical", False, f"SELECT 1 failed: {exc}")
    return CheckResult("selfcheck.database", "Database unreachable", "critical", True, "")


def check_task_backlog(*, now: dt.datetime) -> CheckResult:
    """No task has been ready to run for longer than ALERT_QUEUE_STALE_MINUTES (else the worker is stopped or stuck)."""
    minutes = settings.ALERT_QUEUE_STALE_MINUTES
    cutoff = now - dt.timedelta(minutes=minutes)
    # A task without run_after has been due since it was enqueued; one with run_after since that time.
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        Q(run_after=get_date_max(), enqueued_at__lt=cutoff) | Q(run_after__lt=cutoff)
    )
    count = stale.count()
    if not count:
        return CheckResult("selfcheck.task_backlog", "Task queue backlog", "error", True, "")
    oldest = stale.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    detail = (
        f"{count} task(s) ready for more than {minutes} minutes, the oldest enqueued at "
        f"{oldest.isoformat() if oldest else '?'}. Is the worker (manage.py run_worker) running?"
    )
    return CheckResult("selfcheck.task_backlog", "Task queue backlog", "error", False, detail)


def check_backup_age(*, now: dt.datetime) -> CheckResult:
    """The last successful ``backup create`` finished less than ALERT_BACKUP_MAX_AGE_HOURS ago."""
    hours = settings.ALERT_BACKUP_MAX_AGE_HOURS
    last = (
        BackupRun.objects.filter(
            kind=BackupRun.Kind.CREATE, status=BackupRun.Status.SUCCEEDED, finished_at__isnull=False
        )
        .order_by("-finished_at")
        .first()
    )
    if last is None or last.finished_at is None:
        return CheckResult("selfcheck.backup_age", "Backup too old", "error", False, "No successful backup recorded.")
    age = now - last.finished_at
    if age < dt.timedelta(hours=hours):
        return CheckResult("selfcheck.backup_age", "Backup too old", "error", True, "")
    detail = (
        f"The last successful backup {last.name or last.pk} finished at {last.finished_at.isoformat()}, "
        f"{age.total_seconds() / 3600:.1f} hours ago (limit {hours} hours)."
    )
    return CheckResult("selfcheck.backup_age", "Backup too old", "error", False, detail)


def self_check_run() -> dict[str, str]:
    """Run every check, raise or resolve its alert, and return ``{key: "ok" | detail}``."""
    now = timezone.now()
    results = [check_database()]
    if results[0].ok:  # the other checks read the database
        results += [check_task_backlog(now=now), check_backup_age(now=now)]
    for result in results:
        if result.ok:
            alert_resolve(key=result.key, title=result.title)
        else:
            alert_raise(key=result.key, title=result.title, detail=result.detail, severity=result.severity)
    # A burst alert otherwise ends only with the next error after a quiet window; a quiet day ends it here.
    alert_burst_settle(
        key=ERROR_BURST_KEY,
        title=ERROR_BURST_TITLE,
        threshold=settings.ALERT_ERROR_BURST_THRESHOLD,
        window_seconds=settings.ALERT_ERROR_BURST_WINDOW_SECONDS,
    )
    return {result.key: "ok" if result.ok else result.detail for result in results}
