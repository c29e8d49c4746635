"""PayTR: the documented hashes (known-answer vectors), the token request against a local PayTR, the callback acting
exactly once, and refunds."""

from __future__ import annotations

import base64
import json
import random
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import Booking, BookingEvent
from gnb.core.errors import Busy
from gnb.ops.models import AlertState
from gnb.payments.models import Payment, ProviderEvent, Refund
from gnb.payments.providers import registry
from gnb.payments.providers.paytr import events as paytr_events
from gnb.payments.providers.paytr import provider as paytr_provider
from gnb.payments.providers.paytr.provider import callback_hash, encode_basket, refund_hash, token_hash
from gnb.payments.services import payment_confirm, refund_request, refund_submit
from gnb.testing.payments import apply_queued_events, queued
from gnb.testing.paytr import (
    MERCHANT_ID,
    MERCHANT_KEY,
    MERCHANT_SALT,
    expected_refund_token,
    expected_token,
    kurus,
    lira_booking,
    signed_callback,
)

CALLBACK = "/payments/paytr/callback"
CLIENT_IP = "203.0.113.7"


# --- the documented hashes --------------------------------------------------------------------------------
# Computed once with Python's hmac/hashlib from PayTR's formulas, outside this code base, and written out here.
VECTOR_BASKET = "W1siR05CIFRyYW5zZmVyIGJvb2tpbmcgR05CLUFCQzEyMyIsICIxMjM0LjUwIiwgMV1d"
VECTOR_TOKEN = "SWJe7A28RK99dcG+R8EquBIk2OzsDujZcbghzmAAuw4="
VECTOR_CALLBACK = "bcx6J7/pBic80+/dUN9rEoTpsmSMl55agg0/hGBsXfo="
VECTOR_REFUND = "4oQW0t70D2y3vVpHbBDhZLf+tnBD9+nKfpaPOFTIk18="


def test_the_basket_is_base64_json_of_name_unit_price_and_quantity():
    basket = encode_basket([("GNB Transfer booking GNB-ABC123", Decimal("1234.5"), 1)])
    assert basket == VECTOR_BASKET
    assert json.loads(base64.b64decode(basket)) == [["GNB Transfer booking GNB-ABC123", "1234.50", 1]]


def test_the_token_hash_matches_the_known_answer():
    fields = {
        "merchant_id": "123456",
        "user_ip": "203.0.113.7",
        "merchant_oid": "GNB42X1a2b3c4d",
        "email": "ayse@example.com",
        "payment_amount": "123450",
        "user_basket": VECTOR_BASKET,
        "no_installment": "0",
        "max_installment": "0",
        "currency": "TL",
        "test_mode": "1",
        "user_name": "not signed",
    }
    assert token_hash(fields, key="KEYkeyKEYkey1234", salt="SALTsaltSALT5678") == VECTOR_TOKEN
    assert expected_token(fields) == VECTOR_TOKEN  # the local PayTR checks with the same formula


def test_the_callback_and_refund_hashes_match_the_known_answers():
    assert (
        callback_hash(
            merchant_oid="GNB42X1a2b3c4d",
            status="success",
            total_amount="123450",
            key="KEYkeyKEYkey1234",
            salt="SALTsaltSALT5678",
        )
        == VECTOR_CALLBACK
    )
    assert signed_callback("GNB42X1a2b3c4d", "success", "123450")["hash"] == VECTOR_CALLBACK
    assert (
        refund_hash(
            merchant_id="123456",
            merchant_oid="GNB42X1a2b3c4d",
            return_amount="1234.50",
            key="KEYkeyKEYkey1234",
            salt="SALTsaltSALT5678",
        )
        == VECTOR_REFUND
    )


