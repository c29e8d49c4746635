"""Deployment checks of the payment providers' settings (``manage.py check --deploy``); registered in
``PaymentsConfig.ready``.

Both settings below exist for tests and for going live step by step, so they are valid values that settings.py
accepts at start; in production they quietly move no real money (or send card data elsewhere), which is why a
deploy check names them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Warning as CheckWarning

from gnb.payments.providers import registry

STRIPE_API = "https://api.stripe.com"
STRIPE_API_ELSEWHERE = "gnb.W010"
PAYTR_TEST_MODE_LIVE = "gnb.W011"


def stripe_api_base_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when ``STRIPE_API_BASE`` sends the Stripe client (and the checkout redirect) anywhere but Stripe."""
    base = settings.STRIPE_API_BASE
    if not base or base == STRIPE_API:
        return []
    return [
        CheckWarning(
            f"STRIPE_API_BASE={base!r}: Stripe payments and refunds are sent there instead of {STRIPE_API}, and the "
            "site's Content-Security-Policy lets the pay form post to it.",
            hint="STRIPE_API_BASE is for tests and development only: unset it in production.",
            id=STRIPE_API_ELSEWHERE,
        )
    ]


def paytr_test_mode_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when PayTR is offered in test mode on a production site (``DEBUG`` off)."""
    if settings.DEBUG or not settings.PAYTR_TEST_MODE or not registry.get("paytr").enabled():
        return []
    return [
        CheckWarning(
            "PAYTR_TEST_MODE is on while DEBUG is off: PayTR takes only its published test cards and moves no money, "
            "yet every booking paid that way is confirmed.",
            hint="Set PAYTR_TEST_MODE=0 once the PayTR live account is approved (docs/payments-paytr.md).",
            id=PAYTR_TEST_MODE_LIVE,
        )
    ]
