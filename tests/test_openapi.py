"""docs/openapi.json is the API's contract: it must match what the code serves."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gnb.core.management.commands.export_openapi import openapi_document

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def test_the_committed_openapi_document_matches_the_api():
    if not COMMITTED.exists():
        pytest.fail("docs/openapi.json is missing: run `make openapi` and commit it.", pytrace=False)
    if COMMITTED.read_text(encoding="utf-8") != openapi_document():
        pytest.fail("docs/openapi.json is out of date with the API: run `make openapi` and commit it.", pytrace=False)


def test_the_document_describes_every_endpoint():
    paths = json.loads(openapi_document())["paths"]
    assert sorted((path, method) for path, methods in paths.items() for method in methods) == [
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/token", "post"),
        ("/api/v1/bookings", "post"),
        ("/api/v1/bookings/{reference}", "get"),
        ("/api/v1/bookings/{reference}", "patch"),
        ("/api/v1/bookings/{reference}/cancel", "post"),
        ("/api/v1/bookings/{reference}/payments", "post"),
        ("/api/v1/currencies", "get"),
        ("/api/v1/dispatch/assign", "post"),
        ("/api/v1/dispatch/proposals", "get"),
        ("/api/v1/dispatch/proposals", "post"),
        ("/api/v1/dispatch/proposals/{proposal_id}", "get"),
        ("/api/v1/dispatch/proposals/{proposal_id}/apply", "post"),
        ("/api/v1/dispatch/trips", "get"),
        ("/api/v1/dispatch/trips/{trip_id}/reassign", "post"),
        ("/api/v1/dispatch/trips/{trip_id}/unassign", "post"),
        ("/api/v1/driver/trips", "get"),
        ("/api/v1/driver/trips/{trip_id}", "get"),
        ("/api/v1/driver/trips/{trip_id}/cash", "post"),
        ("/api/v1/driver/trips/{trip_id}/status", "post"),
        ("/api/v1/extras", "get"),
        ("/api/v1/me", "get"),
        ("/api/v1/me/bookings", "get"),
        ("/api/v1/partner/bookings", "get"),
        ("/api/v1/places", "get"),
        ("/api/v1/quotes", "post"),
        ("/api/v1/tour-bookings", "post"),
        ("/api/v1/tour-quotes", "post"),
        ("/api/v1/tours", "get"),
        ("/api/v1/tours/{slug}", "get"),
        ("/api/v1/tours/{slug}/departures", "get"),
        ("/api/v1/vehicle-classes", "get"),
    ]


def test_export_openapi_writes_the_document(tmp_path):
    target = tmp_path / "openapi.json"
    output = io.StringIO()
    call_command("export_openapi", str(target), stdout=output)
    assert output.getvalue() == f"Wrote {target}\n"
    assert target.read_text(encoding="utf-8") == openapi_document()


def test_export_openapi_refuses_a_missing_directory(tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        call_command("export_openapi", str(tmp_path / "nowhere" / "openapi.json"))


@pytest.mark.django_db
def test_the_interactive_docs_are_served_from_the_installed_package_without_a_cdn(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "unpkg" not in html and "https://" not in html
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "GNB Transfer API"


def test_every_error_answer_is_documented_in_the_one_error_shape():
    # Clients (and the schemathesis run in tests/test_api_fuzz.py) read the statuses an operation may answer from
    # the document: each one the API can give, and each error in the `error` shape.
    document = json.loads(openapi_document())
    errors = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorOut"
                    }, (method, path, status)
            errors[f"{method.upper()} {path}"] = sorted(int(s) for s in operation["responses"] if int(s) >= 400)
    assert errors == {
        "POST /api/v1/auth/logout": [400, 413, 415, 422],
        "POST /api/v1/auth/refresh": [400, 401, 413, 415, 422],
        "POST /api/v1/auth/token": [400, 401, 403, 413, 415, 422, 429],
        "POST /api/v1/bookings": [400, 401, 403, 409, 413, 415, 422, 429, 503],
        "GET /api/v1/bookings/{reference}": [401, 404],
        "PATCH /api/v1/bookings/{reference}": [400, 401, 404, 409, 413, 415, 422, 503],
        "POST /api/v1/bookings/{reference}/cancel": [400, 401, 404, 409, 413, 415, 422, 503],
        "POST /api/v1/bookings/{reference}/payments": [400, 401, 404, 409, 413, 415, 422, 502, 503],
        "GET /api/v1/dispatch/trips": [401, 403, 422],
        "GET /api/v1/driver/trips": [401, 403, 422],
        "GET /api/v1/driver/trips/{trip_id}": [401, 403, 404, 422],
        "POST /api/v1/dispatch/assign": [400, 401, 403, 404, 409, 413, 415, 422, 503],
        "POST /api/v1/dispatch/trips/{trip_id}/reassign": [400, 401, 403, 404, 409, 413, 415, 422, 503],
        "POST /api/v1/dispatch/trips/{trip_id}/unassign": [400, 401, 403, 404, 409, 413, 415, 422, 503],
        "GET /api/v1/dispatch/proposals": [401, 403, 422],
        "POST /api/v1/dispatch/proposals": [400, 401, 403, 413, 415, 422],
        "GET /api/v1/dispatch/proposals/{proposal_id}": [401, 403, 404, 422],
        "POST /api/v1/dispatch/proposals/{proposal_id}/apply": [400, 401, 403, 404, 409, 413, 415, 422, 503],
        "POST /api/v1/driver/trips/{trip_id}/cash": [400, 401, 403, 404, 409, 413, 415, 422, 503],
        "POST /api/v1/driver/trips/{trip_id}/status": [400, 401, 403, 404, 409, 413, 415, 422, 503],
        "GET /api/v1/currencies": [401, 403],
        "GET /api/v1/extras": [401, 403],
        "GET /api/v1/me": [401, 403],
        "GET /api/v1/me/bookings": [401, 403, 422],
        "GET /api/v1/partner/bookings": [401, 403, 422],
        "GET /api/v1/places": [401, 403, 422],
        "POST /api/v1/quotes": [400, 401, 403, 413, 415, 422, 429],
        "POST /api/v1/tour-bookings": [400, 401, 403, 409, 413, 415, 422, 429, 503],
        "POST /api/v1/tour-quotes": [400, 401, 403, 413, 415, 422, 429],
        "GET /api/v1/tours": [401, 403],
        "GET /api/v1/tours/{slug}": [401, 403, 404],
        "GET /api/v1/tours/{slug}/departures": [401, 403, 404, 422],
        "GET /api/v1/vehicle-classes": [401, 403],
    }
    schemas = document["components"]["schemas"]
    assert schemas["ErrorOut"]["required"] == ["error"]
    assert schemas["ErrorBody"]["required"] == ["code", "message", "fields"]
    assert schemas["ErrorField"]["required"] == ["field", "message"]


def test_the_document_names_who_may_call_each_operation():
    # Public operations take credentials optionally (`{}`: or none); the others need a user or a partner key.
    document = json.loads(openapi_document())
    assert document["components"]["securitySchemes"] == {
        "BearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT access token or partner API key (gnb_…)",
        },
        "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    security = {
        f"{method.upper()} {path}": operation.get("security")
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    optional = [{}, {"BearerAuth": []}, {"ApiKeyAuth": []}]
    assert security["POST /api/v1/quotes"] == optional
    assert security["POST /api/v1/bookings"] == optional
    assert security["GET /api/v1/tours"] == optional
    assert security["GET /api/v1/me"] == [{"BearerAuth": []}]
    assert security["GET /api/v1/me/bookings"] == [{"BearerAuth": []}]
    assert security["GET /api/v1/partner/bookings"] == [{"BearerAuth": []}, {"ApiKeyAuth": []}]
    # The guest's manage-token operations need none, but check what is sent; signing in reads no such header.
    assert security["GET /api/v1/bookings/{reference}"] == optional
    assert security["PATCH /api/v1/bookings/{reference}"] == optional
    assert security["POST /api/v1/bookings/{reference}/cancel"] == optional
    assert security["POST /api/v1/auth/token"] is None
    assert security["POST /api/v1/auth/refresh"] is None
    assert security["POST /api/v1/auth/logout"] is None
