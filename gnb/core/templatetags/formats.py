"""``{% load formats %}``: dates, times, numbers and prices in the page's or email's language (gnb/core/formats.py).

Aware datetimes are shown in the current time zone, as Django's ``date`` filter shows them; an empty value shows
nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone

from gnb.core import formats

register = template.Library()


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def money(amount: Decimal | str | None, currency: str = "") -> str:
    """``{{ total|money:booking.currency }}`` → ``€1,234.50`` · ``1.234,50 €``."""
    if amount is None or amount == "":
        return ""
    return formats.format_price(amount, currency) if currency else str(amount)


@register.filter
def local_number(value: Decimal | int | str | None, decimal_places: int | None = None) -> str:
    """``{{ distance|local_number:1 }}`` → ``1,234.5`` · ``1.234,5``."""
    if value is None or value == "":
        return ""
    try:
        return formats.format_number(value, decimal_places=None if decimal_places is None else int(decimal_places))
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def local_date(value: dt.date | None, style: str = "long") -> str:
    """``{{ day|local_date }}`` → ``12 June 2027``; ``:"weekday"``, ``:"day"`` or ``:"month"`` (formats.DATE_STYLES)."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value)
    return formats.format_date(value, style=style)


@register.filter
def local_time(value: dt.datetime | dt.time | None, clock: str = "") -> str:
    """``{{ pickup_at|local_time }}`` → ``14:30`` · ``2:30 م``; ``:"24h"`` → ``08:00`` in every language."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value)
    return formats.format_time(value, clock=clock)


@register.filter
def local_datetime(value: dt.datetime | None, style: str = "long") -> str:
    """``{{ pickup_at|local_datetime:"weekday" }}`` → ``Sat, 12 Jun 2027, 14:30`` · ``Sa., 12. Juni 2027, 14:30``."""
    if not value:
        return ""
    return formats.format_datetime(_local(value), style=style)
