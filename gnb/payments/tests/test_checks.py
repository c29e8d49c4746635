"""Deployment checks of the payment settings: a Stripe API that is not Stripe, PayTR in test mode in production.

Each check is run with the settings changed; the last tests show that they run with ``check --deploy`` only, so
``manage.py check`` (``make lint``) stays clean in development and tests.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.checks import WARNING, run_checks
from django.core.management import call_command

from gnb.payments.checks import paytr_test_mode_check, stripe_api_base_check
from gnb.testing.caches import LOCAL_MEMORY
from gnb.testing.paytr import MERCHANT_ID, MERCHANT_KEY, MERCHANT_SALT

STAND_IN = "http://127.0.0.1:12111"


@pytest.fixture
def paytr_live_site(settings):
    """PayTR configured on a production site, still in test mode: what gnb.W011 is about."""
    settings.DEBUG = False
    settings.PAYTR_MERCHANT_ID, settings.PAYTR_MERCHANT_KEY = MERCHANT_ID, MERCHANT_KEY
    settings.PAYTR_MERCHANT_SALT = MERCHANT_SALT
    settings.PAYTR_TEST_MODE = True
    return settings


def test_a_stripe_api_base_other_than_stripe_is_a_warning(settings):
    settings.STRIPE_API_BASE = STAND_IN
    [warning] = stripe_api_base_check()
    assert (warning.id, warning.level) == ("gnb.W010", WARNING)
    assert warning.msg == (
        "STRIPE_API_BASE='http://127.0.0.1:12111': Stripe payments and refunds are sent there instead of "
        "https://api.stripe.com, and the site's Content-Security-Policy lets the pay form post to it."
    )
    assert warning.hint == "STRIPE_API_BASE is for tests and development only: unset it in production."


@pytest.mark.parametrize("base", ["", "https://api.stripe.com"])
def test_stripe_itself_passes(settings, base):
    settings.STRIPE_API_BASE = base
    assert stripe_api_base_check() == []


def test_paytr_in_test_mode_with_debug_off_is_a_warning(paytr_live_site):
    [warning] = paytr_test_mode_check()
    assert (warning.id, warning.level) == ("gnb.W011", WARNING)
    assert warning.msg == (
        "PAYTR_TEST_MODE is on while DEBUG is off: PayTR takes only its published test cards and moves no money, "
        "yet every booking paid that way is confirmed."
    )
    assert warning.hint == "Set PAYTR_TEST_MODE=0 once the PayTR live account is approved (docs/payments-paytr.md)."


@pytest.mark.parametrize(
    "change",
    [{"PAYTR_TEST_MODE": False}, {"DEBUG": True}, {"PAYTR_MERCHANT_ID": "", "PAYTR_MERCHANT_KEY": ""}],
    ids=["live-mode", "development", "paytr-not-configured"],
)
def test_paytr_live_or_in_development_or_off_passes(paytr_live_site, change):
    for name, value in change.items():
        setattr(paytr_live_site, name, value)
    assert paytr_test_mode_check() == []


def _gnb_ids(*, deploy: bool) -> list[str]:
    messages = run_checks(include_deployment_checks=deploy)
    return sorted(message.id for message in messages if message.id.startswith("gnb."))


def test_the_checks_are_registered_for_check_deploy_only(paytr_live_site):
    paytr_live_site.CACHES = LOCAL_MEMORY
    paytr_live_site.STRIPE_API_BASE = STAND_IN
    assert _gnb_ids(deploy=False) == []
    # (gnb.W101: this site has no VAPID keys either, so drivers are told by email only.)
    assert _gnb_ids(deploy=True) == ["gnb.W001", "gnb.W010", "gnb.W011", "gnb.W101"]


def test_manage_py_check_deploy_reports_each_misconfiguration(paytr_live_site):
    paytr_live_site.CACHES = LOCAL_MEMORY
    paytr_live_site.STRIPE_API_BASE = STAND_IN
    report = io.StringIO()
    call_command("check", "--deploy", stdout=report, stderr=report)
    assert re.findall(r"^\?: \((gnb\.W\d+)\) ", report.getvalue(), flags=re.MULTILINE) == [
        "gnb.W001",
        "gnb.W010",
        "gnb.W011",
        "gnb.W101",
    ]
    assert "\tHINT: Set REDIS_URL to a Redis that every web process and the worker reach" in report.getvalue()
