"""The API as a client sends it: request bodies that place a valid booking, a JSON POST, and the one error shape."""

from __future__ import annotations

import datetime as dt
import json

from gnb.testing.catalog import future_local

ADULTS = [{"first_name": "Anna", "last_name": "Smith", "category": "adult"}]
FAMILY = [
    {"first_name": "Anna", "last_name": "Smith", "category": "adult"},
    {"first_name": "John", "last_name": "Smith", "category": "adult"},
    {"first_name": "Tom", "last_name": "Smith", "category": "child"},
    {"first_name": "Mia", "last_name": "Smith", "category": "infant"},
]
CONTACT = {"name": "Anna Smith", "email": "anna@example.com", "phone": "+44 7911 123456"}


def quote_body(**overrides) -> dict:
    body = {
        "origin": "ayt",
        "destination": "regnum-carya",
        "pickup_at": future_local(days=20).isoformat(),
        "adults": 2,
        "children": 1,
        "infants": 1,
        "luggage": 3,
    }
    body.update(overrides)
    return body


def booking_body(**overrides) -> dict:
    pickup = future_local(days=20)
    body = quote_body(pickup_at=pickup.isoformat())
    body.update(
        {
            "vehicle_class": "minivan",
            "extras": [{"code": "child_seat", "quantity": 1}],
            "contact": CONTACT,
            "passengers": FAMILY,
            "flight": {"number": "TK 2412", "arrival_at": (pickup - dt.timedelta(minutes=30)).isoformat()},
            "language": "en",
        }
    )
    body.update(overrides)
    return body


def tour_body(departure_id: int, **overrides) -> dict:
    body = {
        "departure_id": departure_id,
        "adults": 2,
        "children": 1,
        "infants": 1,
        "contact": CONTACT,
        "passengers": FAMILY,
        "pickup_place": "regnum-carya",
        "pickup_point": "lobby",
    }
    body.update(overrides)
    return body


def post(client, url: str, body, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", headers=headers)


def assert_error(response, status: int, code: str, fields: list[str]) -> dict:
    """The one error shape: ``{"error": {"code", "message", "fields": [{"field", "message"}]}}``."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert [item["field"] for item in error["fields"]] == fields
    assert all(isinstance(item["message"], str) and item["message"] for item in error["fields"])
    return error
