"""The task worker: every task has a named priority, an email burst never delays an urgent task, and an idle worker
(manage.py run_worker) is woken by PostgreSQL's NOTIFY within a second, or by its fallback when a notification is
missed."""

from __future__ import annotations

import datetime as dt
import importlib
import os
import pkgutil
import re
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import TaskContext, task
from django_tasks.base import Task
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

import gnb
from gnb.core import taskpriority
from gnb.notifications.tasks import send_booking_email
from gnb.ops.reaper import stale_tasks_reap
from gnb.ops.worker import NotifiedWorker
from gnb.payments.tasks import holds_expire_task

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="LISTEN/NOTIFY and SKIP LOCKED are PostgreSQL's"
)

EXPECTED = {
    "gnb.accounts.tasks.purge_api_sign_ins": "BULK",
    "gnb.accounts.tasks.send_account_email": "PROMPT",
    "gnb.fleet.push.driver_notice_send_task": "PROMPT",
    "gnb.fleet.tasks.fleet_compliance_task": "BULK",
    "gnb.fleet.tasks.flights_poll_task": "BULK",
    "gnb.fleet.tasks.uetds_report_task": "URGENT",
    "gnb.notifications.tasks.remind_drivers_due": "NORMAL",
    "gnb.notifications.tasks.remind_travel_documents_due": "NORMAL",
    "gnb.notifications.tasks.send_booking_email": "PROMPT",
    "gnb.notifications.tasks.send_contact_message": "PROMPT",
    "gnb.notifications.tasks.send_driver_notice_email": "PROMPT",
    "gnb.notifications.tasks.send_group_quote_email": "PROMPT",
    "gnb.notifications.tasks.send_manage_link": "PROMPT",
    "gnb.ops.alerts.tasks.alert_deliver": "URGENT",
    "gnb.ops.alerts.tasks.ops_self_check": "BULK",
    "gnb.ops.tasks.backup_daily": "BULK",
    "gnb.ops.tasks.prune_task_results": "BULK",
    "gnb.ops.tasks.reap_stale_tasks": "URGENT",
    "gnb.payments.services.events.provider_event_apply_task": "URGENT",
    "gnb.payments.services.holds.payment_close_task": "URGENT",
    "gnb.payments.services.refunds.refund_submit_task": "URGENT",
    "gnb.payments.tasks.holds_expire_task": "URGENT",
    "gnb.privacy.tasks.privacy_retention": "BULK",
}


def project_tasks() -> dict[str, Task]:
    """Every task defined in gnb (outside the tests), by its path."""
    found: dict[str, Task] = {}
    for module_info in pkgutil.walk_packages(gnb.__path__, "gnb."):
        if ".tests" in module_info.name or ".migrations" in module_info.name or module_info.name.endswith("testing"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, Task) and value.module_path.startswith(module_info.name + "."):
                found[value.module_path] = value
    return found


def test_every_task_has_its_named_priority():
    names = {getattr(taskpriority, name): name for name in ("URGENT", "PROMPT", "NORMAL", "BULK")}
    assert {path: names.get(task.priority, task.priority) for path, task in project_tasks().items()} == EXPECTED


def claimed_order() -> list[str]:
    return list(DBTaskResult.objects.exclude(status="READY").order_by("started_at").values_list("task_path", flat=True))


@pytest.mark.django_db(transaction=True)
@postgres_only
@pytest.mark.parametrize("worker_class", [Worker, NotifiedWorker], ids=["db_worker", "run_worker"])
def test_an_email_burst_never_delays_an_urgent_task(worker_class):
    emails = [send_booking_email.enqueue(booking_id=n, kind="confirmation").id for n in range(1, 201)]
    urgent = holds_expire_task.enqueue().id

    worker_class(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=1, worker_id="burst", excluded_queue_names=[],
    ).run()  # fmt: skip

    row = DBTaskResult.objects.get(pk=urgent)
    assert (row.status, row.return_value, row.worker_ids) == ("SUCCESSFUL", 0, ["burst"])
    assert DBTaskResult.objects.filter(pk__in=emails, status="READY").count() == 200


