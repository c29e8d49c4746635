"""The Stripe provider through the official ``stripe`` library, against the local stand-in of api.stripe.com."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import Booking
from gnb.payments.models import Payment, Refund
from gnb.payments.providers import registry
from gnb.payments.providers.base import ProviderError
from gnb.payments.providers.stripe import provider as stripe_provider
from gnb.payments.providers.stripe.provider import StripeProvider, from_minor, to_minor
from gnb.payments.services import (
    PaymentProviderUnavailable,
    holds_expire,
    payment_close,
    payment_confirm,
    payment_start,
    refund_request,
    refund_submit,
)
from gnb.payments.tasks import payment_close_task
from gnb.testing.payments import card_booking
from gnb.testing.stripe import SECRET_KEY, WEBHOOK_SECRET, StripeStandIn

STATUS_URL = "http://testserver/en/manage/REF/token/payment/"


@pytest.fixture
def stripe_api(settings) -> Iterator[StripeStandIn]:
    with StripeStandIn() as server:
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = server.base_url
        settings.STRIPE_CURRENCIES = ["EUR", "GBP"]
        yield server


@pytest.fixture
def no_retries(monkeypatch) -> None:
    """Error answers come back at once instead of after the library's retries and their back-off."""
    monkeypatch.setattr(stripe_provider, "NETWORK_RETRIES", 0)


def start(booking: Booking, key: str = "web-1") -> tuple[Payment, str]:
    payment, result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key=key, return_url=STATUS_URL, cancel_url=STATUS_URL
    )
    return payment, result.redirect_url


# --- settings ---------------------------------------------------------------------------------------------
def test_stripe_is_offered_only_while_both_keys_are_set_and_for_its_currencies(db, settings):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_CURRENCIES = ["EUR"]
    assert "stripe" not in [p.code for p in registry.enabled_for("EUR")]
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = SECRET_KEY, WEBHOOK_SECRET
    assert "stripe" in [p.code for p in registry.enabled_for("eur")]
    assert "stripe" not in [p.code for p in registry.enabled_for("TRY")]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STRIPE_SECRET_KEY": "pk_test_1", "STRIPE_WEBHOOK_SECRET": "whsec_1"}, "STRIPE_SECRET_KEY"),
        ({"STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_WEBHOOK_SECRET": "secret"}, "STRIPE_WEBHOOK_SECRET"),
        ({"STRIPE_SECRET_KEY": "sk_test_1"}, "set together"),
        ({"STRIPE_CURRENCIES": "EUR,EURO"}, "STRIPE_CURRENCIES"),
        ({"STRIPE_API_BASE": "localhost:12111"}, "STRIPE_API_BASE"),
    ],
)
def test_a_wrong_stripe_setting_stops_the_start(monkeypatch, env, message):
    import importlib

    import config.settings

    for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_CURRENCIES", "STRIPE_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        with pytest.raises(ImproperlyConfigured, match=message):
            importlib.reload(config.settings)
    finally:
        for name in env:
            monkeypatch.delenv(name)
        importlib.reload(config.settings)


def test_amounts_go_to_stripe_in_minor_units():
    assert to_minor(Decimal("60.00"), "EUR") == 6000
    assert to_minor(Decimal("0.50"), "gbp") == 50
    assert to_minor(Decimal("1500"), "JPY") == 1500
    with pytest.raises(ProviderError) as excinfo:
        to_minor(Decimal("10.5"), "JPY")
    assert excinfo.value.permanent
    assert from_minor(6000, "EUR") == Decimal("60.00")
    assert from_minor("6000", "EUR") is None
    assert from_minor(True, "EUR") is None


# --- starting a payment -----------------------------------------------------------------------------------
def test_stripe_start_opens_a_checkout_session_for_the_stored_amount(catalog, stripe_api):
    booking = card_booking()
    payment, url = start(booking)
    session_id = payment.provider_reference
    assert url == f"{stripe_api.base_url}/checkout/{session_id}"
    assert (payment.state, payment.amount, payment.currency) == (Payment.State.PENDING, booking.total, "EUR")
    assert session_id.startswith("cs_test_")

    [call] = stripe_api.calls("/v1/checkout/sessions")
    assert call.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert call.headers["Idempotency-Key"] == f"checkout-{payment.idempotency_key}"
    hold = booking.hold_expires_at
    assert hold is not None
    expected_expiry = max(hold, payment.created_at + dt.timedelta(minutes=31))
    assert call.params == {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": str(int(booking.total * 100)),
        "line_items[0][price_data][product_data][name]": f"GNB Transfer {booking.reference}",
        "client_reference_id": str(payment.pk),
        "metadata[payment_id]": str(payment.pk),
        "metadata[booking_reference]": booking.reference,
        "payment_intent_data[metadata][payment_id]": str(payment.pk),
        "payment_intent_data[metadata][booking_reference]": booking.reference,
        "success_url": STATUS_URL,
        "cancel_url": STATUS_URL,
        "expires_at": str(int(expected_expiry.timestamp())),
        "customer_email": booking.lead_email,
    }


