"""The drivers' app's part of every request under ``/driver/``.

- The session's device must still be live (not signed out, not ended by a dispatcher, not past its 30 days);
  otherwise the session is signed out, so a lost phone loses its access on its next request.
- The app speaks the language the driver chose on this device, else the first of the driver's languages the site
  offers, else Turkish (the paths carry no language prefix: the installed app has one address). Signed out, it
  speaks the language chosen on the sign-in page, else the phone's.
- The phone may use its position (the status presses send it) and camera (the no-show photo) on these pages only.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

from gnb.core.security import permissions_policy
from gnb.driver import selectors, services

PREFIX = "/driver/"
SESSION_DEVICE = "driver_device_id"
SESSION_LANGUAGE = "driver_language"
# Features the app's pages use, allowed for this site only (every other page keeps them off).
APP_FEATURES = ("geolocation", "camera", "screen-wake-lock")


def app_permissions_policy() -> str:
    policy = {feature: list(allowed) for feature, allowed in getattr(settings, "PERMISSIONS_POLICY", {}).items()}
    for feature in APP_FEATURES:
        policy[feature] = ["self"]
    return permissions_policy(policy)


class DriverAppMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        request.driver_device = None  # type: ignore[attr-defined]
        device_id = request.session.get(SESSION_DEVICE)
        if device_id is not None:
            device = None
            if request.user.is_authenticated:
                device = selectors.device_live(device_id=device_id, user_id=request.user.pk)
            if device is None:
                # Ended, expired, or the driver no longer drives: signed out here and now.
                logout(request)
            else:
                services.driver_device_seen(device=device)
                request.driver_device = device  # type: ignore[attr-defined]
        language = self._language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response["Permissions-Policy"] = app_permissions_policy()
        response.setdefault("Content-Language", language)
        return response

    @staticmethod
    def _language(request: HttpRequest) -> str:
        offered = dict(settings.LANGUAGES)
        device = request.driver_device  # type: ignore[attr-defined]
        if device is not None:
            if device.language in offered:
                return device.language
            return selectors.default_language(device.driver)
        chosen = request.session.get(SESSION_LANGUAGE, "")
        if chosen in offered:
            return chosen
        # Signed out and nothing chosen yet: the phone's own language when the site speaks it (LocaleMiddleware).
        browser = getattr(request, "LANGUAGE_CODE", "")
        return browser if browser in offered else selectors.FALLBACK_LANGUAGE
