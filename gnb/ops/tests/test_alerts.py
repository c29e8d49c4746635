"""Raising and resolving alerts end to end: recorded, de-duplicated, rate-limited, delivered by the worker."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.db import OperationalError, transaction
from django_tasks_db.models import DBTaskResult

from gnb.ops.alerts import services
from gnb.ops.alerts.services import (
    alert_burst_settle,
    alert_deliver_run,
    alert_on_burst,
    alert_on_consecutive_failures,
    alert_raise,
    alert_resolve,
)
from gnb.ops.models import AlertState
from gnb.testing.alerts import DELIVER_PATH, run_worker
from gnb.testing.servers import body_of

T0 = dt.datetime(2026, 3, 1, 6, 15, tzinfo=dt.UTC)
SITE = "http://testserver"


def queued_deliveries() -> list[dict]:
    return [row.args_kwargs["kwargs"] for row in DBTaskResult.objects.filter(task_path=DELIVER_PATH, status="READY")]


def facts(*, fired: int, resolved_at: dt.datetime | None = None, first: dt.datetime = T0) -> str:
    lines = ["Alert: backup.failed", f"Site: {SITE}", f"First fired: {first.isoformat()}"]
    if resolved_at:
        lines.append(f"Resolved: {resolved_at.isoformat()}")
    return "\n".join([*lines, f"Times fired: {fired}"])


@pytest.fixture
def raise_and_run():
    """Call an alert function as production does (its transaction commits), then let the worker run the queue."""

    def run(function, **kwargs) -> None:
        function(**kwargs)
        run_worker()

    return run


# The worker closes and reopens its database connection as in production, so it must find committed rows.
worker_test = pytest.mark.django_db(transaction=True)


BACKUP = {"key": "backup.failed", "title": "Backup failed"}


@worker_test
def test_three_raises_and_a_resolve_send_exactly_two_messages_per_channel(channels, raise_and_run):
    resolved_at = T0 + dt.timedelta(minutes=90)
    for minutes in (0, 10, 20):
        with time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False):
            raise_and_run(alert_raise, **BACKUP, detail="pg_dump exited with status 1")
    with time_machine.travel(resolved_at, tick=False):
        raise_and_run(alert_resolve, **BACKUP)

    assert [request.json() for request in channels.slack.requests] == [
        {
            "text": ":rotating_light: FIRING [error] Backup failed",
            "attachments": [
                {
                    "color": "#d73a49",
                    "text": "pg_dump exited with status 1\n\n" + facts(fired=1),
                    "fallback": "FIRING [error] Backup failed",
                }
            ],
        },
        {
            "text": ":white_check_mark: RESOLVED Backup failed",
            "attachments": [
                {
                    "color": "#28a745",
                    "text": "pg_dump exited with status 1\n\n" + facts(fired=3, resolved_at=resolved_at),
                    "fallback": "RESOLVED Backup failed",
                }
            ],
        },
    ]
    assert [request.path for request in channels.slack.requests] == ["/services/T0/B0/secret"] * 2
    assert channels.subjects() == ["[GNB alert] FIRING [error] Backup failed", "[GNB alert] RESOLVED Backup failed"]
    assert [to for _sender, to, _email in channels.smtp.messages] == [["ops@gnbtransfer.com"]] * 2
    assert body_of(channels.smtp.messages[1][2]) == "pg_dump exited with status 1\n\n" + facts(
        fired=3, resolved_at=resolved_at
    )
    # GitHub: the fired message opens issue 7; the resolved message closes it and says so in a comment.
    assert channels.github_calls() == [
        ("POST", "/repos/gnb/ops/issues"),
        ("PATCH", "/repos/gnb/ops/issues/7"),
        ("POST", "/repos/gnb/ops/issues/7/comments"),
    ]
    assert channels.github.requests[0].json() == {
        "title": "[GNB alert] Backup failed",
        "body": "pg_dump exited with status 1\n\n" + facts(fired=1),
        "labels": ["alert"],
    }

    state = AlertState.objects.get()
    fired, resolved = f"fired:{T0.isoformat()}", f"resolved:{resolved_at.isoformat()}"
    assert (state.status, state.fire_count, state.first_fired_at, state.last_fired_at) == (
        "resolved",
        3,
        T0,
        T0 + dt.timedelta(minutes=20),
    )
    assert (state.notified_at, state.resolved_at) == (T0, resolved_at)
    assert state.external_ref == {
        "slack": {"fired": fired, "resolved": resolved},
        "email": {"fired": fired, "resolved": resolved},
        "github": {"issue": 7, "incident": T0.isoformat(), "fired": fired, "resolved": resolved},
    }


@worker_test
def test_a_delivery_run_twice_sends_nothing_twice(channels, raise_and_run):
    with time_machine.travel(T0, tick=False):
        raise_and_run(alert_raise, **BACKUP)
    state = AlertState.objects.get()

    assert alert_deliver_run(alert_id=state.pk, event="fired") == {}
    assert alert_deliver_run(alert_id=state.pk, event="resolved") == {}  # not resolved: nothing to say
    assert len(channels.slack.requests) == len(channels.smtp.messages) == len(channels.github.requests) == 1


@worker_test
def test_raising_again_after_resolve_is_a_new_incident_with_a_new_message_and_issue(channels, raise_and_run):
    later = T0 + dt.timedelta(hours=5)
    with time_machine.travel(T0, tick=False):
        raise_and_run(alert_raise, **BACKUP)
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        raise_and_run(alert_resolve, **BACKUP)
    with time_machine.travel(later, tick=False):
        raise_and_run(alert_raise, **BACKUP, detail="disk full")

    assert channels.slack_texts() == [
        ":rotating_light: FIRING [error] Backup failed",
        ":white_check_mark: RESOLVED Backup failed",
        ":rotating_light: FIRING [error] Backup failed",
    ]
    assert channels.slack.requests[2].json()["attachments"][0]["text"] == "disk full\n\n" + facts(fired=1, first=later)
    assert len(channels.smtp.messages) == 3
    assert channels.github_calls() == [
        ("POST", "/repos/gnb/ops/issues"),
        ("PATCH", "/repos/gnb/ops/issues/7"),
        ("POST", "/repos/gnb/ops/issues/7/comments"),
        ("POST", "/repos/gnb/ops/issues"),
    ]
    state = AlertState.objects.get()
    assert (state.status, state.fire_count, state.first_fired_at, state.resolved_at) == ("firing", 1, later, None)
    assert state.external_ref["github"]["issue"] == 8


@worker_test
def test_a_raise_after_the_repeat_window_sends_one_reminder(channels, raise_and_run):
    with time_machine.travel(T0, tick=False):
        raise_and_run(alert_raise, **BACKUP)
    for minutes in (30, 59, 61, 90):
        with time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False):
            raise_and_run(alert_raise, **BACKUP)

    assert channels.slack_texts() == [
        ":rotating_light: FIRING [error] Backup failed",
        ":rotating_light: STILL FIRING [error] Backup failed",
    ]
    assert channels.slack.requests[1].json()["attachments"][0]["text"] == facts(fired=4)
    assert channels.subjects() == [
        "[GNB alert] FIRING [error] Backup failed",
        "[GNB alert] STILL FIRING [error] Backup failed",
    ]
    assert channels.github_calls() == [("POST", "/repos/gnb/ops/issues"), ("POST", "/repos/gnb/ops/issues/7/comments")]
    assert channels.github.requests[1].json() == {
        "body": "STILL FIRING [error] Backup failed\n\n" + facts(fired=4),
    }
    state = AlertState.objects.get()
    assert (state.fire_count, state.notified_at) == (5, T0 + dt.timedelta(minutes=61))


@worker_test
def test_a_transient_failure_is_retried_by_the_next_raise_and_others_are_not_resent(channels, raise_and_run):
    answers = iter([(503, {}, b"busy")])
    channels.slack.responder = lambda received: next(answers, (200, {}, b"ok"))

    with time_machine.travel(T0, tick=False):
        raise_and_run(alert_raise, **BACKUP)
    state = AlertState.objects.get()
    assert state.external_ref["slack"] == {"retry": f"fired:{T0.isoformat()}"}
    assert DBTaskResult.objects.get(task_path=DELIVER_PATH).return_value == {
        "slack": "retry",
        "email": "sent",
        "github": "sent",
    }

    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        raise_and_run(alert_raise, **BACKUP)

    assert len(channels.slack.requests) == 2  # the 503, then the retry
    assert channels.slack_texts() == [":rotating_light: FIRING [error] Backup failed"] * 2
    assert len(channels.smtp.messages) == 1
    assert len(channels.github.requests) == 1
    assert AlertState.objects.get().external_ref["slack"] == {"fired": f"fired:{T0.isoformat()}"}

    # Everything delivered: further raises in the window only count.
    with time_machine.travel(T0 + dt.timedelta(minutes=6), tick=False):
        raise_and_run(alert_raise, **BACKUP)
    assert DBTaskResult.objects.filter(task_path=DELIVER_PATH).count() == 2


@worker_test
def test_a_permanent_failure_is_logged_and_not_retried(channels, raise_and_run, caplog):
    channels.slack.responder = lambda received: (404, {}, b"no_service")

    with time_machine.travel(T0, tick=False), caplog.at_level(logging.ERROR, logger="gnb.ops.alerts"):
        raise_and_run(alert_raise, **BACKUP)
        raise_and_run(alert_raise, **BACKUP)

    assert len(channels.slack.requests) == 1
    port = channels.slack.server.server_address[1]
    assert [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR] == [
        f"alert backup.failed: slack refused the fired message: HTTP 404 from 127.0.0.1:{port}: no_service"
    ]
    assert AlertState.objects.get().external_ref["slack"] == {
        "fired": f"fired:{T0.isoformat()}",
        "error": f"HTTP 404 from 127.0.0.1:{port}: no_service",
    }
    assert DBTaskResult.objects.filter(task_path=DELIVER_PATH).count() == 1


@pytest.mark.django_db
def test_a_delivery_is_queued_with_its_incident_in_one_transaction(channels, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            alert_raise(**BACKUP)
            alert_raise(**BACKUP)
            assert queued_deliveries() == [{"alert_id": AlertState.objects.get().pk, "event": "fired"}]
        with pytest.raises(RuntimeError), transaction.atomic():
            alert_raise(key="backup.drill", title="Drill failed")
            raise RuntimeError("the caller's work fails")
    assert callbacks == []  # nothing waits for after the commit
    assert list(AlertState.objects.values_list("key", flat=True)) == ["backup.failed"]
    assert queued_deliveries() == [{"alert_id": AlertState.objects.get().pk, "event": "fired"}]


@worker_test
def test_resolving_what_is_not_firing_sends_nothing(channels, raise_and_run):
    raise_and_run(alert_resolve, **BACKUP)
    assert AlertState.objects.count() == 0
    raise_and_run(alert_raise, **BACKUP)
    raise_and_run(alert_resolve, **BACKUP)
    raise_and_run(alert_resolve, **BACKUP)
    assert channels.slack_texts() == [
        ":rotating_light: FIRING [error] Backup failed",
        ":white_check_mark: RESOLVED Backup failed",
    ]


@worker_test
def test_without_channels_alerts_are_still_recorded(settings, raise_and_run):
    settings.ALERT_SLACK_WEBHOOK_URL = settings.ALERT_GITHUB_TOKEN = settings.ALERT_GITHUB_REPO = ""
    settings.ALERT_EMAIL_TO = []
    raise_and_run(alert_raise, key="x.y", title="Something", severity="warning")
    state = AlertState.objects.get()
    assert (state.key, state.severity, state.status, state.external_ref) == ("x.y", "warning", "firing", {})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "", "title": "t"}, "alert key must be 1 to 100 characters, got ''"),
        ({"key": "k" * 101, "title": "t"}, f"alert key must be 1 to 100 characters, got {'k' * 101!r}"),
        ({"key": "k", "title": ""}, "alert title must not be empty"),
        (
            {"key": "k", "title": "t", "severity": "fatal"},
            "alert severity must be one of info, warning, error, critical, got 'fatal'",
        ),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError) as caught:
        alert_raise(**kwargs)
    assert str(caught.value) == message


@pytest.mark.django_db
def test_with_the_database_down_the_alert_goes_out_directly_once_per_window(channels, monkeypatch):
    def database_down(**kwargs):
        raise OperationalError("connection to server at 127.0.0.1 port 5432 failed: Connection refused")

    monkeypatch.setattr(services, "_raise_recorded", database_down)
    monkeypatch.setattr(services, "_database_reachable", lambda: False)
    with time_machine.travel(T0, tick=False):
        alert_raise(key="health.ready", title="Not ready", detail="database: connection refused", severity="critical")
        alert_raise(key="health.ready", title="Not ready", detail="database: connection refused", severity="critical")

    assert channels.slack_texts() == [":rotating_light: FIRING [critical] Not ready"]
    assert channels.subjects() == ["[GNB alert] FIRING [critical] Not ready"]
    assert channels.github_calls() == [("POST", "/repos/gnb/ops/issues")]

    # Back up: no row was recorded, so the resolve is sent directly as well.
    with time_machine.travel(T0 + dt.timedelta(minutes=3), tick=False):
        alert_resolve(key="health.ready", title="Not ready")
        alert_resolve(key="health.ready", title="Not ready")
    assert channels.slack_texts() == [
        ":rotating_light: FIRING [critical] Not ready",
        ":white_check_mark: RESOLVED Not ready",
    ]
    assert AlertState.objects.count() == 0


# --- helpers for repeated checks --------------------------------------------------------------------------


@worker_test
def test_consecutive_failures_raise_at_the_threshold_and_resolve_on_the_next_success(channels, raise_and_run):
    ready = {"key": "health.ready", "title": "Readiness failing", "threshold": 3}

    for ok in (False, False, True, False, False):
        raise_and_run(alert_on_consecutive_failures, **ready, ok=ok)
    assert AlertState.objects.count() == 0  # never three in a row

    raise_and_run(alert_on_consecutive_failures, **ready, ok=False)
    state = AlertState.objects.get()
    assert (state.key, state.title, state.detail, state.status) == (
        "health.ready",
        "Readiness failing",
        "Failed 3 times in a row.",
        "firing",
    )
    for _ in range(4):
        raise_and_run(alert_on_consecutive_failures, **ready, ok=False)
    state.refresh_from_db()
    assert (state.fire_count, state.detail) == (2, "Failed 6 times in a row.")  # raised again at 6, counted only

    raise_and_run(alert_on_consecutive_failures, **ready, ok=True)
    raise_and_run(alert_on_consecutive_failures, **ready, ok=True)
    state.refresh_from_db()
    assert state.status == "resolved"
    assert channels.slack_texts() == [
        ":rotating_light: FIRING [error] Readiness failing",
        ":white_check_mark: RESOLVED Readiness failing",
    ]


@worker_test
def test_a_burst_raises_once_per_window_and_resolves_after_a_quiet_window(channels, raise_and_run):
    burst = {"key": "payments.failed", "title": "Failed payments", "threshold": 3, "window_seconds": 60}
    start = dt.datetime(2026, 3, 1, 6, 0, 0, tzinfo=dt.UTC)  # a window boundary

    with time_machine.travel(start, tick=False):
        counts = []
        for _ in range(5):
            with_counts = alert_on_burst(**burst)
            counts.append(with_counts)
    assert counts == [1, 2, 3, 4, 5]
    state = AlertState.objects.get()
    assert (state.key, state.detail, state.fire_count) == ("payments.failed", "3 events within 60 seconds.", 1)

    # The next window is calm until its first event; the window after that starts by settling the burst.
    with time_machine.travel(start + dt.timedelta(seconds=70), tick=False):
        raise_and_run(alert_on_burst, **burst)
    with time_machine.travel(start + dt.timedelta(seconds=130), tick=False):
        raise_and_run(alert_on_burst, **burst)
    state.refresh_from_db()
    assert state.status == "resolved"


@pytest.mark.django_db
def test_a_burst_in_two_windows_stays_firing_and_settle_ends_it_later(channels):
    burst = {"key": "payments.failed", "title": "Failed payments", "threshold": 2, "window_seconds": 60}
    start = dt.datetime(2026, 3, 1, 6, 0, 0, tzinfo=dt.UTC)
    for seconds in (0, 1, 60, 61):
        with time_machine.travel(start + dt.timedelta(seconds=seconds), tick=False):
            alert_on_burst(**burst)
    state = AlertState.objects.get()
    assert (state.status, state.fire_count) == ("firing", 2)

    settle = {key: burst[key] for key in ("key", "title", "threshold", "window_seconds")}
    with time_machine.travel(start + dt.timedelta(seconds=100), tick=False):
        assert alert_burst_settle(**settle) is False  # the previous window had the burst
    with time_machine.travel(start + dt.timedelta(seconds=200), tick=False):
        assert alert_burst_settle(**settle) is True
        assert alert_burst_settle(**settle) is False
    state.refresh_from_db()
    assert state.status == "resolved"


@pytest.mark.django_db
def test_error_log_records_raise_the_error_burst_alert(settings, django_capture_on_commit_callbacks):
    settings.ALERT_ERROR_BURST_THRESHOLD = 3
    settings.ALERT_ERROR_BURST_WINDOW_SECONDS = 300
    app_logger = logging.getLogger("gnb.bookings.some_module")
    with django_capture_on_commit_callbacks(execute=True):
        app_logger.warning("not an error")
        app_logger.error("payment provider timed out")
        logging.getLogger("gnb.ops.alerts.services").error("alerting's own errors do not count")
        app_logger.error("payment provider timed out")
        assert AlertState.objects.count() == 0
        app_logger.error("payment provider timed out")

    state = AlertState.objects.get()
    assert (state.key, state.title, state.detail) == ("errors.burst", "Burst of errors", "3 events within 300 seconds.")
    assert queued_deliveries() == [{"alert_id": state.pk, "event": "fired"}]
