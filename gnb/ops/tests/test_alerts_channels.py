"""Each alert channel against a local server that speaks its protocol and records what it received."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gnb.ops.alerts.base import AlertMessage, PermanentChannelError, TransientChannelError
from gnb.ops.alerts.channels.email import EmailChannel
from gnb.ops.alerts.channels.github import GitHubChannel
from gnb.ops.alerts.channels.slack import SlackChannel
from gnb.testing.servers import Received, RecordingHTTPServer, Responder, body_of, free_port

FIRST = dt.datetime(2026, 3, 1, 6, 15, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 3, 1, 7, 30, tzinfo=dt.UTC)


def github_responder(received: Received) -> tuple[int, dict[str, str], bytes]:
    """Answers like api.github.com: a created issue is number 7."""
    if received.method == "POST" and received.path.endswith("/issues"):
        return 201, {"Content-Type": "application/json"}, json.dumps({"number": 7, "state": "open"}).encode()
    if received.path.endswith("/comments"):
        return 201, {"Content-Type": "application/json"}, json.dumps({"id": 99}).encode()
    return 200, {"Content-Type": "application/json"}, json.dumps({"number": 7, "state": "closed"}).encode()


def status_responder(status: int, headers: dict[str, str] | None = None) -> Responder:
    return lambda received: (status, headers or {}, b'{"message": "no"}')


def message(
    event: str = "fired", *, fire_count: int = 1, detail: str = "pg_dump exited with status 1", reminder: bool = False
) -> AlertMessage:
    return AlertMessage(
        key="backup.failed",
        event=event,  # type: ignore[arg-type]
        title="Backup failed",
        detail=detail,
        severity="error",
        fire_count=fire_count,
        first_fired_at=FIRST,
        last_fired_at=FIRST,
        resolved_at=LATER if event == "resolved" else None,
        site_url="https://gnbtransfer.com",
        reminder=reminder,
    )


FIRED_BODY = (
    "pg_dump exited with status 1\n\n"
    "Alert: backup.failed\nSite: https://gnbtransfer.com\nFirst fired: 2026-03-01T06:15:00+00:00\nTimes fired: 1"
)
RESOLVED_BODY = (
    "pg_dump exited with status 1\n\n"
    "Alert: backup.failed\nSite: https://gnbtransfer.com\nFirst fired: 2026-03-01T06:15:00+00:00\n"
    "Resolved: 2026-03-01T07:30:00+00:00\nTimes fired: 3"
)


# --- Slack ------------------------------------------------------------------------------------------------


def test_slack_posts_the_incident_to_the_webhook_as_json():
    with RecordingHTTPServer() as server:
        channel = SlackChannel(webhook_url=f"{server.url}/services/T000/B000/XXXX")
        assert channel.send(message(), {"kept": 1}) == {"kept": 1}
        channel.send(message("resolved", fire_count=3), {})

    fired, resolved = server.requests
    assert (fired.method, fired.path) == ("POST", "/services/T000/B000/XXXX")
    assert fired.headers["content-type"] == "application/json"
    assert fired.json() == {
        "text": ":rotating_light: FIRING [error] Backup failed",
        "attachments": [{"color": "#d73a49", "text": FIRED_BODY, "fallback": "FIRING [error] Backup failed"}],
    }
    assert resolved.json() == {
        "text": ":white_check_mark: RESOLVED Backup failed",
        "attachments": [{"color": "#28a745", "text": RESOLVED_BODY, "fallback": "RESOLVED Backup failed"}],
    }


def test_slack_reminder_says_still_firing():
    with RecordingHTTPServer() as server:
        SlackChannel(webhook_url=server.url).send(message(fire_count=4, detail="", reminder=True), {})
    assert server.requests[0].json()["text"] == ":rotating_light: STILL FIRING [error] Backup failed"
    assert server.requests[0].json()["attachments"][0]["text"] == (
        "Alert: backup.failed\nSite: https://gnbtransfer.com\nFirst fired: 2026-03-01T06:15:00+00:00\nTimes fired: 4"
    )


@pytest.mark.parametrize(
    ("status", "headers", "error_class"),
    [
        (500, {}, TransientChannelError),
        (503, {}, TransientChannelError),
        (429, {}, TransientChannelError),
        (403, {"X-RateLimit-Remaining": "0"}, TransientChannelError),
        (403, {}, PermanentChannelError),
        (404, {}, PermanentChannelError),
        (400, {}, PermanentChannelError),
    ],
)
def test_http_errors_say_whether_a_retry_can_help(status, headers, error_class):
    with RecordingHTTPServer(status_responder(status, headers)) as server, pytest.raises(error_class) as caught:
        SlackChannel(webhook_url=f"{server.url}/hook").send(message(), {})
    assert str(caught.value) == f'HTTP {status} from 127.0.0.1:{server.server.server_address[1]}: {{"message": "no"}}'


def test_an_unreachable_webhook_is_transient():
    port = free_port()  # nothing listens there
    with pytest.raises(TransientChannelError) as caught:
        SlackChannel(webhook_url=f"http://127.0.0.1:{port}/hook").send(message(), {})
    assert str(caught.value).startswith(f"cannot reach 127.0.0.1:{port}: ")


# --- email ------------------------------------------------------------------------------------------------


def test_email_goes_to_every_recipient_through_smtp(smtp_server):
    channel = EmailChannel(recipients=["ops@gnbtransfer.com", "cto@gnbtransfer.com"], from_email="alerts@gnb.test")
    assert channel.send(message(), {}) == {}
    channel.send(message("resolved", fire_count=3), {})

    (sender, recipients, fired), (_sender, _recipients, resolved) = smtp_server.messages
    assert sender == "alerts@gnb.test"
    assert recipients == ["ops@gnbtransfer.com", "cto@gnbtransfer.com"]
    assert fired["Subject"] == "[GNB alert] FIRING [error] Backup failed"
    assert fired["To"] == "ops@gnbtransfer.com, cto@gnbtransfer.com"
    assert fired["X-GNB-Alert-Key"] == "backup.failed"
    assert fired["X-GNB-Alert-Event"] == "fired"
    assert body_of(fired) == FIRED_BODY
    assert resolved["Subject"] == "[GNB alert] RESOLVED Backup failed"
    assert resolved["X-GNB-Alert-Event"] == "resolved"
    assert body_of(resolved) == RESOLVED_BODY


@pytest.mark.parametrize(
    ("answer", "error_class"),
    [("451 Try again later", TransientChannelError), ("554 Rejected as spam", PermanentChannelError)],
)
def test_smtp_refusals_are_transient_or_permanent_by_their_code(smtp_server, answer, error_class):
    smtp_server.answer = answer
    with pytest.raises(error_class) as caught:
        EmailChannel(recipients=["ops@gnbtransfer.com"], from_email="alerts@gnb.test").send(message(), {})
    code, text = answer.split(" ", 1)
    assert str(caught.value) == f"SMTP {code}: {text.encode()!r}"


def test_an_unreachable_smtp_server_is_transient(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    with pytest.raises(TransientChannelError) as caught:
        EmailChannel(recipients=["ops@gnbtransfer.com"], from_email="alerts@gnb.test").send(message(), {})
    assert str(caught.value).startswith("cannot send email: ConnectionRefusedError(")


# --- GitHub -----------------------------------------------------------------------------------------------


def test_github_opens_an_issue_comments_on_reminders_and_closes_it_when_resolved():
    with RecordingHTTPServer(github_responder) as server:
        channel = GitHubChannel(token="ghp_test_token", repo="gnb/ops", api_url=f"{server.url}/api/v3/")
        ref = channel.send(message(), {})
        assert ref == {"issue": 7, "incident": "2026-03-01T06:15:00+00:00"}
        assert channel.send(message(fire_count=2, reminder=True), ref) == ref
        assert channel.send(message("resolved", fire_count=3), ref) == ref

    opened, reminded, closed, commented = server.requests
    assert (opened.method, opened.path) == ("POST", "/api/v3/repos/gnb/ops/issues")
    assert opened.headers["authorization"] == "Bearer ghp_test_token"
    assert opened.headers["accept"] == "application/vnd.github+json"
    assert opened.headers["x-github-api-version"] == "2022-11-28"
    assert opened.json() == {"title": "[GNB alert] Backup failed", "body": FIRED_BODY, "labels": ["alert"]}
    assert (reminded.method, reminded.path) == ("POST", "/api/v3/repos/gnb/ops/issues/7/comments")
    assert reminded.json() == {
        "body": "STILL FIRING [error] Backup failed\n\n" + FIRED_BODY.replace("fired: 1", "fired: 2")
    }
    assert (closed.method, closed.path) == ("PATCH", "/api/v3/repos/gnb/ops/issues/7")
    assert closed.json() == {"state": "closed", "state_reason": "completed"}
    assert (commented.method, commented.path) == ("POST", "/api/v3/repos/gnb/ops/issues/7/comments")
    assert commented.json() == {"body": "RESOLVED Backup failed\n\n" + RESOLVED_BODY}


def test_github_opens_a_new_issue_for_a_new_incident_and_closes_nothing_it_did_not_open():
    old_ref = {"issue": 3, "incident": "2026-02-01T06:15:00+00:00"}
    with RecordingHTTPServer(github_responder) as server:
        channel = GitHubChannel(token="t", repo="gnb/ops", api_url=server.url)
        assert channel.send(message("resolved", fire_count=3), old_ref) == old_ref
        assert server.requests == []
        assert channel.send(message(), old_ref) == {"issue": 7, "incident": "2026-03-01T06:15:00+00:00"}
    assert [(r.method, r.path) for r in server.requests] == [("POST", "/repos/gnb/ops/issues")]


def test_github_bad_credentials_are_permanent():
    with RecordingHTTPServer(status_responder(401)) as server, pytest.raises(PermanentChannelError):
        GitHubChannel(token="wrong", repo="gnb/ops", api_url=server.url).send(message(), {})
