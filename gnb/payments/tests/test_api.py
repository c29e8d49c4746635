"""Paying over the API: open a card payment for a booking, and read its payment state and attempts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from gnb.bookings.models import Booking
from gnb.payments.models import Payment
from gnb.payments.providers.base import ProviderError
from gnb.payments.services import payment_confirm, refund_request, refund_submit
from gnb.testing.api import assert_error, post
from gnb.testing.payments import card_booking


def start(client, booking: Booking, body=None, key: str | None = "app-1", token: str | None = None):
    headers = {"X-Manage-Token": booking.manage_token if token is None else token}
    if key is not None:
        headers["Idempotency-Key"] = key
    return post(client, f"/api/v1/bookings/{booking.reference}/payments", body or {"provider": "stripe"}, **headers)


def test_a_card_payment_is_opened_and_its_redirect_returned(client, catalog, card_provider):
    booking = card_booking()
    response = start(client, booking)
    assert response.status_code == 201, response.content
    payment = Payment.objects.get()
    page = f"http://testserver/en/manage/{booking.reference}/{booking.manage_token}/payment/"
    assert response.json() == {
        "provider": "stripe",
        "amount": "40.00",
        "currency": "EUR",
        "state": "pending",
        "redirect_url": f"https://pay.example/{payment.provider_reference}?back={page}",
        "payment_page_url": page,
    }
    assert payment.idempotency_key == f"api-{booking.pk}-app-1"
    again = start(client, booking)
    assert again.status_code == 201
    assert again.json() == response.json()
    assert Payment.objects.count() == 1


def test_a_payment_needs_the_manage_token_and_an_idempotency_key(client, catalog, card_provider):
    booking = card_booking()
    assert_error(start(client, booking, token="wrong"), 404, "not_found", ["reference"])
    assert_error(start(client, booking, key=None), 422, "validation_error", ["Idempotency-Key"])
    assert not Payment.objects.exists()


def test_a_payment_for_a_cash_booking_or_an_unknown_provider_is_refused(client, catalog, card_provider):
    assert_error(start(client, card_booking(payment_method="cash")), 422, "validation_error", ["provider"])
    assert_error(start(client, card_booking(), {"provider": "visa"}), 422, "validation_error", ["provider"])
    assert_error(start(client, card_booking(), {"provider": 5}), 422, "validation_error", ["provider"])
    assert_error(start(client, card_booking(), "[]"), 422, "validation_error", ["body"])


def test_no_payment_for_an_expired_hold_or_a_paid_booking(client, catalog, card_provider):
    expired = card_booking()
    Booking.objects.filter(pk=expired.pk).update(hold_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_error(start(client, expired), 409, "invalid_transition", ["status"])
    paid = card_booking()
    assert start(client, paid, key="first").status_code == 201
    payment_confirm(payment_id=Payment.objects.get(booking=paid).pk, amount="40.00", currency="EUR")
    assert_error(start(client, paid, key="second"), 409, "invalid_transition", ["status"])


def test_a_provider_that_cannot_open_the_payment_is_a_502(client, catalog, card_provider):
    card_provider.fail_start = ProviderError("timeout")
    assert_error(start(client, card_booking()), 502, "payment_provider_error", ["provider"])


def test_the_booking_shows_its_payments_refunds_and_amounts(client, catalog, card_provider):
    booking = card_booking()
    start(client, booking)
    response = client.get(f"/api/v1/bookings/{booking.reference}", headers={"X-Manage-Token": booking.manage_token})
    body = response.json()
    assert (body["status"], body["payment_state"], body["amount_paid"], body["balance_due"]) == (
        "pending_payment",
        "unpaid",
        "0.00",
        "40.00",
    )
    # Written to the millisecond.
    assert abs(dt.datetime.fromisoformat(body["hold_expires_at"]) - booking.hold_expires_at) < dt.timedelta(
        milliseconds=1
    )
    payment = payment_confirm(payment_id=Payment.objects.get().pk, amount="40.00", currency="EUR")
    refund_submit(
        refund_id=refund_request(payment_id=payment.pk, amount="15", reason="x", actor=None, idempotency_key="r").pk
    )
    body = client.get(f"/api/v1/bookings/{booking.reference}", headers={"X-Manage-Token": booking.manage_token}).json()
    assert (body["status"], body["payment_state"]) == ("confirmed", "partially_refunded")
    assert (body["amount_paid"], body["amount_refunded"], body["balance_due"]) == ("40.00", "15.00", "15.00")
    [attempt] = body["payments"]
    assert (attempt["provider"], attempt["amount"], attempt["state"]) == ("stripe", "40.00", "confirmed")
    assert [(r["amount"], r["state"]) for r in attempt["refunds"]] == [("15.00", "succeeded")]


def test_cancelling_a_paid_booking_over_the_api_refunds_it(client, catalog, card_provider):
    booking = card_booking()
    start(client, booking)
    payment_confirm(payment_id=Payment.objects.get().pk, amount="40.00", currency="EUR")
    response = post(
        client, f"/api/v1/bookings/{booking.reference}/cancel", {}, **{"X-Manage-Token": booking.manage_token}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled"
    [attempt] = body["payments"]
    assert [(r["amount"], r["state"]) for r in attempt["refunds"]] == [("40.00", "requested")]
    assert Payment.objects.get().refunds.get().amount == Decimal("40.00")
