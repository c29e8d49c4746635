import datetime as dt

import pytest
from apscheduler.triggers.cron import CronTrigger
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from gnb.ops.schedule import JOBS


def test_every_job_has_a_valid_cron_and_a_unique_name():
    assert len({job.name for job in JOBS}) == len(JOBS)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for job in JOBS:
        # At or after the start: a job that runs every minute fires at the start itself.
        assert CronTrigger.from_crontab(job.cron, timezone="UTC").get_next_fire_time(None, start) >= start


def test_unpaid_holds_are_expired_every_minute():
    job = next(job for job in JOBS if job.name == "payment-holds-expire")
    assert (job.cron, job.task.module_path) == ("* * * * *", "gnb.payments.tasks.holds_expire_task")


@pytest.mark.django_db
def test_a_job_enqueues_its_task_for_the_worker():
    job = next(job for job in JOBS if job.name == "prune-task-results")
    job.enqueue()
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "gnb.ops.tasks.prune_task_results"
    assert queued.status == "READY"


@pytest.mark.django_db
def test_list_prints_the_next_run_in_utc(capsys):
    call_command("run_scheduler", "--list")
    assert "prune-task-results       30 4 * * *" in capsys.readouterr().out
