"""Rules every API operation keeps, walked over the operations the OpenAPI document lists (a new one is covered
without being named here): bad credentials are a 401 whatever else is sent, a body is JSON sent as JSON, and a body
over the size limit gets the error shape."""

from __future__ import annotations

import json

import pytest

from gnb.accounts.api_tokens import token_issue
from gnb.accounts.models import User
from gnb.bookings.models import Booking
from gnb.core.management.commands.export_openapi import openapi_document
from gnb.testing.bookings import place_transfer
from gnb.testing.catalog import make_catalog
from gnb.testing.personas import persona

pytestmark = pytest.mark.django_db

PATHS = json.loads(openapi_document())["paths"]
OPERATIONS = [
    (method.upper(), path, "requestBody" in operation)
    for path, methods in PATHS.items()
    for method, operation in methods.items()
]
# Operations that need a signed-in user (no `{}` among their security requirements): they check the credentials
# before they read a body, so the body rules below are tried with a customer's valid access token.
SIGNED_IN = {
    (method.upper(), path)
    for path, methods in PATHS.items()
    for method, operation in methods.items()
    if "security" in operation and {} not in operation["security"]
}
WITH_A_BODY = [(method, path) for method, path, has_body in OPERATIONS if has_body]
# They take their credential in the body and leave these headers unread (docs/api.md).
SIGNING_IN = {("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/refresh"), ("POST", "/api/v1/auth/logout")}


@pytest.fixture
def booking() -> Booking:
    make_catalog()
    return place_transfer()


def call(client, method: str, path: str, booking: Booking, *, body: str = "{}", **headers):
    url = path.replace("{reference}", booking.reference).replace("{slug}", "perge-aspendos")
    url = url.replace("{trip_id}", "1").replace("{proposal_id}", "1")
    headers = {"X-Manage-Token": booking.manage_token, **headers}
    content_type = headers.pop("content_type", "application/json")
    if method == "GET":
        return client.get(url, headers=headers)
    return client.generic(method, url, data=body, content_type=content_type, headers=headers)


def signed_in(method: str, path: str) -> dict[str, str]:
    """A customer's access token for an operation that needs a signed-in user, nothing for the others."""
    if (method, path) not in SIGNED_IN:
        return {}
    customer = User.objects.filter(username="carla").first() or persona("customer", "carla")
    return {"Authorization": f"Bearer {token_issue(user=customer).access_token}"}


def test_the_walk_covers_every_operation_and_every_body():
    assert len(OPERATIONS) == 33
    assert len(WITH_A_BODY) == 17
    assert {path for _method, path in SIGNED_IN if path.startswith(("/api/v1/driver/", "/api/v1/dispatch/"))} == {
        "/api/v1/driver/trips",
        "/api/v1/driver/trips/{trip_id}",
        "/api/v1/driver/trips/{trip_id}/status",
        "/api/v1/driver/trips/{trip_id}/cash",
        "/api/v1/dispatch/trips",
        "/api/v1/dispatch/assign",
        "/api/v1/dispatch/trips/{trip_id}/reassign",
        "/api/v1/dispatch/trips/{trip_id}/unassign",
        "/api/v1/dispatch/proposals",
        "/api/v1/dispatch/proposals/{proposal_id}",
        "/api/v1/dispatch/proposals/{proposal_id}/apply",
    }


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Authorization": "Bearer garbage"}, "The access token is not valid."),
        ({"Authorization": "Token abc"}, "Use Authorization: Bearer <token>."),
        ({"X-API-Key": "gnb_0000000000_" + "x" * 43}, "The API key is not valid."),
    ],
)
def test_bad_credentials_are_a_401_on_every_operation_but_signing_in(client, booking, headers, message):
    answers = {}
    for method, path, _has_body in OPERATIONS:
        response = call(client, method, path, booking, **headers)
        answers[(method, path)] = response.status_code
        if (method, path) not in SIGNING_IN:
            assert response.json() == {"error": {"code": "unauthenticated", "message": message, "fields": []}}, path
            assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert {operation for operation, status in answers.items() if status != 401} == SIGNING_IN
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


SEND_JSON = "Send the request body as JSON, with the header Content-Type: application/json."


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data; boundary=x"])
def test_a_body_not_sent_as_json_is_a_415_on_every_operation_with_one(client, booking, content_type):
    for method, path in WITH_A_BODY:
        response = call(
            client, method, path, booking, body='{"reason": "x"}', content_type=content_type, **signed_in(method, path)
        )
        assert response.status_code == 415, path
        assert response.json() == {
            "error": {
                "code": "unsupported_media_type",
                "message": SEND_JSON,
                "fields": [{"field": "Content-Type", "message": SEND_JSON}],
            }
        }
    assert Booking.objects.count() == 1


def test_a_body_over_the_size_limit_is_a_413_on_every_operation_with_one(client, booking):
    message = "The request body is too large: at most 2621440 bytes."
    oversized = json.dumps({"notes": "n" * 2_621_440})
    for method, path in WITH_A_BODY:
        response = call(client, method, path, booking, body=oversized, **signed_in(method, path))
        assert response.status_code == 413, path
        assert response.json() == {
            "error": {
                "code": "content_too_large",
                "message": message,
                "fields": [{"field": "body", "message": message}],
            }
        }
