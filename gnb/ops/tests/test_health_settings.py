"""Health and metrics settings: a wrong value stops the start with a message naming the variable."""

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
BROKEN = {
    "queue_tasks_not_a_number": (
        {"HEALTH_QUEUE_WARN_TASKS": "lots"},
        "HEALTH_QUEUE_WARN_TASKS='lots' is not a whole number",
    ),
    "backup_warn_after_fail": (
        {"HEALTH_BACKUP_WARN_HOURS": "60"},
        "HEALTH_BACKUP_WARN_HOURS=60 must be at most HEALTH_BACKUP_FAIL_HOURS=50",
    ),
    "queue_age_warn_after_fail": (
        {"HEALTH_QUEUE_WARN_AGE_SECONDS": "600", "HEALTH_QUEUE_FAIL_AGE_SECONDS": "300"},
        "HEALTH_QUEUE_WARN_AGE_SECONDS=600 must be at most HEALTH_QUEUE_FAIL_AGE_SECONDS=300",
    ),
    "disk_warn_below_fail": (
        {"HEALTH_DISK_WARN_FREE_MB": "100"},
        "HEALTH_DISK_WARN_FREE_MB=100 must be at least HEALTH_DISK_FAIL_FREE_MB=200",
    ),
    "alert_threshold_zero": ({"HEALTH_ALERT_AFTER_FAILURES": "0"}, "HEALTH_ALERT_AFTER_FAILURES=0 must be at least 1"),
    "metrics_token_short": (
        {"METRICS_TOKEN": "letmein"},
        "METRICS_TOKEN must be at least 16 printable ASCII characters",
    ),
    "metrics_ip_not_an_address": (
        {"METRICS_ALLOWED_IPS": "10.0.0.0/8, intranet"},
        "METRICS_ALLOWED_IPS has 'intranet', which is not an IP address or network (e.g. 10.0.0.0/8)",
    ),
    "build_id_with_markup": (
        {"BUILD_ID": "v1 <b>"},
        "BUILD_ID='v1 <b>' must be 1-64 letters, digits, dots, dashes or underscores",
    ),
    "multiproc_dir_not_a_directory": (
        {"PROMETHEUS_MULTIPROC_DIR": "/dev/null/prometheus"},
        "PROMETHEUS_MULTIPROC_DIR='/dev/null/prometheus' is not a directory and cannot be created: Not a directory",
    ),
}

_PRINT = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.METRICS_TOKEN, s.METRICS_ALLOWED_IPS)"
)


def environment(changes: dict[str, str]) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings", **VALID, **changes}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("health-settings")


@pytest.fixture(scope="module")
def startups(folder) -> dict[str, tuple[int, str, str]]:
    """Start Django once per case, all at the same time; each gives (exit code, stdout, stderr)."""
    (folder / "metrics_token").write_text("scrape-token-from-a-file-0123\n", encoding="utf-8")
    cases = {name: changes for name, (changes, _message) in BROKEN.items()}
    cases["valid"] = {
        "METRICS_TOKEN_FILE": str(folder / "metrics_token"),
        "METRICS_ALLOWED_IPS": "10.0.0.0/8,2001:db8::1",
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus" / "web"),
        "BUILD_ID": "3f9c2ab.build-17",
    }
    processes: dict[str, subprocess.Popen[str]] = {
        name: subprocess.Popen(  # noqa: S603 (this interpreter, a fixed script)
            [sys.executable, "-c", _PRINT],
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
        stdout, stderr = process.communicate(timeout=120)
        results[name] = (process.returncode, stdout, stderr)
    return results


def test_valid_health_and_metrics_settings_start(startups):
    assert startups["valid"] == (0, "scrape-token-from-a-file-0123 ['10.0.0.0/8', '2001:db8::1']\n", "")


def test_a_missing_metrics_directory_is_created(startups, folder):
    assert startups["valid"][0] == 0
    assert (folder / "prometheus" / "web").is_dir()


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_wrong_health_or_metrics_setting_stops_the_start(startups, case):
    returncode, _stdout, stderr = startups[case]
    assert returncode == 1
    assert stderr.strip().splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {BROKEN[case][1]}"