def start_worker(*, interval: float) -> tuple[NotifiedWorker, threading.Thread]:
    worker = NotifiedWorker(
        queue_names=["default"], interval=interval, batch=False, backend_name="default", startup_delay=False,
        max_tasks=1, worker_id="waiting", excluded_queue_names=[],
    )  # fmt: skip
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    # Until the worker has looked at the empty queue and is waiting.
    deadline = time.monotonic() + 10
    while worker._listener is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    return worker, thread


def start_delay(task_id) -> dt.timedelta:
    row = DBTaskResult.objects.get(pk=task_id)
    assert row.status == "SUCCESSFUL", row.traceback
    return row.started_at - row.enqueued_at


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_a_waiting_worker_starts_a_committed_task_within_a_second():
    worker, thread = start_worker(interval=30)
    assert worker._listener is not None

    task_id = holds_expire_task.enqueue().id  # autocommit: committed, so notified

    thread.join(timeout=5)
    assert not thread.is_alive()
    assert start_delay(task_id) < dt.timedelta(seconds=1)


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_a_worker_that_missed_the_notification_finds_the_task_by_its_fallback():
    _worker, thread = start_worker(interval=2)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE django_tasks_database_dbtaskresult DISABLE TRIGGER gnb_task_enqueued")
        try:
            task_id = holds_expire_task.enqueue().id  # no NOTIFY: as if the worker had missed it
        finally:
            cursor.execute("ALTER TABLE django_tasks_database_dbtaskresult ENABLE TRIGGER gnb_task_enqueued")

    time.sleep(0.5)
    assert DBTaskResult.objects.get(pk=task_id).status == "READY"  # not woken
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert dt.timedelta(seconds=0.5) < start_delay(task_id) < dt.timedelta(seconds=3)


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_a_task_put_back_by_the_reaper_wakes_the_worker():
    row = DBTaskResult.objects.get(pk=holds_expire_task.enqueue().id)
    row.claim("dead-worker")
    _worker, thread = start_worker(interval=30)

    DBTaskResult.objects.filter(pk=row.pk).update(status="READY")  # what stale_tasks_reap does

    thread.join(timeout=5)
    assert not thread.is_alive()
    row.refresh_from_db()
    assert (row.status, row.worker_ids) == ("SUCCESSFUL", ["dead-worker", "waiting"])


@pytest.mark.django_db
def test_on_sqlite_the_worker_polls_at_its_interval(monkeypatch):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's fallback")
    slept: list[float] = []
    worker = NotifiedWorker(
        queue_names=["default"], interval=7, batch=False, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="sqlite", excluded_queue_names=[],
    )  # fmt: skip

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        worker.running = False

    monkeypatch.setattr("gnb.ops.worker.time.sleep", sleep)
    # The test's database connection is kept open (the worker closes expired ones between tasks).
    monkeypatch.setattr("gnb.ops.worker.close_old_connections", lambda: None)
    worker.run()
    assert (slept, worker._listener) == ([7], None)


@task(takes_context=True)
def stalls_on_its_first_run(context: TaskContext) -> str:
    """Waits a minute on its first claim (long enough to be killed in), finishes at once on the next."""
    if len(context.task_result.worker_ids) == 1:
        time.sleep(60)
    return "done"


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_a_worker_killed_mid_task_loses_nothing(settings):
    """A real run_worker process is killed (SIGKILL) while it runs a task: the row stays RUNNING, the reaper puts it
    back after the claim timeout, and the next worker runs it to the end."""
    database = connection.settings_dict
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
    )
    task_id = stalls_on_its_first_run.enqueue().id
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay", "--worker-id", "killed"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not DBTaskResult.objects.filter(pk=task_id, status="RUNNING").exists():
            assert time.monotonic() < deadline, "the worker never started the task"
            assert process.poll() is None, "the worker stopped"
            time.sleep(0.1)
    finally:
        process.kill()
        process.wait()
    assert DBTaskResult.objects.get(pk=task_id).status == "RUNNING"  # nothing marks a dead worker's task

    later = timezone.now() + dt.timedelta(seconds=settings.TASK_CLAIM_TIMEOUT_SECONDS + 1)
    assert stale_tasks_reap(now=later).requeued == [str(task_id)]
    NotifiedWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="next", excluded_queue_names=[],
    ).run()  # fmt: skip

    row = DBTaskResult.objects.get(pk=task_id)
    assert (row.status, row.return_value, row.worker_ids) == ("SUCCESSFUL", "done", ["killed", "next"])