def test_each_signed_field_changes_the_token():
    fields = {name: "1" for name in ("merchant_id", "user_ip", "merchant_oid", "email", "payment_amount")}
    fields |= {"user_basket": "b", "no_installment": "0", "max_installment": "0", "currency": "TL", "test_mode": "1"}
    base = token_hash(fields, key=MERCHANT_KEY, salt=MERCHANT_SALT)
    for name in fields:
        assert token_hash(fields | {name: fields[name] + "x"}, key=MERCHANT_KEY, salt=MERCHANT_SALT) != base, name
    assert token_hash(fields, key=MERCHANT_KEY, salt="other") != base


# --- settings and the registry ----------------------------------------------------------------------------
def test_paytr_is_offered_for_its_currencies_only_when_configured(settings, lira):
    settings.PAYTR_MERCHANT_ID = settings.PAYTR_MERCHANT_KEY = settings.PAYTR_MERCHANT_SALT = ""
    settings.PAYTR_CURRENCIES = frozenset({"TRY"})
    assert "paytr" not in [p.code for p in registry.enabled_for("TRY")]
    settings.PAYTR_MERCHANT_ID, settings.PAYTR_MERCHANT_KEY, settings.PAYTR_MERCHANT_SALT = "1", "k", "s"
    assert "paytr" in [p.code for p in registry.enabled_for("TRY")]
    assert "paytr" not in [p.code for p in registry.enabled_for("EUR")]
    settings.PAYTR_CURRENCIES = frozenset({"TRY", "EUR"})
    assert "paytr" in [p.code for p in registry.enabled_for("eur")]


# --- starting: the token request --------------------------------------------------------------------------
def start_on_website(client, booking: Booking, attempt: str = "1"):
    url = reverse("website:payment", kwargs={"reference": booking.reference, "token": booking.manage_token})
    return client.post(url, {"provider": "paytr", "attempt": attempt}, REMOTE_ADDR=CLIENT_IP)


def started(client, booking: Booking) -> Payment:
    response = start_on_website(client, booking)
    assert response.status_code == 200, response.content[:500]
    return Payment.objects.get(booking=booking, provider="paytr")


def test_starting_asks_paytr_for_a_token_with_the_documented_fields(client, lira, paytr):
    booking = lira_booking()
    response = start_on_website(client, booking)

    assert response.status_code == 200
    payment = Payment.objects.get(booking=booking)
    assert (payment.state, payment.amount, payment.currency) == (Payment.State.PENDING, booking.total, "TRY")
    assert payment.provider_reference.isalnum()
    [(path, form)] = paytr.requests
    assert path == "/odeme/api/get-token"
    assert paytr.bad_tokens == []  # the local PayTR verified paytr_token with its own HMAC code
    assert form["paytr_token"] == expected_token(form)
    assert form["merchant_id"] == MERCHANT_ID
    assert form["merchant_oid"] == payment.provider_reference
    assert form["user_ip"] == CLIENT_IP
    assert form["email"] == booking.lead_email
    assert form["payment_amount"] == kurus(booking.total)
    assert form["currency"] == "TL"
    assert json.loads(base64.b64decode(form["user_basket"])) == [
        [f"GNB Transfer booking {booking.reference}", f"{booking.total:.2f}", 1]
    ]
    assert (form["no_installment"], form["max_installment"], form["test_mode"]) == ("0", "0", "1")
    assert form["merchant_ok_url"].endswith(f"/manage/{booking.reference}/{booking.manage_token}/payment/")
    assert 1 <= int(form["timeout_limit"]) <= 20  # never beyond the booking's 20-minute hold
    assert form["lang"] in ("en", "tr")
    body = response.content.decode()
    assert 'src="https://www.paytr.com/odeme/guvenli/a1b2c3d4e5f6"' in body
    assert 'class="paytr-frame"' in body
    assert "style=" not in body
    assert "frame-src 'self' https://www.paytr.com" in response["Content-Security-Policy"]


def test_single_payment_only_turns_instalments_off(client, lira, paytr, settings):
    settings.PAYTR_MAX_INSTALLMENT = 1
    start_on_website(client, lira_booking())
    [(_path, form)] = paytr.requests
    assert (form["no_installment"], form["max_installment"]) == ("1", "0")
    assert paytr.bad_tokens == []


