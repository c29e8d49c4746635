"""Concurrent raises of one incident send one message: the row lock and the unique key, proven on PostgreSQL."""

from __future__ import annotations

from functools import partial

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from gnb.ops.alerts.services import alert_raise
from gnb.ops.models import AlertState
from gnb.testing import races
from gnb.testing.alerts import DELIVER_PATH, Channels, run_worker

THREADS = 20

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def race(*, key: str, title: str) -> list[str]:
    """Raise ``key`` from THREADS threads released together; return each one's outcome."""
    attempts = [partial(alert_raise, key=key, title=title, detail=f"seen by thread {n}") for n in range(THREADS)]
    return races.race(attempts, outcome=lambda error, _result: "raised" if error is None else repr(error))


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