def claiming_worker(worker_id: str) -> NotifiedWorker:
    return NotifiedWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id=worker_id, excluded_queue_names=[],
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_a_claim_is_one_statement_that_marks_the_first_ready_task_running():
    later = send_booking_email.using(run_after=timezone.now() + dt.timedelta(hours=1)).enqueue(booking_id=1, kind="x")
    email = send_booking_email.enqueue(booking_id=2, kind="confirmation")
    urgent = DBTaskResult.objects.get(pk=holds_expire_task.enqueue().id)
    urgent.claim("dead-worker")
    DBTaskResult.objects.filter(pk=urgent.pk).update(status="READY")  # put back by the reaper

    worker = claiming_worker("w1")
    with CaptureQueriesContext(connection) as statements:
        first, looked = worker.claim_next()
    assert looked and len(statements) == 1, statements.captured_queries
    assert first is not None and first.pk == urgent.pk  # the highest priority first
    first.refresh_from_db()
    assert (first.status, first.worker_ids) == ("RUNNING", ["dead-worker", "w1"])
    assert timezone.now() - first.started_at < dt.timedelta(seconds=5)

    second, _looked = worker.claim_next()
    assert second is not None and str(second.pk) == email.id
    assert (second.status, second.worker_ids, second.task_path) == ("RUNNING", ["w1"], send_booking_email.module_path)
    assert worker.claim_next() == (None, True)  # the one left is not due yet
    assert DBTaskResult.objects.get(pk=later.id).status == "READY"


@pytest.mark.django_db
def test_the_one_statement_claim_sets_what_the_librarys_claim_saves():
    """A django-tasks-db upgrade whose claim() records more (a new column) must show up here, not as a field the
    one-statement claim silently leaves unset."""
    row = DBTaskResult.objects.get(pk=holds_expire_task.enqueue().id)
    with CaptureQueriesContext(connection) as statements:
        row.claim("w1")
    (update,) = [query["sql"] for query in statements.captured_queries if query["sql"].startswith("UPDATE")]
    saved = set(re.findall(r'"(\w+)" = ', update.split(" WHERE ")[0]))
    assert saved == {"status", "started_at", "worker_ids"}  # what _claim_in_one_statement's UPDATE sets


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_workers_claiming_at_once_take_each_task_once():
    ids = {send_booking_email.enqueue(booking_id=n, kind="confirmation").id for n in range(1, 121)}
    claimed: dict[str, list] = {}
    start = threading.Barrier(4)

    def claim_all(worker_id: str) -> None:
        worker, mine = claiming_worker(worker_id), claimed.setdefault(worker_id, [])
        start.wait()
        try:
            while (row := worker.claim_next()[0]) is not None:
                mine.append(row.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim_all, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [pk for rows in claimed.values() for pk in rows]
    assert sorted(map(str, every)) == sorted(map(str, ids))  # each task claimed, none twice
    assert sum(1 for rows in claimed.values() if rows) > 1  # the workers did race
    rows = DBTaskResult.objects.filter(pk__in=ids)
    assert {(row.status, len(row.worker_ids)) for row in rows} == {("RUNNING", 1)}
    assert all(row.worker_ids[0] in claimed and row.pk in claimed[row.worker_ids[0]] for row in rows)
