"""The one NinjaAPI: a router per app, and one error shape for every 4xx.

Error shape::

    {"error": {"code": "validation_error", "message": "…", "fields": [{"field": "passengers.0.last_name",
                                                                      "message": "…"}]}}
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from gnb.bookings.api import router as bookings_router
from gnb.catalog.api import router as catalog_router
from gnb.core.errors import Busy, DomainError, ValidationFailed
from gnb.payments.api import router as payments_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="GNB Transfer API",
    version="1",
    description=(
        "Catalogue, quotes and bookings for airport transfers and tours on the Turkish coast. Prices are "
        "computed on the server; every 4xx answer has the same `error` shape."
    ),
    urls_namespace="api-v1",
)
api.add_router("/", catalog_router)
api.add_router("/", bookings_router)
api.add_router("/", payments_router)


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


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    headers = {"Retry-After": "1"} if isinstance(exc, Busy) else None
    fields = [(exc.field, exc.message)] if exc.field else []
    return error_response(
        request, status=exc.status, code=exc.code, message=exc.message, fields=fields, headers=headers
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, status=404, code="not_found", message=_("Not found."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error_response(request, status=401, code="unauthenticated", message=str(exc))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    code = "malformed_request" if exc.status_code == 400 else "error"
    message = _("The request body is not valid JSON.") if exc.status_code == 400 else str(exc)
    return error_response(request, status=exc.status_code, code=code, message=message, fields=[("body", message)])
