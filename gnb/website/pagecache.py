"""Whole public pages kept for visitors who carry no state, so the busiest pages cost a cache read at the peak.

Most of the traffic of a marketing email or a flight bank is first visits: no session, no account, the same search
many travellers make. For those requests a page is rendered once per key and then served from the cache (the
per-process memory, or Redis in production, shared by every instance) until its version changes or it expires:

- **The key** is the view, the settings (a digest: the build, the operator's phone, the payment providers…), the
  path with its query, the language, the display currency, the analytics consent, the day, and a version the view
  names (the catalogue's token, a tour's calendar version), so a price or a seat count that changed is never served
  from an older page. Entries also expire after ``seconds``, for what depends on the time of day (the lead time
  before a pickup, a departure's cutoff).
- **Only stateless requests and answers**, and never with DEBUG on: a GET or HEAD without a session or messages
  cookie; a 200 that sets no cookie and writes nothing to the session. Everything else is rendered as before.
- **What belongs to one answer**: the CSP nonce, and the CSRF token of a form that posts (bound to one visitor's
  cookie: it must never reach another). The stored page holds a placeholder where each was, and each answer gets
  its own in their place; the middleware around the view still adds every header (the policy with that nonce, the
  CSRF cookie, security headers, the request id), so a cached answer differs from a rendered one only in the time
  it took. A page whose tokens cannot be told apart (two different CSRF tokens) is not kept.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

# Where the nonce and the CSRF token were, in a stored page: no nonce, token or page text contains a NUL.
NONCE_PLACEHOLDER = b"\x00csp-nonce\x00"
CSRF_PLACEHOLDER = b"\x00csrf-token\x00"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# Answer headers a stored page keeps; the middleware around the view sets the rest on every answer.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "Cache-Control", "Link")
# Cookies that make a visit stateful: a session (signed in, a draft booking, flash messages kept in the session)
# or messages kept in a cookie.
STATE_COOKIES = (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name)


def _stateless(request: HttpRequest) -> bool:
    # Not while developing: a template being edited must show at once.
    if settings.DEBUG or request.method not in ("GET", "HEAD"):
        return False
    return not any(name in request.COOKIES for name in STATE_COOKIES)


def _plain(value: object) -> object:
    """A setting's value as text, for the fingerprint; objects count by their type only (their text may hold a
    memory address, which differs between processes that share one Redis)."""
    if value is None or isinstance(value, str | int | float | Decimal | Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(str(_plain(item)) for item in value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return type(value).__name__


@functools.cache
def settings_fingerprint() -> str:
    """A digest of the settings: the build, the operator's phone, the payment providers, the languages… all show on
    pages. Kept pages outlive a restart in Redis, and instances of two releases or configurations may share it."""
    values = {name: _plain(getattr(settings, name)) for name in dir(settings) if name.isupper()}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]


@receiver(setting_changed)
def _settings_changed(**kwargs: object) -> None:
    settings_fingerprint.cache_clear()


def _key(view: str, request: HttpRequest, parts: tuple[str, ...]) -> str:
    day = timezone.localdate().isoformat()
    identity = "\x1f".join((view, settings_fingerprint(), request.get_full_path(), get_language() or "", day, *parts))
    return "page:v2:" + hashlib.sha256(identity.encode()).hexdigest()


def _stored_body(request: HttpRequest, response: HttpResponse, nonce: bytes) -> tuple[bytes, bool] | None:
    """The body to keep, with placeholders, and whether it holds a CSRF token; None when it must not be kept."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    # A page that wrote to the visitor's session did something for that visitor alone.
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return None
    body = response.content.replace(nonce, NONCE_PLACEHOLDER)
    # get_token() marks the request whenever a page asks for the token.
    if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return body, False
    tokens = set(CSRF_FIELD.findall(body))
    if len(tokens) != 1:
        return None
    return body.replace(tokens.pop(), CSRF_PLACEHOLDER), True


def cached_page(
    *, seconds: int, version: Callable[..., tuple[str, ...] | None]
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve the view's page from the cache for stateless visits. ``version(request, *args, **kwargs)`` returns the
    strings that must change whenever the page could (the currency and consent among them), or None when no version
    can be told (the page is then rendered every time)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        name = f"{view.__module__}.{view.__qualname__}"

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _stateless(request):
                return view(request, *args, **kwargs)
            parts = version(request, *args, **kwargs)
            if parts is None:
                return view(request, *args, **kwargs)
            key = _key(name, request, parts)
            nonce = str(request.csp_nonce).encode()  # type: ignore[attr-defined]
            stored = cache.get(key)
            if stored is not None:
                headers, body, has_csrf = stored
                body = body.replace(NONCE_PLACEHOLDER, nonce)
                if has_csrf:
                    body = body.replace(CSRF_PLACEHOLDER, get_token(request).encode())
                response = HttpResponse(body)
                for header, value in headers:
                    response[header] = value
                return response
            response = view(request, *args, **kwargs)
            kept = _stored_body(request, response, nonce)
            if kept is not None:
                headers = [(header, response[header]) for header in KEPT_HEADERS if header in response]
                cache.set(key, (headers, *kept), seconds)
            return response

        return wrapper

    return decorator
