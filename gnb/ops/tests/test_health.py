"""/health/live and /health/ready: exact shapes, status codes, each check's ok/warn/fail, probes from anywhere."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from gnb.ops import health
from gnb.ops.models import BackupRun
from gnb.ops.tasks import prune_task_results

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
CHECK_NAMES = ["database", "cache", "queue", "disk", "backup"]


@pytest.fixture(autouse=True)
def _roomy_disk(settings):
    # The machine running the tests may be short of space; thresholds of 1 MiB keep "disk" ok unless a test
    # sets its own.
    settings.HEALTH_DISK_WARN_FREE_MB = 1
    settings.HEALTH_DISK_FAIL_FREE_MB = 1
    settings.BUILD_ID = "build-42"


def backup(*, hours_ago: float, status: str = "succeeded", kind: str = "create") -> BackupRun:
    finished = timezone.now() - dt.timedelta(hours=hours_ago)
    return BackupRun.objects.create(
        kind=kind,
        status=status,
        started_at=finished - dt.timedelta(minutes=5),
        finished_at=finished,
    )


def ready(client):
    response = client.get("/health/ready")
    return response, response.json()


# --- live ---------------------------------------------------------------------------------------------------
def test_live_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    # No django_db mark: any query would raise, so this also proves "no I/O".
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_probes_answer_any_host_over_plain_http_while_pages_do_not(client, settings):
    # A load balancer calls the instance by its internal address; production redirects HTTP to HTTPS.
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/health/live", HTTP_HOST="10.0.3.7:8000")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert client.get("/admin/login/", HTTP_HOST="10.0.3.7:8000").status_code == 400
    assert client.get("/admin/login/").status_code == 301


def test_live_refuses_writes(client):
    assert client.post("/health/live").status_code == 405


# --- ready --------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_ready_reports_every_check_with_its_timing(client):
    with time_machine.travel(NOW - dt.timedelta(hours=3), tick=False):
        backup(hours_ago=0)
    with time_machine.travel(NOW, tick=False):
        response, body = ready(client)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert list(body) == ["status", "build", "checks"]
    assert (body["status"], body["build"]) == ("ok", "build-42")
    assert list(body["checks"]) == CHECK_NAMES
    for check in body["checks"].values():
        assert sorted(check) == ["detail", "ms", "status"]
        assert isinstance(check["ms"], float) and check["ms"] >= 0
    assert {name: check["status"] for name, check in body["checks"].items()} == dict.fromkeys(CHECK_NAMES, "ok")
    assert body["checks"]["database"]["detail"] == f"{connection.vendor} answers"
    assert body["checks"]["cache"]["detail"] == "write and read back"
    assert body["checks"]["queue"]["detail"] == "no task waiting"
    assert body["checks"]["backup"]["detail"] == "last success 3.0 h ago"
    assert re.fullmatch(
        r"var: \d+ MiB free; media: (same volume as var|\d+ MiB free)", body["checks"]["disk"]["detail"]
    )


@pytest.mark.django_db
def test_ready_costs_three_queries(client, django_assert_num_queries):
    # SELECT 1, the queue aggregate and the backup aggregate; the alert counter lives in the cache.
    with django_assert_num_queries(3):
        assert client.get("/health/ready").status_code == 200


@pytest.mark.django_db
def test_a_warning_keeps_ready_at_200(client):
    # No backup has ever run: a new deployment must still go live, with a warning.
    response, body = ready(client)
    assert response.status_code == 200
    assert body["status"] == "warn"
    backup_check = body["checks"]["backup"]
    assert (backup_check["status"], backup_check["detail"]) == ("warn", "never: no successful backup yet")


@pytest.mark.django_db
def test_a_broken_cache_fails_ready_with_503(client, settings):
    # A cache that accepts writes and loses them (here: the dummy backend) is as broken as one that is down.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response, body = ready(client)
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["cache"]["status"] == "fail"
    assert body["checks"]["cache"]["detail"] == "a value written was not read back"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_an_unreachable_cache_is_a_fail_with_a_safe_message_not_a_500(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://:s3cret-password@127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response, body = ready(client)
    assert response.status_code == 503
    assert body["checks"]["cache"]["status"] == "fail"
    assert body["checks"]["cache"]["detail"] == "error: ConnectionError"
    assert b"s3cret" not in response.content
    assert b"127.0.0.1" not in response.content


@pytest.mark.django_db
def test_a_check_that_raises_becomes_fail_named_by_its_exception_class(client, monkeypatch):
    def explode():
        raise RuntimeError("password=hunter2 host=db.internal")

    monkeypatch.setattr(health, "CHECKS", (*health.CHECKS[:-1], ("backup", explode)))
    response, body = ready(client)
    assert response.status_code == 503
    assert body["checks"]["backup"]["status"] == "fail"
    assert body["checks"]["backup"]["detail"] == "error: RuntimeError"
    assert b"hunter2" not in response.content
    assert b"db.internal" not in response.content


# --- queue --------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_backlog_over_the_threshold_fails_ready(client, settings):
    settings.HEALTH_QUEUE_WARN_TASKS = 1
    settings.HEALTH_QUEUE_FAIL_TASKS = 1
    with time_machine.travel(NOW, tick=False):
        prune_task_results.enqueue()
        queue = ready(client)[1]["checks"]["queue"]
        assert (queue["status"], queue["detail"]) == ("ok", "1 waiting, oldest 0 s")
        prune_task_results.enqueue()
        response, body = ready(client)
    assert response.status_code == 503
    assert (body["checks"]["queue"]["status"], body["checks"]["queue"]["detail"]) == ("fail", "2 waiting, oldest 0 s")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("waited", "status", "detail"),
    [
        (dt.timedelta(seconds=300), "ok", "1 waiting, oldest 300 s"),
        (dt.timedelta(seconds=301), "warn", "1 waiting, oldest 301 s"),
        (dt.timedelta(seconds=1801), "fail", "1 waiting, oldest 1801 s"),
    ],
)
def test_the_oldest_waiting_task_is_graded_by_its_age(waited, status, detail):
    with time_machine.travel(NOW, tick=False):
        prune_task_results.enqueue()
    with time_machine.travel(NOW + waited, tick=False):
        assert health.check_queue() == (status, detail)


@pytest.mark.django_db
def test_a_task_scheduled_for_later_is_not_waiting_until_it_is_due():
    with time_machine.travel(NOW, tick=False):
        prune_task_results.using(run_after=NOW + dt.timedelta(hours=1)).enqueue()
        assert health.queue_stats() == health.QueueStats(waiting=0, oldest_seconds=None)
    # Due for ten minutes: it has waited since it became due, not since it was enqueued an hour earlier.
    with time_machine.travel(NOW + dt.timedelta(minutes=70), tick=False):
        assert health.queue_stats() == health.QueueStats(waiting=1, oldest_seconds=600.0)


@pytest.mark.django_db
def test_running_and_finished_tasks_are_not_waiting():
    from django_tasks_db.models import DBTaskResult

    prune_task_results.enqueue()
    prune_task_results.enqueue()
    DBTaskResult.objects.filter(pk=DBTaskResult.objects.first().pk).update(status="RUNNING")
    assert health.queue_stats().waiting == 1


# --- disk ---------------------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("warn_mb", "fail_mb", "status", "code"),
    [(1, 1, "ok", 200), (10**12, 1, "warn", 200), (10**12, 10**12, "fail", 503)],
)
def test_free_disk_space_is_graded_against_the_thresholds(client, settings, warn_mb, fail_mb, status, code):
    settings.HEALTH_DISK_WARN_FREE_MB = warn_mb
    settings.HEALTH_DISK_FAIL_FREE_MB = fail_mb
    response, body = ready(client)
    assert body["checks"]["disk"]["status"] == status
    assert response.status_code == code


def test_a_media_root_not_created_yet_is_measured_on_its_parent_volume(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media" / "not-yet"
    status, detail = health.check_disk()
    assert status == "ok"
    assert re.fullmatch(r"var: \d+ MiB free; media: same volume as var", detail)


# --- backup -------------------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hours_ago", "status", "detail"),
    [
        (25, "ok", "last success 25.0 h ago"),
        (26, "ok", "last success 26.0 h ago"),
        (27, "warn", "last success 27.0 h ago"),
        (51, "fail", "last success 51.0 h ago"),
    ],
)
def test_the_last_successful_backup_is_graded_by_its_age(hours_ago, status, detail):
    with time_machine.travel(NOW - dt.timedelta(hours=hours_ago), tick=False):
        backup(hours_ago=0)
    with time_machine.travel(NOW, tick=False):
        assert health.check_backup() == (status, detail)


@pytest.mark.django_db
def test_only_successful_backup_creates_count():
    with time_machine.travel(NOW - dt.timedelta(hours=30), tick=False):
        backup(hours_ago=0)
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        backup(hours_ago=0, status="failed")
        backup(hours_ago=0, kind="drill")
        BackupRun.objects.create(kind="create", status="running")
    with time_machine.travel(NOW, tick=False):
        assert health.check_backup() == ("warn", "last success 30.0 h ago")


@pytest.mark.django_db
def test_backups_that_never_succeeded_fail_once_they_have_been_tried_long_enough():
    with time_machine.travel(NOW - dt.timedelta(hours=49), tick=False):
        backup(hours_ago=0, status="failed")
    with time_machine.travel(NOW, tick=False):
        assert health.check_backup() == ("warn", "never: no successful backup yet")
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        # The failed run started 5 minutes before it ended: 49 h + 5 min + 2 h.
        assert health.check_backup() == ("fail", "never succeeded; first attempt 51.1 h ago")


@pytest.mark.django_db
def test_a_stale_backup_fails_ready_with_503_logged_as_one_warning(client, caplog):
    with time_machine.travel(NOW - dt.timedelta(hours=60), tick=False):
        backup(hours_ago=0)
    with time_machine.travel(NOW, tick=False):
        response, body = ready(client)
    assert response.status_code == 503
    assert (body["status"], body["checks"]["backup"]["status"]) == ("fail", "fail")
    # Probes repeat every few seconds: a failing one is a warning naming the checks, not an ERROR each time.
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records if r.name.startswith("django.request")] == []
    assert ("gnb.ops.views", "WARNING", "readiness failing: backup") in [
        (r.name, r.levelname, r.getMessage()) for r in caplog.records
    ]


def test_worst_orders_fail_over_warn_over_ok():
    assert health.worst([]) == "ok"
    assert health.worst(["ok", "warn", "ok"]) == "warn"
    assert health.worst(["warn", "fail", "ok"]) == "fail"


# --- alert --------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_ready_failing_three_times_in_a_row_raises_the_alert_and_a_pass_resolves_it(client, settings):
    from gnb.ops.models import AlertState

    settings.HEALTH_ALERT_AFTER_FAILURES = 3
    settings.HEALTH_DISK_FAIL_FREE_MB = settings.HEALTH_DISK_WARN_FREE_MB = 10**12
    assert [client.get("/health/ready").status_code for _ in range(2)] == [503, 503]
    assert not AlertState.objects.filter(key="health.ready").exists()
    assert client.get("/health/ready").status_code == 503
    state = AlertState.objects.get(key="health.ready")
    assert (state.status, state.title) == ("firing", "Readiness check failing: disk")

    settings.HEALTH_DISK_FAIL_FREE_MB = settings.HEALTH_DISK_WARN_FREE_MB = 1
    assert client.get("/health/ready").status_code == 200
    state.refresh_from_db()
    assert state.status == "resolved"


@pytest.mark.django_db
def test_failures_with_a_pass_between_them_do_not_alert(client, settings):
    from gnb.ops.models import AlertState

    settings.HEALTH_ALERT_AFTER_FAILURES = 2
    for fail_mb in (10**12, 1, 10**12, 1):
        settings.HEALTH_DISK_FAIL_FREE_MB = settings.HEALTH_DISK_WARN_FREE_MB = fail_mb
        client.get("/health/ready")
    assert not AlertState.objects.exists()
