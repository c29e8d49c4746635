"""Schemathesis over the committed docs/openapi.json, against a live test server over real HTTP.

Every operation of the contract is called with generated requests, valid ones and invalid ones (wrong types,
missing fields, out-of-range values, odd headers and path parameters), and every answer is checked: never a 5xx,
only documented status codes and content types, a body that matches the schema documented for its status, and
invalid input refused with a 4xx (schemathesis's built-in checks, all but `positive_data_acceptance`). `make test`
generates FUZZ_EXAMPLES=25 requests per operation (plus the coverage phase's boundary cases); `make fuzz` more.

Generated slugs and references almost never name anything, so about half of the requests are aimed at the live
data first: their well-formed parts get a real booking reference with its X-Manage-Token, the tour's slug and
departure, served places, vehicle classes and extras, a pickup time in the future; their invalid parts stay as
generated. Valid requests then reach the services behind validation (pricing, placing, changing and cancelling a
booking), and invalid ones meet a booking or tour that exists instead of stopping at "not found". A booking placed
with an Idempotency-Key is sent again, and must come back 200 with the same reference.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from gnb.bookings.names import name_error, name_normalized
from gnb.testing.bookings import place_tour, place_transfer
from gnb.testing.catalog import IST, future_local, make_catalog

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

config = schemathesis.Config.from_dict(
    {
        # The same requests on every run: a failure found once is found again.
        "seed": 20270612,
        "generation": {
            "mode": "all",  # positive and negative data
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        # Nothing here is secret: show failing requests exactly as sent, so the printed curl reproduces them.
        "output": {"sanitization": {"enabled": False}},
        "checks": {
            # Well-formed is not the same as bookable: an unknown place or a party that does not match its
            # passengers is valid JSON the services refuse with 422, which this check would call a failure.
            "positive_data_acceptance": {"enabled": False},
        },
    }
)
schema = schemathesis.openapi.from_path(DOCUMENT, config=config)


@dataclass(frozen=True)
class Live:
    """The live server and the data a request can be aimed at."""

    url: str
    reference: str
    manage_token: str
    tour_reference: str
    tour_manage_token: str
    tour_slug: str
    departure_id: int


@pytest.fixture
def live(live_server, settings) -> Live:
    # Every request comes from 127.0.0.1: with the production budgets most placements would be answered 429 (a
    # documented answer, but one that stops them reaching the services). Sign-in keeps its own small limits.
    settings.API_RATE_QUOTES_PER_IP = settings.API_RATE_BOOKINGS_PER_IP = 100_000
    catalog = make_catalog()
    booking = place_transfer()
    tour_booking = place_tour(catalog.departure)
    return Live(
        url=live_server.url,
        reference=booking.reference,
        manage_token=booking.manage_token,
        tour_reference=tour_booking.reference,
        tour_manage_token=tour_booking.manage_token,
        tour_slug=catalog.tour.slug,
        departure_id=catalog.departure.pk,
    )


def _pick(case) -> int:
    """A stable number for this generated request, so the same input is always aimed the same way."""
    seen = json.dumps(
        [case.method, case.path_parameters, dict(case.headers), case.query, case.body],
        sort_keys=True,
        default=str,
    )
    return zlib.crc32(seen.encode())


def _body_fields(document: dict) -> dict[str, frozenset[str]]:
    """The properties each operation's JSON body declares, by operation label (`POST /api/v1/quotes`)."""
    schemas = document["components"]["schemas"]
    fields = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if "requestBody" in operation:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                fields[f"{method.upper()} {path}"] = frozenset(schemas[ref.rsplit("/", 1)[1]]["properties"])
    return fields


BODY_FIELDS = _body_fields(json.loads(DOCUMENT.read_text(encoding="utf-8")))


