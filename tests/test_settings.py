"""A wrong setting stops the process at start with a message that names the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
VALID = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "gnbtransfer.com",
    "EMAIL_URL": "console://",
    "SITE_URL": "https://gnbtransfer.com",
}
# name: (environment changes, None removes a variable; the message the start-up error must end with)
BROKEN = {
    "debug_not_boolean": (
        {"DEBUG": "maybe"},
        "DEBUG='maybe' is not a boolean; use 1/0, true/false, yes/no or on/off",
    ),
    "database_not_supported": (
        {"DATABASE_URL": "mysql://gnb:secret@db.example.com/gnb"},
        "DATABASE_URL engine django.db.backends.mysql is not supported; use postgres:// or sqlite://",
    ),
    "fee_over_100": (
        {"GNB_LATE_CANCELLATION_FEE_PERCENT": "150"},
        "GNB_LATE_CANCELLATION_FEE_PERCENT=150 must be between 0 and 100",
    ),
    "fee_not_a_number": (
        {"GNB_LATE_CANCELLATION_FEE_PERCENT": "NaN"},
        "GNB_LATE_CANCELLATION_FEE_PERCENT='NaN' is not a number",
    ),
    "whatsapp_not_international": (
        {"GNB_OPERATOR_WHATSAPP": "0532 123 45 67"},
        "GNB_OPERATOR_WHATSAPP='0532 123 45 67' must be an international number with its country code, "
        "e.g. +90 532 123 45 67",
    ),
    "jwt_key_too_short": (
        {"JWT_SIGNING_KEY": "short"},
        "JWT_SIGNING_KEY must be at least 32 characters (or unset: derived from SECRET_KEY)",
    ),
    "access_tokens_too_long_lived": (
        {"JWT_ACCESS_TOKEN_SECONDS": "86400"},
        "JWT_ACCESS_TOKEN_SECONDS=86400 must be at most 3600",
    ),
    "sign_in_shorter_than_refresh": (
        {"API_REFRESH_TOKEN_DAYS": "30", "API_SIGN_IN_MAX_DAYS": "7"},
        "API_SIGN_IN_MAX_DAYS=7 must be at least API_REFRESH_TOKEN_DAYS=30",
    ),
    "throttle_zero": (
        {"API_RATE_BOOKINGS_PER_IP": "0"},
        "API_RATE_BOOKINGS_PER_IP=0 must be at least 1",
    ),
    "lead_time_not_whole_minutes": (
        {"GNB_MIN_LEAD_MINUTES": "3h"},
        "GNB_MIN_LEAD_MINUTES='3h' is not a whole number",
    ),
    "free_cancellation_negative": (
        {"GNB_FREE_CANCELLATION_HOURS": "-24"},
        "GNB_FREE_CANCELLATION_HOURS=-24 must be at least 0",
    ),
    "secret_key_short": (
        {"SECRET_KEY": "short"},
        "SECRET_KEY must be a unique value of at least 32 characters when DEBUG is off",
    ),
    "secret_key_file_missing": (
        {"SECRET_KEY": None, "SECRET_KEY_FILE": "/nonexistent/gnb-secret"},
        "SECRET_KEY_FILE='/nonexistent/gnb-secret' cannot be read: No such file or directory",
    ),
    "email_scheme_unknown": (
        {"EMAIL_URL": "pigeon://user:secret@loft"},
        "EMAIL_URL='loft' has an unknown scheme",
    ),
}


def environment(changes: dict[str, str | None]) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings", **VALID}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@pytest.fixture(scope="module")
def startups(tmp_path_factory) -> dict[str, tuple[int, str]]:
    """Start Django once per case, all at the same time; each gives (exit code, stderr)."""
    secret_file = tmp_path_factory.mktemp("secrets") / "secret_key"
    secret_file.write_text("from-a-file-secret-key-0123456789abcdefghijklmnopqrstuvwxyz\n", encoding="utf-8")
    cases = {name: changes for name, (changes, _message) in BROKEN.items()}
    cases["valid"] = {}
    cases["secret_key_from_file"] = {"SECRET_KEY": None, "SECRET_KEY_FILE": str(secret_file)}
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-c", "import django; django.setup()"],
            cwd=BASE_DIR,
            env=environment(changes),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, changes in cases.items()
    }
    results = {}
    for name, process in processes.items():
        _stdout, stderr = process.communicate(timeout=120)
        results[name] = (process.returncode, stderr)
    return results


def test_valid_settings_start(startups):
    assert startups["valid"] == (0, "")


def test_a_secret_can_come_from_a_file(startups):
    assert startups["secret_key_from_file"] == (0, "")


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_wrong_setting_stops_the_start_with_a_message_naming_it(startups, case):
    returncode, stderr = startups[case]
    assert returncode == 1
    last_line = stderr.strip().splitlines()[-1]
    assert last_line == f"django.core.exceptions.ImproperlyConfigured: {BROKEN[case][1]}"


def test_every_app_of_ours_is_installed_with_its_own_config():
    """An app whose apps.py holds two configs and marks none as default is installed with a bare AppConfig, and its
    ready() (signal receivers, task registrations) silently never runs."""
    from django.apps import AppConfig, apps

    ours = [config for config in apps.get_app_configs() if config.name.startswith("gnb.")]
    assert ours
    assert [config.name for config in ours if type(config) is AppConfig] == []