def test_a_token_paytr_refuses_fails_the_attempt_and_tells_the_traveller(client, lira, paytr):
    paytr.token_answer = {"status": "failed", "reason": "merchant_oid daha once kullanilmis"}
    booking = lira_booking()
    response = start_on_website(client, booking)
    assert response.status_code == 422
    assert "could not be started" in response.content.decode()
    payment = Payment.objects.get(booking=booking)
    assert payment.state == Payment.State.FAILED
    assert "merchant_oid daha once kullanilmis" in payment.failure_reason


def test_an_unreachable_paytr_fails_the_attempt(client, lira, paytr, settings):
    settings.PAYTR_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    booking = lira_booking()
    assert start_on_website(client, booking).status_code == 422
    assert Payment.objects.get(booking=booking).state == Payment.State.FAILED


# --- the callback -----------------------------------------------------------------------------------------
def success_for(payment: Payment, **extra: str) -> dict[str, str]:
    amount = kurus(payment.amount)
    return signed_callback(payment.provider_reference, "success", amount, payment_amount=amount, currency="TL", **extra)


def test_a_success_callback_confirms_the_booking_and_answers_ok(client, deliver, lira, paytr):
    booking = lira_booking()
    payment = started(client, booking)

    response = deliver(success_for(payment))

    assert response.status_code == 200
    assert response.content == b"OK"
    assert response["Content-Type"].startswith("text/plain")
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    assert len(queued("payment_received")) == 1
    event = ProviderEvent.objects.get(provider="paytr")
    assert event.event_id == f"{payment.provider_reference}:success"
    assert event.processed_at is not None
    assert "hash" not in event.payload


def test_a_callback_replayed_three_times_acts_once(client, deliver, lira, paytr):
    booking = lira_booking()
    payment = started(client, booking)
    answers = [deliver(success_for(payment)) for _ in range(3)]
    assert [(a.status_code, a.content) for a in answers] == [(200, b"OK")] * 3
    assert BookingEvent.objects.filter(booking=booking, to_status=Booking.Status.CONFIRMED).count() == 1
    assert len(queued("payment_received")) == 1
    assert ProviderEvent.objects.filter(provider="paytr").count() == 1


def test_shuffled_replays_of_several_payments_act_once_each(client, deliver, lira, paytr):
    payments = [started(client, lira_booking()) for _ in range(3)]
    deliveries = [success_for(payment) for payment in payments for _ in range(3)]
    random.Random(4).shuffle(deliveries)
    assert {deliver(form).content for form in deliveries} == {b"OK"}
    assert set(Payment.objects.values_list("state", flat=True)) == {Payment.State.CONFIRMED}
    assert sorted(k["object_id"] for k in queued("payment_received")) == sorted(p.pk for p in payments)
    assert BookingEvent.objects.filter(to_status=Booking.Status.CONFIRMED).count() == 3


def test_a_forged_hash_is_refused_and_changes_nothing(client, deliver, lira, paytr):
    booking = lira_booking()
    payment = started(client, booking)
    forged = success_for(payment) | {"hash": signed_callback(payment.provider_reference, "success", "1")["hash"]}
    tampered = success_for(payment) | {"total_amount": "1"}
    for form in (forged, tampered, success_for(payment) | {"hash": ""}, {"merchant_oid": "x"}):
        response = deliver(form)
        assert response.status_code == 400
        assert response.content != b"OK"
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    assert ProviderEvent.objects.count() == 0
    assert queued("payment_received") == []


def test_a_hash_made_with_another_key_is_refused(client, deliver, lira, paytr, settings):
    payment = started(client, lira_booking())
    form = success_for(payment)
    settings.PAYTR_MERCHANT_KEY = "another-key"
    assert deliver(form).status_code == 400
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


