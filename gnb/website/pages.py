"""What every public page shares: the currency prices are shown in, and rendering with it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gnb.bookings.quotes import currency_rates
from gnb.catalog.models import Tour
from gnb.catalog.selectors import tour_get
from gnb.core.errors import NotFound
from gnb.core.formats import language_currency
from gnb.website import selectors

CURRENCY_COOKIE = "gnb_currency"


def display_currency(request: HttpRequest) -> str:
    # The traveller's own choice (this link, then the switcher's cookie) before the one preselected for the language.
    return selectors.display_currency(
        request.GET.get("currency") or request.COOKIES.get(CURRENCY_COOKIE) or language_currency()
    )


def remember_currency(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    requested = request.GET.get("currency")
    if requested and selectors.display_currency(requested) == requested.upper():
        response.set_cookie(
            CURRENCY_COOKIE, requested.upper(), max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
        )
    return response


def render_page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    context.setdefault("currency", display_currency(request))
    context.setdefault("currencies", sorted(currency_rates()))
    return remember_currency(request, render(request, template, context, status=status))


def with_query(url: str, query: dict[str, str]) -> str:
    return f"{url}?{urlencode(query)}" if query else url


def tour_or_404(slug: str) -> Tour:
    try:
        return tour_get(slug=slug)
    except NotFound:
        raise Http404(_("Tour not found.")) from None
