"""The price engine: pure functions over plain values, no database, no clock.

Selectors (``quotes.py``) load the catalogue rows a request needs and hand them here as frozen dataclasses,
so the engine is fast, deterministic and tested with property-based tests.

Unit prices are converted to the display currency first and every line is computed in that currency, so the
lines a traveller sees add up exactly to the total they are charged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from gnb.core.money import ZERO, convert, convert_back, percent_of, quantize

PER_UNIT = "per_unit"
PER_BOOKING = "per_booking"
PERCENT = "percent"
FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class Party:
    adults: int
    children: int = 0
    infants: int = 0
    luggage: int = 0

    @property
    def seats(self) -> int:
        # Infants take a seat: Turkish transport rules require every passenger to be seated and belted.
        return self.adults + self.children + self.infants


@dataclass(frozen=True, slots=True)
class VehicleOption:
    id: int
    code: str
    name: str
    max_passengers: int
    max_luggage: int
    sort_order: int = 0

    def fits(self, party: Party) -> bool:
        return party.seats <= self.max_passengers and party.luggage <= self.max_luggage


@dataclass(frozen=True, slots=True)
class SeasonTerms:
    name: str
    starts_on: date
    ends_on: date
    percent: Decimal


@dataclass(frozen=True, slots=True)
class ExtraChoice:
    code: str
    name: str
    unit_price: Decimal  # base currency
    pricing: str
    quantity: int


@dataclass(frozen=True, slots=True)
class CouponTerms:
    code: str
    kind: str
    value: Decimal  # percent, or an amount in the base currency
    min_total: Decimal = ZERO  # base currency


@dataclass(frozen=True, slots=True)
class PriceLine:
    code: str
    label: str
    amount: Decimal
    quantity: int = 1

    def as_dict(self) -> dict[str, str | int]:
        return {"code": self.code, "label": self.label, "quantity": self.quantity, "amount": str(self.amount)}


@dataclass(frozen=True, slots=True)
class Breakdown:
    currency: str
    rate: Decimal
    lines: tuple[PriceLine, ...]
    subtotal: Decimal
    discount: Decimal
    total: Decimal
    total_base: Decimal

    def as_dict(self) -> dict[str, object]:
        return {
            "currency": self.currency,
            "rate": str(self.rate),
            "lines": [line.as_dict() for line in self.lines],
            "subtotal": str(self.subtotal),
            "discount": str(self.discount),
            "total": str(self.total),
            "total_base": str(self.total_base),
        }


@dataclass(frozen=True, slots=True)
class Leg:
    fare: Decimal  # base currency
    pickup_date: date  # local date of the pickup, which decides the season


@dataclass(slots=True)
class _Lines:
    currency: str
    rate: Decimal
    lines: list[PriceLine] = field(default_factory=list)

    def add(self, code: str, label: str, amount: Decimal, quantity: int = 1) -> None:
        if amount != ZERO:
            self.lines.append(PriceLine(code, label, quantity=quantity, amount=quantize(amount)))

    def to_display(self, base_amount: Decimal) -> Decimal:
        return convert(base_amount, self.rate)


def season_for(day: date, seasons: Sequence[SeasonTerms]) -> SeasonTerms | None:
    """The season in force on ``day``; when several overlap, the one that starts latest (the most specific)."""
    matching = [season for season in seasons if season.starts_on <= day <= season.ends_on]
    return max(matching, key=lambda season: (season.starts_on, season.name)) if matching else None


def coupon_discount(coupon: CouponTerms | None, subtotal: Decimal, rate: Decimal) -> Decimal:
    """The discount in the display currency, never more than the subtotal (so a total is never negative)."""
    if coupon is None or subtotal <= ZERO:
        return ZERO
    if convert_back(subtotal, rate) < coupon.min_total:
        return ZERO
    if coupon.kind == PERCENT:
        discount = percent_of(subtotal, min(coupon.value, Decimal(100)))
    else:
        discount = convert(coupon.value, rate)
    return min(discount, subtotal)


def _finish(lines: _Lines, coupon: CouponTerms | None) -> Breakdown:
    subtotal = quantize(sum((line.amount for line in lines.lines), ZERO))
    discount = coupon_discount(coupon, subtotal, lines.rate)
    if discount:
        lines.lines.append(PriceLine("coupon", coupon.code if coupon else "", amount=-discount))
    total = subtotal - discount
    total_base = total if lines.rate == 1 else convert_back(total, lines.rate)
    return Breakdown(
        currency=lines.currency,
        rate=lines.rate,
        lines=tuple(lines.lines),
        subtotal=subtotal,
        discount=discount,
        total=total,
        total_base=total_base,
    )


def price_transfer(
    *,
    legs: Sequence[Leg],
    seasons: Sequence[SeasonTerms],
    extras: Sequence[ExtraChoice],
    coupon: CouponTerms | None,
    return_discount_percent: Decimal,
    currency: str,
    rate: Decimal,
) -> Breakdown:
    """Price one vehicle class for one or two legs: fare, season adjustment, return discount, extras, coupon."""
    lines = _Lines(currency, rate)
    for number, leg in enumerate(legs, start=1):
        prefix = "" if number == 1 else "return_"
        fare = lines.to_display(leg.fare)
        lines.add(f"{prefix}fare", _("Return transfer") if number > 1 else _("Transfer"), fare)
        season = season_for(leg.pickup_date, seasons)
        adjusted = fare
        if season is not None:
            adjustment = percent_of(fare, season.percent)
            lines.add(f"{prefix}season", season.name, adjustment)
            adjusted = fare + adjustment
        if number > 1 and return_discount_percent:
            lines.add("return_discount", _("Return discount"), -percent_of(adjusted, return_discount_percent))
    for extra in extras:
        unit = lines.to_display(extra.unit_price)
        if extra.pricing == PER_UNIT:
            lines.add(f"extra:{extra.code}", extra.name, unit * extra.quantity, quantity=extra.quantity)
        else:
            lines.add(f"extra:{extra.code}", extra.name, unit)
    return _finish(lines, coupon)


@dataclass(frozen=True, slots=True)
class TourPrices:
    adult: Decimal
    child: Decimal
    infant: Decimal


def price_tour(
    *, prices: TourPrices, party: Party, coupon: CouponTerms | None, currency: str, rate: Decimal
) -> Breakdown:
    """Price seats on a tour departure: per adult, child and infant, then the coupon."""
    lines = _Lines(currency, rate)
    for code, label, count, unit in (
        ("adults", _("Adults"), party.adults, prices.adult),
        ("children", _("Children"), party.children, prices.child),
        ("infants", _("Infants"), party.infants, prices.infant),
    ):
        if count:
            lines.add(code, label, lines.to_display(unit) * count, quantity=count)
    return _finish(lines, coupon)
