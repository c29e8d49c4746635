"""Placing transfer and tour bookings through the services: re-priced, validated field by field, stored whole."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import (
    Booking,
    BookingEvent,
    CouponRedemption,
    IdempotencyKey,
    Passenger,
    TransferLeg,
)
from gnb.bookings.quotes import ExtraRequest
from gnb.bookings.services import (
    Actor,
    Contact,
    FlightInput,
    PassengerInput,
    booking_cancel,
    booking_place_idempotent,
    request_fingerprint,
    seats_taken,
)
from gnb.catalog.models import Currency, Fare
from gnb.core.errors import Conflict, SoldOut, ValidationFailed
from gnb.ops.metrics import count_booking_placed
from gnb.testing.bookings import REFERENCE, passengers_for, place_tour, place_transfer, transfer_request
from gnb.testing.catalog import future_local

ISTANBUL = zoneinfo.ZoneInfo("Europe/Istanbul")


def fields_of(excinfo) -> list[str]:
    return [field for field, _message in excinfo.value.errors]


# --- transfers --------------------------------------------------------------------------------------------
def test_placing_a_transfer_stores_what_was_sold(catalog):
    pickup = future_local(days=20)
    request = transfer_request(
        pickup_at=pickup, adults=2, children=1, infants=1, luggage=3, extras=[ExtraRequest("child_seat", 1)]
    )
    booking = place_transfer(
        request,
        vehicle_class="minivan",
        contact=Contact("  Anna   Smith ", "Anna@Example.COM", "+44 7911 123456"),
        flight=FlightInput("tk-2412", pickup - dt.timedelta(minutes=30)),
        pickup_point="Arrivals hall, exit 2",
        notes="Two surfboards",
        language="de",
        actor=Actor("api"),
    )
    booking.refresh_from_db()
    assert REFERENCE.match(booking.reference)
    assert len(booking.manage_token) >= 32
    assert (booking.kind, booking.status, booking.payment_method, booking.payment_state) == (
        "transfer",
        "confirmed",
        "cash",
        "unpaid",
    )
    assert (booking.lead_name, booking.lead_email, booking.lead_phone) == (
        "Anna Smith",
        "anna@example.com",
        "+447911123456",
    )
    assert (booking.language, booking.notes) == ("de", "Two surfboards")
    assert (booking.adults, booking.children, booking.infants, booking.luggage) == (2, 1, 1, 3)
    assert booking.vehicle_class == catalog.minivan
    assert booking.starts_at == pickup.replace(tzinfo=ISTANBUL)
    assert (booking.currency, booking.exchange_rate, booking.total, booking.total_base) == (
        "EUR",
        Decimal("1"),
        Decimal("60.00"),
        Decimal("60.00"),
    )
    assert booking.price_breakdown == {
        "currency": "EUR",
        "rate": "1.000000",
        "lines": [
            {"code": "fare", "label": "Transfer", "quantity": 1, "amount": "55.00"},
            {"code": "extra:child_seat", "label": "Child seat", "quantity": 1, "amount": "5.00"},
        ],
        "subtotal": "60.00",
        "discount": "0.00",
        "total": "60.00",
        "total_base": "60.00",
    }
    [leg] = booking.legs.all()
    assert (leg.sequence, leg.origin, leg.destination) == (1, catalog.ayt, catalog.belek_hotel)
    assert leg.pickup_at == pickup.replace(tzinfo=ISTANBUL)
    assert (leg.flight_number, leg.pickup_point) == ("TK2412", "Arrivals hall, exit 2")
    assert leg.flight_arrival_at == (pickup - dt.timedelta(minutes=30)).replace(tzinfo=ISTANBUL)
    assert [(p.position, p.category, p.first_name, p.last_name) for p in booking.passengers.all()] == [
        (1, "adult", "Anna", "Smith"),
        (2, "adult", "John", "Smith"),
        (3, "child", "Tom", "Smith"),
        (4, "infant", "Mia", "Smith"),
    ]
    assert [(e.extra.code, e.quantity, e.total) for e in booking.extras.all()] == [("child_seat", 1, Decimal("5.00"))]
    [event] = booking.events.all()
    assert (event.kind, event.from_status, event.to_status, event.actor_label, event.reason) == (
        "created",
        "",
        "confirmed",
        "api",
        "Booking placed",
    )


def test_every_booking_gets_its_own_reference_and_token(catalog):
    bookings = [place_transfer() for _ in range(5)]
    assert len({b.reference for b in bookings}) == 5
    assert len({b.manage_token for b in bookings}) == 5
    assert all(REFERENCE.match(b.reference) for b in bookings)


def test_the_price_is_computed_again_from_the_catalogue_when_placing(catalog):
    Fare.objects.filter(vehicle_class=catalog.sedan, destination_zone=catalog.belek).update(price=Decimal("47.00"))
    booking = place_transfer()
    assert booking.total == Decimal("47.00")
    assert booking.price_breakdown["lines"][0]["amount"] == "47.00"


def test_a_return_transfer_has_two_legs_and_the_return_airport_pickup_needs_its_flight(catalog):
    outbound = future_local(days=20, hour=9)
    back = future_local(days=27, hour=18)
    request = transfer_request(origin="regnum-carya", destination="ayt", pickup_at=outbound, return_pickup_at=back)
    with pytest.raises(ValidationFailed) as excinfo:
        place_transfer(request, flight=FlightInput())
    assert fields_of(excinfo) == ["return_flight.number", "return_flight.arrival_at"]
    booking = place_transfer(request, flight=FlightInput(), return_flight=FlightInput("PC1234", back))
    assert [(leg.sequence, leg.origin.slug, leg.destination.slug, leg.flight_number) for leg in booking.legs.all()] == [
        (1, "regnum-carya", "ayt", ""),
        (2, "ayt", "regnum-carya", "PC1234"),
    ]
    assert booking.starts_at == outbound.replace(tzinfo=ISTANBUL)
    assert booking.total == Decimal("78.00")


def test_a_booking_in_pounds_keeps_the_rate_and_the_euro_total(catalog):
    booking = place_transfer(transfer_request(currency="GBP"), vehicle_class="minivan")
    assert (booking.currency, booking.exchange_rate, booking.total, booking.total_base) == (
        "GBP",
        Decimal("0.850000"),
        Decimal("46.75"),
        Decimal("55.00"),
    )


@pytest.mark.parametrize(
    ("flight", "errors"),
    [
        (
            FlightInput(),
            [
                ("flight.number", "A flight number is required for an airport pickup."),
                ("flight.arrival_at", "The flight's arrival time is required."),
            ],
        ),
        (
            FlightInput("123456789", future_local(hour=14)),
            [("flight.number", "Enter a flight number like TK2412 or U2 1234.")],
        ),
        (
            FlightInput("U2 1234", future_local(days=29, hour=20)),
            [("flight.arrival_at", "The flight should land within 12 hours of the pickup time.")],
        ),
        (
            # Pickup 14:30, landing 18:00: the car would leave before the travellers arrive.
            FlightInput("U2 1234", future_local(hour=18, minute=0)),
            [
                (
                    "flight.arrival_at",
                    "The flight lands at 18:00, after the pickup time 14:30: the landing must come first.",
                )
            ],
        ),
    ],
)
def test_an_airport_pickup_needs_a_flight_number_and_arrival_time(catalog, flight, errors):
    with pytest.raises(ValidationFailed) as excinfo:
        place_transfer(flight=flight)
    assert excinfo.value.errors == errors
    assert not Booking.objects.exists()


def test_a_hotel_pickup_needs_no_flight(catalog):
    booking = place_transfer(transfer_request(origin="regnum-carya", destination="ayt"), flight=FlightInput())
    assert booking.legs.get().flight_number == ""


@pytest.mark.parametrize(
    ("contact", "errors"),
    [
        (
            Contact("   ", "not-an-email", "0532 123 45 67"),
            [
                ("contact.name", "Please enter the lead traveller's name."),
                ("contact.email", "Enter a valid email address."),
                ("contact.phone", "Enter the phone number with its country code, e.g. +90 532 123 45 67."),
            ],
        ),
        (
            Contact("Anna Smith", "anna@example.com", "+90 123"),
            [("contact.phone", "Enter the phone number with its country code, e.g. +90 532 123 45 67.")],
        ),
        (Contact("A" * 151, "anna@example.com", "+905321234567"), [("contact.name", "At most 150 characters.")]),
    ],
)
def test_lead_contact_needs_a_name_an_email_and_an_international_phone(catalog, contact, errors):
    with pytest.raises(ValidationFailed) as excinfo:
        place_transfer(contact=contact)
    assert excinfo.value.errors == errors


def test_the_phone_is_stored_in_e164(catalog):
    booking = place_transfer(contact=Contact("Ayşe Yılmaz", "ayse@example.com", "+90 (532) 123-45-67"))
    assert booking.lead_phone == "+905321234567"


def test_every_passenger_needs_a_first_and_last_name(catalog):
    passengers = [PassengerInput("Anna", "Smith", "adult"), PassengerInput(" ", "", "adult")]
    with pytest.raises(ValidationFailed) as excinfo:
        place_transfer(passengers=passengers)
    assert excinfo.value.errors == [
        ("passengers.1.first_name", "Every passenger's first and last name is required."),
        ("passengers.1.last_name", "Every passenger's first and last name is required."),
    ]
    assert not Passenger.objects.exists()


@pytest.mark.parametrize(
    "passengers",
    [
        [PassengerInput("Anna", "Smith", "adult")],
        [PassengerInput("Anna", "Smith", "adult"), PassengerInput("Tom", "Smith", "child")],
        passengers_for(3),
    ],
)
def test_the_passenger_list_must_match_the_party(catalog, passengers):
    with pytest.raises(ValidationFailed) as excinfo:
        place_transfer(passengers=passengers)
    assert excinfo.value.errors == [
        ("passengers", "Give the name of every passenger: 2 adults, 0 children, 0 infants."),
    ]


def test_a_vehicle_class_that_does_not_fit_is_refused(catalog):
    request = transfer_request(adults=4)
    for vehicle_class in ("sedan", "limousine"):
        with pytest.raises(ValidationFailed) as excinfo:
            place_transfer(request, vehicle_class=vehicle_class)
        assert excinfo.value.errors == [
            ("vehicle_class", "This vehicle is not available for this trip or party size."),
        ]


def test_language_notes_and_payment_method_are_checked(catalog):
    with pytest.raises(ValidationFailed) as excinfo:
        place_transfer(language="xx", notes="n" * 1001, payment_method="barter")
    assert fields_of(excinfo) == ["language", "notes", "payment_method"]


def test_a_wrong_quote_input_stops_the_booking_before_anything_is_written(catalog):
    with pytest.raises(ValidationFailed) as excinfo:
        place_transfer(transfer_request(pickup_at=dt.datetime(2001, 1, 1, 12, 0)))
    assert fields_of(excinfo) == ["pickup_at"]
    assert not Booking.objects.exists()
    assert not TransferLeg.objects.exists()


def test_a_card_booking_waits_for_payment_and_sends_no_confirmation_yet(catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        booking = place_transfer(payment_method="card")
    assert booking.status == Booking.Status.PENDING_PAYMENT
    assert [callback.func for callback in callbacks] == [count_booking_placed]  # counted, nothing sent
    assert not DBTaskResult.objects.exists()


def test_the_confirmation_email_is_queued_with_the_booking(catalog):
    # In the booking's own transaction (gnb.core.outbox): both are committed or neither.
    booking = place_transfer()
    task = DBTaskResult.objects.get()
    assert task.status == "READY"
    assert task.args_kwargs == {"args": [], "kwargs": {"booking_id": booking.pk, "kind": "confirmation"}}


# --- coupons ----------------------------------------------------------------------------------------------
def test_a_coupon_use_is_recorded_with_its_discount_in_euros(catalog):
    booking = place_transfer(transfer_request(coupon="WELCOME10", currency="GBP"), vehicle_class="minivan")
    assert booking.total == Decimal("42.07")  # 46.75 less 4.675 rounded half-up to 4.68
    redemption = CouponRedemption.objects.get()
    assert (redemption.coupon, redemption.booking, redemption.email) == (catalog.coupon, booking, "anna@example.com")
    assert redemption.discount_base == Decimal("5.51")


def test_the_euro_value_of_a_discount_is_rounded_half_up_like_every_amount(catalog):
    Currency.objects.create(code="CHF", name="Swiss franc", symbol="CHF", rate=Decimal("0.800000"))
    Fare.objects.filter(vehicle_class=catalog.sedan, destination_zone=catalog.belek).update(price=Decimal("50.25"))
    booking = place_transfer(transfer_request(coupon="WELCOME10", currency="CHF"))
    assert booking.price_breakdown["lines"][0]["amount"] == "40.20"
    assert booking.price_breakdown["discount"] == "4.02"
    assert CouponRedemption.objects.get().discount_base == Decimal("5.03")  # 5.025 half-up


def test_a_coupon_is_not_used_more_than_its_max_uses_and_a_cancellation_gives_the_use_back(catalog):
    catalog.coupon.max_uses = 2
    catalog.coupon.save()
    first = place_transfer(transfer_request(coupon="WELCOME10"))
    place_transfer(transfer_request(coupon="WELCOME10"), contact=Contact("Bo Li", "bo@example.com", "+905321234567"))
    with pytest.raises(ValidationFailed) as excinfo:
        place_transfer(transfer_request(coupon="WELCOME10"))
    assert excinfo.value.errors == [("coupon", "This coupon has been used up.")]
    assert CouponRedemption.objects.count() == 2
    booking_cancel(booking_id=first.pk, actor=Actor("manager"), reason="Customer called")
    assert place_transfer(transfer_request(coupon="WELCOME10")).coupon == catalog.coupon


def test_a_coupon_limited_per_customer_counts_uses_by_email(catalog):
    catalog.coupon.max_uses_per_customer = 1
    catalog.coupon.save()
    place_transfer(transfer_request(coupon="WELCOME10"))
    with pytest.raises(ValidationFailed) as excinfo:
        place_transfer(
            transfer_request(coupon="WELCOME10"), contact=Contact("Anna", "ANNA@example.com", "+447911123456")
        )
    assert excinfo.value.errors == [("coupon", "You have already used this coupon.")]
    other = place_transfer(
        transfer_request(coupon="WELCOME10"), contact=Contact("Bo Li", "bo@example.com", "+905321234567")
    )
    assert other.total == Decimal("36.00")


# --- tours ------------------------------------------------------------------------------------------------
def test_placing_a_tour_booking_takes_seats_on_the_departure(catalog):
    booking = place_tour(catalog.departure, adults=2, children=1, infants=1, pickup_point="Regnum Carya lobby")
    booking.refresh_from_db()
    assert (booking.kind, booking.status, booking.tour_departure, booking.vehicle_class) == (
        "tour",
        "confirmed",
        catalog.departure,
        None,
    )
    assert booking.starts_at == catalog.departure.starts_at
    assert booking.total == Decimal("115.00")
    assert booking.pickup_point == "Regnum Carya lobby"
    assert booking.notes == ""
    assert booking.passengers.count() == 4
    assert seats_taken(catalog.departure.pk) == 4


def test_a_tour_is_never_sold_beyond_its_capacity(catalog):
    catalog.departure.capacity = 5
    catalog.departure.save()
    place_tour(catalog.departure, adults=2, infants=1)
    with pytest.raises(SoldOut) as excinfo:
        place_tour(catalog.departure, adults=3)
    assert (excinfo.value.field, excinfo.value.message) == ("departure_id", "Only 2 seats are left on this departure.")
    place_tour(catalog.departure, adults=2)
    with pytest.raises(SoldOut) as excinfo:
        place_tour(catalog.departure, adults=1)
    assert excinfo.value.message == "This departure is sold out."
    assert seats_taken(catalog.departure.pk) == 5
    assert Booking.objects.count() == 2


def test_a_refused_tour_booking_leaves_nothing_behind(catalog, caplog, django_capture_on_commit_callbacks):
    # The booking's rows are written before the departure is locked and its seats counted: a refusal must roll
    # every one of them back and announce nothing.
    catalog.departure.capacity = 2
    catalog.departure.save()
    place_tour(catalog.departure, adults=2, coupon="WELCOME10")
    counts = (Passenger.objects.count(), BookingEvent.objects.count(), DBTaskResult.objects.count())
    assert "booking placed" in caplog.text  # the log line the refused attempt must not write
    caplog.clear()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(SoldOut):
        place_tour(catalog.departure, adults=1, coupon="WELCOME10")
    assert Booking.objects.count() == 1
    assert CouponRedemption.objects.count() == 1
    assert (Passenger.objects.count(), BookingEvent.objects.count(), DBTaskResult.objects.count()) == counts
    assert callbacks == []
    assert "booking placed" not in caplog.text


def test_cancelled_tour_bookings_free_their_seats(catalog):
    catalog.departure.capacity = 2
    catalog.departure.save()
    booking = place_tour(catalog.departure, adults=2)
    booking_cancel(booking_id=booking.pk, actor=Actor("manager"), reason="Illness")
    assert seats_taken(catalog.departure.pk) == 0
    assert place_tour(catalog.departure, adults=2).status == Booking.Status.CONFIRMED


# --- idempotency ------------------------------------------------------------------------------------------
def test_the_same_idempotency_key_and_body_give_the_same_booking(catalog):
    body = {"origin": "ayt", "adults": 2}
    first, created = booking_place_idempotent(
        key="k-1", scope="key:1", fingerprint=request_fingerprint(body), place=place_transfer
    )
    again, created_again = booking_place_idempotent(
        key="k-1", scope="key:1", fingerprint=request_fingerprint(dict(reversed(body.items()))), place=place_transfer
    )
    assert (created, created_again) == (True, False)
    assert again == first
    assert Booking.objects.count() == 1
    assert IdempotencyKey.objects.get().booking == first


def test_the_same_idempotency_key_with_another_body_is_a_conflict(catalog):
    booking_place_idempotent(
        key="k-1", scope="key:1", fingerprint=request_fingerprint({"adults": 2}), place=place_transfer
    )
    with pytest.raises(Conflict) as excinfo:
        booking_place_idempotent(
            key="k-1", scope="key:1", fingerprint=request_fingerprint({"adults": 3}), place=place_transfer
        )
    assert excinfo.value.field == "Idempotency-Key"
    assert Booking.objects.count() == 1


def test_an_idempotency_key_of_another_client_is_a_conflict_and_never_its_booking(catalog):
    fingerprint = request_fingerprint({"adults": 2})
    first, _created = booking_place_idempotent(
        key="k-1", scope="ip:203.0.113.5", fingerprint=fingerprint, place=place_transfer
    )
    for other in ("ip:198.51.100.7", "key:1", "user:1", "website", ""):
        with pytest.raises(Conflict) as excinfo:
            booking_place_idempotent(key="k-1", scope=other, fingerprint=fingerprint, place=place_transfer)
        assert (excinfo.value.field, excinfo.value.message) == (
            "Idempotency-Key",
            "This Idempotency-Key was already used by another client.",
        )
    again, created = booking_place_idempotent(
        key="k-1", scope="ip:203.0.113.5", fingerprint=fingerprint, place=place_transfer
    )
    assert (again, created) == (first, False)
    assert Booking.objects.count() == 1
    assert list(IdempotencyKey.objects.values_list("scope", "key", "booking")) == [("ip:203.0.113.5", "k-1", first.pk)]


def test_a_refused_booking_does_not_use_up_its_idempotency_key(catalog):
    fingerprint = request_fingerprint({"adults": 2})
    with pytest.raises(ValidationFailed):
        booking_place_idempotent(
            key="k-1", scope="key:1", fingerprint=fingerprint, place=lambda: place_transfer(language="xx")
        )
    assert not IdempotencyKey.objects.exists()
    booking, created = booking_place_idempotent(key="k-1", scope="key:1", fingerprint=fingerprint, place=place_transfer)
    assert created
    assert booking.status == Booking.Status.CONFIRMED


def test_an_overlong_idempotency_key_is_refused(catalog):
    with pytest.raises(ValidationFailed) as excinfo:
        booking_place_idempotent(key="k" * 256, scope="key:1", fingerprint="x", place=place_transfer)
    assert excinfo.value.errors == [("Idempotency-Key", "At most 255 characters.")]


def test_placement_is_recorded_in_the_history(catalog):
    booking = place_transfer(actor=Actor("traveller"))
    assert list(BookingEvent.objects.values_list("booking", "kind", "to_status", "actor_label")) == [
        (booking.pk, "created", "confirmed", "traveller")
    ]


def test_errors_speak_the_callers_language_and_the_stored_breakdown_the_travellers(catalog):
    request = transfer_request(return_pickup_at=future_local(days=37, hour=10))
    with pytest.raises(ValidationFailed) as excinfo:
        place_transfer(request, language="tr", contact=Contact("Ayşe Yılmaz", "not-an-email", "+905321234567"))
    assert excinfo.value.errors == [("contact.email", "Enter a valid email address.")]

    booking = place_transfer(request, language="tr")
    labels = [line["label"] for line in booking.price_breakdown["lines"]]
    assert labels == ["Transfer", "Dönüş transferi", "Dönüş indirimi"]
    assert booking.events.get().created_at == booking.created_at
