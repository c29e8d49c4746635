"""What makes the drivers' pages an installable app that works without signal: the web app manifest (in the
driver's language) and the service worker, both served from ``/driver/`` so the worker's scope is the app.

The worker's text carries a version: a digest of the worker itself and of every file of the app shell it
precaches. Any change to app.js, the stylesheet or an icon makes a new version, which the browser installs on the
next visit (it compares the worker byte for byte; ``Cache-Control: no-cache`` makes it ask every time).
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# The app shell: what every driver page needs, precached when the worker installs.
SHELL_FILES = ("driver/app.css", "driver/app.js", "driver/icon-192.png")
ICONS = (
    {"src": "driver/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "driver/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"src": "driver/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
)
THEME_COLOUR = "#0b3d5c"  # the app bar (--brand in app.css), as the icons
BACKGROUND_COLOUR = "#f3f5f7"  # the pages' background (--bg)


def _shell_files() -> list[str]:
    return list(SHELL_FILES)


def _private_paths() -> list[str]:
    """Paths the worker never keeps: signing in and out (and what they lead to), and its own files."""
    return [
        reverse("driver:sign_in"),
        reverse("driver:sign_out"),
        reverse("driver:language"),
        reverse("driver:service_worker"),
        reverse("driver:manifest"),
    ]


def _render_worker(version: str) -> str:
    files = _shell_files()
    context = {
        "version": version,
        "shell": json.dumps([static(name) for name in files]),
        "static_url": settings.STATIC_URL,
        "home": reverse("driver:trips"),
        "offline": reverse("driver:offline"),
        "icon": static("driver/icon-192.png"),
        "private": json.dumps(_private_paths()),
    }
    return render_to_string("driver/sw.js", context)


def _worker_source() -> str:
    digest = hashlib.sha256(_render_worker("").encode())
    for name in _shell_files():
        with open(finders.find(name), "rb") as file:  # type: ignore[arg-type]
            digest.update(file.read())
    return _render_worker(digest.hexdigest()[:12])


# Built once per process in production (the files do not change under a running server); every time while
# developing, so an edit to app.js reaches the phone on its next visit.
_cached_worker_source = functools.cache(_worker_source)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    source = _worker_source() if settings.DEBUG else _cached_worker_source()
    response = HttpResponse(source, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest in the language the driver chose (the app's middleware activated it)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    home = reverse("driver:trips")
    data = {
        "id": home,
        "name": _("GNB Transfer for drivers"),
        "short_name": _("GNB Driver"),
        "description": _("Your trips for today and tomorrow, with or without signal."),
        "lang": language,
        "dir": "rtl" if translation.get_language_bidi() else "ltr",
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{**icon, "src": static(icon["src"])} for icon in ICONS],
    }
    response = JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-cache"
    response["Vary"] = "Cookie"
    return response
