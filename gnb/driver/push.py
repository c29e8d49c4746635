"""The drivers' app asks for push messages: the phone's subscription (``PushSubscription.toJSON()``) is kept for the
signed-in driver, or forgotten when they turn messages off. The app's script posts JSON with the CSRF token in the
``X-CSRFToken`` header."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gnb.core.errors import DomainError, ValidationFailed
from gnb.driver.views import _driver, driver_required
from gnb.fleet import notices

# A subscription is a URL and two short keys; anything much larger is not one.
MAX_BODY_BYTES = 4096


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    if len(request.body) > MAX_BODY_BYTES:
        return None
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _refused(errors: list[tuple[str, str]]) -> JsonResponse:
    return JsonResponse(
        {"outcome": "invalid", "message": errors[0][1], "fields": {field: [message] for field, message in errors}},
        status=422,
    )


@require_POST
@driver_required
def subscribe(request: HttpRequest) -> HttpResponse:
    """Keep this phone's push subscription for the signed-in driver."""
    body = _json_body(request)
    if body is None:
        return _refused([("endpoint", _("Send the push subscription as JSON."))])
    given_keys = body.get("keys")
    keys: dict[str, Any] = given_keys if isinstance(given_keys, dict) else {}
    try:
        notices.driver_push_subscribe(
            driver_id=_driver(request).pk,
            endpoint=str(body.get("endpoint") or ""),
            p256dh=str(keys.get("p256dh") or ""),
            auth=str(keys.get("auth") or ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationFailed as error:
        return _refused(error.errors)
    except DomainError as error:
        return JsonResponse({"outcome": "refused", "message": error.message}, status=error.status)
    return JsonResponse({"outcome": "subscribed"}, status=201)


@require_POST
@driver_required
def unsubscribe(request: HttpRequest) -> HttpResponse:
    """Forget this phone's push subscription (the driver turned messages off)."""
    body = _json_body(request)
    if body is None or not isinstance(body.get("endpoint"), str):
        return _refused([("endpoint", _("Send the push subscription as JSON."))])
    removed = notices.driver_push_unsubscribe(driver_id=_driver(request).pk, endpoint=body["endpoint"])
    return JsonResponse({"outcome": "unsubscribed" if removed else "unknown"})
