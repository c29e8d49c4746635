"""Structured logs: JSON lines with a request id on every line, secrets scrubbed, through the configured handlers."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django_tasks import task

from gnb.ops.logging import ErrorBurstHandler, JsonFormatter, RequestIdFilter, TextFormatter, current_request_id

view_logger = logging.getLogger("gnb.website.views")


def logging_view(request: HttpRequest) -> HttpResponse:
    view_logger.info("quote requested by %s", request.GET.get("email", "nobody"))
    view_logger.warning("slow quote", extra={"duration_ms": 812, "card_number": "4111111111111111"})
    return JsonResponse({"request_id": current_request_id()})


def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"provider refused password={request.GET['password']}")


urlpatterns = [path("quote/", logging_view), path("fail/", failing_view)]


@pytest.fixture
def log_lines(settings) -> Iterator[io.StringIO]:
    """The output of the configured console handler (LOGGING in settings), captured."""
    settings.ROOT_URLCONF = __name__
    [console] = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    assert isinstance(console, logging.StreamHandler)
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        yield stream
    finally:
        console.setStream(previous)


def parsed(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_configured_pipeline_writes_json_with_the_scrubbing_filter():
    # Tests run with DEBUG off, so LOG_FORMAT defaults to json.
    assert django_settings.LOG_FORMAT == "json"
    root = logging.getLogger()
    [console] = [handler for handler in root.handlers if handler.get_name() == "console"]
    assert isinstance(console.formatter, JsonFormatter)
    assert [type(f) for f in console.filters] == [RequestIdFilter]
    assert [type(h) for h in root.handlers if isinstance(h, ErrorBurstHandler)] == [ErrorBurstHandler]


def test_every_line_of_a_request_carries_its_new_request_id(client, log_lines):
    response = client.get("/quote/?email=ayse@example.com")

    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert response.json() == {"request_id": request_id}
    lines = parsed(log_lines)
    assert [(line["logger"], line["level"], line["message"], line["request_id"]) for line in lines] == [
        ("gnb.website.views", "INFO", "quote requested by [email]", request_id),
        ("gnb.website.views", "WARNING", "slow quote", request_id),
    ]
    assert (lines[1]["duration_ms"], lines[1]["card_number"]) == (812, "[Filtered]")
    assert set(lines[0]) == {"timestamp", "level", "logger", "message", "request_id"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", lines[0]["timestamp"])


def test_two_requests_get_two_ids_and_lines_outside_requests_get_a_dash(client, log_lines):
    first = client.get("/quote/")["X-Request-ID"]
    second = client.get("/quote/")["X-Request-ID"]
    logging.getLogger("gnb.ops").info("between requests")

    assert first != second
    assert [line["request_id"] for line in parsed(log_lines)] == [first, first, second, second, "-"]
    assert current_request_id() == "-"


@pytest.mark.parametrize(
    "incoming",
    ["abcd1234", "req-0123456789", "1-67891233.abcdef_012345678912", "a" * 64],
)
def test_a_safe_incoming_request_id_is_kept(client, log_lines, incoming):
    response = client.get("/quote/", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming
    assert {line["request_id"] for line in parsed(log_lines)} == {incoming}


@pytest.mark.parametrize(
    "incoming",
    [
        "",
        "short",
        "a" * 65,
        "Root=1-67891233-abcdef",
        "has space 123",
        "line\nbreak-123",
        "quote'injection-1",
        "ünïcödé-12345",
    ],
)
def test_an_unsafe_incoming_request_id_is_replaced(client, log_lines, incoming):
    response = client.get("/quote/", HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_an_error_page_still_carries_the_id_and_its_traceback_is_scrubbed(log_lines):
    from django.test import Client

    response = Client(raise_request_exception=False).get(
        "/fail/?password=hunter2-secret", HTTP_X_REQUEST_ID="req-failing-01"
    )

    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-failing-01"
    [line] = parsed(log_lines)
    assert (line["logger"], line["level"], line["request_id"], line["status_code"]) == (
        "django.request",
        "ERROR",
        "req-failing-01",
        500,
    )
    assert line["message"] == "Internal Server Error: /fail/"
    assert line["exc_info"].endswith("RuntimeError: provider refused password=[Filtered]")
    assert "hunter2" not in log_lines.getvalue()


def test_secrets_and_personal_data_never_reach_a_log_line(log_lines):
    app_logger = logging.getLogger("gnb.payments")
    app_logger.info("charging card %s for %s", "4111 1111 1111 1111", "+905321234567")
    app_logger.info("headers %s", {"Authorization": "Bearer sk_live_abc", "X-Manage-Token": "tok"})
    app_logger.warning("login failed", extra={"password": "hunter2", "email": "ayse@example.com", "attempt": 3})
    try:
        raise ValueError("card 4111-1111-1111-1111 of ayse@example.com declined")
    except ValueError:
        app_logger.exception("payment failed")

    lines = parsed(log_lines)
    assert [line["message"] for line in lines] == [
        "charging card [card] for [phone]",
        "headers {'Authorization': 'Bearer [Filtered]', 'X-Manage-Token': 'tok'}",
        "login failed",
        "payment failed",
    ]
    assert (lines[2]["password"], lines[2]["email"], lines[2]["attempt"]) == ("[Filtered]", "[Filtered]", 3)
    assert lines[3]["exc_info"].endswith("ValueError: card [card] of [email] declined")
    for secret in ("4111", "+90532", "sk_live_abc", "hunter2", "ayse@"):
        assert secret not in log_lines.getvalue()


def test_text_format_for_development():
    record = logging.LogRecord("gnb.ops", logging.INFO, __file__, 1, "sent to %s", ("ayse@example.com",), None)
    record.created = 0
    line = TextFormatter().format(record)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO \[-\] gnb.ops sent to \[email\]", line)


@task()
def log_something() -> None:
    """A task that logs, for the worker test below."""
    logging.getLogger("gnb.notifications.tasks").info("voucher rendered")


@pytest.mark.django_db(transaction=True)
def test_lines_logged_by_a_task_carry_the_task_id(log_lines):
    result = log_something.enqueue()

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    voucher_lines = [line for line in parsed(log_lines) if line["message"] == "voucher rendered"]
    assert [line["request_id"] for line in voucher_lines] == [str(result.id)]
    assert current_request_id() == "-"