def test_the_checkout_session_closes_with_the_hold_when_the_hold_is_longer_than_stripes_minimum(
    catalog, stripe_api, settings
):
    settings.GNB_PAYMENT_HOLD_MINUTES = 45
    booking = card_booking()
    start(booking)
    [call] = stripe_api.calls("/v1/checkout/sessions")
    assert booking.hold_expires_at is not None
    assert call.params["expires_at"] == str(int(booking.hold_expires_at.timestamp()))


def test_starting_again_with_the_same_key_reopens_the_same_session(catalog, stripe_api):
    booking = card_booking()
    first, first_url = start(booking, "web-double-click")
    again, again_url = start(booking, "web-double-click")
    assert (again.pk, again.provider_reference, again_url) == (first.pk, first.provider_reference, first_url)
    calls = stripe_api.calls("/v1/checkout/sessions")
    assert len(calls) == 2
    assert {c.headers["Idempotency-Key"] for c in calls} == {f"checkout-{first.idempotency_key}"}
    assert len(stripe_api.sessions) == 1  # Stripe (and the stand-in) answered the repeat from its first answer


@pytest.mark.parametrize(
    ("status", "error_type", "permanent"),
    [
        (402, "card_error", True),
        (400, "invalid_request_error", True),
        (401, "authentication_error", True),
        (429, "rate_limit_error", False),
        (500, "api_error", False),
    ],
)
def test_stripe_errors_are_permanent_or_temporary(catalog, stripe_api, no_retries, status, error_type, permanent):
    booking = card_booking()
    payment = Payment.objects.create(booking=booking, provider="stripe", amount=booking.total, currency="EUR")
    stripe_api.fail_with(status, error_type, "No such thing", code="some_code")
    with pytest.raises(ProviderError) as excinfo:
        StripeProvider().start(payment=payment, return_url=STATUS_URL, cancel_url=STATUS_URL)
    assert excinfo.value.permanent is permanent
    assert "No such thing" in excinfo.value.message


def test_an_unreachable_stripe_is_a_temporary_error(catalog, settings, no_retries):
    with StripeStandIn() as closed:
        base = closed.base_url
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = SECRET_KEY, WEBHOOK_SECRET
    settings.STRIPE_API_BASE = base
    booking = card_booking()
    payment = Payment.objects.create(booking=booking, provider="stripe", amount=booking.total, currency="EUR")
    with pytest.raises(ProviderError) as excinfo:
        StripeProvider().start(payment=payment, return_url=STATUS_URL, cancel_url=STATUS_URL)
    assert excinfo.value.permanent is False


def test_a_refused_start_fails_the_attempt_and_tells_the_traveller(catalog, stripe_api, no_retries):
    booking = card_booking()
    stripe_api.fail_with(400, "invalid_request_error", "Invalid currency")
    with pytest.raises(PaymentProviderUnavailable):
        start(booking)
    payment = Payment.objects.get(booking=booking)
    assert payment.state == Payment.State.FAILED
    assert "Invalid currency" in payment.failure_reason
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING_PAYMENT


def test_the_pay_page_redirects_to_the_checkout_url(catalog, stripe_api):
    booking = card_booking()
    url = f"/en/manage/{booking.reference}/{booking.manage_token}/payment/"
    page = Client().get(url)
    assert page.status_code == 200
    assert b'value="stripe"' in page.content
    answer = Client().post(url, {"provider": "stripe", "attempt": "1"})
    payment = Payment.objects.get(booking=booking)
    assert answer.status_code == 302
    assert answer["Location"] == f"{stripe_api.base_url}/checkout/{payment.provider_reference}"
    # Chrome applies form-action to the redirect that follows the form post: the checkout's origin is allowed.
    form_action = next(d for d in answer["Content-Security-Policy"].split(";") if "form-action" in d)
    assert stripe_api.base_url in form_action


