"""A refund the provider could not take for a temporary reason is sent again with backoff; a refusal fails at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import Booking
from gnb.ops.models import AlertState
from gnb.payments.models import Payment, Refund
from gnb.payments.providers.base import ProviderError
from gnb.payments.services import (
    REFUND_SUBMIT_ATTEMPTS,
    payment_confirm,
    payment_start,
    refund_request,
    refund_retry_delay,
    refund_submit,
)
from gnb.payments.tasks import refund_submit_task
from gnb.testing.payments import card_booking


@pytest.fixture
def requested(catalog, card_provider) -> Refund:
    """A full refund of a paid 40.00 EUR card booking, written and queued, not sent yet."""
    booking = card_booking()
    payment, _result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key=f"k-{booking.pk}", return_url="", cancel_url=""
    )
    payment_confirm(payment_id=payment.pk, amount=booking.total, currency=booking.currency)
    return refund_request(payment_id=payment.pk, amount="40.00", reason="Goodwill", actor=None, idempotency_key="r-1")


def queued_submits() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=refund_submit_task.module_path).order_by("enqueued_at"))


def test_the_waits_between_attempts_grow_four_times(db):
    assert REFUND_SUBMIT_ATTEMPTS == 5
    assert [refund_retry_delay(attempt) for attempt in range(1, REFUND_SUBMIT_ATTEMPTS)] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=4),
        dt.timedelta(minutes=16),
        dt.timedelta(minutes=64),
    ]


def test_a_temporary_provider_error_leaves_the_refund_requested_and_queues_the_next_attempt_later(
    requested, card_provider
):
    card_provider.fail_refund = ProviderError("stripe: connection reset", permanent=False)
    before = timezone.now()
    refund = refund_submit(refund_id=requested.pk)
    after = timezone.now()

    assert (refund.state, refund.failure_reason) == (Refund.State.REQUESTED, "")
    assert card_provider.refunded == [requested.pk]
    assert Payment.objects.get(pk=requested.payment_id).needs_attention is False
    assert not AlertState.objects.filter(key="payments.refund_failed").exists()
    first, retry = queued_submits()
    assert first.args_kwargs["kwargs"] == {"refund_id": requested.pk}
    assert retry.args_kwargs["kwargs"] == {"refund_id": requested.pk, "attempt": 2}
    assert before + dt.timedelta(minutes=1) <= retry.run_after <= after + dt.timedelta(minutes=1)
    assert retry.status == "READY"


def test_the_queued_attempt_sends_the_refund_once_the_provider_is_back(requested, card_provider):
    card_provider.fail_refund = ProviderError("stripe: rate limited (rate_limit)", permanent=False)
    refund_submit(refund_id=requested.pk)
    card_provider.fail_refund = None

    retry = queued_submits()[-1]
    assert retry.task.call(**retry.args_kwargs["kwargs"]) == Refund.State.SUCCEEDED

    refund = Refund.objects.get(pk=requested.pk)
    assert (refund.state, refund.provider_reference, refund.failure_reason) == (
        Refund.State.SUCCEEDED,
        "re_r-1",
        "",
    )
    assert card_provider.refunded == [requested.pk, requested.pk]
    assert Booking.objects.get(pk=refund.payment.booking_id).payment_state == Booking.PaymentState.REFUNDED
    assert len(queued_submits()) == 2  # nothing more to try


def test_after_the_last_attempt_a_temporary_error_fails_the_refund_flags_the_payment_and_alerts(
    requested, card_provider
):
    card_provider.fail_refund = ProviderError("stripe: 503 from the API", permanent=False)
    for attempt in range(1, REFUND_SUBMIT_ATTEMPTS):
        assert refund_submit(refund_id=requested.pk, attempt=attempt).state == Refund.State.REQUESTED
    assert [row.args_kwargs["kwargs"].get("attempt") for row in queued_submits()] == [None, 2, 3, 4, 5]

    refund = refund_submit(refund_id=requested.pk, attempt=REFUND_SUBMIT_ATTEMPTS)

    assert (refund.state, refund.failure_reason) == (Refund.State.FAILED, "stripe: 503 from the API (after 5 attempts)")
    assert card_provider.refunded == [requested.pk] * 5
    assert len(queued_submits()) == 5  # no sixth attempt
    assert Payment.objects.get(pk=requested.payment_id).needs_attention is True
    alert = AlertState.objects.get(key="payments.refund_failed")
    assert alert.status == "firing"
    # A run of an attempt queued before the refund failed sends nothing more.
    assert refund_submit(refund_id=requested.pk, attempt=3).state == Refund.State.FAILED
    assert card_provider.refunded == [requested.pk] * 5


def test_a_permanent_provider_error_fails_the_refund_at_the_first_attempt_without_a_retry(requested, card_provider):
    card_provider.fail_refund = ProviderError(
        "stripe: charge already refunded (charge_already_refunded)", permanent=True
    )

    refund = refund_submit(refund_id=requested.pk)

    assert (refund.state, refund.failure_reason) == (
        Refund.State.FAILED,
        "stripe: charge already refunded (charge_already_refunded)",
    )
    assert card_provider.refunded == [requested.pk]
    assert [row.args_kwargs["kwargs"] for row in queued_submits()] == [{"refund_id": requested.pk}]
    assert Payment.objects.get(pk=requested.payment_id).needs_attention is True
    assert AlertState.objects.get(key="payments.refund_failed").status == "firing"
    assert Refund.objects.get(pk=requested.pk).amount == Decimal("40.00")
