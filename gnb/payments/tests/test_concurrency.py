"""Races on payments closed by row locks (booking, then payment), proven by running them on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import Booking, BookingEvent
from gnb.core.models import AuditEntry
from gnb.payments.models import Payment, ProviderEvent, Refund
from gnb.payments.providers.base import ProviderError
from gnb.payments.services import (
    holds_expire,
    payment_confirm,
    payment_start,
    provider_event_record,
    refund_request,
    refund_submit,
)
from gnb.payments.tasks import refund_submit_task
from gnb.testing import races
from gnb.testing.payments import card_booking
from gnb.testing.races import ok_or_error

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def race(attempts: list[Callable[[], object]]) -> list[tuple[str, object]]:
    """Run each attempt in its own thread, all released together; return each one's outcome."""
    return races.race(attempts, outcome=ok_or_error)


def started(booking: Booking, key: str = "k") -> Payment:
    payment, _result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key=f"{key}-{booking.pk}", return_url="", cancel_url=""
    )
    return payment


def emails(kind: str) -> list[dict]:
    rows = DBTaskResult.objects.filter(task_path="gnb.notifications.tasks.send_booking_email")
    return [row.args_kwargs["kwargs"] for row in rows if row.args_kwargs["kwargs"]["kind"] == kind]


def test_eight_deliveries_of_one_payment_message_change_it_once_and_queue_one_email(catalog, card_provider):
    booking = card_booking()
    payment = started(booking)

    def deliver() -> str:
        event, created = provider_event_record(provider="stripe", event_id="evt_1", kind="paid", payload={})
        confirmed = payment_confirm(payment_id=payment.pk, amount=booking.total, currency="EUR", event_id=event.pk)
        return f"{created}:{confirmed.state}"

    outcomes = race([deliver] * 8)

    assert Counter(outcomes) == {("ok", "True:confirmed"): 1, ("ok", "False:confirmed"): 7}
    booking.refresh_from_db()
    assert (booking.status, booking.payment_state) == ("confirmed", "paid")
    assert BookingEvent.objects.filter(booking=booking, to_status="confirmed").count() == 1
    assert emails("payment_received") == [
        {"booking_id": booking.pk, "kind": "payment_received", "object_id": payment.pk}
    ]
    assert len(emails("confirmation")) == 1
    assert ProviderEvent.objects.get().outcome == "confirmed"


def test_expiry_racing_a_confirmation_ends_one_way_only_and_late_money_goes_back(catalog, card_provider):
    outcomes = Counter()
    for _round in range(6):
        booking = card_booking()
        payment = started(booking, key="race")
        expire_at = booking.hold_expires_at
        race(
            [
                lambda at=expire_at: holds_expire(now=at),
                lambda p=payment, b=booking: payment_confirm(payment_id=p.pk, amount=b.total, currency="EUR"),
            ]
        )
        booking.refresh_from_db()
        payment.refresh_from_db()
        assert payment.state == Payment.State.CONFIRMED
        statuses = list(
            BookingEvent.objects.filter(booking=booking, kind="status").values_list("from_status", "to_status")
        )
        refunds = list(Refund.objects.filter(payment=payment))
        if booking.status == Booking.Status.CONFIRMED:
            # The money came first: the booking is kept and paid, and the expiry found nothing to expire.
            assert statuses == [("pending_payment", "confirmed")]
            assert refunds == []
            assert booking.payment_state == "paid"
        else:
            # The hold ran out first: the booking stays expired and the payment is given back in full.
            assert booking.status == Booking.Status.EXPIRED
            assert statuses == [("pending_payment", "expired")]
            assert [(r.amount, r.state) for r in refunds] == [(booking.total, Refund.State.REQUESTED)]
            assert refund_submit(refund_id=refunds[0].pk).state == Refund.State.SUCCEEDED
            booking.refresh_from_db()
            assert booking.payment_state == "refunded"
        outcomes[booking.status] += 1
    assert sum(outcomes.values()) == 6


def test_money_after_expiry_whose_refund_fails_is_flagged_never_kept_silently(catalog, card_provider):
    card_provider.fail_refund = ProviderError("refund window closed", permanent=True)
    booking = card_booking()
    payment = started(booking)
    assert holds_expire(now=booking.hold_expires_at) == 1
    payment_confirm(payment_id=payment.pk, amount=booking.total, currency="EUR")
    refund = Refund.objects.get(payment=payment)
    assert refund_submit(refund_id=refund.pk).state == Refund.State.FAILED
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.needs_attention is True
    assert (booking.status, booking.payment_state) == ("expired", "paid")


def test_eight_identical_refund_requests_at_once_make_one_refund_and_each_caller_gets_it(catalog, card_provider):
    booking = card_booking()
    payment = started(booking)
    payment_confirm(payment_id=payment.pk, amount=booking.total, currency="EUR")

    def ask() -> int:
        return refund_request(
            payment_id=payment.pk, amount="15.00", reason="Late pickup", actor=None, idempotency_key="refund-once"
        ).pk

    outcomes = race([ask] * 8)

    refund = Refund.objects.get(payment=payment)
    assert outcomes == [("ok", refund.pk)] * 8, outcomes
    assert (refund.amount, refund.idempotency_key) == (Decimal("15.00"), "refund-once")
    assert AuditEntry.objects.filter(action="refund.issued").count() == 1
    submits = DBTaskResult.objects.filter(task_path=refund_submit_task.module_path)
    assert [row.args_kwargs["kwargs"] for row in submits] == [{"refund_id": refund.pk}]


def test_the_same_refund_key_raced_on_two_payments_is_one_refund_and_a_conflict(catalog, card_provider):
    first, second = card_booking(), card_booking()
    payments = [started(first, "a"), started(second, "b")]
    for payment, booking in zip(payments, (first, second), strict=True):
        payment_confirm(payment_id=payment.pk, amount=booking.total, currency="EUR")

    def ask(payment_id: int) -> Callable[[], int]:
        return lambda: (
            refund_request(
                payment_id=payment_id, amount="10.00", reason="Goodwill", actor=None, idempotency_key="shared-key"
            ).pk
        )

    outcomes = race([ask(payments[0].pk), ask(payments[1].pk)] * 4)

    refund = Refund.objects.get()
    kinds = Counter(kind for kind, _detail in outcomes)
    assert kinds == {"ok": 4, "error": 4}, outcomes
    assert {detail for kind, detail in outcomes if kind == "ok"} == {refund.pk}
    assert {detail for kind, detail in outcomes if kind == "error"} == {
        "Conflict('This idempotency key was already used for another refund.')"
    }
