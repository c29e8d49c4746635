"""The ways to pay the review-and-pay page offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from gnb.bookings.models import Booking
from gnb.payments.selectors import card_providers


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
    for that currency (``online_only``: the card providers alone, to retry a payment)."""
    cards = [
        PaymentMethod(provider.code, provider.label, provider.description) for provider in card_providers(currency)
    ]
    return cards if online_only else [CASH, *cards]


def card_accepted(currency: str) -> bool:
    """Whether a traveller paying in ``currency`` can pay by card online now: what the site may promise."""
    return bool(card_providers(currency))
