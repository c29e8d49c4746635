"""The card providers' Content-Security-Policy sources, added to every response by ``gnb.core.security`` (registered
in ``PaymentsConfig.ready``), so core knows nothing of PayTR or Stripe."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from gnb.payments.providers import registry
from gnb.payments.providers.paytr.provider import IFRAME_ORIGIN


def payment_csp_sources() -> dict[str, list[str]]:
    """The card providers' CSP sources while they are enabled.

    PayTR's card form is an iFrame from www.paytr.com (``frame-src`` replaces ``default-src`` for frames, so it keeps
    'self' too). Stripe Checkout is a page of Stripe's that the pay form's answer redirects to, and Chrome applies
    ``form-action`` to that redirect (the stand-in's origin in tests).
    """
    sources: dict[str, list[str]] = {}
    if registry.get("paytr").enabled():
        sources["frame-src"] = ["'self'", IFRAME_ORIGIN]
    if getattr(settings, "STRIPE_SECRET_KEY", "") and getattr(settings, "STRIPE_WEBHOOK_SECRET", ""):
        base = getattr(settings, "STRIPE_API_BASE", "")
        if base:
            parts = urlsplit(base)
            sources["form-action"] = [f"{parts.scheme}://{parts.netloc}"]
        else:
            sources["form-action"] = ["https://checkout.stripe.com"]
    return sources
