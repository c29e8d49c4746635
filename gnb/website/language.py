"""Which language a traveller reads: ``/`` sends a first visit to the best of the site's languages by the browser's
``Accept-Language``, and a language picked in the switcher is remembered in Django's language cookie, which then
wins over ``Accept-Language`` on every later visit to ``/``."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, get_language_from_path, get_language_from_request
from django.views.decorators.http import require_safe


def _redirect(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    # The answer depends on the cookie and the browser's languages: no shared cache may hand it to someone else.
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    patch_cache_control(response, private=True)
    return response


@require_safe
def root(request: HttpRequest) -> HttpResponse:
    """``/`` → ``/<language>/``: the remembered choice, else the browser's best match, else English."""
    language = get_language_from_request(request)  # the cookie first, then Accept-Language, then LANGUAGE_CODE
    query = request.META.get("QUERY_STRING", "")
    return _redirect(f"/{language}/" + (f"?{query}" if query else ""))


@require_safe
def choose(request: HttpRequest, code: str) -> HttpResponse:
    """The language switcher's link: remember ``code`` and show the same page (``next``) in that language."""
    if code not in dict(settings.LANGUAGES) or not check_for_language(code):
        code = settings.LANGUAGE_CODE
    next_url = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = "/"
    # A path resolves only under its own language's prefix, so translate it from there.
    with translation.override(get_language_from_path(next_url) or settings.LANGUAGE_CODE):
        target = translate_url(next_url, code)
    if target == next_url and get_language_from_path(next_url) != code:
        target = f"/{code}/"  # a path no page answers to: the home page in the chosen language
    response = _redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax",
    )
    return response