def test_a_wrong_amount_confirms_nothing_and_is_flagged(client, deliver, lira, paytr):
    booking = lira_booking()
    payment = started(client, booking)
    short = str(int(kurus(payment.amount)) - 100)
    form = signed_callback(payment.provider_reference, "success", short, payment_amount=short, currency="TL")

    response = deliver(form)

    assert (response.status_code, response.content) == (200, b"OK")  # verified: PayTR must stop repeating it
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    assert payment.needs_attention is True
    assert booking.status == Booking.Status.PENDING_PAYMENT
    assert queued("payment_received") == []
    assert ProviderEvent.objects.get().outcome.startswith("refused")


def test_a_refused_success_does_not_block_the_genuine_one_whose_repeat_changes_nothing(client, deliver, lira, paytr):
    booking = lira_booking()
    payment = started(client, booking)
    oid = payment.provider_reference
    short = str(int(kurus(payment.amount)) - 100)
    wrong = signed_callback(oid, "success", short, payment_amount=short, currency="TL")
    assert deliver(wrong).content == b"OK"
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING

    # The genuine success for the same order, under the same event id (merchant_oid:status), is acted on.
    assert deliver(success_for(payment)).content == b"OK"
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    events = [
        (f"{oid}:success", True, f"refused: paid {payment.amount - 1} TRY, expected {payment.amount} TRY"),
        (f"{oid}:success", False, "confirmed"),
    ]
    assert list(ProviderEvent.objects.order_by("pk").values_list("event_id", "refused", "outcome")) == events

    # Once acted on, it blocks its duplicates: the same success again is answered OK and changes nothing.
    assert deliver(success_for(payment)).content == b"OK"
    assert list(ProviderEvent.objects.order_by("pk").values_list("event_id", "refused", "outcome")) == events
    assert BookingEvent.objects.filter(booking=booking, to_status=Booking.Status.CONFIRMED).count() == 1
    assert queued("payment_received") == [
        {"booking_id": booking.pk, "kind": "payment_received", "object_id": payment.pk}
    ]
    assert Payment.objects.get(pk=payment.pk).confirmed_at == payment.confirmed_at


def test_an_unsigned_payment_amount_cannot_exceed_what_was_charged(client, deliver, lira, paytr):
    payment = started(client, lira_booking())
    charged = str(int(kurus(payment.amount)) - 1)
    form = signed_callback(
        payment.provider_reference, "success", charged, payment_amount=kurus(payment.amount), currency="TL"
    )
    assert deliver(form).content == b"OK"
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING


def test_a_wrong_currency_confirms_nothing(client, deliver, lira, paytr):
    payment = started(client, lira_booking())
    assert deliver(success_for(payment) | {"currency": "EUR"}).content == b"OK"
    payment.refresh_from_db()
    assert (payment.state, payment.needs_attention) == (Payment.State.PENDING, True)
    assert queued("payment_received") == []


def test_instalment_interest_in_total_amount_still_confirms_the_order_amount(client, deliver, lira, paytr):
    payment = started(client, lira_booking())
    with_interest = str(int(kurus(payment.amount)) + 1234)
    form = signed_callback(
        payment.provider_reference,
        "success",
        with_interest,
        payment_amount=kurus(payment.amount),
        currency="TL",
        installment_count="6",
    )
    assert deliver(form).content == b"OK"
    payment.refresh_from_db()
    assert (payment.state, payment.amount) == (Payment.State.CONFIRMED, payment.booking.total)


def test_an_unknown_merchant_oid_changes_nothing(client, deliver, lira, paytr):
    payment = started(client, lira_booking())
    form = signed_callback("GNB999X0000000000", "success", kurus(payment.amount), currency="TL")
    assert deliver(form).content == b"OK"
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING
    assert ProviderEvent.objects.get().outcome == "refused: unknown merchant_oid"
    assert queued("payment_received") == []