def test_stripe_origin_is_in_the_csp_only_while_stripe_is_enabled(db, settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_API_BASE = (
        SECRET_KEY,
        WEBHOOK_SECRET,
        "",
    )
    enabled = Client().get("/en/").headers["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com" in enabled
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    disabled = Client().get("/en/").headers["Content-Security-Policy"]
    assert "stripe" not in disabled


# --- refunds ----------------------------------------------------------------------------------------------
def _paid(booking: Booking, stripe_api: StripeStandIn, *, with_intent: bool = True) -> Payment:
    payment, _url = start(booking)
    session = stripe_api.sessions[payment.provider_reference]
    # What checkout.session.completed brings (test_stripe_webhook.py sends it through the webhook).
    session.update(status="complete", payment_status="paid", payment_intent=stripe_api.intents[session["id"]])
    return payment_confirm(
        payment_id=payment.pk,
        amount=payment.amount,
        currency="EUR",
        provider_payment_id=session["payment_intent"] if with_intent else "",
    )


def test_a_refund_goes_through_the_refunds_api_with_its_own_key(catalog, stripe_api):
    booking = card_booking()
    payment = _paid(booking, stripe_api)
    refund = refund_request(payment_id=payment.pk, amount="15.00", reason="Goodwill", actor=None, idempotency_key="r1")
    refund = refund_submit(refund_id=refund.pk)
    assert refund.state == Refund.State.SUCCEEDED
    [call] = stripe_api.calls("/v1/refunds")
    assert call.headers["Idempotency-Key"] == f"refund-{refund.idempotency_key}"
    assert call.params == {
        "payment_intent": payment.provider_payment_id,
        "amount": "1500",
        "reason": "requested_by_customer",
        "metadata[refund_id]": str(refund.pk),
        "metadata[payment_id]": str(payment.pk),
        "metadata[booking_reference]": booking.reference,
    }
    [stripe_refund] = stripe_api.refunds.values()
    assert refund.provider_reference == stripe_refund["id"]
    refund_submit(refund_id=refund.pk)  # a second run of the task sends nothing
    assert len(stripe_api.calls("/v1/refunds")) == 1


def test_a_pending_refund_waits_for_stripe(catalog, stripe_api):
    stripe_api.refund_status = "pending"
    payment = _paid(card_booking(), stripe_api)
    refund = refund_request(payment_id=payment.pk, amount="10.00", reason="Goodwill", actor=None, idempotency_key="r")
    refund = refund_submit(refund_id=refund.pk)
    assert refund.state == Refund.State.PENDING
    assert refund.provider_reference.startswith("re_test_")


def test_a_refund_finds_the_payment_intent_through_the_session(catalog, stripe_api):
    payment = _paid(card_booking(), stripe_api, with_intent=False)
    refund = refund_request(payment_id=payment.pk, amount="5.00", reason="Goodwill", actor=None, idempotency_key="r")
    refund = refund_submit(refund_id=refund.pk)
    assert refund.state == Refund.State.SUCCEEDED
    assert [c.method for c in stripe_api.requests if c.path.startswith("/v1/checkout/sessions/")] == ["GET"]
    assert (
        stripe_api.calls("/v1/refunds")[0].params["payment_intent"]
        == (stripe_api.sessions[payment.provider_reference]["payment_intent"])
    )


def test_a_refused_refund_fails_and_flags_the_payment(catalog, stripe_api, no_retries):
    payment = _paid(card_booking(), stripe_api)
    refund = refund_request(payment_id=payment.pk, amount="5.00", reason="Goodwill", actor=None, idempotency_key="r")
    stripe_api.fail_with(400, "invalid_request_error", "Charge has already been refunded.")
    refund = refund_submit(refund_id=refund.pk)
    payment.refresh_from_db()
    assert refund.state == Refund.State.FAILED
    assert "already been refunded" in refund.failure_reason
    assert payment.needs_attention


def test_closing_a_payment_expires_its_session_at_stripe(catalog, stripe_api):
    payment, _url = start(card_booking())
    StripeProvider().close(payment=payment)
    assert stripe_api.sessions[payment.provider_reference]["status"] == "expired"
    StripeProvider().close(payment=payment)  # already closed: nothing to do, no error


def test_an_expired_hold_closes_its_checkout_session_at_stripe(catalog, stripe_api, django_capture_on_commit_callbacks):
    booking = card_booking()
    payment, _url = start(booking)
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=timezone.now() - dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert holds_expire() == 1
    queued_closes = DBTaskResult.objects.filter(task_path=payment_close_task.module_path)
    assert [row.args_kwargs["kwargs"] for row in queued_closes] == [{"payment_id": payment.pk}]
    assert stripe_api.sessions[payment.provider_reference]["status"] == "open"
    payment_close(payment_id=payment.pk)
    payment.refresh_from_db()
    assert payment.state == Payment.State.CANCELLED
    assert stripe_api.sessions[payment.provider_reference]["status"] == "expired"


def test_closing_is_only_for_payments_whose_hold_expired(catalog, stripe_api):
    payment, _url = start(card_booking())
    payment_close(payment_id=payment.pk)  # still open and within its hold: left alone
    assert stripe_api.sessions[payment.provider_reference]["status"] == "open"
