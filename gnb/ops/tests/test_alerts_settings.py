"""Monitoring, logging and alert settings: wrong values stop the start with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
VALID = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "gnbtransfer.com",
    "EMAIL_URL": "console://",
    "SITE_URL": "https://gnbtransfer.com",
}
# name: (environment changes; the message the start-up error must end with)
BROKEN = {
    "log_format_unknown": ({"LOG_FORMAT": "xml"}, "LOG_FORMAT='xml' must be json or text"),
    "traces_rate_over_1": (
        {"SENTRY_TRACES_SAMPLE_RATE": "1.5"},
        "SENTRY_TRACES_SAMPLE_RATE=1.5 must be between 0 and 1",
    ),
    "traces_rate_not_a_number": (
        {"SENTRY_TRACES_SAMPLE_RATE": "often"},
        "SENTRY_TRACES_SAMPLE_RATE='often' is not a number",
    ),
    "sentry_dsn_without_key": (
        {"SENTRY_DSN": "https://sentry.io/1"},
        "SENTRY_DSN is not a valid Sentry DSN: Missing public key",
    ),
    "sentry_dsn_not_a_url": (
        {"SENTRY_DSN": "not-a-dsn"},
        "SENTRY_DSN is not a valid Sentry DSN: Unsupported scheme ''",
    ),
    "sentry_environment_spaces": (
        {"SENTRY_ENVIRONMENT": "prod env"},
        "SENTRY_ENVIRONMENT='prod env' must be 1-64 letters, digits, dots, dashes or underscores",
    ),
    "repeat_minutes_zero": ({"ALERT_REPEAT_MINUTES": "0"}, "ALERT_REPEAT_MINUTES=0 must be at least 1"),
    "slack_url_without_scheme": (
        {"ALERT_SLACK_WEBHOOK_URL": "hooks.slack.com/services/T0/B0/secret"},
        "ALERT_SLACK_WEBHOOK_URL must start with http:// or https://",
    ),
    "email_to_not_an_address": (
        {"ALERT_EMAIL_TO": "ops@gnbtransfer.com, operations"},
        "ALERT_EMAIL_TO has 'operations', which is not an email address",
    ),
    "github_token_without_repo": (
        {"ALERT_GITHUB_TOKEN": "ghp_x"},
        "ALERT_GITHUB_TOKEN and ALERT_GITHUB_REPO must be set together",
    ),
    "github_repo_without_owner": (
        {"ALERT_GITHUB_TOKEN": "ghp_x", "ALERT_GITHUB_REPO": "ops"},
        "ALERT_GITHUB_REPO='ops' must be owner/name",
    ),
    "github_api_url_scheme": (
        {"ALERT_GITHUB_API_URL": "ftp://github.example.com"},
        "ALERT_GITHUB_API_URL='ftp://github.example.com' must start with http:// or https://",
    ),
    "burst_window_too_short": (
        {"ALERT_ERROR_BURST_WINDOW_SECONDS": "5"},
        "ALERT_ERROR_BURST_WINDOW_SECONDS=5 must be at least 10",
    ),
    "burst_threshold_not_whole": (
        {"ALERT_ERROR_BURST_THRESHOLD": "ten"},
        "ALERT_ERROR_BURST_THRESHOLD='ten' is not a whole number",
    ),
}
# name: (environment changes; what the started process prints: the settings, then the Sentry client's state, which
# is an inactive client with no options when SENTRY_DSN is unset)
PRINT = (
    "import django; django.setup(); import sentry_sdk; from django.conf import settings as s; "
    "client = sentry_sdk.get_client(); "
    "print(s.LOG_FORMAT, s.SENTRY_ENVIRONMENT, s.SENTRY_RELEASE, s.SENTRY_TRACES_SAMPLE_RATE, client.is_active(), "
    "client.options['environment'], client.options['release'], client.options['traces_sample_rate'], "
    "client.should_send_default_pii())"
)
STARTS = {
    "defaults": ({}, "json production None 0.0 False None None None False"),
    "development": ({"DEBUG": "1"}, "text development None 0.0 False None None None False"),
    "build_id_is_the_release": (
        {"BUILD_ID": "3f2c1ab"},
        "json production 3f2c1ab 0.0 False None None None False",
    ),
    "sentry_on": (
        {
            "SENTRY_DSN": "https://publickey@o1.ingest.sentry.io/42",
            "SENTRY_RELEASE": "v1.4.0",
            "BUILD_ID": "3f2c1ab",
            "SENTRY_ENVIRONMENT": "staging",
            "SENTRY_TRACES_SAMPLE_RATE": "0.25",
            "LOG_FORMAT": "TEXT",
        },
        "text staging v1.4.0 0.25 True staging v1.4.0 0.25 False",
    ),
}


def environment(changes: dict[str, str]) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings", **VALID, **changes}


@pytest.fixture(scope="module")
def startups() -> dict[str, tuple[int, str, str]]:
    """Start Django once per case, all at the same time; each gives (exit code, stdout, stderr)."""
    cases = {name: (changes, "import django; django.setup()") for name, (changes, _message) in BROKEN.items()}
    cases.update({name: (changes, PRINT) for name, (changes, _output) in STARTS.items()})
    processes = {
        name: subprocess.Popen(  # noqa: S603 (this interpreter, code from this file)
            [sys.executable, "-c", code],
            cwd=BASE_DIR,
            env=environment(changes),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, (changes, code) in cases.items()
    }
    results = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=120)
        results[name] = (process.returncode, stdout, stderr)
    return results


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_wrong_setting_stops_the_start_with_a_message_naming_it(startups, case):
    returncode, _stdout, stderr = startups[case]
    assert returncode == 1
    assert stderr.strip().splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {BROKEN[case][1]}"


@pytest.mark.parametrize("case", sorted(STARTS))
def test_valid_settings_start_with_these_values(startups, case):
    returncode, stdout, stderr = startups[case]
    assert (returncode, stderr) == (0, "")
    assert stdout.strip() == STARTS[case][1]


def test_a_slack_webhook_error_does_not_echo_the_secret(startups):
    assert "secret" not in startups["slack_url_without_scheme"][2]
