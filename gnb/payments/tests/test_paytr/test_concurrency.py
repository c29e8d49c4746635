"""The same PayTR callback delivered by eight threads at once is stored once and applied once by the worker, also
when workers race on it (PostgreSQL row locks, unique event id) and after a refused callback under the same id."""

from __future__ import annotations

from functools import partial

import pytest
from django.db import connection
from django.test import Client

from gnb.bookings.models import Booking, BookingEvent
from gnb.payments.models import Payment, ProviderEvent
from gnb.payments.services import provider_event_apply_task
from gnb.testing.payments import apply_queued_events, queued
from gnb.testing.paytr import kurus, lira_booking, signed_callback
from gnb.testing.races import ok_or_error, race

THREADS = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def started(booking: Booking) -> Payment:
    response = Client().post(
        f"/en/manage/{booking.reference}/{booking.manage_token}/payment/",
        {"provider": "paytr", "attempt": "1"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 200
    return Payment.objects.get(booking=booking)


def deliver_at_once(form: dict[str, str]) -> list[tuple[int, bytes]]:
    """POST ``form`` to the callback from THREADS threads released together; their answers."""
    attempts = [partial(Client().post, "/payments/paytr/callback", form) for _ in range(THREADS)]
    return race(attempts, outcome=answer)


def answer(error: BaseException | None, response) -> tuple[int, bytes]:
    if error is not None:
        return (0, repr(error).encode())  # fails the test with the exception
    return (response.status_code, response.content)


def test_eight_concurrent_deliveries_of_a_success_change_the_state_once_and_queue_one_email(lira, paytr):
    booking = lira_booking()
    payment = started(booking)
    amount = kurus(payment.amount)
    form = signed_callback(payment.provider_reference, "success", amount, payment_amount=amount, currency="TL")

    answers = deliver_at_once(form)

    assert answers == [(200, b"OK")] * THREADS
    assert ProviderEvent.objects.filter(provider="paytr").count() == 1
    # The one stored event's task, twice more (as the reaper re-queues a task it thinks dead), run by three
    # workers at the same moment.
    event = ProviderEvent.objects.get()
    provider_event_apply_task.enqueue(event_pk=event.pk)
    provider_event_apply_task.enqueue(event_pk=event.pk)
    runs = race([partial(apply_queued_events, f"worker-{n}") for n in range(3)], outcome=ok_or_error)
    returned = sorted(value for kind, values in runs for value in (values if kind == "ok" else [values]))
    assert returned == ["confirmed", "nothing to do", "nothing to do"]
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    assert BookingEvent.objects.filter(booking=booking, to_status=Booking.Status.CONFIRMED).count() == 1
    assert [k["object_id"] for k in queued("payment_received")] == [payment.pk]


def test_after_a_refused_success_eight_concurrent_genuine_ones_confirm_once(lira, paytr):
    booking = lira_booking()
    payment = started(booking)
    oid, amount = payment.provider_reference, kurus(payment.amount)
    short = str(int(amount) - 100)
    refused = Client().post(
        "/payments/paytr/callback", signed_callback(oid, "success", short, payment_amount=short, currency="TL")
    )
    assert refused.content == b"OK"
    apply_queued_events()
    form = signed_callback(oid, "success", amount, payment_amount=amount, currency="TL")

    answers = deliver_at_once(form)

    assert answers == [(200, b"OK")] * THREADS
    assert apply_queued_events() == ["confirmed"]
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    assert BookingEvent.objects.filter(booking=booking, to_status=Booking.Status.CONFIRMED).count() == 1
    assert [k["object_id"] for k in queued("payment_received")] == [payment.pk]
    # The refused one and exactly one acted-on event under the same id: the other seven were its duplicates.
    assert list(ProviderEvent.objects.order_by("pk").values_list("event_id", "refused", "outcome")) == [
        (f"{oid}:success", True, f"refused: paid {payment.amount - 1} TRY, expected {payment.amount} TRY"),
        (f"{oid}:success", False, "confirmed"),
    ]
