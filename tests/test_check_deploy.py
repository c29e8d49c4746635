"""`manage.py check --deploy` is clean with production settings, and the security variables are read as documented.

Each case starts Django in its own process with only the variables given (nothing leaks in from the test run's own
environment, e.g. its SECURE_SSL_REDIRECT=0); the cases run side by side.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "gnbtransfer.com,www.gnbtransfer.com",
    "EMAIL_URL": "submission://apikey:not-a-real-password@smtp.example.com:587",
    "SITE_URL": "https://gnbtransfer.com",
    # Rate limits shared by every web process (gnb.W001 otherwise); only named here, never connected to.
    "REDIS_URL": "redis://redis.internal:6379/0",
    # Web Push to drivers (gnb.W101 otherwise): a pair made by manage.py generate_vapid_keys for this test only.
    "GNB_VAPID_PRIVATE_KEY": "ESYwdwle7YoPzzf-4R48NCrR3REuHD4VtV0TTuXmFcc",
    "GNB_VAPID_PUBLIC_KEY": "BFDDd5UldpylxWXbGb4UQUijKE8QjNDT0fU2nYJFNuF0LdygRNsMimakPLA-ln0jTvR_cm2cAKPj2tSCU1p5eCw",
    "GNB_VAPID_SUBJECT": "mailto:operations@gnbtransfer.com",
}
CHECK_DEPLOY = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]
SHOW_SETTINGS = [
    "-c",
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'csp': {k: v for k, v in s.CONTENT_SECURITY_POLICY['DIRECTIVES'].items() if k in ('report-uri', "
    "'upgrade-insecure-requests')}, 'cors': s.CORS_ALLOWED_ORIGINS, 'session_secure': s.SESSION_COOKIE_SECURE, "
    "'csrf_secure': s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS}))",
]
CASES: dict[str, tuple[list[str], dict[str, str]]] = {
    "production": (CHECK_DEPLOY, {}),
    "production_with_cors_and_reports": (
        CHECK_DEPLOY,
        {
            "CORS_ALLOWED_ORIGINS": "https://app.gnbtransfer.com, http://localhost:3000",
            "CSP_REPORT_URI": "https://gnb.report-uri.com/r/d/csp/enforce",
        },
    ),
    "no_hsts_no_redirect": (CHECK_DEPLOY, {"SECURE_HSTS_SECONDS": "0", "SECURE_SSL_REDIRECT": "0"}),
    "payment_and_cache_misconfigurations": (
        CHECK_DEPLOY,
        {
            "REDIS_URL": "",
            "STRIPE_API_BASE": "http://127.0.0.1:12111",
            "PAYTR_MERCHANT_ID": "123456",
            "PAYTR_MERCHANT_KEY": "not-a-real-key",
            "PAYTR_MERCHANT_SALT": "not-a-real-salt",
        },
    ),
    "push_off": (CHECK_DEPLOY, {"GNB_VAPID_PRIVATE_KEY": "", "GNB_VAPID_PUBLIC_KEY": ""}),
    "vapid_keys_not_a_pair": (
        CHECK_DEPLOY,
        {"GNB_VAPID_PRIVATE_KEY": "FZiv0P3-NZlHA0TcUtOIzTLgi6rvH1yKb3ScqLtgRWM"},
    ),
    "vapid_subject_not_an_address": (CHECK_DEPLOY, {"GNB_VAPID_SUBJECT": "operations"}),
    "cors_origin_with_a_path": (CHECK_DEPLOY, {"CORS_ALLOWED_ORIGINS": "https://app.gnbtransfer.com/"}),
    "cors_origin_without_scheme": (CHECK_DEPLOY, {"CORS_ALLOWED_ORIGINS": "app.gnbtransfer.com"}),
    "csp_report_uri_not_a_url": (CHECK_DEPLOY, {"CSP_REPORT_URI": "javascript:alert(1)"}),
    "settings_production": (SHOW_SETTINGS, {"CSP_REPORT_URI": "/csp-reports/"}),
    "database_pooler_unknown": (CHECK_DEPLOY, {"DATABASE_POOLER": "session"}),
    "database_through_a_transaction_pooler": (
        CHECK_DEPLOY,
        {"DATABASE_URL": "postgres://gnb:pw@pgbouncer.internal:6432/gnb", "DATABASE_POOLER": "transaction"},
    ),
    "settings_database_pooler": (
        [
            "-c",
            "import json, django; django.setup(); from django.conf import settings as s; "
            "d = s.DATABASES['default']; print(json.dumps({'cursors_off': d.get('DISABLE_SERVER_SIDE_CURSORS', "
            "False), 'options': d.get('OPTIONS', {}).get('options')}))",
        ],
        {"DATABASE_URL": "postgres://gnb:pw@pgbouncer.internal:6432/gnb", "DATABASE_POOLER": "Transaction"},
    ),
    "settings_database_direct": (
        [
            "-c",
            "import json, django; django.setup(); from django.conf import settings as s; "
            "d = s.DATABASES['default']; print(json.dumps({'cursors_off': d.get('DISABLE_SERVER_SIDE_CURSORS', "
            "False), 'options': d.get('OPTIONS', {}).get('options')}))",
        ],
        {"DATABASE_URL": "postgres://gnb:pw@db.internal:5432/gnb"},
    ),
    "scheduler_through_a_pooler": (
        ["manage.py", "run_scheduler"],
        {"DATABASE_URL": "postgres://gnb:pw@pgbouncer.internal:6432/gnb", "DATABASE_POOLER": "transaction"},
    ),
    "settings_development": (
        SHOW_SETTINGS,
        {"DEBUG": "1", "SECRET_KEY": "", "EMAIL_URL": "console://", "CORS_ALLOWED_ORIGINS": "http://localhost:3000"},
    ),
}


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[int, str, str]]:
    """(exit code, stdout, stderr) of each case."""
    processes = {}
    for name, (arguments, changes) in CASES.items():
        env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings", **PRODUCTION}
        env.update(changes)
        env = {key: value for key, value in env.items() if value != ""}
        processes[name] = subprocess.Popen(  # noqa: S603 (this interpreter and this file's own arguments)
            [sys.executable, *arguments],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=180)
        results[name] = (process.returncode, stdout, stderr)
    return results


@pytest.mark.parametrize("case", ["production", "production_with_cors_and_reports"])
def test_check_deploy_is_clean_with_production_settings(runs, case):
    assert runs[case] == (0, "System check identified no issues (0 silenced).\n", "")


def test_check_deploy_does_fail_on_what_it_guards(runs):
    # The guard above can fail: without HSTS and the HTTPS redirect, the same command reports both and exits 1.
    returncode, _stdout, stderr = runs["no_hsts_no_redirect"]
    assert returncode == 1
    assert "(security.W004)" in stderr and "(security.W008)" in stderr
    assert "System check identified some issues" in stderr


def test_check_deploy_reports_a_cache_per_process_and_payment_settings_meant_for_tests(runs):
    # Without REDIS_URL, with the Stripe stand-in's address and PayTR left in its default test mode.
    returncode, _stdout, stderr = runs["payment_and_cache_misconfigurations"]
    assert returncode == 1
    assert re.findall(r"^\?: \((\S+)\) ", stderr, flags=re.MULTILINE) == ["gnb.W001", "gnb.W010", "gnb.W011"]


def test_check_deploy_warns_when_drivers_get_no_push_messages(runs):
    returncode, _stdout, stderr = runs["push_off"]
    assert returncode == 1
    assert re.findall(r"^\?: \((\S+)\) ", stderr, flags=re.MULTILINE) == ["gnb.W101"]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "cors_origin_with_a_path",
            "CORS_ALLOWED_ORIGINS has 'https://app.gnbtransfer.com/', which is not an origin: scheme and host "
            "(and port), no path, e.g. https://app.gnbtransfer.com",
        ),
        (
            "cors_origin_without_scheme",
            "CORS_ALLOWED_ORIGINS has 'app.gnbtransfer.com', which is not an origin: scheme and host (and port), "
            "no path, e.g. https://app.gnbtransfer.com",
        ),
        ("vapid_keys_not_a_pair", "GNB_VAPID_PUBLIC_KEY is not the public key of GNB_VAPID_PRIVATE_KEY"),
        (
            "vapid_subject_not_an_address",
            "GNB_VAPID_SUBJECT='operations' must be a mailto: address (or https:// URL) push services can reach the "
            "operator at",
        ),
        (
            "database_pooler_unknown",
            "DATABASE_POOLER='session' must be empty (a direct connection) or transaction (PgBouncer in transaction "
            "mode, or a provider's pooler)",
        ),
        (
            "csp_report_uri_not_a_url",
            "CSP_REPORT_URI='javascript:alert(1)' must be a path (/…) or an https:// URL",
        ),
    ],
)
def test_a_wrong_security_variable_stops_the_start_naming_it(runs, case, message):
    returncode, _stdout, stderr = runs[case]
    assert returncode == 1
    assert stderr.strip().splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {message}"


def test_through_a_transaction_pooler_server_side_cursors_and_the_startup_option_are_off(runs):
    returncode, stdout, stderr = runs["settings_database_pooler"]
    assert (returncode, stderr) == (0, "")
    assert json.loads(stdout) == {"cursors_off": True, "options": None}
    returncode, stdout, stderr = runs["settings_database_direct"]
    assert (returncode, stderr) == (0, "")
    assert json.loads(stdout) == {"cursors_off": False, "options": "-c lock_timeout=5000"}
    # Nothing in `check --deploy` objects to a pooled web process.
    returncode, stdout, stderr = runs["database_through_a_transaction_pooler"]
    assert returncode == 0, stderr


def test_the_scheduler_refuses_to_lead_through_a_pooler(runs):
    returncode, _stdout, stderr = runs["scheduler_through_a_pooler"]
    assert returncode == 1
    assert "The scheduler needs a direct connection to PostgreSQL" in stderr
    assert "no DATABASE_POOLER" in stderr


def test_production_settings_upgrade_requests_mark_cookies_secure_and_report_where_told(runs):
    returncode, stdout, stderr = runs["settings_production"]
    assert (returncode, stderr) == (0, "")
    assert json.loads(stdout) == {
        "csp": {"report-uri": ["/csp-reports/"], "upgrade-insecure-requests": True},
        "cors": [],
        "session_secure": True,
        "csrf_secure": True,
        "hsts": 31536000,
    }


def test_development_settings_keep_plain_http_working(runs):
    returncode, stdout, stderr = runs["settings_development"]
    assert (returncode, stderr) == (0, "")
    assert json.loads(stdout) == {
        "csp": {"report-uri": None, "upgrade-insecure-requests": False},
        "cors": ["http://localhost:3000"],
        "session_secure": False,
        "csrf_secure": False,
        "hsts": 0,
    }
