"""The one NinjaAPI: a router per app, and one error shape for every 4xx.

Error shape::

    {"error": {"code": "validation_error", "message": "…", "fields": [{"field": "passengers.0.last_name",
                                                                      "message": "…"}]}}
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from gnb.accounts.api import router as accounts_router
from gnb.accounts.apiauth import Public
from gnb.bookings.api import router as bookings_router
from gnb.catalog.api import router as catalog_router
from gnb.core.errors import Busy, DomainError, Throttled, Unauthenticated, ValidationFailed
from gnb.fleet.api import router as fleet_router
from gnb.payments.api import router as payments_router

logger = logging.getLogger(__name__)


class UnsupportedMediaType(Exception):
    """A request body not declared as JSON."""


class JsonParser(Parser):
    """Read a body only when it says it is JSON: what a client sends as text/plain or a form is not our contract,
    and JSON accepted under any type lets a page on another site post to the API without a CORS preflight."""

    def parse_body(self, request: HttpRequest):
        if request.content_type != "application/json":
            raise UnsupportedMediaType(request.content_type)
        return super().parse_body(request)


api = NinjaAPI(
    title="GNB Transfer API",
    version="1",
    description=(
        "Catalogue, quotes and bookings for airport transfers and tours on the Turkish coast. Prices are "
        "computed on the server; every 4xx answer has the same `error` shape.\n\n"
        "Catalogue, quotes and placing a booking need no credentials. Partners send their API key "
        "(`Authorization: Bearer gnb_…` or `X-API-Key`) for their own throttle budget and to list their bookings; "
        "customers and staff sign in at `/auth/token` for a short-lived access token (JWT) and a refresh token. "
        "Credentials that are sent must be valid, on every operation but signing in, refreshing and signing out "
        "(401 with `WWW-Authenticate: Bearer`); a valid credential the operation does not take, or a key without "
        "its scope, gets 403; too many requests get 429 with `Retry-After`. Request bodies are JSON sent as "
        "`Content-Type: application/json` (else 415) and within the size limit (else 413), with JSON's own "
        'types: a whole number where the document says integer (not `true` or `"1"`), text where it says string.\n\n'
        "**driver**: drivers sign in at `/auth/token` like customers and use their access token for their own trips "
        "(`/driver/trips`): the list for a range of days, each trip's manifest, the steps of the trip (on the way, "
        "arrived, picked up, completed, no-show) with the phone's position, and the cash collected. An account "
        "without a driver record gets 403; another driver's trip is 404.\n\n"
        "**dispatch**: a day's trips and the rides still waiting for a driver, assigning, reassigning and "
        "unassigning (`/dispatch/…`), for staff accounts with the fleet's view (reads) or change (writes) "
        "permission; a refused assignment is a 409 whose `code` names the reason (`driver_busy`, `driver_off`, "
        "`vehicle_seats`, …)."
    ),
    urls_namespace="api-v1",
    parser=JsonParser(),
    # Every operation that names no rule of its own is public and still checks the credentials sent with it
    # (401 for bad ones), so no operation can skip that check by forgetting it (gnb/accounts/apiauth.py).
    auth=Public(),
)
api.add_router("/", catalog_router)
api.add_router("/", bookings_router)
api.add_router("/", payments_router)
api.add_router("/", accounts_router)
api.add_router("/", fleet_router)


def error_response(request: HttpRequest, *, status: int, code: str, message: str, fields=(), headers=None):
    body = {
        "error": {
            "code": code,
            "message": message,
            "fields": [{"field": field, "message": text} for field, text in fields],
        }
    }
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}
_PARAM_NAMES = {"payload", "filters"}


def _field_name(loc) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if parts and parts[0] in _PARAM_NAMES:
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_schema_error(request, exc: ValidationError):
    fields = [(_field_name(error.get("loc", ())), error.get("msg", _("Invalid value."))) for error in exc.errors]
    message = f"{fields[0][0]}: {fields[0][1]}" if fields else _("The request is not valid.")
    return error_response(request, status=422, code="validation_error", message=message, fields=fields)


@api.exception_handler(ValidationFailed)
def on_validation_failed(request, exc: ValidationFailed):
    return error_response(
        request, status=422, code=exc.code, message=exc.message, fields=[(f, str(m)) for f, m in exc.errors]
    )


# RFC 6750: a 401 names the scheme the client should use.
UNAUTHENTICATED_HEADERS = {"WWW-Authenticate": 'Bearer realm="api"'}


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    headers: dict[str, str] | None = None
    if isinstance(exc, Busy):
        headers = {"Retry-After": "1"}
    elif isinstance(exc, Throttled):
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, Unauthenticated):
        headers = UNAUTHENTICATED_HEADERS
    fields = [(exc.field, exc.message)] if exc.field else []
    return error_response(
        request, status=exc.status, code=exc.code, message=exc.message, fields=fields, headers=headers
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, status=404, code="not_found", message=_("Not found."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    # No credentials at all on an operation that needs them.
    return error_response(
        request,
        status=401,
        code="unauthenticated",
        message=_("Send an access token or API key: Authorization: Bearer <token>."),
        headers=UNAUTHENTICATED_HEADERS,
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, UnsupportedMediaType):
        # Ninja turns any failure of the parser into its 400; the cause says it was the type, not the JSON.
        message = _("Send the request body as JSON, with the header Content-Type: application/json.")
        return error_response(
            request, status=415, code="unsupported_media_type", message=message, fields=[("Content-Type", message)]
        )
    code = "malformed_request" if exc.status_code == 400 else "error"
    message = _("The request body is not valid JSON.") if exc.status_code == 400 else str(exc)
    return error_response(request, status=exc.status_code, code=code, message=message, fields=[("body", message)])


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request, exc: RequestDataTooBig):
    # Django refuses to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE; without this its HTML 400 page would answer.
    message = _("The request body is too large: at most %(limit)s bytes.") % {
        "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    }
    return error_response(request, status=413, code="content_too_large", message=message, fields=[("body", message)])
