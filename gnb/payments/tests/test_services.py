"""The payment services: start, confirm exactly once, fail, cancel, provider events, holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gnb.bookings.models import Booking, BookingEvent
from gnb.bookings.services import seats_taken
from gnb.core.errors import Conflict, InvalidTransition, ValidationFailed
from gnb.ops.models import AlertState
from gnb.payments.models import Payment, ProviderEvent, Refund
from gnb.payments.providers.base import ProviderError
from gnb.payments.services import (
    PaymentProviderUnavailable,
    holds_expire,
    payment_cancel,
    payment_confirm,
    payment_fail,
    payment_start,
    provider_event_finish,
    provider_event_record,
)
from gnb.testing.bookings import place_tour
from gnb.testing.payments import card_booking, queued

RETURN = "http://testserver/en/manage/x/y/payment/"


def start(booking: Booking, key: str = "key-1", provider: str = "stripe") -> Payment:
    payment, _result = payment_start(
        booking_id=booking.pk, provider=provider, idempotency_key=key, return_url=RETURN, cancel_url=RETURN
    )
    return payment


# --- placing ----------------------------------------------------------------------------------------------
def test_a_card_booking_holds_its_seats_for_the_hold_time(catalog, settings):
    settings.GNB_PAYMENT_HOLD_MINUTES = 20
    before = timezone.now()
    booking = card_booking()
    assert booking.status == Booking.Status.PENDING_PAYMENT
    assert before + dt.timedelta(minutes=20) <= booking.hold_expires_at <= timezone.now() + dt.timedelta(minutes=20)


def test_a_cash_booking_has_no_hold(catalog):
    booking = card_booking(payment_method="cash")
    assert (booking.status, booking.hold_expires_at) == (Booking.Status.CONFIRMED, None)


# --- provider events --------------------------------------------------------------------------------------
def test_a_provider_event_is_stored_once(db):
    first, created = provider_event_record(provider="stripe", event_id="evt_1", kind="x", payload={"a": 1})
    again, created_again = provider_event_record(provider="stripe", event_id="evt_1", kind="x", payload={"a": 2})
    _other, created_other = provider_event_record(provider="paytr", event_id="evt_1", kind="x", payload={})
    assert (created, created_again, created_other) == (True, False, True)
    assert again.pk == first.pk
    assert again.payload == {"a": 1}
    assert ProviderEvent.objects.count() == 2


def test_a_refused_provider_event_blocks_no_later_delivery_but_an_acted_on_one_does(db):
    refused, _created = provider_event_record(provider="paytr", event_id="GNB1X1:success", kind="x", payload={"a": 1})
    recorded = provider_event_finish(event_pk=refused.pk, outcome="refused: unknown merchant_oid", refused=True)
    assert recorded == "refused: unknown merchant_oid"
    genuine, created = provider_event_record(provider="paytr", event_id="GNB1X1:success", kind="x", payload={"a": 2})
    assert created is True
    assert provider_event_finish(event_pk=genuine.pk, outcome="confirmed") == "confirmed"
    # The first outcome stands, and is what a later call answers.
    assert provider_event_finish(event_pk=genuine.pk, outcome="duplicate: already confirmed") == "confirmed"
    again, created_again = provider_event_record(provider="paytr", event_id="GNB1X1:success", kind="x", payload={})
    assert (again.pk, created_again) == (genuine.pk, False)
    assert list(ProviderEvent.objects.order_by("pk").values_list("pk", "refused", "outcome", "payload")) == [
        (refused.pk, True, "refused: unknown merchant_oid", {"a": 1}),
        (genuine.pk, False, "confirmed", {"a": 2}),
    ]


def nested(levels: int) -> dict:
    """``levels`` dictionaries, each inside the one before."""
    value: dict = {}
    for _level in range(levels - 1):
        value = {"x": value}
    return value


def test_a_provider_event_is_stored_without_what_postgresql_refuses(db):
    event, _created = provider_event_record(
        provider="stripe",
        event_id="evt_1",
        kind="charge.\x00refunded",
        payload={"na\x00me": ["Ay\x00şe\ud800", {"amount": 100, "paid": True, "note": None}], "deep": nested(62)},
    )
    event.refresh_from_db()
    assert event.kind == "charge.refunded"
    assert event.payload == {"name": ["Ayşe\ufffd", {"amount": 100, "paid": True, "note": None}], "deep": nested(62)}


def test_an_unprintable_event_id_or_a_payload_nested_too_deep_is_refused(db):
    for event_id in ("evt_1\x00", "evt\n1", "evt_\ud8001"):
        with pytest.raises(ValidationFailed) as excinfo:
            provider_event_record(provider="stripe", event_id=event_id, kind="x", payload={})
        assert excinfo.value.errors == [("event_id", "An event id of 1 to 255 characters is required.")]
    provider_event_record(provider="stripe", event_id="evt_64", kind="x", payload=nested(64))
    with pytest.raises(ValidationFailed) as excinfo:
        provider_event_record(provider="stripe", event_id="evt_65", kind="x", payload=nested(65))
    assert excinfo.value.errors == [("payload", "The message is nested too deeply to be stored.")]
    assert list(ProviderEvent.objects.values_list("event_id", flat=True)) == ["evt_64"]


def test_a_provider_event_needs_a_known_provider_and_an_id(db):
    with pytest.raises(ValidationFailed) as excinfo:
        provider_event_record(provider="visa", event_id="evt_1", kind="x", payload={})
    assert excinfo.value.errors[0][0] == "provider"
    with pytest.raises(ValidationFailed) as excinfo:
        provider_event_record(provider="stripe", event_id="", kind="x", payload={})
    assert excinfo.value.errors[0][0] == "event_id"


# --- starting ---------------------------------------------------------------------------------------------
def test_starting_a_payment_opens_one_attempt_for_the_total(catalog, card_provider):
    booking = card_booking()
    payment, result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key="key-1", return_url=RETURN, cancel_url=RETURN
    )
    assert (payment.amount, payment.currency, payment.state) == (booking.total, "EUR", Payment.State.PENDING)
    assert payment.provider_reference == "cs_key-1"
    assert result.redirect_url == f"https://pay.example/cs_key-1?back={RETURN}"
    again, _result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key="key-1", return_url=RETURN, cancel_url=RETURN
    )
    assert again.pk == payment.pk
    assert Payment.objects.count() == 1
    assert card_provider.started == [payment.pk, payment.pk]


def test_an_idempotency_key_of_another_booking_is_a_conflict(catalog, card_provider):
    start(card_booking())
    with pytest.raises(Conflict):
        start(card_booking(), key="key-1")


def test_a_cash_booking_or_an_unknown_provider_cannot_start_a_card_payment(catalog, card_provider):
    with pytest.raises(ValidationFailed) as excinfo:
        start(card_booking(payment_method="cash"))
    assert excinfo.value.errors == [("provider", "This booking is paid in cash to the driver.")]
    with pytest.raises(ValidationFailed) as excinfo:
        start(card_booking(), provider="visa")
    assert excinfo.value.errors == [("provider", "Unknown payment provider.")]
    with pytest.raises(ValidationFailed) as excinfo:
        start(card_booking(), provider="cash")
    assert excinfo.value.errors == [("provider", "This payment method is not available for this booking.")]
    assert not Payment.objects.exists()


def test_no_payment_starts_after_the_hold_is_over(catalog, card_provider):
    booking = card_booking()
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(InvalidTransition):
        start(booking)
    assert not Payment.objects.exists()


def test_a_provider_that_refuses_to_start_fails_the_attempt(catalog, card_provider):
    card_provider.fail_start = ProviderError("network down")
    booking = card_booking()
    with pytest.raises(PaymentProviderUnavailable):
        start(booking)
    payment = Payment.objects.get()
    assert (payment.state, payment.failure_reason) == (Payment.State.FAILED, "start: network down")
    card_provider.fail_start = None
    retried = start(booking, key="key-2")
    assert retried.state == Payment.State.PENDING
    assert Payment.objects.count() == 2


# --- confirming -------------------------------------------------------------------------------------------
def test_confirming_a_payment_confirms_the_booking_once(catalog, card_provider, django_capture_on_commit_callbacks):
    booking = card_booking()
    payment = start(booking)
    event, _created = provider_event_record(provider="stripe", event_id="evt_1", kind="paid", payload={})
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = payment_confirm(
            payment_id=payment.pk,
            amount=str(booking.total),
            currency="eur",
            provider_payment_id="pi_1",
            event_id=event.pk,
        )
        for _ in range(3):
            payment_confirm(payment_id=payment.pk, amount=booking.total, currency="EUR", event_id=event.pk)
    assert (confirmed.state, confirmed.provider_payment_id) == (Payment.State.CONFIRMED, "pi_1")
    booking.refresh_from_db()
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    assert queued(PAYMENT_RECEIVED := "payment_received") == [
        {"booking_id": booking.pk, "kind": PAYMENT_RECEIVED, "object_id": payment.pk}
    ]
    assert queued("confirmation") == [{"booking_id": booking.pk, "kind": "confirmation"}]
    event.refresh_from_db()
    assert event.outcome == "confirmed"
    assert event.processed_at is not None
    history = BookingEvent.objects.filter(booking=booking, kind=BookingEvent.Kind.STATUS).get()
    assert (history.from_status, history.to_status, history.actor_label) == ("pending_payment", "confirmed", "stripe")


def test_a_wrong_amount_or_currency_changes_nothing_but_flags_and_alerts(catalog, card_provider):
    booking = card_booking()
    payment = start(booking)
    with pytest.raises(ValidationFailed) as excinfo:
        payment_confirm(payment_id=payment.pk, amount=booking.total - Decimal("0.01"), currency="EUR")
    assert excinfo.value.errors[0][0] == "amount"
    with pytest.raises(ValidationFailed):
        payment_confirm(payment_id=payment.pk, amount=booking.total, currency="GBP")
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert (payment.state, payment.needs_attention) == (Payment.State.PENDING, True)
    assert payment.failure_reason == f"amount mismatch: paid {booking.total} GBP, expected {booking.total} EUR"
    assert (booking.status, booking.payment_state) == (Booking.Status.PENDING_PAYMENT, Booking.PaymentState.UNPAID)
    alert = AlertState.objects.get(key="payments.amount_mismatch")
    assert alert.fire_count == 2


def test_a_payment_after_the_hold_expired_is_refunded_automatically(
    catalog, card_provider, django_capture_on_commit_callbacks
):
    booking = card_booking()
    payment = start(booking)
    assert holds_expire(now=booking.hold_expires_at + dt.timedelta(seconds=1)) == 1
    payment.refresh_from_db()
    assert (payment.state, payment.failure_reason) == (Payment.State.CANCELLED, "hold expired")
    with django_capture_on_commit_callbacks(execute=True):
        payment_confirm(payment_id=payment.pk, amount=booking.total, currency="EUR")
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert booking.status == Booking.Status.EXPIRED
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount, refund.state, refund.reason) == (
        payment.pk,
        booking.total,
        Refund.State.REQUESTED,
        "Paid after the booking became expired",
    )
    assert queued("payment_received") == []
    from django_tasks_db.models import DBTaskResult

    from gnb.payments.tasks import refund_submit_task

    task = DBTaskResult.objects.get(task_path=refund_submit_task.module_path)
    assert task.args_kwargs["kwargs"] == {"refund_id": refund.pk}


# --- failing and cancelling -------------------------------------------------------------------------------
def test_a_failed_payment_sends_one_failure_email_and_can_be_retried(
    catalog, card_provider, django_capture_on_commit_callbacks
):
    booking = card_booking()
    payment = start(booking)
    with django_capture_on_commit_callbacks(execute=True):
        failed = payment_fail(payment_id=payment.pk, reason="card_declined")
        payment_fail(payment_id=payment.pk, reason="card_declined")
    assert (failed.state, failed.failure_reason) == (Payment.State.FAILED, "card_declined")
    assert queued("payment_failed") == [{"booking_id": booking.pk, "kind": "payment_failed", "object_id": payment.pk}]
    retry = start(booking, key="key-2")
    assert retry.pk != payment.pk
    assert retry.state == Payment.State.PENDING


def test_a_late_failure_does_not_undo_a_confirmed_payment(catalog, card_provider):
    booking = card_booking()
    payment = start(booking)
    payment_confirm(payment_id=payment.pk, amount=booking.total, currency="EUR")
    assert payment_fail(payment_id=payment.pk, reason="late").state == Payment.State.CONFIRMED
    assert payment_cancel(payment_id=payment.pk, reason="expired").state == Payment.State.CONFIRMED


def test_a_failure_after_confirmation_of_another_attempt_confirms_from_failed(catalog, card_provider):
    booking = card_booking()
    payment = start(booking)
    payment_fail(payment_id=payment.pk, reason="card_declined")
    # The traveller tried another card in the same checkout: the provider's success comes after its failure.
    confirmed = payment_confirm(payment_id=payment.pk, amount=booking.total, currency="EUR")
    assert confirmed.state == Payment.State.CONFIRMED
    assert confirmed.failure_reason == ""


# --- holds ------------------------------------------------------------------------------------------------
def test_an_expired_hold_frees_its_seats_and_is_recorded(catalog):
    booking = place_tour(catalog.departure, adults=3, payment_method="card")
    assert seats_taken(catalog.departure.pk) == 3
    assert holds_expire(now=booking.hold_expires_at - dt.timedelta(seconds=1)) == 0
    assert holds_expire(now=booking.hold_expires_at) == 1
    assert holds_expire(now=booking.hold_expires_at) == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    assert seats_taken(catalog.departure.pk) == 0
    event = BookingEvent.objects.get(booking=booking, kind=BookingEvent.Kind.STATUS)
    assert (event.from_status, event.to_status, event.reason) == ("pending_payment", "expired", "Unpaid hold expired")


def test_a_confirmed_booking_never_expires(catalog, card_provider):
    booking = card_booking()
    payment_confirm(payment_id=start(booking).pk, amount=booking.total, currency="EUR")
    assert holds_expire(now=booking.hold_expires_at + dt.timedelta(hours=1)) == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_an_expired_hold_gives_its_coupon_use_back(catalog):
    from gnb.testing.bookings import transfer_request

    catalog.coupon.max_uses = 1
    catalog.coupon.save()
    held = card_booking(request=transfer_request(coupon="WELCOME10"))
    with pytest.raises(ValidationFailed) as excinfo:
        card_booking(request=transfer_request(coupon="WELCOME10"))
    assert excinfo.value.errors == [("coupon", "This coupon has been used up.")]
    assert holds_expire(now=held.hold_expires_at) == 1
    assert card_booking(request=transfer_request(coupon="WELCOME10")).coupon_id == catalog.coupon.pk
