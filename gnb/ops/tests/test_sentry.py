"""Sentry: the scrubber on crafted data, and real events sent by sentry-sdk to a local server speaking its protocol."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django_tasks import task
from django_tasks.signals import task_finished, task_started

from gnb.ops.monitoring import FILTERED, init_sentry, is_sensitive_key, scrub_breadcrumb, scrub_event, scrub_text
from gnb.testing.servers import Received, RecordingHTTPServer

CARD = "4111 1111 1111 1111"  # Luhn-valid test Visa
MANAGE_TOKEN = "q3JxW9vL0pZk7bYt2mNcR8sD4fGh1jKe"
PII = [
    "ayse@example.com",
    "Ayşe",
    "Yılmaz",
    "+905321234567",
    "+90 532 123 45 67",
    CARD,
    "4111111111111111",
    "4111-1111-1111-1111",
    MANAGE_TOKEN,
    "hunter2-password",
    "sk_live_51Hsecret",
    "abcsessionvalue",
]


# --- the scrubber -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("mail ayse.yilmaz+trip@example.co.uk now", "mail [email] now"),
        (f"card {CARD} declined", "card [card] declined"),
        ("card 4111-1111-1111-1111 declined", "card [card] declined"),
        ("card 4111111111111111 declined", "card [card] declined"),
        ("amex 378282246310005", "amex [card]"),
        ("not a card 4111111111111112", "not a card 4111111111111112"),  # fails the Luhn check
        ("booking total 1234567890 EUR", "booking total 1234567890 EUR"),  # too short for a card
        ("event id 5f2b4111111111111111aa", "event id 5f2b4111111111111111aa"),  # part of a longer token
        ("call +90 532 123 45 67 or 0090-532-123-4567", "call [phone] or [phone]"),
        ("call +905321234567.", "call [phone]."),
        ("Authorization: Bearer sk_live_51Hsecret", "Authorization: Bearer [Filtered]"),
        ("GET /api?token=abc123&page=2", "GET /api?token=[Filtered]&page=2"),
        ("password=hunter2 user=x", "password=[Filtered] user=x"),
        ("{'api_key': 'k-123', 'zone': 'belek'}", "{'api_key': 'k-123', 'zone': 'belek'}"),  # keys: scrub_data's job
        ("sessionid=abc; csrftoken=def; lang=tr", "sessionid=[Filtered]; csrftoken=[Filtered]; lang=tr"),
        (f"/manage/GNB-7K3Q-9XPM/{MANAGE_TOKEN}/cancel/", "/manage/GNB-7K3Q-9XPM/[Filtered]/cancel/"),
        ("/manage/{reference}/{token}/cancel/", "/manage/{reference}/{token}/cancel/"),
        ("2026-03-01T06:15:00+03:00 price 45.00", "2026-03-01T06:15:00+03:00 price 45.00"),
    ],
)
def test_scrub_text(text, scrubbed):
    assert scrub_text(text) == scrubbed


@pytest.mark.parametrize(
    ("key", "sensitive"),
    [
        ("password", True),
        ("new_password1", True),
        ("Authorization", True),
        ("HTTP_AUTHORIZATION", True),
        ("X-Manage-Token", True),
        ("HTTP_X_MANAGE_TOKEN", True),
        ("manage_token", True),
        ("Cookie", True),
        ("stripe_secret_key", True),
        ("x-api-key", True),
        ("lead_name", True),
        ("first_name", True),
        ("last_name", True),
        ("name", True),
        ("email", True),
        ("phone", True),
        ("card_number", True),
        ("task_name", False),
        ("zone", False),
        ("reference", False),
        ("adults", False),
    ],
)
def test_sensitive_keys(key, sensitive):
    assert is_sensitive_key(key) is sensitive


def crafted_event() -> dict[str, Any]:
    """An event as sentry-sdk builds it, with every kind of personal data and secret in every place it can be."""
    return {
        "event_id": "5f2b0000411111111111aa1111111111",  # digit runs inside a hex id are not card numbers
        "level": "error",
        "release": "abc123",
        "message": "refund for ayse@example.com failed",
        "logentry": {"message": "charging %s", "params": [CARD], "formatted": f"charging {CARD}"},
        "request": {
            "url": f"https://gnbtransfer.com/manage/GNB-7K3Q-9XPM/{MANAGE_TOKEN}/",
            "method": "POST",
            "query_string": "token=abc&lang=tr",
            "data": {
                "lead_name": "Ayşe Yılmaz",
                "lead_email": "ayse@example.com",
                "lead_phone": "+905321234567",
                "passengers": [{"first_name": "Ayşe", "last_name": "Yılmaz", "age": "adult"}],
                "password": "hunter2-password",
                "notes": f"pay with {CARD} please, call +90 532 123 45 67",
                "adults": "2",
            },
            "headers": {
                "Authorization": "Bearer sk_live_51Hsecret",
                "X-Manage-Token": MANAGE_TOKEN,
                "Cookie": "sessionid=abcsessionvalue",
                "User-Agent": "Mozilla/5.0",
            },
            "cookies": {"sessionid": "abcsessionvalue", "gnb_consent": "analytics"},
            "env": {"SERVER_NAME": "web-1", "HTTP_X_API_KEY": "k-123"},
        },
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": f"card {CARD} of ayse@example.com refused",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "refund",
                                "context_line": "    raise ValueError(...)",
                                "vars": {
                                    "name": "'Ayşe Yılmaz'",
                                    "contact": {"email": "'ayse@example.com'", "phone": "'+905321234567'"},
                                    "secret_key": "'sk_live_51Hsecret'",
                                    "amount": "Decimal('45.00')",
                                    "note": f"'card {CARD}'",
                                },
                            }
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {"category": "query", "message": "SELECT 1 WHERE email = 'ayse@example.com'"},
                {"category": "httplib", "data": {"url": "https://api.stripe.com/v1?api_key=k-123", "method": "GET"}},
            ]
        },
        "extra": {"booking": "GNB-7K3Q-9XPM", "lead_email": "ayse@example.com", "sys.argv": ["manage.py"]},
        "user": {"id": 42, "email": "ayse@example.com", "username": "ayse"},
        "tags": {"task": "gnb.notifications.tasks.send_booking_email", "request_id": "4c0a"},
        "contexts": {"runtime": {"name": "CPython", "version": "3.11.2"}},
        "sdk": {"name": "sentry.python.django", "version": "2.75.0"},
    }


def test_scrub_event_removes_every_kind_of_personal_data_and_secret():
    scrubbed = scrub_event(crafted_event(), {})

    expected = crafted_event()
    expected["message"] = "refund for [email] failed"
    expected["logentry"] = {"message": "charging %s", "params": ["[card]"], "formatted": "charging [card]"}
    expected["request"] = {
        "url": "https://gnbtransfer.com/manage/GNB-7K3Q-9XPM/[Filtered]/",
        "method": "POST",
        "query_string": "token=[Filtered]&lang=tr",
        "data": {
            "lead_name": FILTERED,
            "lead_email": FILTERED,
            "lead_phone": FILTERED,
            "passengers": [{"first_name": FILTERED, "last_name": FILTERED, "age": "adult"}],
            "password": FILTERED,
            "notes": "pay with [card] please, call [phone]",
            "adults": "2",
        },
        "headers": {
            "Authorization": FILTERED,
            "X-Manage-Token": FILTERED,
            "Cookie": FILTERED,
            "User-Agent": "Mozilla/5.0",
        },
        "cookies": {"sessionid": FILTERED, "gnb_consent": FILTERED},
        "env": {"SERVER_NAME": "web-1", "HTTP_X_API_KEY": FILTERED},
    }
    frame = expected["exception"]["values"][0]
    frame["value"] = "card [card] of [email] refused"
    frame["stacktrace"]["frames"][0]["vars"] = {
        "name": FILTERED,
        "contact": {"email": FILTERED, "phone": FILTERED},
        "secret_key": FILTERED,
        "amount": "Decimal('45.00')",
        "note": "'card [card]'",
    }
    expected["breadcrumbs"]["values"] = [
        {"category": "query", "message": "SELECT 1 WHERE email = '[email]'"},
        {"category": "httplib", "data": {"url": "https://api.stripe.com/v1?api_key=[Filtered]", "method": "GET"}},
    ]
    expected["extra"] = {"booking": "GNB-7K3Q-9XPM", "lead_email": FILTERED, "sys.argv": ["manage.py"]}
    expected["user"] = {"id": 42, "email": FILTERED, "username": FILTERED}
    assert scrubbed == expected
    assert not [value for value in PII if value in json.dumps(scrubbed, ensure_ascii=False)]


def test_scrub_breadcrumb_on_its_own():
    crumb = {"message": "sent voucher to ayse@example.com", "data": {"phone": "+905321234567", "count": 1}}
    assert scrub_breadcrumb(copy.deepcopy(crumb), {}) == {
        "message": "sent voucher to [email]",
        "data": {"phone": FILTERED, "count": 1},
    }


# --- real events through sentry-sdk -----------------------------------------------------------------------


def envelope_items(received: Received) -> list[tuple[dict[str, Any], Any]]:
    """Decode a Sentry envelope: a header line, then (item header, payload) pairs."""
    body = received.body
    _header, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        item_header_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_header_line)
        if "length" in item_header:
            payload, rest = rest[: item_header["length"]], rest[item_header["length"] :].removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((item_header, json.loads(payload)))
    return items


def sent_events(server: RecordingHTTPServer) -> list[dict[str, Any]]:
    sentry_sdk.flush(timeout=5)
    return [
        payload
        for received in server.requests
        if received.path == "/api/1/envelope/"
        for item_header, payload in envelope_items(received)
        if item_header.get("type") == "event"
    ]


@pytest.fixture
def sentry_server() -> Iterator[RecordingHTTPServer]:
    """Sentry for real, sending to a local server; afterwards the process is left as without SENTRY_DSN."""
    with RecordingHTTPServer(lambda received: (200, {"Content-Type": "application/json"}, b"{}")) as server:
        port = server.server.server_address[1]
        init_sentry(
            dsn=f"http://publickey@127.0.0.1:{port}/1", environment="test", release="abc123", traces_sample_rate=0
        )
        try:
            yield server
        finally:
            sentry_sdk.flush(timeout=5)
            sentry_sdk.get_client().close()
            sentry_sdk.get_global_scope().set_client(None)
            sentry_sdk.get_isolation_scope().clear()
            sentry_sdk.get_current_scope().clear()
            task_started.disconnect(dispatch_uid="gnb.ops.monitoring.task_started")
            task_finished.disconnect(dispatch_uid="gnb.ops.monitoring.task_finished")


@csrf_exempt  # called through the bare WSGI handler, without the test client's CSRF exemption
def failing_view(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    # Personal data arrives with the request, as in the booking flow (not as literals in the source, which Sentry
    # also sends as context lines).
    lead_name = request.POST["lead_name"]
    contact = {"email": request.POST["email"], "phone": request.POST["phone"]}
    card_text = request.POST["notes"]
    logging.getLogger("gnb.payments").info("charging %s for %s", card_text, contact["email"])
    # A name in free text cannot be told from other words; names are removed where their field says so (lead_name).
    raise ValueError(f"payment for {len(lead_name)}-letter name <{contact['email']}> with {card_text} failed")


urlpatterns = [path("manage/<str:reference>/<str:token>/pay/", failing_view)]


def call_wsgi(environ: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Run one request through Django's WSGI handler, as gunicorn does (Sentry hooks in there)."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    body = WSGIHandler()(environ, start_response)
    b"".join(body)
    body.close()  # type: ignore[attr-defined]
    return answer["status"], answer["headers"]


@pytest.mark.django_db
def test_a_real_view_error_reaches_sentry_without_personal_data(sentry_server, settings):
    settings.ROOT_URLCONF = __name__
    request = RequestFactory().post(
        f"/manage/GNB-7K3Q-9XPM/{MANAGE_TOKEN}/pay/?token=abc&lang=tr",
        data={
            "lead_name": "Ayşe Yılmaz",
            "email": "ayse@example.com",
            "phone": "+90 532 123 45 67",
            "password": "hunter2-password",
            "notes": f"card {CARD}",
            "adults": "2",
        },
        HTTP_AUTHORIZATION="Bearer sk_live_51Hsecret",
        HTTP_X_MANAGE_TOKEN=MANAGE_TOKEN,
        HTTP_COOKIE="sessionid=abcsessionvalue",
        HTTP_X_REQUEST_ID="req-0123456789",
    )

    status, headers = call_wsgi(request.environ)

    assert status == "500 Internal Server Error"
    assert headers["X-Request-ID"] == "req-0123456789"
    [event] = sent_events(sentry_server)
    assert not [value for value in PII if value in json.dumps(event, ensure_ascii=False)]
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == (
        "ValueError",
        "payment for 11-letter name <[email]> with card [card] failed",
    )
    frame_vars = exception["stacktrace"]["frames"][-1]["vars"]
    assert (frame_vars["lead_name"], frame_vars["contact"], frame_vars["card_text"]) == (
        FILTERED,
        {"email": FILTERED, "phone": FILTERED},
        "'card [card]'",
    )
    assert (event["environment"], event["release"], event["tags"]["request_id"]) == ("test", "abc123", "req-0123456789")
    assert sentry_sdk.get_client().should_send_default_pii() is False
    sent_request = event["request"]
    assert sent_request["url"] == "http://testserver/manage/GNB-7K3Q-9XPM/[Filtered]/pay/"
    assert sent_request["query_string"] == "token=[Filtered]&lang=tr"
    assert sent_request["data"] == {
        "lead_name": FILTERED,
        "email": FILTERED,
        "phone": FILTERED,
        "password": FILTERED,
        "notes": "card [card]",
        "adults": "2",
    }
    assert sent_request["headers"] == {
        "Authorization": FILTERED,
        "Cookie": FILTERED,
        "X-Manage-Token": FILTERED,
        "X-Request-Id": "req-0123456789",
        "Content-Length": "523",
        "Content-Type": "multipart/form-data; boundary=BoUnDaRyStRiNg",
    }
    assert (sent_request["method"], sent_request["env"]) == ("POST", {"SERVER_NAME": "testserver", "SERVER_PORT": "80"})
    assert event["transaction"] == "/manage/{reference}/{token}/pay/"
    assert "charging card [card] for [email]" in [crumb.get("message") for crumb in event["breadcrumbs"]["values"]]


@pytest.mark.django_db
def test_capture_exception_outside_a_request_is_scrubbed_too(sentry_server):
    try:
        raise RuntimeError("refund to ayse@example.com, card 4111-1111-1111-1111")
    except RuntimeError as exc:
        sentry_sdk.capture_exception(exc)
    [event] = sent_events(sentry_server)
    assert event["exception"]["values"][0]["value"] == "refund to [email], card [card]"


@task()
def explode(*, booking_email: str) -> None:
    """A task that fails, for the worker test below."""
    raise ValueError(f"could not email {booking_email}")


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_run_by_the_worker_is_reported_once_with_its_task_tags(sentry_server):
    result = explode.enqueue(booking_email="ayse@example.com")

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    [event] = sent_events(sentry_server)
    assert (event["tags"]["task"], event["tags"]["task_id"]) == ("gnb.ops.tests.test_sentry.explode", str(result.id))
    assert event["contexts"]["task"] == {
        "id": str(result.id),
        "path": "gnb.ops.tests.test_sentry.explode",
        "attempt": 1,
    }
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("ValueError", "could not email [email]")
    assert exception["stacktrace"]["frames"][-1]["function"] == "explode"
    # The task's tags do not stay behind for whatever the process does next.
    assert "task" not in sentry_sdk.get_isolation_scope()._tags
