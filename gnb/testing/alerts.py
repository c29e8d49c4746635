"""The alert channels (Slack, GitHub, email) wired to local stand-ins, and the task worker that delivers alerts."""

from __future__ import annotations

import json
from dataclasses import dataclass

from gnb.testing.servers import Received, RecordingHTTPServer, SMTPRecorder
from gnb.testing.tasks import run_worker

__all__ = ["DELIVER_PATH", "Channels", "GitHubFake", "run_worker"]

DELIVER_PATH = "gnb.ops.alerts.tasks.alert_deliver"


class GitHubFake:
    """Answers like api.github.com; issues are numbered from 7 up."""

    def __init__(self) -> None:
        self.next_number = 7

    def __call__(self, received: Received) -> tuple[int, dict[str, str], bytes]:
        if received.method == "POST" and received.path.endswith("/issues"):
            number, self.next_number = self.next_number, self.next_number + 1
            return 201, {"Content-Type": "application/json"}, json.dumps({"number": number}).encode()
        return 200, {"Content-Type": "application/json"}, b"{}"


@dataclass
class Channels:
    slack: RecordingHTTPServer
    github: RecordingHTTPServer
    smtp: SMTPRecorder

    def slack_texts(self) -> list[str]:
        return [request.json()["text"] for request in self.slack.requests]

    def github_calls(self) -> list[tuple[str, str]]:
        return [(request.method, request.path) for request in self.github.requests]

    def subjects(self) -> list[str]:
        return [email["Subject"] for _sender, _to, email in self.smtp.messages]
