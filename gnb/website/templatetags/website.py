"""Template helpers of the public website: money, structured data and small formatting rules."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from gnb.core import formats
from gnb.core.templatetags import formats as core_formats_tags
from gnb.website import selectors

register = template.Library()

JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def money(amount: Decimal | str | None, currency: str = "") -> str:
    """``€1,234.50`` · ``1.234,50 €`` · ``1 234,50 zł``: the page language's separators and symbol placement."""
    if amount is None or amount == "":
        return ""
    return formats.format_price(amount, currency or settings.BASE_CURRENCY)


@register.filter
def lines(text: str | None) -> list[str]:
    """Non-empty lines of a multi-line catalogue field (itineraries, what's included)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@register.filter
def duration(minutes: int) -> str:
    """A tour's length in hours and minutes, in the page's language (units follow the number in RTL too)."""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
    return _("%(hours)s h") % {"hours": hours} if hours else _("%(minutes)s min") % {"minutes": rest}


def _json_ld(data: dict[str, Any]) -> SafeString:
    # Escaped like Django's json_script so text in the data can never close the script element.
    text = json.dumps(data, ensure_ascii=False, default=str).translate(JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.simple_tag
def business_json_ld() -> SafeString:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "name": settings.GNB_COMPANY_NAME,
        "url": settings.SITE_URL + "/",
        "email": settings.GNB_OPERATOR_EMAIL,
        # Only the airports the catalogue serves: what is configured, never a wish list.
        "areaServed": selectors.served_airports(),
        "priceRange": "€€",
    }
    if settings.GNB_OPERATOR_PHONE:
        data["telephone"] = settings.GNB_OPERATOR_PHONE
    if settings.GNB_COMPANY_ADDRESS:
        data["address"] = settings.GNB_COMPANY_ADDRESS
    return _json_ld(data)


@register.simple_tag(takes_context=True)
def tour_json_ld(context, tour, price, months) -> SafeString:
    """A tour as a schema.org Product with an Offer at the adult price, in stock while a departure has seats."""
    months = months() if callable(months) else months
    in_stock = any(
        d.seats_left > 0 for month in months for week in month.weeks for day in week if day for d in day.departures
    )
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": tour.name,
        "description": tour.summary,
        "url": context.get("canonical_url", ""),
        "brand": {"@type": "Brand", "name": settings.GNB_COMPANY_NAME},
        "offers": {
            "@type": "Offer",
            "price": str(price.amount),
            "priceCurrency": price.currency,
            "availability": "https://schema.org/InStock" if in_stock else "https://schema.org/SoldOut",
            "url": context.get("canonical_url", ""),
        },
    }
    pictures = context.get("pictures")
    if pictures:
        data["image"] = settings.SITE_URL + pictures[0].src
    return _json_ld(data)


@register.simple_tag(takes_context=True)
def query_with(context, **changes: Any) -> str:
    """The current page's URL with some query parameters replaced (e.g. another display currency)."""
    request = context["request"]
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return f"{request.path}?{query.urlencode()}"


# The locale-aware date, time and number filters of gnb/core/templatetags/formats.py, so pages that load
# ``website`` have them too.
for _name in ("local_date", "local_time", "local_datetime", "local_number"):
    register.filter(_name, getattr(core_formats_tags, _name))