@pytest.mark.parametrize(
    ("merchant_oid", "status", "total", "detail"),
    [
        (
            "GNB1X\x00ab",
            "success",
            "100",
            "merchant_oid 'GNB1X\\x00ab' is not one of our order numbers (letters and digits).",
        ),
        ("GNB1X ab", "success", "100", "merchant_oid 'GNB1X ab' is not one of our order numbers (letters and digits)."),
        (
            "G" * 65,
            "success",
            "100",
            f"merchant_oid {'G' * 65!r} is not one of our order numbers (letters and digits).",
        ),
        ("GNB1X1", "succ\x00ess", "100", "status 'succ\\x00ess' is not a PayTR status (lower-case letters)."),
        ("GNB1X1", "success", "1\x0000", "total_amount '1\\x0000' is not an amount in kuruş (digits)."),
    ],
    ids=["nul-in-oid", "space-in-oid", "long-oid", "nul-in-status", "nul-in-total"],
)
def test_a_signed_callback_that_names_no_order_of_ours_is_refused_with_an_alert(
    client, deliver, lira, paytr, merchant_oid, status, total, detail
):
    # It cannot be matched to a payment of ours (cleaned, it would be another message than the one PayTR signed),
    # and PostgreSQL would refuse the NUL: a 400 that staff hear about, never a 500 that PayTR repeats for ever.
    payment = started(client, lira_booking())
    response = deliver(signed_callback(merchant_oid, status, total, currency="TL"))
    assert (response.status_code, response.content) == (400, b"bad merchant_oid, status or total_amount")
    assert ProviderEvent.objects.count() == 0
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING
    alert = AlertState.objects.get(key="payments.paytr_callback")
    assert (alert.title, alert.detail, alert.fire_count) == ("A signed PayTR notification was refused", detail, 1)


def test_nul_in_a_signed_callback_field_is_stored_without_it_and_acted_on(client, deliver, lira, paytr):
    booking = lira_booking()
    payment = started(client, booking)
    form = signed_callback(
        payment.provider_reference,
        "failed",
        kurus(payment.amount),
        failed_reason_code="2",
        failed_reason_msg="Kart\x00 limiti yetersiz\x00",
    )
    response = deliver(form)
    assert (response.status_code, response.content) == (200, b"OK")
    payment.refresh_from_db()
    assert (payment.state, payment.failure_reason) == (Payment.State.FAILED, "PayTR 2: Kart limiti yetersiz")
    event = ProviderEvent.objects.get()
    assert (event.payload["failed_reason_msg"], event.outcome) == ("Kart limiti yetersiz", "failed")
    assert len(queued("payment_failed")) == 1


def test_a_failed_callback_fails_the_payment_once_with_the_reason(client, deliver, lira, paytr):
    booking = lira_booking()
    payment = started(client, booking)
    form = signed_callback(
        payment.provider_reference,
        "failed",
        kurus(payment.amount),
        failed_reason_code="2",
        failed_reason_msg="Kart limiti yetersiz",
    )
    assert [deliver(form).content for _ in range(3)] == [b"OK"] * 3
    payment.refresh_from_db()
    assert payment.state == Payment.State.FAILED
    assert payment.failure_reason == "PayTR 2: Kart limiti yetersiz"
    assert len(queued("payment_failed")) == 1
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.PENDING_PAYMENT


def test_a_late_failure_does_not_undo_a_confirmed_payment(client, deliver, lira, paytr):
    payment = started(client, lira_booking())
    deliver(success_for(payment))
    failed = signed_callback(payment.provider_reference, "failed", kurus(payment.amount), failed_reason_code="6")
    assert deliver(failed).content == b"OK"
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.CONFIRMED
    assert queued("payment_failed") == []


