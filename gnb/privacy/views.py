"""The visitor's answer to the cookie question, from the banner or the cookie page. Works without JavaScript: a
form post that records the decision, sets the consent cookie and goes back to the page it came from."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gnb.privacy.consent import (
    ANALYTICS,
    CONSENT_COOKIE,
    CONSENT_MAX_AGE,
    NECESSARY,
    consent_cookie_value,
    consent_parse,
    new_subject,
    optional_categories_offered,
)
from gnb.privacy.services import consent_record


@require_POST
def consent(request: HttpRequest) -> HttpResponse:
    choice = request.POST.get("choice", "")
    if choice not in (ANALYTICS, NECESSARY):
        return HttpResponseBadRequest("choice must be analytics or necessary", content_type="text/plain")
    categories = {ANALYTICS} if choice == ANALYTICS and ANALYTICS in optional_categories_offered() else set()
    subject = consent_parse(request.COOKIES.get(CONSENT_COOKIE)).subject or new_subject()
    version = settings.GNB_CONSENT_VERSION
    consent_record(subject=subject, categories=categories, version=version, language=get_language() or "")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse("website:cookies")
    messages.success(request, _("Your cookie choice is saved. You can change it at any time on the cookie page."))
    response = redirect(target)
    response.set_cookie(
        CONSENT_COOKIE,
        consent_cookie_value(categories=categories, version=version, subject=subject),
        max_age=CONSENT_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response