def _aim_body(body: dict[str, Any], fields: frozenset[str], live: Live, pick: int) -> None:
    """Put served places, vehicles, extras, the departure and a future pickup into a well-formed body.

    Only declared properties are touched (a well-formed body may carry extra ones, of any type); declared ones have
    the documented types.
    """

    def has(name: str) -> bool:
        return name in fields and body.get(name) is not None

    # With its offset: the document's `date-time` is RFC 3339 (the API also takes naive wall-clock times).
    pickup = future_local(days=20).replace(tzinfo=IST)
    if has("origin"):
        body["origin"] = "ayt"
    if has("destination"):
        body["destination"] = ("regnum-carya", "titanic-lara")[pick % 2]
    if has("pickup_at"):
        body["pickup_at"] = pickup.isoformat()
    if has("return_pickup_at"):
        body["return_pickup_at"] = (pickup + dt.timedelta(days=7)).isoformat()
    if has("vehicle_class"):
        body["vehicle_class"] = ("sedan", "minivan", "minibus")[pick % 3]
        # A pickup at the airport needs the flight.
        flight = body.setdefault("flight", {})
        flight["number"] = flight.get("number", "").strip() or "TK 2412"
        if pick % 2:
            flight["arrival_at"] = (pickup - dt.timedelta(minutes=30)).isoformat()
    if has("departure_id"):
        body["departure_id"] = live.departure_id
    for extra in body["extras"] if has("extras") else []:
        extra["code"] = ("child_seat", "meet_greet")[pick % 2]
    if has("currency"):
        body["currency"] = ("EUR", "GBP")[pick % 2]
    if has("coupon"):
        body["coupon"] = "WELCOME10"
    if has("contact") and pick % 2:
        contact = body["contact"]
        contact.update(email="anna@example.com", phone="+44 7911 123456")
        contact["name"] = _as_name(contact["name"], "Anna Smith")
    if has("language") and pick % 2:
        body["language"] = ("en", "tr", "ar")[pick % 3]
    if not has("passengers"):
        return
    passengers = body["passengers"]
    if not passengers and has("adults"):
        passengers = body["passengers"] = [{"first_name": "Anna", "last_name": "Smith", "category": "adult"}]
    for passenger in passengers:
        passenger["first_name"] = _as_name(passenger["first_name"], "Anna")
        passenger["last_name"] = _as_name(passenger["last_name"], "Smith")
    if has("adults"):
        # A party that matches its passengers.
        counts = {category: sum(p["category"] == category for p in passengers) for category in ("adult", "child")}
        if 1 <= counts["adult"] <= 99:
            body["adults"] = counts["adult"]
            body["children"] = counts["child"]
            body["infants"] = len(passengers) - counts["adult"] - counts["child"]
    elif passengers:
        # A change names the party as booked: both live bookings are for two adults.
        body["passengers"] = [{**passenger, "category": "adult"} for passenger in (passengers * 2)[:2]]


def _as_name(generated: str, default: str) -> str:
    """A generated name kept where a booking takes it, else ``default``: a name is written in letters
    (gnb.bookings.names), and random text would stop almost every booking at that rule."""
    name = name_normalized(generated)
    return name if name and name_error(name, field="name") is None else default


def _generated_valid(case, location: str) -> bool:
    """Whether this part of the request ("path", "header", "body") was generated to match the document."""
    if case.meta is None:
        return False
    component = case.meta.components.get(location)  # None: nothing generated there, so nothing invalid
    return component is None or component.mode == GenerationMode.POSITIVE


def aim_at_live_data(case, live: Live) -> None:
    """Aim about half of the requests at data that exists. Only well-formed parts change; an invalid part stays
    exactly as generated, now reaching a real tour or booking (e.g. a bad `to` filter on a tour that exists)."""
    pick = _pick(case)
    if pick % 2:
        return
    is_tour = pick % 3 == 0
    if _generated_valid(case, "path"):
        if "reference" in case.path_parameters:
            case.path_parameters["reference"] = live.tour_reference if is_tour else live.reference
        if "slug" in case.path_parameters:
            case.path_parameters["slug"] = live.tour_slug
    if "reference" in case.path_parameters and _generated_valid(case, "header") and pick % 5:
        # (now and then the reference with a wrong or missing token)
        case.headers["X-Manage-Token"] = live.tour_manage_token if is_tour else live.manage_token
    if _generated_valid(case, "body") and isinstance(case.body, dict) and case.operation.label in BODY_FIELDS:
        _aim_body(case.body, BODY_FIELDS[case.operation.label], live, pick // 2)


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_the_api_keeps_its_contract_under_fuzzing(case, live):
    aim_at_live_data(case, live)
    response = case.call_and_validate(base_url=live.url)
    if response.status_code == 201 and case.headers.get("Idempotency-Key", "").strip():
        # The retry of a placed booking under its Idempotency-Key answers 200 with the booking placed before.
        again = case.call_and_validate(base_url=live.url)
        assert (again.status_code, again.json()["reference"]) == (200, response.json()["reference"])
