"""What every public page's layout needs: the language switcher, canonical and hreflang links (all nine languages
and x-default), the page's direction, and analytics only when the visitor has consented."""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils.http import urlencode
from django.utils.translation import get_language, get_language_bidi, get_language_info

CONSENT_COOKIE = "gnb_consent"


@functools.lru_cache(maxsize=4096)
def _translated_path(path: str, code: str) -> str:
    # Resolving and reversing a path for nine languages on every page costs milliseconds; paths repeat.
    return translate_url(path, code)


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
        "ga4_id": settings.GA4_MEASUREMENT_ID if analytics_allowed else "",
        "clarity_id": settings.CLARITY_PROJECT_ID if analytics_allowed else "",
    }
