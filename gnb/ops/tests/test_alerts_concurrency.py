"""Concurrent raises of one incident send one message: the row lock and the unique key, proven on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from gnb.ops.alerts.services import alert_raise
from gnb.ops.models import AlertState
from gnb.ops.tests import test_alerts
from gnb.ops.tests.test_alerts import DELIVER_PATH, Channels, run_worker

# Fixtures shared with the other alert tests: every channel against its local server.
channels = test_alerts.channels
smtp_server = test_alerts.smtp_server

THREADS = 20

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def race(*, key: str, title: str) -> list[str]:
    """Raise ``key`` from THREADS threads released together; return each one's outcome."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            try:
                alert_raise(key=key, title=title, detail=f"seen by thread {number}")
                outcome = "raised"
            except Exception as exc:  # anything else fails the test with its repr
                outcome = repr(exc)
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_twenty_concurrent_first_raises_create_one_incident_and_send_one_message(channels: Channels):
    outcomes = race(key="backup.failed", title="Backup failed")

    assert outcomes == ["raised"] * THREADS
    state = AlertState.objects.get()
    assert (state.key, state.status, state.fire_count) == ("backup.failed", "firing", THREADS)
    assert DBTaskResult.objects.filter(task_path=DELIVER_PATH).count() == 1
    run_worker()
    assert channels.slack_texts() == [":rotating_light: FIRING [error] Backup failed"]
    assert channels.subjects() == ["[GNB alert] FIRING [error] Backup failed"]
    assert channels.github_calls() == [("POST", "/repos/gnb/ops/issues")]


def test_twenty_concurrent_repeats_of_a_firing_incident_only_count(channels: Channels):
    alert_raise(key="backup.failed", title="Backup failed")
    run_worker()

    outcomes = race(key="backup.failed", title="Backup failed")

    assert outcomes == ["raised"] * THREADS
    assert AlertState.objects.get().fire_count == THREADS + 1
    assert DBTaskResult.objects.filter(task_path=DELIVER_PATH).count() == 1
    assert len(channels.slack.requests) == 1
