"""The reaper: tasks left RUNNING by a dead worker run again after TASK_CLAIM_TIMEOUT_SECONDS; a task that keeps
killing its worker is failed with an alert; two reapers never put one task back twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gnb.ops import tasks
from gnb.ops.models import AlertState
from gnb.ops.reaper import ALERT_KEY, MAX_CLAIMS, stale_tasks_reap
from gnb.ops.schedule import JOBS
from gnb.testing.races import race


def running(*, minutes_ago: float, claims: int = 1) -> DBTaskResult:
    """A queued task claimed ``claims`` times, the last ``minutes_ago``, and not finished."""
    row = DBTaskResult.objects.get(pk=tasks.prune_task_results.enqueue().id)
    for number in range(claims):
        row.claim(f"worker-{number + 1}")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
    row.refresh_from_db()
    return row


def test_the_scheduler_reaps_every_minute():
    job = next(job for job in JOBS if job.name == "reap-stale-tasks")
    assert (job.cron, job.task.module_path) == ("* * * * *", "gnb.ops.tasks.reap_stale_tasks")


@pytest.mark.django_db
def test_only_tasks_running_longer_than_the_timeout_are_put_back(settings):
    settings.TASK_CLAIM_TIMEOUT_SECONDS = 600
    fresh = running(minutes_ago=9)
    stale = running(minutes_ago=11)
    done = running(minutes_ago=60)
    done.set_successful(None)

    result = stale_tasks_reap()

    assert (result.requeued, result.failed) == ([str(stale.pk)], [])
    assert dict(DBTaskResult.objects.values_list("pk", "status")) == {
        fresh.pk: "RUNNING",
        stale.pk: "READY",
        done.pk: "SUCCESSFUL",
    }
    # Put back as it was queued, and the claims so far kept: the next claim is counted on top.
    stale.refresh_from_db()
    assert stale.worker_ids == ["worker-1"]
    assert DBTaskResult.objects.ready().filter(pk=stale.pk).exists()
    assert AlertState.objects.count() == 0


@pytest.mark.django_db
def test_a_task_that_keeps_dying_is_failed_with_an_alert(django_capture_on_commit_callbacks):
    row = running(minutes_ago=20, claims=MAX_CLAIMS)
    below = running(minutes_ago=20, claims=MAX_CLAIMS - 1)

    with django_capture_on_commit_callbacks(execute=True):
        result = stale_tasks_reap()

    assert (result.requeued, result.failed) == ([str(below.pk)], [str(row.pk)])
    row.refresh_from_db()
    assert (row.status, row.exception_class_path) == ("FAILED", "gnb.ops.reaper.WorkerDied")
    assert row.traceback.startswith(f"Claimed {MAX_CLAIMS} times by workers worker-1, worker-2, worker-3")
    [failure] = row.task_result.errors
    assert failure.exception_class_path == "gnb.ops.reaper.WorkerDied"
    alert = AlertState.objects.get(key=ALERT_KEY)
    assert (alert.status, alert.title) == ("firing", "Tasks keep stopping their worker")
    assert f"gnb.ops.tasks.prune_task_results ({row.pk})" in alert.detail


@pytest.mark.django_db
def test_a_task_claimed_again_since_the_reaper_read_it_is_left_alone():
    row = running(minutes_ago=20)
    # Between the reaper's read and its update, a worker claims the task anew (started_at moves): the conditional
    # update matches no row.
    original_filter = DBTaskResult.objects.filter
    reads: list[int] = []

    def filter_after_a_new_claim(*args, **kwargs):
        if "started_at" in kwargs and not reads:
            reads.append(1)
            DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now())
        return original_filter(*args, **kwargs)

    DBTaskResult.objects.filter = filter_after_a_new_claim
    try:
        result = stale_tasks_reap()
    finally:
        DBTaskResult.objects.filter = original_filter
    assert (result.requeued, result.failed) == ([], [])
    assert DBTaskResult.objects.get(pk=row.pk).status == "RUNNING"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent reapers are only real on PostgreSQL")
def test_two_reapers_at_once_put_a_task_back_once():
    rows = [running(minutes_ago=30) for _ in range(5)]
    outcomes = race(
        [stale_tasks_reap] * 4,
        outcome=lambda error, result: repr(error) if error else ",".join(result.requeued),  # type: ignore[attr-defined]
    )
    requeued = sorted(pk for outcome in outcomes for pk in outcome.split(",") if pk)
    assert requeued == sorted(str(row.pk) for row in rows), outcomes
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"READY"}
