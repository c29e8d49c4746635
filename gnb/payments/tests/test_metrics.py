"""The payments part of /metrics: attempts and refunds by provider and state, flagged payments, live holds."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from gnb.bookings.models import Booking
from gnb.payments.models import Payment
from gnb.payments.providers.base import ProviderError
from gnb.payments.services import (
    holds_expire,
    payment_confirm,
    payment_fail,
    payment_start,
    refund_request,
    refund_submit,
)
from gnb.testing.metrics import samples, scrape_text
from gnb.testing.payments import card_booking


def started(booking, key: str) -> Payment:
    payment, _result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key=key, return_url="", cancel_url=""
    )
    return payment


def test_payment_metrics_are_exact(catalog, card_provider):
    paid = card_booking()
    payment = payment_confirm(payment_id=started(paid, "a").pk, amount="40.00", currency="EUR")
    refund_submit(
        refund_id=refund_request(payment_id=payment.pk, amount="5", reason="x", actor=None, idempotency_key="r1").pk
    )
    card_provider.fail_refund = ProviderError("no", permanent=True)
    refund_submit(
        refund_id=refund_request(payment_id=payment.pk, amount="5", reason="x", actor=None, idempotency_key="r2").pk
    )
    payment_fail(payment_id=started(card_booking(), "b").pk, reason="declined")
    started(card_booking(), "c")
    expired = card_booking()
    Booking.objects.filter(pk=expired.pk).update(hold_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert holds_expire() == 1

    values = samples(scrape_text())
    by_state = {labels: v for (name, labels), v in values.items() if name == "gnb_payments"}
    assert by_state == {
        (("provider", "stripe"), ("state", "confirmed")): 1.0,
        (("provider", "stripe"), ("state", "failed")): 1.0,
        (("provider", "stripe"), ("state", "pending")): 1.0,
    }
    refunds = {labels: v for (name, labels), v in values.items() if name == "gnb_refunds"}
    assert refunds == {
        (("provider", "stripe"), ("state", "succeeded")): 1.0,
        (("provider", "stripe"), ("state", "failed")): 1.0,
    }
    assert values[("gnb_payments_needing_attention", ())] == 1.0
    # The failed and the pending attempt's bookings still hold their seats; the expired one does not.
    assert values[("gnb_payment_holds_live", ())] == 2.0
    assert values[("gnb_metrics_collector_up", (("collector", "payments"),))] == 1.0