def test_a_lock_timeout_in_the_worker_answers_ok_and_the_retry_acts(client, deliver, lira, paytr, monkeypatch):
    payment = started(client, lira_booking())

    def busy(**kwargs):
        raise Busy("locked")

    monkeypatch.setattr(paytr_events, "payment_confirm", busy)
    response = deliver(success_for(payment))
    # Stored and answered OK: the worker's task, not PayTR's repeat, tries again a few seconds later.
    assert response.content == b"OK"
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.PENDING
    assert ProviderEvent.objects.get().processed_at is None
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"] == {"event_pk": ProviderEvent.objects.get().pk, "attempt": 1}

    monkeypatch.setattr(paytr_events, "payment_confirm", payment_confirm)
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    assert apply_queued_events() == ["confirmed"]
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.CONFIRMED
    assert deliver(success_for(payment)).content == b"OK"  # a repeat: applied already, queues nothing
    assert apply_queued_events() == []
    assert len(queued("payment_received")) == 1


def test_the_callback_takes_only_post_and_needs_paytr_configured(client, settings, db):
    assert client.get(CALLBACK).status_code == 405
    settings.PAYTR_MERCHANT_ID = settings.PAYTR_MERCHANT_KEY = settings.PAYTR_MERCHANT_SALT = ""
    assert client.post(CALLBACK, signed_callback("GNB1X1", "success", "100")).status_code == 404


# --- refunds ----------------------------------------------------------------------------------------------
def confirmed(client, deliver, booking: Booking) -> Payment:
    payment = started(client, booking)
    assert deliver(success_for(payment)).content == b"OK"
    payment.refresh_from_db()
    return payment


def test_a_refund_goes_through_paytrs_refund_api_and_succeeds_on_its_answer(
    client, deliver, lira, paytr, django_capture_on_commit_callbacks
):
    booking = lira_booking()
    payment = confirmed(client, deliver, booking)
    refund = refund_request(
        payment_id=payment.pk, amount=Decimal("10.50"), reason="Late pickup", actor=None, idempotency_key="r-1"
    )
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_submit(refund_id=refund.pk)

    path, form = paytr.requests[-1]
    assert path == "/odeme/iade"
    assert paytr.bad_tokens == []
    assert form["paytr_token"] == expected_refund_token(form)
    assert (form["merchant_id"], form["merchant_oid"], form["return_amount"]) == (
        MERCHANT_ID,
        payment.provider_reference,
        "10.50",
    )
    assert form["reference_no"].isalnum()
    assert refund.state == Refund.State.SUCCEEDED
    assert refund.provider_reference == form["reference_no"]
    assert len(queued("refund_issued")) == 1


def test_a_refund_paytr_refuses_fails_and_flags_the_payment(client, deliver, lira, paytr):
    payment = confirmed(client, deliver, lira_booking())
    paytr.refund_answer = {"status": "error", "err_no": "010", "err_msg": "Iade tutari odeme tutarindan fazla"}
    refund = refund_request(
        payment_id=payment.pk, amount=payment.amount, reason="Cancelled", actor=None, idempotency_key="r-2"
    )
    refund = refund_submit(refund_id=refund.pk)
    assert refund.state == Refund.State.FAILED
    assert "010 Iade tutari odeme tutarindan fazla" in refund.failure_reason
    assert Payment.objects.get(pk=payment.pk).needs_attention is True
    assert queued("refund_issued") == []


def test_the_timeout_limit_never_outlasts_the_hold():
    import datetime as dt

    from django.utils import timezone

    limit = paytr_provider.PaytrProvider._timeout_limit
    assert limit(None) == 30
    assert limit(timezone.now() + dt.timedelta(minutes=12, seconds=30)) == 12
    assert limit(timezone.now() + dt.timedelta(hours=2)) == 30
    assert limit(timezone.now() - dt.timedelta(minutes=1)) == 1


def test_amounts_are_sent_in_kurus_exactly():
    assert paytr_provider.to_kurus(Decimal("1234.50")) == 123450
    assert paytr_provider.to_kurus(Decimal("0.07")) == 7
    with pytest.raises(ValueError):
        paytr_provider.to_kurus(Decimal("1.005"))
    assert paytr_provider.from_kurus("123450") == Decimal("1234.50")
    assert [paytr_provider.from_kurus(v) for v in ("", "-1", "1.5", "١٢", "9" * 16)] == [None] * 5
