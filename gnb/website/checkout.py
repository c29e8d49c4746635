"""The traveller's booking in progress, between the details form and the pay step.

It lives in the session as plain data (the search query and what was typed), never as prices: every step re-checks
and re-prices through the booking services, so what is charged is always what the catalogue says now.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from gnb.bookings.models import Booking

SESSION_KEY = "gnb_checkout"


@dataclass(frozen=True)
class PaymentMethod:
    code: str
    label: Any
    description: Any


# The pay step offers what is enabled for the booking's currency. Card providers join this list when they are
# configured; cash to the driver is always available.
CASH = PaymentMethod(
    Booking.PaymentMethod.CASH,
    _("Cash to the driver"),
    _("Pay the driver in cash on the day, in the currency shown. Your booking is confirmed now."),
)


def payment_methods(currency: str, *, online_only: bool = False) -> list[PaymentMethod]:
    """Payment methods the pay step offers for a booking in ``currency``: cash, then every card provider enabled
    for that currency in the registry (``online_only``: the card providers alone, to retry a payment)."""
    from gnb.payments.providers import registry

    cards = [
        PaymentMethod(provider.code, provider.label, provider.description)
        for provider in registry.enabled_for(currency)
    ]
    return cards if online_only else [CASH, *cards]


def draft_start(session, *, kind: str, query: dict[str, str], details: dict[str, Any], currency: str) -> dict:
    """Keep a checked booking form in the session; a new id each time, so a changed form is a new booking."""
    draft = {"id": secrets.token_hex(16), "kind": kind, "query": query, "details": details, "currency": currency}
    session[SESSION_KEY] = draft
    return draft


def draft_get(session) -> dict | None:
    draft = session.get(SESSION_KEY)
    return draft if isinstance(draft, dict) and {"id", "kind", "query", "details"} <= draft.keys() else None


def draft_finish(session) -> None:
    session.pop(SESSION_KEY, None)
