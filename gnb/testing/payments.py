"""Payments as tests need them: a recording card provider in the registry's card slot, card bookings, card
payments confirmed through the services, and the emails queued.

The core services do not speak any provider's protocol (each provider is tested against a local server speaking
it: gnb.testing.stripe, gnb.testing.paytr); the recording provider takes the registry slot of a card provider, so
what the services do around the call (rows, locks, states, emails) is what is tested.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import Booking
from gnb.payments.models import Payment, Refund
from gnb.payments.providers.base import PaymentProvider, ProviderError, RefundResult, StartResult
from gnb.payments.services import payment_confirm, payment_start, provider_event_apply_task
from gnb.testing.bookings import place_transfer

RETURN = "http://testserver/en/manage/x/y/payment/"


@dataclass
class RecordingCardProvider(PaymentProvider):
    """Answers like a card provider and records each call; ``fail_start``/``fail_refund`` make it refuse."""

    code: str = "stripe"
    label: str = "Card"
    description: str = "Visa, Mastercard"
    fail_start: ProviderError | None = None
    fail_refund: ProviderError | None = None
    refund_succeeds: bool = True
    started: list[int] = field(default_factory=list)
    refunded: list[int] = field(default_factory=list)

    def enabled(self) -> bool:
        return True

    def currencies(self) -> frozenset[str]:
        return frozenset({"EUR", "GBP"})

    def start(self, *, payment: Payment, return_url: str, cancel_url: str) -> StartResult:
        self.started.append(payment.pk)
        if self.fail_start is not None:
            raise self.fail_start
        payment.provider_reference = f"cs_{payment.idempotency_key}"
        return StartResult(redirect_url=f"https://pay.example/{payment.provider_reference}?back={return_url}")

    def refund(self, *, refund: Refund) -> RefundResult:
        self.refunded.append(refund.pk)
        if self.fail_refund is not None:
            raise self.fail_refund
        return RefundResult(provider_reference=f"re_{refund.idempotency_key}", succeeded=self.refund_succeeds)


def card_booking(**kwargs) -> Booking:
    kwargs.setdefault("payment_method", "card")
    return place_transfer(**kwargs)


def queued(kind: str | None = None) -> list[dict]:
    """The keyword arguments of queued email tasks (of ``kind``), oldest first."""
    rows = DBTaskResult.objects.filter(task_path="gnb.notifications.tasks.send_booking_email").order_by("enqueued_at")
    kwargs = [row.args_kwargs["kwargs"] for row in rows]
    return [k for k in kwargs if kind is None or k["kind"] == kind]


def apply_queued_events(worker_id: str = "test-worker") -> list[str]:
    """Run the queued provider-event tasks (and nothing else) as ``db_worker`` runs a task: take one ready row with
    ``SKIP LOCKED``, claim it, run it, record its result; until none is ready. Returns what each run returned.

    Several threads calling this at once are several workers: each takes its own rows.
    """
    returned: list[str] = []
    while True:
        with transaction.atomic():
            row = DBTaskResult.objects.ready().filter(task_path=provider_event_apply_task.module_path).get_locked()
            if row is None:
                return returned
            row.claim(worker_id)
        try:
            value = row.task.call(*row.task_result.args, **row.task_result.kwargs)
        except BaseException as exc:
            row.set_failed(exc)
            raise
        row.set_successful(value)
        returned.append(value)


def paid_by_card(booking: Booking, key: str = "test_k1", pid: str = "pi_1") -> Payment:
    """A card payment of the booking's total, started and confirmed through the services."""
    payment, _result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key=key, return_url=RETURN, cancel_url=RETURN
    )
    return payment_confirm(payment_id=payment.pk, amount=payment.amount, currency="EUR", provider_payment_id=pid)
