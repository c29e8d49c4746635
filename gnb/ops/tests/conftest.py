"""Fixtures of the ops tests: every alert channel against its local stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gnb.testing.alerts import Channels, GitHubFake
from gnb.testing.servers import RecordingHTTPServer

SITE = "http://testserver"


@pytest.fixture
def channels(settings, smtp_server) -> Iterator[Channels]:
    """All three channels enabled, each against its local server."""
    with RecordingHTTPServer() as slack, RecordingHTTPServer(GitHubFake()) as github:
        settings.ALERT_SLACK_WEBHOOK_URL = f"{slack.url}/services/T0/B0/secret"
        settings.ALERT_EMAIL_TO = ["ops@gnbtransfer.com"]
        settings.ALERT_GITHUB_TOKEN = "ghp_test"
        settings.ALERT_GITHUB_REPO = "gnb/ops"
        settings.ALERT_GITHUB_API_URL = github.url
        settings.ALERT_REPEAT_MINUTES = 60
        settings.SITE_URL = SITE
        yield Channels(slack, github, smtp_server)
