"""/api/v1/ quotes and bookings over HTTP: exact bodies, one error shape for every 4xx, query budgets."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal

import pytest

from gnb.bookings.models import Booking, IdempotencyKey
from gnb.bookings.quotes import ExtraRequest, currency_rates
from gnb.fleet.models import ZoneDriveTime
from gnb.testing.api import CONTACT, FAMILY, assert_error, booking_body, post, quote_body, tour_body
from gnb.testing.bookings import REFERENCE, place_transfer, transfer_request
from gnb.testing.catalog import IST, future_local, seats_for_children


def as_timestamp(local: dt.datetime) -> float:
    """Seconds since 1970 of a wall-clock time on the coast."""
    return local.replace(tzinfo=IST).timestamp()


LANDING = future_local(days=20) - dt.timedelta(minutes=30)  # the default booking's flight lands then


# --- quotes -----------------------------------------------------------------------------------------------
def test_quote_lists_each_class_that_fits_with_its_breakdown(client, catalog):
    pickup = future_local(days=20)
    response = post(client, "/api/v1/quotes", quote_body(pickup_at=pickup.isoformat()))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "origin": "ayt",
        "destination": "regnum-carya",
        "pickup_at": pickup.isoformat() + "+03:00",
        "return_pickup_at": None,
        "passengers": 4,
        "currency": "EUR",
        "options": [
            {
                "vehicle_class": {"code": code, "name": name, "max_passengers": seats, "max_luggage": seats},
                "price": {
                    "currency": "EUR",
                    "lines": [{"code": "fare", "label": "Transfer", "quantity": 1, "amount": fare}],
                    "subtotal": fare,
                    "discount": "0.00",
                    "total": fare,
                },
            }
            for code, name, seats, fare in (("minivan", "Minivan", 7, "55.00"), ("minibus", "Minibus", 16, "90.00"))
        ],
        "unavailable_reason": None,
    }


def test_quote_with_return_extras_coupon_in_pounds(client, catalog):
    body = quote_body(
        adults=2,
        children=0,
        infants=0,
        luggage=2,
        return_pickup_at=future_local(days=27).isoformat(),
        extras=[{"code": "child_seat", "quantity": 2}],
        coupon="welcome10",
        currency="GBP",
    )
    response = post(client, "/api/v1/quotes", body)
    assert response.status_code == 200, response.content
    sedan = response.json()["options"][0]
    assert sedan["vehicle_class"]["code"] == "sedan"
    assert sedan["price"] == {
        "currency": "GBP",
        "lines": [
            {"code": "fare", "label": "Transfer", "quantity": 1, "amount": "34.00"},
            {"code": "return_fare", "label": "Return transfer", "quantity": 1, "amount": "34.00"},
            {"code": "return_discount", "label": "Return discount", "quantity": 1, "amount": "-1.70"},
            {"code": "extra:child_seat", "label": "Child seat", "quantity": 2, "amount": "8.50"},
            {"code": "coupon", "label": "WELCOME10", "quantity": 1, "amount": "-7.48"},
        ],
        "subtotal": "74.80",
        "discount": "7.48",
        "total": "67.32",
    }


def test_tour_quote(client, catalog):
    response = post(client, "/api/v1/tour-quotes", {"departure_id": catalog.departure.pk, "adults": 2, "children": 1})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["departure_id"], body["tour"], body["currency"]) == (catalog.departure.pk, "perge-aspendos", "EUR")
    assert body["price"]["total"] == "115.00"
    assert [line["code"] for line in body["price"]["lines"]] == ["adults", "children"]


@pytest.mark.parametrize(
    ("body", "status", "code", "fields"),
    [
        ("{not json", 400, "malformed_request", ["body"]),
        (b"\xff\xfe", 400, "malformed_request", ["body"]),
        ("[]", 422, "validation_error", ["body"]),  # not an object
        (quote_body(adults="two"), 422, "validation_error", ["adults"]),
        (quote_body(adults=1.5), 422, "validation_error", ["adults"]),
        (quote_body(adults=0), 422, "validation_error", ["adults"]),
        (quote_body(adults=100), 422, "validation_error", ["adults"]),
        (quote_body(adults=48, children=2, infants=1), 422, "validation_error", ["adults"]),
        (quote_body(children=-1), 422, "validation_error", ["children"]),
        (quote_body(pickup_at="tomorrow"), 422, "validation_error", ["pickup_at"]),
        (quote_body(pickup_at="2001-01-01T10:00:00"), 422, "validation_error", ["pickup_at"]),
        (quote_body(pickup_at="0001-01-01T00:00:00+14:00"), 422, "validation_error", ["pickup_at"]),
        (quote_body(pickup_at=None), 422, "validation_error", ["pickup_at"]),
        # Times are text: a number is not read as seconds since 1970 (these are the default pickup's).
        (quote_body(pickup_at=as_timestamp(future_local(days=20))), 422, "validation_error", ["pickup_at"]),
        (quote_body(pickup_at=str(as_timestamp(future_local(days=20)))), 422, "validation_error", ["pickup_at"]),
        (quote_body(return_pickup_at="9999-12-31T23:59:59"), 422, "validation_error", ["return_pickup_at"]),
        (quote_body(origin="atlantis"), 422, "validation_error", ["origin"]),
        (quote_body(origin="ayt\x00"), 422, "validation_error", ["origin"]),
        (quote_body(origin=["ayt"]), 422, "validation_error", ["origin"]),
        (quote_body(destination="ayt"), 422, "validation_error", ["destination"]),
        (quote_body(extras="child_seat"), 422, "validation_error", ["extras"]),
        (quote_body(extras=[{"code": 7}]), 422, "validation_error", ["extras.0.code"]),
        (quote_body(extras=[{"code": "child_seat", "quantity": 0}]), 422, "validation_error", ["extras.0.quantity"]),
        (quote_body(extras=[{"code": "jetpack"}]), 422, "validation_error", ["extras.0.code"]),
        (quote_body(currency="EURO"), 422, "validation_error", ["currency"]),
        (quote_body(currency="XYZ"), 422, "validation_error", ["currency"]),
        (quote_body(coupon="NOSUCH"), 422, "validation_error", ["coupon"]),
    ],
)
def test_a_bad_quote_request_is_a_4xx_naming_the_field(client, catalog, body, status, code, fields):
    assert_error(post(client, "/api/v1/quotes", body), status, code, fields)


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"departure_id": 999999}, ["departure_id"]),
        ({"departure_id": "first"}, ["departure_id"]),
        ({"adults": 1, "infants": 2}, ["infants"]),
        ({"currency": "XYZ"}, ["currency"]),
    ],
)
def test_a_bad_tour_quote_request_is_a_422_naming_the_field(client, catalog, overrides, fields):
    body = {"departure_id": catalog.departure.pk, "adults": 2, **overrides}
    assert_error(post(client, "/api/v1/tour-quotes", body), 422, "validation_error", fields)


def test_a_quote_takes_at_most_five_queries(client, catalog, django_assert_max_num_queries):
    currency_rates()
    body = quote_body(
        return_pickup_at=future_local(days=27).isoformat(),
        extras=[{"code": "child_seat", "quantity": 1}],
        coupon="WELCOME10",
        currency="GBP",
    )
    with django_assert_max_num_queries(5):
        response = post(client, "/api/v1/quotes", body)
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        response = post(client, "/api/v1/tour-quotes", {"departure_id": catalog.departure.pk, "adults": 2})
    assert response.status_code == 200


# --- placing bookings -------------------------------------------------------------------------------------
def test_booking_a_transfer_prices_it_on_the_server_and_returns_it_with_its_token(client, catalog):
    body = booking_body(total="1.00", price={"total": "1.00"})
    response = post(client, "/api/v1/bookings", body)
    assert response.status_code == 201, response.content
    booking = response.json()
    assert REFERENCE.match(booking["reference"])
    stored = Booking.objects.get()
    assert booking["manage_token"] == stored.manage_token
    assert (booking["kind"], booking["status"], booking["payment_state"], booking["payment_method"]) == (
        "transfer",
        "confirmed",
        "unpaid",
        "cash",
    )
    assert (booking["total"], booking["currency"], stored.total) == ("60.00", "EUR", Decimal("60.00"))
    assert booking["price"]["lines"] == [
        {"code": "fare", "label": "Transfer", "quantity": 1, "amount": "55.00"},
        {"code": "extra:child_seat", "label": "Child seat", "quantity": 1, "amount": "5.00"},
    ]
    assert booking["contact"] == {"name": "Anna Smith", "email": "anna@example.com", "phone": "+447911123456"}
    assert booking["vehicle_class"]["code"] == "minivan"
    assert booking["tour"] is None
    assert [(leg["origin"]["slug"], leg["destination"]["slug"], leg["flight_number"]) for leg in booking["legs"]] == [
        ("ayt", "regnum-carya", "TK2412")
    ]
    assert [(p["first_name"], p["category"]) for p in booking["passengers"]] == [
        ("Anna", "adult"),
        ("John", "adult"),
        ("Tom", "child"),
        ("Mia", "infant"),
    ]
    assert booking["extras"] == [{"code": "child_seat", "name": "Child seat", "quantity": 1, "total": "5.00"}]
    assert booking["cancellation_fee"] is None


def test_booking_seats_on_a_tour(client, catalog):
    response = post(client, "/api/v1/tour-bookings", tour_body(catalog.departure.pk))
    assert response.status_code == 201, response.content
    booking = response.json()
    assert (booking["kind"], booking["total"], booking["vehicle_class"], booking["legs"]) == (
        "tour",
        "115.00",
        None,
        [],
    )
    assert booking["tour"]["slug"] == "perge-aspendos"
    assert booking["tour"]["departure_id"] == catalog.departure.pk
    seats = client.get("/api/v1/tours/perge-aspendos/departures").json()[0]["seats_left"]
    assert seats == 16


def test_a_sold_out_departure_is_a_409(client, catalog):
    catalog.departure.capacity = 3
    catalog.departure.save()
    error = assert_error(
        post(client, "/api/v1/tour-bookings", tour_body(catalog.departure.pk)), 409, "sold_out", ["departure_id"]
    )
    assert error["message"] == "Only 3 seats are left on this departure."
    assert not Booking.objects.exists()


def without_last_name(passengers: list[dict], index: int) -> list[dict]:
    changed = [dict(p) for p in passengers]
    del changed[index]["last_name"]
    return changed


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"passengers": [*FAMILY[:1], {**FAMILY[1], "last_name": " "}, *FAMILY[2:]]}, ["passengers.1.last_name"]),
        ({"passengers": without_last_name(FAMILY, 2)}, ["passengers.2.last_name"]),
        ({"passengers": FAMILY[:3]}, ["passengers"]),
        ({"passengers": None}, ["passengers"]),
        ({"passengers": [{**FAMILY[0], "category": "pet"}, *FAMILY[1:]]}, ["passengers.0.category"]),
        ({"passengers": [{**FAMILY[0], "first_name": "An\x00na"}, *FAMILY[1:]]}, ["passengers.0.first_name"]),
        ({"contact": {**CONTACT, "phone": "12345"}}, ["contact.phone"]),
        ({"contact": {**CONTACT, "email": "anna"}}, ["contact.email"]),
        ({"contact": "Anna"}, ["contact"]),
        ({"flight": {}}, ["flight.number", "flight.arrival_at"]),
        ({"flight": {"number": "TK2412", "arrival_at": "soon"}}, ["flight.arrival_at"]),
        ({"flight": {"number": "TK2412", "arrival_at": as_timestamp(LANDING)}}, ["flight.arrival_at"]),
        (
            {"flight": {"number": "TK2412", "arrival_at": (future_local(days=20) + dt.timedelta(hours=3)).isoformat()}},
            ["flight.arrival_at"],
        ),
        ({"vehicle_class": "sedan"}, ["vehicle_class"]),
        ({"language": "xx"}, ["language"]),
        ({"payment_method": "card"}, ["payment_method"]),
        ({"notes": "n" * 1001}, ["notes"]),
        ({"pickup_at": "2001-01-01T10:00:00"}, ["pickup_at"]),
    ],
)
def test_a_bad_booking_request_is_a_422_naming_the_field_and_writes_nothing(client, catalog, overrides, fields):
    response = post(client, "/api/v1/bookings", booking_body(**overrides))
    assert_error(response, 422, "validation_error", fields)
    assert not Booking.objects.exists()


def test_seats_beyond_the_family_are_a_422_naming_each_extra_and_book_nothing(client, catalog):
    seats_for_children(catalog)
    extras = [{"code": "child_seat", "quantity": 3}, {"code": "baby_seat", "quantity": 3}]
    response = post(client, "/api/v1/bookings", booking_body(extras=extras))
    error = assert_error(response, 422, "validation_error", ["extras.0.quantity", "extras.1.quantity"])
    assert [item["message"] for item in error["fields"]] == [
        "Child seat: at most 1 for 1 child.",
        "Baby seat: at most 1 for 1 infant.",
    ]
    assert not Booking.objects.exists()
    quote = post(client, "/api/v1/quotes", quote_body(extras=extras))
    assert_error(quote, 422, "validation_error", ["extras.0.quantity", "extras.1.quantity"])


def test_a_drop_off_keeps_its_departure_flight_and_refuses_a_pickup_that_misses_it(client, catalog):
    ZoneDriveTime.objects.create(origin=catalog.belek, destination=catalog.ayt.zone, minutes=40)
    pickup = future_local(days=20, hour=9, minute=0)
    too_soon = {"number": "PC2010", "departure_at": pickup.replace(minute=30).isoformat()}
    body = booking_body(origin="regnum-carya", destination="ayt", pickup_at=pickup.isoformat(), flight=too_soon)
    response = post(client, "/api/v1/bookings", body)
    assert_error(response, 422, "validation_error", ["flight.departure_at"])
    assert response.json()["error"]["fields"][0]["message"] == (
        "The flight departs at 09:30: a pickup at 09:00 does not reach the airport in time (about 40 minutes' "
        "drive). Choose a pickup at 08:50 at the latest."
    )
    assert not Booking.objects.exists()
    body["flight"] = {"number": "pc 2010", "departure_at": pickup.replace(hour=12).isoformat()}
    response = post(client, "/api/v1/bookings", body)
    assert response.status_code == 201, response.content
    (leg,) = response.json()["legs"]
    assert leg["flight_number"] == "PC2010"
    assert leg["flight_arrival_at"] is None
    assert dt.datetime.fromisoformat(leg["flight_departure_at"]) == pickup.replace(hour=12, tzinfo=IST)


def test_a_malformed_booking_body_is_a_400(client, catalog):
    assert_error(post(client, "/api/v1/bookings", '{"origin": "ayt",'), 400, "malformed_request", ["body"])
    assert_error(post(client, "/api/v1/tour-bookings", "{"), 400, "malformed_request", ["body"])


# --- JSON as JSON: strict types, its media type, a size limit --------------------------------------------
def validation_error(field: str, message: str) -> dict:
    return {
        "error": {
            "code": "validation_error",
            "message": f"{field}: {message}",
            "fields": [{"field": field, "message": message}],
        }
    }


NOT_AN_INTEGER = "Input should be a valid integer"


@pytest.mark.parametrize("adults", [True, "1", "2", 2.0])
def test_a_party_counted_in_anything_but_a_json_integer_is_a_422_and_books_nothing(client, catalog, adults):
    # `"adults": true` used to book one adult.
    passengers = FAMILY[:1] if adults in (True, "1") else FAMILY[:2]
    body = booking_body(adults=adults, children=0, infants=0, passengers=passengers)
    response = post(client, "/api/v1/bookings", body)
    assert response.status_code == 422
    assert response.json() == validation_error("adults", NOT_AN_INTEGER)
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"luggage": True}, "luggage"),
        ({"children": "0"}, "children"),
        ({"extras": [{"code": "child_seat", "quantity": True}]}, "extras.0.quantity"),
    ],
)
def test_every_integer_of_a_quote_takes_only_a_json_integer(client, catalog, overrides, field):
    response = post(client, "/api/v1/quotes", quote_body(**overrides))
    assert response.status_code == 422
    assert response.json() == validation_error(field, NOT_AN_INTEGER)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (lambda departure: {"departure_id": str(departure)}, "departure_id"),
        (lambda departure: {"infants": False}, "infants"),
    ],
)
def test_every_integer_of_a_tour_booking_takes_only_a_json_integer(client, catalog, overrides, field):
    body = {**tour_body(catalog.departure.pk), **overrides(catalog.departure.pk)}
    for url in ("/api/v1/tour-quotes", "/api/v1/tour-bookings"):
        response = post(client, url, body)
        assert response.status_code == 422
        assert response.json() == validation_error(field, NOT_AN_INTEGER)
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"notes": 5}, "notes"),
        ({"vehicle_class": True}, "vehicle_class"),
        ({"contact": {**CONTACT, "phone": 447911123456}}, "contact.phone"),
        ({"passengers": [{**FAMILY[0], "last_name": 7}, *FAMILY[1:]]}, "passengers.0.last_name"),
    ],
)
def test_text_fields_take_only_json_strings(client, catalog, overrides, field):
    response = post(client, "/api/v1/bookings", booking_body(**overrides))
    assert response.status_code == 422
    assert response.json() == validation_error(field, "Input should be a valid string")
    assert not Booking.objects.exists()


SEND_JSON = "Send the request body as JSON, with the header Content-Type: application/json."
UNSUPPORTED = {
    "error": {
        "code": "unsupported_media_type",
        "message": SEND_JSON,
        "fields": [{"field": "Content-Type", "message": SEND_JSON}],
    }
}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/json", ""])
def test_a_booking_body_not_sent_as_application_json_is_a_415_and_books_nothing(client, catalog, content_type):
    response = client.post("/api/v1/bookings", data=json.dumps(booking_body()), content_type=content_type)
    assert response.status_code == 415
    assert response.json() == UNSUPPORTED
    assert not Booking.objects.exists()


def test_application_json_with_a_charset_or_in_capitals_is_json(client, catalog):
    for content_type in ("application/json; charset=utf-8", "Application/JSON"):
        response = client.post("/api/v1/quotes", data=json.dumps(quote_body()), content_type=content_type)
        assert response.status_code == 200, (content_type, response.content)


def test_a_body_over_the_size_limit_is_a_413_in_the_error_shape(client, catalog, settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert limit == 2_621_440  # Django's default, which docs/api.md states
    padding = "n" * (5 * 1024 * 1024)
    response = post(client, "/api/v1/bookings", booking_body(notes=padding))
    message = "The request body is too large: at most 2621440 bytes."
    assert response.status_code == 413
    assert response.json() == {
        "error": {"code": "content_too_large", "message": message, "fields": [{"field": "body", "message": message}]}
    }
    assert not Booking.objects.exists()


# --- idempotency ------------------------------------------------------------------------------------------
def test_the_same_idempotency_key_and_body_return_the_same_booking_with_200(client, catalog):
    body = booking_body()
    first = post(client, "/api/v1/bookings", body, **{"Idempotency-Key": "order-1"})
    again = post(client, "/api/v1/bookings", body, **{"Idempotency-Key": "order-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Booking.objects.count() == 1
    assert IdempotencyKey.objects.get().key == "order-1"


def test_the_same_idempotency_key_with_another_body_is_a_409(client, catalog):
    assert post(client, "/api/v1/bookings", booking_body(), **{"Idempotency-Key": "order-1"}).status_code == 201
    other = post(client, "/api/v1/bookings", booking_body(notes="Late flight"), **{"Idempotency-Key": "order-1"})
    assert_error(other, 409, "conflict", ["Idempotency-Key"])
    tour = post(client, "/api/v1/tour-bookings", tour_body(catalog.departure.pk), **{"Idempotency-Key": "order-1"})
    assert_error(tour, 409, "conflict", ["Idempotency-Key"])
    assert Booking.objects.count() == 1


def test_a_tour_booking_retried_with_its_idempotency_key_is_not_booked_twice(client, catalog):
    body = tour_body(catalog.departure.pk)
    first = post(client, "/api/v1/tour-bookings", body, **{"Idempotency-Key": "tour-1"})
    again = post(client, "/api/v1/tour-bookings", body, **{"Idempotency-Key": "tour-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["reference"] == first.json()["reference"]
    assert Booking.objects.count() == 1


OTHER_CLIENT = "This Idempotency-Key was already used by another client."


def test_an_anonymous_idempotency_key_is_its_address_alone_and_never_returns_the_booking_elsewhere(client, catalog):
    body = json.dumps(booking_body())

    def place(address: str):
        return client.post(
            "/api/v1/bookings",
            data=body,
            content_type="application/json",
            headers={"Idempotency-Key": "order-1"},
            REMOTE_ADDR=address,
        )

    first = place("203.0.113.5")
    assert first.status_code == 201, first.content
    elsewhere = place("198.51.100.7")
    assert elsewhere.status_code == 409
    assert elsewhere.json() == {
        "error": {
            "code": "conflict",
            "message": OTHER_CLIENT,
            "fields": [{"field": "Idempotency-Key", "message": OTHER_CLIENT}],
        }
    }
    again = place("203.0.113.5")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["manage_token"] == Booking.objects.get().manage_token
    assert list(IdempotencyKey.objects.values_list("scope", "key")) == [("ip:203.0.113.5", "order-1")]


def test_behind_the_trusted_proxy_an_anonymous_key_belongs_to_the_address_the_proxy_saw(client, catalog, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    body = json.dumps(tour_body(catalog.departure.pk))

    def place(forwarded_for: str):
        return client.post(
            "/api/v1/tour-bookings",
            data=body,
            content_type="application/json",
            headers={"Idempotency-Key": "tour-1", "X-Forwarded-For": forwarded_for},
            REMOTE_ADDR="10.0.0.2",  # the proxy, the same for every visitor
        )

    first = place("203.0.113.5")
    assert first.status_code == 201, first.content
    assert_error(place("198.51.100.7"), 409, "conflict", ["Idempotency-Key"])
    # A client cannot claim another's address: only the entry the proxy wrote counts.
    assert_error(place("203.0.113.5, 198.51.100.7"), 409, "conflict", ["Idempotency-Key"])
    assert place("198.51.100.7, 203.0.113.5").json() == first.json()
    assert Booking.objects.count() == 1


@pytest.mark.parametrize("key", ["k" * 256, "order\x011"])
def test_a_bad_idempotency_key_is_a_422(client, catalog, key):
    response = post(client, "/api/v1/bookings", booking_body(), **{"Idempotency-Key": key})
    assert_error(response, 422, "validation_error", ["Idempotency-Key"])
    assert not Booking.objects.exists()


# --- reading and cancelling with the manage token ---------------------------------------------------------
def test_a_booking_is_read_with_its_manage_token(client, catalog):
    booking = place_transfer()
    response = client.get(
        f"/api/v1/bookings/{booking.reference.lower()}", headers={"X-Manage-Token": booking.manage_token}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["reference"], body["status"], body["total"]) == (booking.reference, "confirmed", "40.00")
    assert "manage_token" not in body
    until = dt.datetime.fromisoformat(body["free_cancellation_until"])
    assert until == booking.starts_at - dt.timedelta(hours=24)


@pytest.mark.parametrize(
    ("reference", "token"),
    [
        ("right", "wrong-token"),
        ("right", ""),
        ("right", None),
        ("right", "jeton-é"),
        ("GNB-2345-6789", "right"),
        ("GNB-2345-6789%00", "right"),
        ("not-a-reference", "right"),
    ],
)
def test_a_wrong_token_and_an_unknown_reference_are_the_same_404(client, catalog, reference, token):
    booking = place_transfer()
    reference = booking.reference if reference == "right" else reference
    headers = {} if token is None else {"X-Manage-Token": booking.manage_token if token == "right" else token}
    response = client.get(f"/api/v1/bookings/{reference}", headers=headers)
    error = assert_error(response, 404, "not_found", ["reference"])
    assert error["message"] == "Booking not found."
    cancel = post(client, f"/api/v1/bookings/{reference}/cancel", {"reason": "Plans changed"}, **headers)
    assert cancel.json() == response.json()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_manage_token_is_32_random_bytes(catalog):
    tokens = {place_transfer().manage_token for _ in range(3)}
    assert len(tokens) == 3
    for token in tokens:
        assert len(token) == 43
        assert len(base64.urlsafe_b64decode(token + "=")) == 32


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Authorization": "Bearer garbage"}, "The access token is not valid."),
        ({"Authorization": "Basic YW5uYTpzZWNyZXQ="}, "Use Authorization: Bearer <token>."),
        ({"X-API-Key": "gnb_0000000000_" + "x" * 43}, "The API key is not valid."),
        ({"X-API-Key": "garbage"}, "The access token is not valid."),
    ],
)
def test_bad_credentials_are_a_401_even_with_the_right_manage_token(client, catalog, headers, message):
    booking = place_transfer()
    headers = {**headers, "X-Manage-Token": booking.manage_token}
    url = f"/api/v1/bookings/{booking.reference}"
    unauthenticated = {"error": {"code": "unauthenticated", "message": message, "fields": []}}
    for response in (
        client.get(url, headers=headers),
        post(client, f"{url}/cancel", {"reason": "Plans changed"}, **headers),
        client.patch(url, data=json.dumps({"notes": "Late"}), content_type="application/json", headers=headers),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json() == unauthenticated
    booking.refresh_from_db()
    assert (booking.status, booking.notes) == (Booking.Status.CONFIRMED, "")


def test_a_traveller_cancels_free_a_month_ahead(client, catalog):
    booking = place_transfer()
    response = post(
        client,
        f"/api/v1/bookings/{booking.reference}/cancel",
        {"reason": "Plans changed"},
        **{"X-Manage-Token": booking.manage_token},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["cancellation_fee"]) == ("cancelled", "0.00")
    assert response.json()["cancellation_fee_if_cancelled_now"] is None  # nothing left to cancel
    again = post(client, f"/api/v1/bookings/{booking.reference}/cancel", {}, **{"X-Manage-Token": booking.manage_token})
    assert_error(again, 409, "invalid_transition", ["status"])


@pytest.mark.parametrize("body", ["null", "[]", "[null, null]", "5", '"Plans changed"', "true"])
def test_a_cancel_body_that_is_not_an_object_is_a_422_and_cancels_nothing(client, catalog, body):
    # Ninja's Schema reads fields as attributes of whatever it is given, so `null` used to pass as "no reason".
    booking = place_transfer()
    response = post(
        client, f"/api/v1/bookings/{booking.reference}/cancel", body, **{"X-Manage-Token": booking.manage_token}
    )
    assert_error(response, 422, "validation_error", ["body"])
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_late_cancellation_over_the_api_charges_the_fee(client, catalog, settings):
    settings.GNB_FREE_CANCELLATION_HOURS = 24 * 40
    settings.GNB_LATE_CANCELLATION_FEE_PERCENT = Decimal("25")
    booking = place_transfer()
    token = {"X-Manage-Token": booking.manage_token}
    shown = client.get(f"/api/v1/bookings/{booking.reference}", headers=token).json()
    assert shown["cancellation_fee_if_cancelled_now"] == "10.00"  # the fee is known before cancelling
    response = post(
        client, f"/api/v1/bookings/{booking.reference}/cancel", {}, **{"X-Manage-Token": booking.manage_token}
    )
    assert response.status_code == 200, response.content
    assert response.json()["cancellation_fee"] == "10.00"
    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_fee) == (Booking.Status.CANCELLED, Decimal("10.00"))


def test_reading_a_booking_takes_at_most_five_queries(client, catalog, django_assert_max_num_queries):
    request = transfer_request(return_pickup_at=future_local(days=37), extras=[ExtraRequest("child_seat", 2)])
    booking = place_transfer(request, vehicle_class="minivan")
    with django_assert_max_num_queries(5):
        response = client.get(f"/api/v1/bookings/{booking.reference}", headers={"X-Manage-Token": booking.manage_token})
    assert response.status_code == 200
    body = response.json()
    assert (len(body["legs"]), len(body["passengers"]), len(body["extras"])) == (2, 2, 1)


@pytest.mark.django_db
def test_unknown_api_path_and_wrong_method_answer_in_the_error_shape(client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "No such API endpoint.", "fields": []}}
    wrong_method = client.delete("/api/v1/quotes")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert "POST" in wrong_method["Allow"]


def test_a_party_no_vehicle_takes_gets_no_options_and_the_reason(client, catalog):
    response = post(client, "/api/v1/quotes", quote_body(adults=17))
    assert response.status_code == 200, response.content
    assert response.json()["options"] == []
    assert response.json()["unavailable_reason"] == (
        "No vehicle takes 19 passengers with 3 bags. Please contact us for a group transfer."
    )
