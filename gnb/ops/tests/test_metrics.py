"""/metrics: access control, request and booking counters by bounded labels, database readings, multiprocess."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import ResolverMatch
from prometheus_client.parser import text_string_to_metric_families

from gnb.bookings import services
from gnb.core.errors import SoldOut, ValidationFailed
from gnb.ops import health, metrics
from gnb.ops.models import BackupRun
from gnb.ops.tasks import prune_task_results
from gnb.testing.bookings import place_tour, place_transfer
from gnb.testing.metrics import samples, scrape_text

TOKEN = "scrape-token-0123456789abcdef"
BASE_DIR = Path(__file__).resolve().parents[3]
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
METRIC_NAMES = [
    "gnb_http_requests_total",
    "gnb_http_request_duration_seconds",
    "gnb_bookings_placed_total",
    "gnb_bookings_cancelled_total",
    "gnb_bookings_by_state",
    "gnb_task_queue_waiting_tasks",
    "gnb_task_queue_oldest_waiting_seconds",
    "gnb_backup_last_success_timestamp_seconds",
    "gnb_backup_age_seconds",
    "gnb_metrics_collector_up",
    "gnb_build_info",
    "gnb_payments",
    "gnb_payments_needing_attention",
    "gnb_refunds",
    "gnb_payment_holds_live",
]


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    return TOKEN


def live(name: str, **labels: str) -> float:
    return metrics.LIVE_REGISTRY.get_sample_value(name, labels) or 0.0


# --- access -------------------------------------------------------------------------------------------------
def test_metrics_are_off_until_a_token_or_an_address_is_configured(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404
    assert b"gnb_" not in response.content


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-0123456789abcdef", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "],
)
def test_a_scrape_without_the_right_bearer_token_is_forbidden(client, token, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 403
    assert response.content == b"forbidden"


@pytest.mark.django_db
def test_the_right_token_gets_every_metric(client, token):
    BackupRun.objects.create(kind="create", status="succeeded", finished_at=dt.datetime.now(dt.UTC))
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=1.0.0; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    families = {family.name for family in text_string_to_metric_families(response.content.decode())}
    for name in METRIC_NAMES:
        assert name.removesuffix("_total") in families, name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "status"),
    [("10.1.2.3", None, 200), ("192.168.0.9", None, 403), ("127.0.0.1", "10.1.2.3", 403), ("bogus", None, 403)],
)
def test_the_allow_list_checks_the_connecting_address_only(client, settings, remote_addr, forwarded_for, status):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "2001:db8::1"]
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert client.get("/metrics", **extra).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote_addr", "authorization", "status"),
    [("10.1.2.3", f"Bearer {TOKEN}", 200), ("10.1.2.3", None, 403), ("192.168.0.9", f"Bearer {TOKEN}", 403)],
)
def test_with_both_set_a_scrape_needs_both(client, settings, remote_addr, authorization, status):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    headers = {"Authorization": authorization} if authorization else {}
    assert client.get("/metrics", headers=headers, REMOTE_ADDR=remote_addr).status_code == status


@pytest.mark.django_db
def test_prometheus_can_scrape_by_internal_address_over_plain_http(client, token, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/metrics", HTTP_HOST="10.0.3.7:8000", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


# --- requests -----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_requests_are_counted_and_timed_by_route_method_and_status_class(client):
    ok = {"route": "api/v1/bookings/<reference>", "method": "GET", "status": "4xx"}
    before = live("gnb_http_requests_total", **ok)
    timed_before = live("gnb_http_request_duration_seconds_count", route=ok["route"], method="GET")
    for reference in ("GNB-AAAA-AAAA", "GNB-BBBB-BBBB"):
        assert client.get(f"/api/v1/bookings/{reference}").status_code == 404
    # Two different paths, one series: the label is the URL pattern, never the raw path.
    assert live("gnb_http_requests_total", **ok) == before + 2
    assert live("gnb_http_request_duration_seconds_count", route=ok["route"], method="GET") == timed_before + 2


@pytest.mark.django_db
def test_paths_matching_no_route_share_one_label(client):
    before = live("gnb_http_requests_total", route="<unmatched>", method="GET", status="4xx")
    client.get("/wp-login.php")
    client.get("/.env")
    assert live("gnb_http_requests_total", route="<unmatched>", method="GET", status="4xx") == before + 2


def test_invented_methods_share_one_label(client):
    before = live("gnb_http_requests_total", route="health/live", method="other", status="4xx")
    client.generic("BREW", "/health/live")
    assert live("gnb_http_requests_total", route="health/live", method="other", status="4xx") == before + 1


def test_probes_are_counted_under_their_route(client):
    before = live("gnb_http_requests_total", route="health/live", method="GET", status="2xx")
    client.get("/health/live")
    assert live("gnb_http_requests_total", route="health/live", method="GET", status="2xx") == before + 1


@pytest.mark.parametrize(
    ("route", "label"),
    [("tr/transfers/<slug:slug>/", "{lang}/transfers/<slug:slug>/"), ("en/", "{lang}/"), ("", "/")],
)
def test_language_prefixes_fold_into_one_route_label(route, label):
    request = RequestFactory().get("/")
    request.resolver_match = ResolverMatch(lambda r: None, (), {}, route=route)
    assert metrics.route_label(request) == label


def test_static_files_answered_before_routing_are_labelled_static():
    assert metrics.route_label(RequestFactory().get("/static/css/site.css")) == "<static>"


# --- bookings -----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_placed_and_cancelled_bookings_are_counted_by_kind(catalog, django_capture_on_commit_callbacks):
    transfers, tours = (
        live("gnb_bookings_placed_total", kind="transfer"),
        live("gnb_bookings_placed_total", kind="tour"),
    )
    cancelled = live("gnb_bookings_cancelled_total", kind="transfer")
    with django_capture_on_commit_callbacks(execute=True):  # a placement is counted when it commits
        booking = place_transfer()
        place_tour(catalog.departure)
    assert live("gnb_bookings_placed_total", kind="transfer") == transfers + 1
    assert live("gnb_bookings_placed_total", kind="tour") == tours + 1
    services.booking_cancel(booking_id=booking.pk, actor=services.Actor("staff"), reason="Flight cancelled")
    assert live("gnb_bookings_cancelled_total", kind="transfer") == cancelled + 1


@pytest.mark.django_db
def test_a_placement_or_cancellation_that_fails_is_not_counted(catalog):
    catalog.departure.capacity = 2
    catalog.departure.save()
    place_tour(catalog.departure, adults=2)
    tours = live("gnb_bookings_placed_total", kind="tour")
    with pytest.raises(SoldOut):
        place_tour(catalog.departure, adults=1)
    assert live("gnb_bookings_placed_total", kind="tour") == tours

    booking = place_transfer()
    cancelled = live("gnb_bookings_cancelled_total", kind="transfer")
    with pytest.raises(ValidationFailed):  # staff must give a reason
        services.booking_cancel(booking_id=booking.pk, actor=services.Actor("staff"), reason=" ")
    assert live("gnb_bookings_cancelled_total", kind="transfer") == cancelled


# --- read from the database at scrape time --------------------------------------------------------------------
@pytest.mark.django_db
def test_database_readings_are_exact_and_cost_six_queries(catalog, settings, django_assert_num_queries):
    settings.BUILD_ID = "abc123"
    with time_machine.travel(NOW - dt.timedelta(hours=2), tick=False):
        first = place_transfer()
        place_transfer()
        services.booking_cancel(booking_id=first.pk, actor=services.Actor("staff"), reason="Duplicate")
        BackupRun.objects.create(kind="create", status="succeeded", finished_at=dt.datetime.now(dt.UTC))
    with time_machine.travel(NOW - dt.timedelta(seconds=90), tick=False):
        prune_task_results.enqueue()
    # bookings 1, payments 3 (attempts, refunds, live holds), queue 1, backup 1
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(6):
        text = scrape_text()
    values = samples(text)
    states = {labels: value for (name, labels), value in values.items() if name == "gnb_bookings_by_state"}
    assert states == {
        (("payment_method", "cash"), ("payment_state", "unpaid"), ("status", "cancelled")): 1.0,
        (("payment_method", "cash"), ("payment_state", "unpaid"), ("status", "confirmed")): 1.0,
    }
    # The emails (two confirmations, a cancellation) are queued with their bookings two hours ago, and the prune.
    assert values[("gnb_task_queue_waiting_tasks", ())] == 4.0
    assert values[("gnb_task_queue_oldest_waiting_seconds", ())] == 7200.0
    assert values[("gnb_backup_age_seconds", ())] == 7200.0
    assert values[("gnb_backup_last_success_timestamp_seconds", ())] == (NOW - dt.timedelta(hours=2)).timestamp()
    assert values[("gnb_build_info", (("build_id", "abc123"),))] == 1.0
    assert {labels: value for (name, labels), value in values.items() if name == "gnb_metrics_collector_up"} == {
        (("collector", "bookings"),): 1.0,
        (("collector", "payments"),): 1.0,
        (("collector", "queue"),): 1.0,
        (("collector", "backup"),): 1.0,
    }


@pytest.mark.django_db
def test_no_backup_yet_leaves_the_backup_series_out():
    names = {name for name, _labels in samples(scrape_text())}
    assert "gnb_backup_age_seconds" not in names
    assert "gnb_backup_last_success_timestamp_seconds" not in names
    assert "gnb_task_queue_waiting_tasks" in names


@pytest.mark.django_db
def test_a_part_that_cannot_be_read_is_reported_down_and_the_rest_still_served(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(health, "queue_stats", broken)
    values = samples(scrape_text())
    assert values[("gnb_metrics_collector_up", (("collector", "queue"),))] == 0.0
    assert values[("gnb_metrics_collector_up", (("collector", "bookings"),))] == 1.0
    assert ("gnb_task_queue_waiting_tasks", ()) not in values


# --- several worker processes ---------------------------------------------------------------------------------
_WORKER = """
import django
django.setup()
from gnb.ops import metrics
metrics.BOOKINGS_PLACED.labels(kind="tour").inc()
metrics.HTTP_REQUESTS.labels(route="api/v1/quotes", method="POST", status="2xx").inc(3)
"""


@pytest.mark.django_db
def test_multiprocess_mode_adds_up_every_worker(settings, tmp_path):
    # Two processes started with PROMETHEUS_MULTIPROC_DIR, as gunicorn workers are; this process scrapes the files.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", _WORKER], cwd=BASE_DIR, env=env, check=True, timeout=120)  # noqa: S603
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    values = samples(scrape_text())
    assert values[("gnb_bookings_placed_total", (("kind", "tour"),))] == 2.0
    assert values[("gnb_http_requests_total", (("method", "POST"), ("route", "api/v1/quotes"), ("status", "2xx")))] == (
        6.0
    )
    assert values[("gnb_metrics_collector_up", (("collector", "queue"),))] == 1.0
