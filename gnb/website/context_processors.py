"""What every public page's layout needs: the language switcher, canonical and hreflang links (all nine languages
and x-default), the page's direction, and analytics only when the visitor has consented."""

from __future__ import annotations

import functools

from babel.lists import format_list
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils.http import urlencode
from django.utils.translation import get_language, get_language_bidi, get_language_info
from django.utils.translation import gettext as _

from gnb.catalog.snapshot import catalogue
from gnb.core.formats import babel_locale
from gnb.website import selectors
from gnb.website.checkout.methods import card_accepted
from gnb.website.pages import display_currency

CONSENT_COOKIE = "gnb_consent"


@functools.lru_cache(maxsize=4096)
def _translated_path(path: str, code: str) -> str:
    # Resolving and reversing a path for nine languages on every page costs milliseconds; paths repeat.
    return translate_url(path, code)


def served_airports_text() -> str:
    """ "Antalya Airport and Gazipaşa-Alanya Airport": the airports the catalogue serves, as a list in words."""
    names = selectors.served_airports()
    return format_list(names, locale=babel_locale()) if names else ""


def meta_description(request: HttpRequest) -> str:
    """The default description of a page: only what is configured (the airports served, card payment only when a
    card provider takes the visitor's currency)."""
    airports = served_airports_text()
    card = card_accepted(display_currency(request))
    if airports and card:
        return _(
            "Fixed-price private transfers from %(airports)s to your hotel, and day tours. Book in a minute, pay "
            "the driver in cash or by card online."
        ) % {"airports": airports}
    if airports:
        return _(
            "Fixed-price private transfers from %(airports)s to your hotel, and day tours. Book in a minute, pay "
            "the driver in cash."
        ) % {"airports": airports}
    return str(_("Private airport transfers and day tours on the Turkish coast, at fixed prices."))


def site(request: HttpRequest) -> dict:
    language = get_language()
    path = request.path
    query = request.META.get("QUERY_STRING", "")
    alternates = []
    for code, _name in settings.LANGUAGES:
        translated = _translated_path(path, code)
        alternates.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "path": translated,
                "url": f"{translated}?{query}" if query else translated,
                "absolute": settings.SITE_URL + translated,
                # The switcher goes through language.choose, which remembers the choice in the language cookie.
                "choose_url": reverse("language_choose", args=[code])
                + "?"
                + urlencode({"next": f"{translated}?{query}" if query else translated}),
                "active": code == language,
            }
        )
    consent = request.COOKIES.get(CONSENT_COOKIE, "")
    analytics_allowed = "analytics" in consent.split(",")
    return {
        "site_url": settings.SITE_URL,
        "canonical_url": settings.SITE_URL + path,
        "language_alternates": alternates,
        # Search engines send a reader of none of the nine languages to the English page, as the sitemap does.
        "x_default_url": next(a["absolute"] for a in alternates if a["code"] == settings.LANGUAGE_CODE),
        "language_dir": "rtl" if get_language_bidi() else "ltr",
        "operator_email": settings.GNB_OPERATOR_EMAIL,
        # Callables: a template reads them only where it shows them (not every page does).
        "meta_description": functools.partial(meta_description, request),
        "served_airports": served_airports_text,
        "card_online": lambda: card_accepted(display_currency(request)),
        # In the keys of fragments built from the catalogue, so a change shows at once (gnb.catalog.snapshot).
        "catalogue_token": lambda: catalogue().token,
        "ga4_id": settings.GA4_MEASUREMENT_ID if analytics_allowed else "",
        "clarity_id": settings.CLARITY_PROJECT_ID if analytics_allowed else "",
    }
