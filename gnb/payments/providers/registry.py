"""The explicit list of payment providers. Adding one is one line in ``PROVIDERS``."""

from __future__ import annotations

from django.utils.module_loading import import_string

from gnb.payments.providers.base import PaymentProvider

# Dotted paths, imported on first use: a provider's client library loads only where it is used.
PROVIDERS: dict[str, str] = {
    "cash": "gnb.payments.providers.cash.provider.CashProvider",
    "bank": "gnb.payments.providers.cash.provider.BankTransferProvider",
    "paytr": "gnb.payments.providers.paytr.provider.PaytrProvider",
    "stripe": "gnb.payments.providers.stripe.provider.StripeProvider",
}

_instances: dict[str, PaymentProvider] = {}


def get(code: str) -> PaymentProvider:
    """The provider registered as ``code``; ``KeyError`` for an unknown code."""
    if code not in PROVIDERS:
        raise KeyError(f"unknown payment provider {code!r}")
    if code not in _instances:
        _instances[code] = import_string(PROVIDERS[code])()
    return _instances[code]


def all_providers() -> list[PaymentProvider]:
    return [get(code) for code in PROVIDERS]


def enabled_for_any() -> list[PaymentProvider]:
    """The online providers a traveller can pay with now, in some currency."""
    return [p for p in all_providers() if p.online and p.enabled()]


def enabled_for(currency: str) -> list[PaymentProvider]:
    """The online providers a traveller can pay ``currency`` with now (enabled, currency supported)."""
    currency = currency.upper()
    return [p for p in enabled_for_any() if currency in p.currencies()]
