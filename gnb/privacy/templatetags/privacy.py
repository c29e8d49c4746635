"""What the privacy notice, the cookie page and the consent banner show, read from the settings and the request."""

from __future__ import annotations

from django import template
from django.conf import settings

from gnb.privacy import selectors
from gnb.privacy.consent import CONSENT_COOKIE, consent_parse, optional_categories_offered

register = template.Library()


def _consent(context):
    request = context.get("request")
    return consent_parse(request.COOKIES.get(CONSENT_COOKIE) if request is not None else None)


@register.simple_tag(takes_context=True)
def privacy_facts(context) -> dict:
    """Cookies, processors, the controller and the retention time, as the settings make them today."""
    return {
        "cookies": selectors.cookies_in_use(),
        "processors": selectors.processors_in_use(),
        "controller": selectors.controller(),
        "retention_months": settings.GNB_PRIVACY_RETENTION_MONTHS,
        "analytics_offered": bool(optional_categories_offered()),
        "consent": _consent(context),
    }


@register.inclusion_tag("privacy/consent_banner.html", takes_context=True)
def consent_banner(context) -> dict:
    """The cookie question, asked when an optional category is offered and the visitor has not answered its
    current version."""
    request = context.get("request")
    consent = _consent(context)
    # The cookie page asks the same question in its own body.
    on_cookie_page = getattr(getattr(request, "resolver_match", None), "url_name", "") == "cookies"
    show = bool(optional_categories_offered()) and not consent.current and not on_cookie_page
    return {
        "show": show,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
    }
