"""A partner or app books by card through the API, as the website does: the booking waits for payment holding its
seats, the client opens the payment at the provider (the Stripe stand-in, gnb.testing.stripe), the provider's signed
webhook confirms it exactly once, and an unpaid hold expires and frees the seats. Card is refused, holding nothing,
where no card provider takes the booking's currency."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client

from gnb.bookings.availability import seats_taken
from gnb.bookings.models import Booking, BookingEvent
from gnb.payments.models import Payment
from gnb.payments.services import holds_expire
from gnb.testing.api import assert_error, booking_body, post, tour_body
from gnb.testing.payments import apply_queued_events, queued
from gnb.testing.stripe import SECRET_KEY, WEBHOOK_SECRET, StripeStandIn, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_api(settings) -> Iterator[StripeStandIn]:
    with StripeStandIn() as server:
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = server.base_url
        settings.STRIPE_CURRENCIES = ["EUR", "GBP"]
        yield server


def webhook(evt: dict) -> dict:
    payload = json.dumps(evt)
    answer = Client().post(
        "/payments/stripe/webhook", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload)
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_a_card_booking_is_placed_paid_and_confirmed_once_over_the_api(
    client, catalog, stripe_api, django_capture_on_commit_callbacks
):
    placed = post(client, "/api/v1/bookings", booking_body(payment_method="card"), **{"Idempotency-Key": "app-1"})
    assert placed.status_code == 201, placed.content
    body = placed.json()
    booking = Booking.objects.get()
    assert (body["status"], body["payment_method"], body["payment_state"]) == ("pending_payment", "card", "unpaid")
    due = body["payment_due"]
    assert due == {
        "payments_url": f"http://testserver/api/v1/bookings/{booking.reference}/payments",
        "providers": ["stripe"],
        "amount": body["total"],
        "currency": "EUR",
        "hold_expires_at": body["hold_expires_at"],
        "payment_page_url": f"http://testserver/en/manage/{booking.reference}/{body['manage_token']}/payment/",
    }
    assert body["hold_expires_at"] is not None
    assert queued("confirmation") == []  # not confirmed before it is paid

    started = post(
        client,
        urlsplit(due["payments_url"]).path,
        {"provider": due["providers"][0]},
        **{"X-Manage-Token": body["manage_token"], "Idempotency-Key": "pay-1"},
    )
    assert started.status_code == 201, started.content
    payment = Payment.objects.get()
    assert started.json()["redirect_url"].startswith(stripe_api.base_url)
    assert (started.json()["amount"], payment.amount) == (body["total"], Decimal(body["total"]))

    evt = stripe_api.session_completed_event(payment.provider_reference)
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook(evt) == {"received": True, "duplicate": False, "outcome": "queued"}
        # Acknowledged; the booking reads as waiting until the worker applied the event.
        unpaid = client.get(f"/api/v1/bookings/{booking.reference}", headers={"X-Manage-Token": body["manage_token"]})
        assert unpaid.json()["payment_state"] == "unpaid"
        assert apply_queued_events() == ["confirmed"]
        assert webhook(evt)["duplicate"] is True
        assert apply_queued_events() == []
    read = client.get(f"/api/v1/bookings/{booking.reference}", headers={"X-Manage-Token": body["manage_token"]})
    assert (read.json()["status"], read.json()["payment_state"], read.json()["balance_due"]) == (
        "confirmed",
        "paid",
        "0.00",
    )
    assert read.json()["payment_due"] is None
    changes = BookingEvent.objects.filter(booking=booking, kind=BookingEvent.Kind.STATUS)
    assert list(changes.values_list("from_status", "to_status")) == [("pending_payment", "confirmed")]
    assert len(queued("payment_received")) == 1


def test_card_is_refused_holding_nothing_when_no_provider_takes_the_currency(client, catalog, stripe_api, settings):
    settings.STRIPE_CURRENCIES = ["EUR"]
    response = post(client, "/api/v1/bookings", booking_body(payment_method="card", currency="GBP"))
    error = assert_error(response, 422, "validation_error", ["payment_method"])
    assert error["fields"][0]["message"] == (
        "Card payment is not available in GBP: pay cash to the driver, or book in EUR to pay by card."
    )
    assert not Booking.objects.exists()
    # Cash in the same currency is fine.
    assert post(client, "/api/v1/bookings", booking_body(currency="GBP")).status_code == 201


def test_card_is_refused_when_no_card_provider_is_enabled(client, catalog):
    response = post(client, "/api/v1/bookings", booking_body(payment_method="card"))
    error = assert_error(response, 422, "validation_error", ["payment_method"])
    assert error["fields"][0]["message"] == "Card payment is not available at the moment: pay cash to the driver."
    assert not Booking.objects.exists()


def test_an_unpaid_api_card_booking_holds_its_tour_seats_until_the_hold_expires(client, catalog, stripe_api):
    departure = catalog.departure
    placed = post(client, "/api/v1/tour-bookings", tour_body(departure.pk, payment_method="card"))
    assert placed.status_code == 201, placed.content
    booking = Booking.objects.get()
    assert (booking.status, seats_taken(departure.pk)) == ("pending_payment", 4)  # the family of four
    assert placed.json()["payment_due"]["amount"] == placed.json()["total"]

    assert holds_expire(now=booking.hold_expires_at) == 1
    booking.refresh_from_db()
    assert (booking.status, seats_taken(departure.pk)) == ("expired", 0)
    read = client.get(f"/api/v1/bookings/{booking.reference}", headers={"X-Manage-Token": booking.manage_token})
    assert (read.json()["status"], read.json()["payment_due"]) == ("expired", None)
    started = post(
        client,
        f"/api/v1/bookings/{booking.reference}/payments",
        {"provider": "stripe"},
        **{"X-Manage-Token": booking.manage_token, "Idempotency-Key": "late"},
    )
    assert_error(started, 409, "invalid_transition", ["status"])
