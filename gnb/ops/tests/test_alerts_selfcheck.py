"""The daily self-check: database, task backlog and backup age, each raising and resolving its own alert."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from gnb.ops.alerts.selfcheck import check_backup_age, check_database, check_task_backlog
from gnb.ops.alerts.tasks import ops_self_check
from gnb.ops.models import AlertState, BackupRun
from gnb.ops.schedule import JOBS
from gnb.ops.tasks import prune_task_results

NOW = dt.datetime(2026, 3, 1, 6, 15, tzinfo=dt.UTC)


def backup(*, finished: dt.datetime, status: str = "succeeded", kind: str = "create") -> BackupRun:
    return BackupRun.objects.create(
        kind=kind, status=status, name=f"gnb-{finished:%Y%m%dT%H%M%SZ}", started_at=finished, finished_at=finished
    )


def firing() -> dict[str, str]:
    return dict(AlertState.objects.filter(status="firing").values_list("key", "detail"))


def test_the_self_check_is_scheduled_daily_after_the_backup():
    job = next(job for job in JOBS if job.name == "ops-self-check")
    assert (job.cron, job.task, job.kwargs) == ("15 6 * * *", ops_self_check, {})


@pytest.mark.django_db
def test_database_check_passes_on_a_working_database():
    assert check_database().ok is True


@pytest.mark.django_db
def test_backup_age_counts_only_finished_successful_creates():
    with time_machine.travel(NOW, tick=False):
        assert check_backup_age(now=NOW).detail == "No successful backup recorded."
        backup(finished=NOW - dt.timedelta(hours=1), status="failed")
        backup(finished=NOW - dt.timedelta(hours=2), kind="drill")
        backup(finished=NOW - dt.timedelta(hours=30))
        result = check_backup_age(now=NOW)
        assert (result.ok, result.detail) == (
            False,
            "The last successful backup gnb-20260228T001500Z finished at 2026-02-28T00:15:00+00:00, "
            "30.0 hours ago (limit 26 hours).",
        )
        backup(finished=NOW - dt.timedelta(hours=25, minutes=59))
        assert check_backup_age(now=NOW).ok is True


@pytest.mark.django_db
def test_task_backlog_counts_tasks_due_for_longer_than_ten_minutes():
    with time_machine.travel(NOW - dt.timedelta(minutes=11), tick=False):
        prune_task_results.enqueue()  # due since enqueued, 11 minutes ago
        prune_task_results.using(run_after=NOW + dt.timedelta(hours=1)).enqueue()  # not due yet
    with time_machine.travel(NOW - dt.timedelta(minutes=9), tick=False):
        prune_task_results.enqueue()  # due for only 9 minutes
    result = check_task_backlog(now=NOW)
    assert (result.ok, result.detail) == (
        False,
        "1 task(s) ready for more than 10 minutes, the oldest enqueued at 2026-03-01T06:04:00+00:00. "
        "Is the worker (manage.py run_worker) running?",
    )
    DBTaskResult.objects.filter(enqueued_at__lt=NOW - dt.timedelta(minutes=10)).update(status="SUCCESSFUL")
    assert check_task_backlog(now=NOW).ok is True


@pytest.mark.django_db(transaction=True)
def test_the_self_check_task_raises_and_resolves_an_alert_per_check(settings):
    settings.ALERT_SLACK_WEBHOOK_URL = settings.ALERT_GITHUB_TOKEN = settings.ALERT_GITHUB_REPO = ""
    settings.ALERT_EMAIL_TO = []
    with time_machine.travel(NOW - dt.timedelta(minutes=30), tick=False):
        prune_task_results.enqueue()  # a worker that is not running leaves this waiting
    with time_machine.travel(NOW, tick=False):
        assert ops_self_check.call() == {
            "selfcheck.database": "ok",
            "selfcheck.task_backlog": "1 task(s) ready for more than 10 minutes, the oldest enqueued at "
            "2026-03-01T05:45:00+00:00. Is the worker (manage.py run_worker) running?",
            "selfcheck.backup_age": "No successful backup recorded.",
        }
        assert sorted(firing()) == ["selfcheck.backup_age", "selfcheck.task_backlog"]

        # The worker catches up (running the self-check's own alert deliveries too) and a backup succeeds.
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        backup(finished=NOW - dt.timedelta(hours=3))
        assert ops_self_check.call() == {
            "selfcheck.database": "ok",
            "selfcheck.task_backlog": "ok",
            "selfcheck.backup_age": "ok",
        }
    assert firing() == {}
    assert sorted(AlertState.objects.values_list("key", "status")) == [
        ("selfcheck.backup_age", "resolved"),
        ("selfcheck.task_backlog", "resolved"),
    ]
