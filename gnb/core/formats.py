"""Dates, times, numbers and prices in the reader's language, from one place.

Pages (the ``formats`` template library), emails, the voucher and the calendar entry format through these functions,
so a German traveller reads "12. Juni 2027, 14:30" and "1.234,50 €" everywhere and a Russian one
"12 июня 2027 г., 14:30" and "1 234,50 €". The patterns are CLDR's, through Babel; Django's own formats know neither
currency symbol placement nor the weekday and month forms of every language.

Datetimes are formatted in the zone they carry: callers convert first (templates to the current time zone, the
itinerary to the place's zone), as Django's ``date_format`` does.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from django.conf import settings
from django.utils.translation import get_language

# English is written for the British market: day before month, a 24-hour clock.
BABEL_LOCALES = {"en": "en_GB"}

# Named styles of a date: CLDR's long date, or a skeleton the locale fills with its own order and punctuation.
DATE_STYLES = {
    "long": None,  # 12 June 2027 · 12. Juni 2027 · 12 июня 2027 г.
    "weekday": "yMMMEd",  # Sat, 12 Jun 2027 · Sa., 12. Juni 2027
    "day": "MMMEd",  # Sat, 12 Jun · Sa., 12. Juni
    "month": "yMMMM",  # June 2027 · Juni 2027 (a calendar's caption)
}


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of a site language (the active one by default); English for anything unknown."""
    return _babel_locale((language or get_language() or settings.LANGUAGE_CODE).split("-")[0].lower())


@functools.lru_cache(maxsize=32)
def _babel_locale(code: str) -> Locale:
    try:
        return Locale.parse(BABEL_LOCALES.get(code, code))
    except (ValueError, LookupError):
        return Locale.parse(BABEL_LOCALES["en"])


def format_price(amount: Decimal | str | int, currency: str, language: str | None = None) -> str:
    """``€1,234.50``, ``1.234,50 €``, ``1 234,50 zł``: the locale's separators and symbol placement.

    The amount stays a Decimal (a string or int is read as one, never through float) and shows the currency's minor
    unit, so a price reads as it is charged.
    """
    return babel_numbers.format_currency(Decimal(str(amount)), currency.upper(), locale=babel_locale(language))


def format_number(value: Decimal | int | str, language: str | None = None, *, decimal_places: int | None = None) -> str:
    """A number with the locale's grouping and decimal separators (``1,234.5`` · ``1.234,5`` · ``1 234,5``)."""
    number = Decimal(str(value))
    if decimal_places is None:
        return babel_numbers.format_decimal(number, locale=babel_locale(language))
    pattern = "#,##0" + ("." + "0" * decimal_places if decimal_places else "")
    return babel_numbers.format_decimal(number, format=pattern, locale=babel_locale(language))


def format_date(value: dt.date, language: str | None = None, *, style: str = "long") -> str:
    """A date in the locale's words; ``style`` is one of ``DATE_STYLES``."""
    locale = babel_locale(language)
    skeleton = DATE_STYLES[style]
    if skeleton is None:
        return babel_dates.format_date(value, "long", locale=locale)
    return babel_dates.format_skeleton(skeleton, value, locale=locale)


def format_time(value: dt.time | dt.datetime, language: str | None = None, *, clock: str = "") -> str:
    """A time of day as the locale writes it (``14:30`` · ``2:30 م``); ``clock="24h"`` for a compact timetable cell
    (``08:00`` in every language), where a 12-hour time would wrap."""
    if isinstance(value, dt.datetime):
        value = value.time()
    # Babel would convert an aware time to UTC; the zone the value carries is the one the reader expects.
    value = value.replace(tzinfo=None)
    if clock == "24h":
        return babel_dates.format_skeleton("Hm", value, locale=babel_locale(language))
    return babel_dates.format_time(value, "short", locale=babel_locale(language))


def format_datetime(value: dt.datetime, language: str | None = None, *, style: str = "long") -> str:
    """Date and time joined the locale's way: ``12 June 2027, 14:30`` · ``12. Juni 2027, 14:30``."""
    locale = babel_locale(language)
    pattern = locale.datetime_formats["medium"]
    return pattern.replace("'", "").format(format_time(value, language), format_date(value, language, style=style))


def language_currency(language: str | None = None) -> str:
    """The display currency preselected for a visitor reading ``language`` (``GNB_LANGUAGE_CURRENCIES``).

    Whether the operators offer it is the caller's question; the traveller's own choice always comes first.
    """
    code = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    return settings.GNB_LANGUAGE_CURRENCIES.get(code, settings.BASE_CURRENCY)
