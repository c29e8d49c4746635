"""Fixtures of the ops tests: every alert channel against its local stand-in, a local backup target."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gnb.testing.alerts import Channels, GitHubFake
from gnb.testing.backups import KEY
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


@pytest.fixture
def backup_dir(settings, tmp_path) -> Path:
    settings.BACKUP_ENCRYPTION_KEY = KEY
    settings.BACKUP_TARGETS = ["local"]
    settings.BACKUP_LOCAL_DIR = tmp_path / "backups"
    settings.BACKUP_LOCAL_KEEP_DAYS = 7
    settings.BACKUP_INCLUDE_MEDIA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "tours").mkdir(parents=True)
    (tmp_path / "media" / "tours" / "perge.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    return tmp_path / "backups"
