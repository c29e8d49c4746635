"""Money is Decimal with a currency, rounded half-up to the currency's minor unit, never float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize(amount: Decimal) -> Decimal:
    """Round to cents, half-up, as a till does."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return quantize(amount * percent / Decimal(100))


def convert(amount: Decimal, rate: Decimal) -> Decimal:
    """Convert an amount in the base currency with ``rate`` (units of the target currency per base unit)."""
    return quantize(amount * rate)


def convert_back(amount: Decimal, rate: Decimal) -> Decimal:
    """Convert an amount in a display currency back to the base currency."""
    return quantize(amount / rate)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"
