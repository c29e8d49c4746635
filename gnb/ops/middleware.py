"""Request ids: one per request, on every log line of that request and in the ``X-Request-ID`` response header."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import sentry_sdk
from django.http import HttpRequest, HttpResponseBase

from gnb.core.requests import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# An id from a proxy or load balancer is kept so its logs and ours match; anything else (too short, too long, odd
# characters that could forge log lines) is replaced.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id_from(request: HttpRequest) -> str:
    """The caller's ``X-Request-ID`` when it is safe to log, else a new random id."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request id for the duration of the request; first in MIDDLEWARE so every response carries it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_from(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            # Sentry's Django integration gives each request its own scope, so the tag stays with this request.
            sentry_sdk.set_tag("request_id", request_id)
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            request_id_var.reset(token)
