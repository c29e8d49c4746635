"""The Stripe webhook: signed events verified, stored once and acknowledged; the worker's task applies each once,
in any order, also when deliveries and workers race.

Events come from the stand-in (sessions opened through the real provider and library) and are signed here with the
documented scheme (``gnb.testing.stripe.sign``: HMAC-SHA256 computed with ``hmac``, not with the library under test).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import threading
import time
from collections.abc import Iterator
from functools import partial
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import Booking, BookingEvent
from gnb.core import taskpriority
from gnb.core.errors import Busy
from gnb.ops.models import AlertState
from gnb.payments.models import Payment, ProviderEvent, Refund
from gnb.payments.services import events as event_services
from gnb.payments.services import (
    payment_confirm,
    payment_start,
    provider_event_apply_task,
    refund_request,
    refund_submit,
)
from gnb.testing.payments import apply_queued_events, card_booking, queued
from gnb.testing.races import race
from gnb.testing.stripe import SECRET_KEY, WEBHOOK_SECRET, StripeStandIn, event, sign

URL = "/payments/stripe/webhook"
STATUS_URL = "http://testserver/en/manage/REF/token/payment/"


@pytest.fixture
def stripe_api(settings) -> Iterator[StripeStandIn]:
    with StripeStandIn() as server:
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = server.base_url
        settings.STRIPE_CURRENCIES = ["EUR", "GBP"]
        yield server


def post(evt: dict[str, Any] | str, *, signature: str | None = None, client: Client | None = None):
    payload = evt if isinstance(evt, str) else json.dumps(evt)
    headers = {} if signature == "" else {"HTTP_STRIPE_SIGNATURE": signature or sign(payload)}
    return (client or Client()).post(URL, data=payload, content_type="application/json", **headers)


def deliver(evt: dict[str, Any]) -> str:
    """Post ``evt``, let the worker apply what was queued, and return the outcome stored for the event."""
    answer = post(evt)
    assert answer.status_code == 200, answer.content
    assert answer.json()["received"] is True
    apply_queued_events()
    return ProviderEvent.objects.filter(event_id=evt["id"]).order_by("-pk").values_list("outcome", flat=True)[0]


def apply_tasks() -> list[tuple[int, int, str]]:
    """The apply tasks queued: (event pk, attempt, status), oldest first."""
    rows = DBTaskResult.objects.filter(task_path=provider_event_apply_task.module_path).order_by("enqueued_at")
    return [(r.args_kwargs["kwargs"]["event_pk"], r.args_kwargs["kwargs"]["attempt"], r.status) for r in rows]


def opened(stripe_api: StripeStandIn, key: str = "web-1") -> tuple[Booking, Payment]:
    """A card booking waiting for its payment, with a Checkout Session open at the stand-in."""
    booking = card_booking()
    payment, _result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key=key, return_url=STATUS_URL, cancel_url=STATUS_URL
    )
    return booking, payment


def status_changes(booking: Booking) -> list[tuple[str, str]]:
    return list(
        BookingEvent.objects.filter(booking=booking, kind=BookingEvent.Kind.STATUS).values_list(
            "from_status", "to_status"
        )
    )


def assert_untouched(booking: Booking, payment: Payment) -> None:
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert (booking.status, booking.payment_state) == (Booking.Status.PENDING_PAYMENT, Booking.PaymentState.UNPAID)
    assert payment.state == Payment.State.PENDING
    assert payment.confirmed_at is None
    assert queued("payment_received") == []


# --- verification -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda p: sign(p, "whsec_someone_else"), id="forged"),
        pytest.param(lambda p: sign(p, timestamp=int(time.time()) - 301), id="stale"),
        pytest.param(lambda p: "", id="missing"),
        pytest.param(lambda p: "t=abc,v1=00", id="garbled"),
        pytest.param(lambda p: sign(p).replace("v1=", "v0="), id="other-scheme"),
    ],
)
def test_an_unverified_event_is_refused_and_changes_nothing(
    catalog, stripe_api, django_capture_on_commit_callbacks, signature
):
    booking, payment = opened(stripe_api)
    payload = json.dumps(stripe_api.session_completed_event(payment.provider_reference))
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(payload, signature=signature(payload))
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_signature"
    assert ProviderEvent.objects.count() == 0
    assert_untouched(booking, payment)


def test_a_signature_of_another_body_is_refused(catalog, stripe_api):
    booking, payment = opened(stripe_api)
    real = json.dumps(stripe_api.session_completed_event(payment.provider_reference))
    changed = real.replace('"amount_total": ', '"amount_total": 1')
    assert post(changed, signature=sign(real)).status_code == 400
    assert_untouched(booking, payment)


def test_a_signed_event_within_the_tolerance_is_accepted(catalog, stripe_api):
    _booking, payment = opened(stripe_api)
    payload = json.dumps(stripe_api.session_completed_event(payment.provider_reference))
    assert post(payload, signature=sign(payload, timestamp=int(time.time()) - 290)).status_code == 200


@pytest.mark.parametrize("body", ['{"id": "evt_1"}', "[1, 2]", "not json", '{"id": "evt_1", "type": "x", "data": 1}'])
def test_a_signed_body_that_is_not_an_event_is_refused(db, stripe_api, body):
    answer = post(body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_event"
    assert ProviderEvent.objects.count() == 0
    # Stripe signed it: a person has to find out why it makes no sense.
    assert refusal_alert() == (
        "A signed Stripe webhook was refused",
        "The body is not a Stripe event (a JSON object with id, type and data.object).",
        1,
    )


def test_the_webhook_is_off_while_stripe_is_not_configured(db, settings):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    assert post(event("checkout.session.completed", {})).status_code == 404


def test_the_webhook_takes_only_posts_and_needs_no_csrf_token(db, stripe_api):
    assert Client().get(URL).status_code == 405
    checked = Client(enforce_csrf_checks=True)
    assert post(event("customer.created", {"id": "cus_1"}), client=checked).status_code == 200


# --- signed messages the database would refuse ------------------------------------------------------------
def refusal_alert() -> tuple[str, str, int]:
    alert = AlertState.objects.get(key="payments.stripe_webhook")
    return alert.title, alert.detail, alert.fire_count


def test_a_signed_event_with_nul_and_lone_surrogates_is_stored_without_them_and_acted_on(
    catalog, stripe_api, django_capture_on_commit_callbacks
):
    # PostgreSQL's jsonb refuses \u0000 and a lone surrogate escape: stored as sent, the event would be a 500 on
    # every retry and the payment would wait forever.
    booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(
        payment.provider_reference,
        customer_details={"name": "Ay\x00şe\ud800 Yılmaz", "email": "ayse@example.com", "no\x00te": "\x00"},
    )
    payload = json.dumps(evt)
    assert "\\u0000" in payload and "\\ud800" in payload
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(payload)
        assert (answer.status_code, answer.json()["outcome"]) == (200, "queued")
        assert apply_queued_events() == ["confirmed"]
    booking.refresh_from_db()
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    stored = ProviderEvent.objects.get()
    assert stored.payload["data"]["object"]["customer_details"] == {
        "name": "Ayşe\ufffd Yılmaz",
        "email": "ayse@example.com",
        "note": "",
    }


@pytest.mark.parametrize(
    "event_id", ["evt_1\x00", "evt 1", "evt_1\n", "évt_1", "x" * 256], ids=["nul", "space", "newline", "accent", "long"]
)
def test_a_signed_event_whose_id_is_no_stripe_id_is_refused_with_an_alert(catalog, stripe_api, event_id):
    booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(payment.provider_reference) | {"id": event_id}
    answer = post(evt)
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_event")
    assert ProviderEvent.objects.count() == 0
    assert_untouched(booking, payment)
    assert refusal_alert() == (
        "A signed Stripe webhook was refused",
        f"The event id is not a Stripe id (letters, digits, _ and -): {event_id[:100]!r}.",
        1,
    )


@pytest.mark.parametrize("depth", [5000, 200])
def test_a_signed_body_nested_too_deep_is_refused_with_an_alert(db, stripe_api, depth):
    # 5000 levels: too deep for the json module itself (RecursionError); 200: parsed, but no Stripe event is.
    body = '{"id": "evt_deep", "type": "charge.refunded", "data": {"object": {"x": ' + "[" * depth + "]" * depth + "}}}"
    answer = post(body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_event")
    assert answer.json()["error"]["message"] == "The body is nested too deeply for a Stripe event."
    assert ProviderEvent.objects.count() == 0
    assert refusal_alert() == (
        "A signed Stripe webhook was refused",
        "The body is nested more than 64 levels deep.",
        1,
    )


def test_an_unsigned_body_nested_too_deep_is_only_a_bad_signature(db, stripe_api):
    body = '{"id": "evt_deep", "data": ' + "[" * 5000 + "]" * 5000 + "}"
    answer = post(body, signature=sign(body, "whsec_someone_else"))
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_signature")
    assert not AlertState.objects.filter(key="payments.stripe_webhook").exists()


# --- payments ---------------------------------------------------------------------------------------------
def test_checkout_completed_confirms_the_payment_and_queues_one_email(
    catalog, stripe_api, django_capture_on_commit_callbacks
):
    booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(payment.provider_reference)
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(evt)
        # Acknowledged once stored, with the task that applies it; nothing changed yet.
        assert answer.status_code == 200
        assert answer.json() == {"received": True, "duplicate": False, "outcome": "queued"}
        stored = ProviderEvent.objects.get()
        assert (stored.processed_at, stored.outcome) == (None, "")
        assert apply_tasks() == [(stored.pk, 0, "READY")]
        assert_untouched(booking, payment)
        assert apply_queued_events() == ["confirmed"]
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    assert payment.state == Payment.State.CONFIRMED
    assert payment.provider_payment_id == stripe_api.intents[payment.provider_reference]
    assert queued("payment_received") == [
        {"booking_id": booking.pk, "kind": "payment_received", "object_id": payment.pk}
    ]
    stored = ProviderEvent.objects.get()
    assert (stored.provider, stored.event_id, stored.kind) == ("stripe", evt["id"], "checkout.session.completed")
    assert stored.processed_at is not None
    assert stored.outcome == "confirmed"


def test_every_event_replayed_three_times_shuffled_changes_state_once(
    catalog, stripe_api, django_capture_on_commit_callbacks
):
    booking, payment = opened(stripe_api)
    session_id = payment.provider_reference
    events = [
        stripe_api.session_completed_event(session_id),
        stripe_api.intent_event("payment_intent.succeeded", session_id),
        stripe_api.intent_event("payment_intent.payment_failed", session_id),  # late news of an earlier try
        event("checkout.session.expired", stripe_api.sessions[session_id] | {"status": "expired"}),
    ]
    deliveries = events * 3
    random.Random(4).shuffle(deliveries)
    with django_capture_on_commit_callbacks(execute=True):
        answers = []
        for evt in deliveries:
            answers.append(post(evt))
            apply_queued_events()
    assert {a.status_code for a in answers} == {200}
    assert sum(not a.json()["duplicate"] for a in answers) == len(events)
    assert ProviderEvent.objects.count() == len(events)
    assert len(apply_tasks()) == len(events)  # a repeat of a stored event queues nothing
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    assert status_changes(booking) == [("pending_payment", "confirmed")]
    assert len(queued("payment_received")) == 1
    assert len(queued("confirmation")) == 1


def test_under_a_burst_the_completions_are_applied_before_the_intents_that_echo_them(
    catalog, stripe_api, django_capture_on_commit_callbacks
):
    """Stripe sends payment_intent.succeeded beside each checkout.session.completed; the worker takes every
    completion first (what makes a payment visible), then the echoes, which find their payments confirmed."""
    opened_pairs = [opened(stripe_api, key=f"web-{n}") for n in range(2)]
    for _booking, payment in opened_pairs:
        assert post(stripe_api.session_completed_event(payment.provider_reference)).status_code == 200
        assert post(stripe_api.intent_event("payment_intent.succeeded", payment.provider_reference)).status_code == 200
    kinds = dict(ProviderEvent.objects.values_list("pk", "kind"))
    ready = DBTaskResult.objects.ready().filter(task_path=provider_event_apply_task.module_path)
    assert [(kinds[row.args_kwargs["kwargs"]["event_pk"]], row.priority) for row in ready] == [
        ("checkout.session.completed", taskpriority.URGENT),
        ("checkout.session.completed", taskpriority.URGENT),
        ("payment_intent.succeeded", taskpriority.FOLLOW_UP),
        ("payment_intent.succeeded", taskpriority.FOLLOW_UP),
    ]
    assert taskpriority.PROMPT < taskpriority.FOLLOW_UP < taskpriority.URGENT  # still before any email

    with django_capture_on_commit_callbacks(execute=True):
        assert apply_queued_events() == ["confirmed", "confirmed", *["duplicate: already confirmed"] * 2]
    for booking, _payment in opened_pairs:
        booking.refresh_from_db()
        assert booking.payment_state == Booking.PaymentState.PAID
    assert len(queued("payment_received")) == 2


def test_an_intent_success_alone_still_confirms_at_its_lower_priority(catalog, stripe_api):
    booking, payment = opened(stripe_api)
    assert post(stripe_api.intent_event("payment_intent.succeeded", payment.provider_reference)).status_code == 200
    assert DBTaskResult.objects.get(task_path=provider_event_apply_task.module_path).priority == taskpriority.FOLLOW_UP
    assert apply_queued_events() == ["confirmed"]
    booking.refresh_from_db()
    assert booking.payment_state == Booking.PaymentState.PAID


def test_a_failure_after_the_success_changes_nothing(catalog, stripe_api, django_capture_on_commit_callbacks):
    _booking, payment = opened(stripe_api)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(stripe_api.intent_event("payment_intent.succeeded", payment.provider_reference))
        outcome = deliver(stripe_api.intent_event("payment_intent.payment_failed", payment.provider_reference))
    assert outcome == "ignored: payment is confirmed"
    payment.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert queued("payment_failed") == []


def test_a_declined_card_fails_the_attempt_and_a_later_success_still_counts(
    catalog, stripe_api, django_capture_on_commit_callbacks
):
    booking, payment = opened(stripe_api)
    with django_capture_on_commit_callbacks(execute=True):
        failed = deliver(stripe_api.intent_event("payment_intent.payment_failed", payment.provider_reference))
    payment.refresh_from_db()
    assert (failed, payment.state) == ("failed", Payment.State.FAILED)
    assert "Your card was declined." in payment.failure_reason
    assert queued("payment_failed") == [{"booking_id": booking.pk, "kind": "payment_failed", "object_id": payment.pk}]
    # The traveller tried another card on the same Checkout page.
    with django_capture_on_commit_callbacks(execute=True):
        deliver(stripe_api.session_completed_event(payment.provider_reference))
    payment.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert len(queued("payment_received")) == 1


def test_an_expired_checkout_cancels_the_attempt(catalog, stripe_api):
    booking, payment = opened(stripe_api)
    session = stripe_api.sessions[payment.provider_reference] | {"status": "expired"}
    assert deliver(event("checkout.session.expired", session)) == "cancelled"
    payment.refresh_from_db()
    booking.refresh_from_db()
    assert payment.state == Payment.State.CANCELLED
    assert booking.status == Booking.Status.PENDING_PAYMENT  # the hold decides about the booking, not the session


def test_an_unpaid_completed_session_waits(catalog, stripe_api):
    booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(payment.provider_reference, payment_status="unpaid")
    assert deliver(evt) == "waiting: payment_status unpaid"
    assert_untouched(booking, payment)


@pytest.mark.parametrize(
    ("changes", "what"),
    [({"amount_total": 100}, "amount"), ({"currency": "gbp"}, "currency"), ({"amount_total": None}, "no amount")],
)
def test_a_wrong_amount_or_currency_never_confirms(
    catalog, stripe_api, django_capture_on_commit_callbacks, changes, what
):
    booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(payment.provider_reference, **changes)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = deliver(evt)
        again = post(evt)
        apply_queued_events()
    # Acknowledged, recorded as refused, flagged for staff; no state change. A refused event blocks nothing, so
    # its repeat is stored and weighed again (and refused again, being the same event), not a duplicate.
    assert outcome.startswith("refused:")
    assert (again.status_code, again.json()["duplicate"], again.json()["outcome"]) == (200, False, "queued")
    assert_untouched(booking, payment)
    payment.refresh_from_db()
    assert payment.needs_attention
    assert list(ProviderEvent.objects.values_list("event_id", "refused", "outcome")) == [(evt["id"], True, outcome)] * 2


def test_a_wrong_amount_on_the_payment_intent_never_confirms(catalog, stripe_api):
    booking, payment = opened(stripe_api)
    evt = stripe_api.intent_event("payment_intent.succeeded", payment.provider_reference, amount_received=1)
    assert deliver(evt).startswith("refused:")
    assert_untouched(booking, payment)


@pytest.mark.parametrize(
    "changes",
    [
        {"metadata": {"payment_id": "999999"}, "client_reference_id": "999999"},
        {"metadata": {}, "client_reference_id": None, "id": "cs_test_unknown"},
    ],
    ids=["unknown-id", "no-id-unknown-session"],
)
def test_an_event_about_an_unknown_payment_is_recorded_and_ignored(catalog, stripe_api, changes):
    booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(payment.provider_reference, **changes)
    assert deliver(evt) == "ignored: unknown payment"
    assert ProviderEvent.objects.get().outcome == "ignored: unknown payment"
    assert_untouched(booking, payment)


def test_our_payment_id_with_another_session_is_not_about_that_payment(catalog, stripe_api):
    booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(payment.provider_reference, id="cs_test_other")
    assert deliver(evt) == "ignored: unknown payment"
    assert_untouched(booking, payment)


def test_a_session_found_by_its_id_when_the_metadata_is_missing(catalog, stripe_api):
    _booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(payment.provider_reference, metadata={}, client_reference_id=None)
    assert deliver(evt) == "confirmed"


def test_events_of_other_kinds_are_recorded_and_ignored(db, stripe_api):
    evt = event("customer.created", {"id": "cus_1"})
    assert deliver(evt) == "ignored: customer.created is not used"
    # A repeat of an applied event is told what it did, and queues nothing.
    assert post(evt).json() == {"received": True, "duplicate": True, "outcome": "ignored: customer.created is not used"}
    assert len(apply_tasks()) == 1


def test_a_lock_timeout_in_the_worker_queues_the_event_again_untouched(catalog, stripe_api, monkeypatch):
    booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(payment.provider_reference)
    assert post(evt).status_code == 200
    stored = ProviderEvent.objects.get()

    def busy(*, event_pk):
        raise Busy("locked")

    monkeypatch.setattr(event_services, "provider_event_apply", busy)
    before = timezone.now()
    assert apply_queued_events() == ["busy: queued again"]
    assert_untouched(booking, payment)
    stored.refresh_from_db()
    assert stored.processed_at is None
    assert apply_tasks() == [(stored.pk, 0, "SUCCESSFUL"), (stored.pk, 1, "READY")]
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.priority == 50
    assert before + dt.timedelta(seconds=1) < retry.run_after <= timezone.now() + dt.timedelta(seconds=2)
    # The locks are free again when the retry is due.
    monkeypatch.undo()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    assert apply_queued_events() == ["confirmed"]
    payment.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED


def test_an_insert_past_the_lock_timeout_answers_503_so_stripe_retries(catalog, stripe_api, monkeypatch):
    booking, payment = opened(stripe_api)

    def locked(**kwargs):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(event_services, "provider_event_record", locked)
    answer = post(stripe_api.session_completed_event(payment.provider_reference))
    assert (answer.status_code, answer["Retry-After"], answer.json()["error"]["code"]) == (503, "5", "busy")
    assert apply_tasks() == []
    assert_untouched(booking, payment)


def test_a_repeat_of_an_unapplied_event_queues_it_again_only_when_no_task_will_run(catalog, stripe_api):
    _booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(payment.provider_reference)
    post(evt)
    stored = ProviderEvent.objects.get()
    # Its task is still queued: a repeat is a duplicate and queues nothing.
    assert post(evt).json() == {"received": True, "duplicate": True, "outcome": "queued"}
    assert apply_tasks() == [(stored.pk, 0, "READY")]
    # Its task failed (a bug, or a worker that died too often): the next delivery queues it again.
    DBTaskResult.objects.update(status="FAILED")
    assert post(evt).json() == {"received": True, "duplicate": True, "outcome": "queued"}
    assert apply_tasks() == [(stored.pk, 0, "FAILED"), (stored.pk, 0, "READY")]
    assert apply_queued_events() == ["confirmed"]
    assert (post(evt).json()["outcome"], len(apply_tasks())) == ("confirmed", 2)


def test_the_operator_requeues_events_whose_task_failed_and_only_those(catalog, stripe_api):
    _booking, payment = opened(stripe_api)
    post(stripe_api.session_completed_event(payment.provider_reference))
    post(event("customer.created", {"id": "cus_1"}))
    failed, waiting = ProviderEvent.objects.order_by("pk")
    DBTaskResult.objects.filter(args_kwargs__kwargs__event_pk=failed.pk).update(status="FAILED")
    ProviderEvent.objects.update(received_at=timezone.now() - dt.timedelta(minutes=2))
    out = StringIO()
    call_command("provider_events_requeue", stdout=out)
    assert out.getvalue() == f"1 payment event(s) queued again: [{failed.pk}]\n"
    # The other one's task is still queued: left alone.
    assert [(pk, status) for pk, _attempt, status in apply_tasks()] == [
        (failed.pk, "FAILED"),
        (waiting.pk, "READY"),
        (failed.pk, "READY"),
    ]
    call_command("provider_events_requeue", stdout=out)  # its task is queued now: nothing more
    assert out.getvalue().endswith("0 payment event(s) queued again\n")
    assert sorted(apply_queued_events()) == ["confirmed", "ignored: customer.created is not used"]
    with pytest.raises(CommandError, match="--older-than must be 0 or more seconds, got -1"):
        call_command("provider_events_requeue", "--older-than", "-1")


def test_a_worker_killed_while_applying_loses_nothing_and_the_rerun_applies_once(
    catalog, stripe_api, django_capture_on_commit_callbacks
):
    from gnb.ops.reaper import stale_tasks_reap

    booking, payment = opened(stripe_api)
    post(stripe_api.session_completed_event(payment.provider_reference))
    # A worker claimed the task and died before it committed anything: the task is left RUNNING.
    with transaction.atomic():
        row = DBTaskResult.objects.ready().get_locked()
        row.claim("dead-worker")
    assert_untouched(booking, payment)
    assert apply_queued_events() == []  # RUNNING is no other worker's business until the reaper puts it back
    later = timezone.now() + dt.timedelta(seconds=settings.TASK_CLAIM_TIMEOUT_SECONDS + 1)
    assert stale_tasks_reap(now=later).as_dict() == {"requeued": 1, "failed": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert apply_queued_events() == ["confirmed"]
        # The dead worker's run, had it finished after all, would find the event processed.
        assert row.task.call(*row.task_result.args, **row.task_result.kwargs) == "nothing to do"
    booking.refresh_from_db()
    assert booking.payment_state == Booking.PaymentState.PAID
    assert len(queued("payment_received")) == 1


# --- refunds ----------------------------------------------------------------------------------------------
def paid(stripe_api: StripeStandIn) -> tuple[Booking, Payment]:
    booking, payment = opened(stripe_api)
    assert deliver(stripe_api.session_completed_event(payment.provider_reference)) == "confirmed"
    payment.refresh_from_db()
    return booking, payment


def refund_object(stripe_api: StripeStandIn, refund: Refund, **changes: Any) -> dict[str, Any]:
    return {
        "id": f"re_test_{refund.pk}",
        "object": "refund",
        "amount": int(refund.amount * 100),
        "currency": refund.currency.lower(),
        "payment_intent": refund.payment.provider_payment_id,
        "metadata": {"refund_id": str(refund.pk), "payment_id": str(refund.payment_id)},
        "status": "succeeded",
    } | changes


def test_a_refund_event_before_our_row_has_stripes_id_confirms_it(
    catalog, stripe_api, django_capture_on_commit_callbacks
):
    booking, payment = paid(stripe_api)
    refund = refund_request(payment_id=payment.pk, amount="20.00", reason="Goodwill", actor=None, idempotency_key="r")
    assert refund.provider_reference == ""
    evt = event("refund.updated", refund_object(stripe_api, refund))
    with django_capture_on_commit_callbacks(execute=True):
        answers = [post(evt) for _ in range(3)]
        assert apply_queued_events() == ["refund succeeded"]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    refund.refresh_from_db()
    assert (refund.state, refund.provider_reference) == (Refund.State.SUCCEEDED, f"re_test_{refund.pk}")
    assert queued("refund_issued") == [{"booking_id": booking.pk, "kind": "refund_issued", "object_id": refund.pk}]
    refund_submit(refund_id=refund.pk)  # the task that was to send it finds it done: nothing goes to Stripe
    assert stripe_api.calls("/v1/refunds") == []


def test_a_pending_refund_is_confirmed_by_its_webhook_once(catalog, stripe_api, django_capture_on_commit_callbacks):
    stripe_api.refund_status = "pending"
    booking, payment = paid(stripe_api)
    refund = refund_request(payment_id=payment.pk, amount="20.00", reason="Goodwill", actor=None, idempotency_key="r")
    refund = refund_submit(refund_id=refund.pk)
    assert refund.state == Refund.State.PENDING
    stripe_refund = stripe_api.refunds[refund.provider_reference]
    pending = event("refund.created", stripe_refund)
    done = event("refund.updated", stripe_refund | {"status": "succeeded"})
    charge = event(
        "charge.refunded",
        {
            "id": "ch_1",
            "object": "charge",
            "payment_intent": payment.provider_payment_id,
            "currency": "eur",
            "amount_refunded": 2000,
            "refunded": False,
        },
    )
    deliveries = [pending, done, charge] * 3
    random.Random(7).shuffle(deliveries)
    with django_capture_on_commit_callbacks(execute=True):
        assert {deliver(evt) != "" for evt in deliveries} == {True}
    refund.refresh_from_db()
    booking.refresh_from_db()
    assert refund.state == Refund.State.SUCCEEDED
    assert booking.payment_state == Booking.PaymentState.PARTIALLY_REFUNDED
    assert len(queued("refund_issued")) == 1


def test_charge_refunded_alone_confirms_the_refunds_it_adds_up_to(catalog, stripe_api):
    stripe_api.refund_status = "pending"
    _booking, payment = paid(stripe_api)
    refund = refund_submit(
        refund_id=refund_request(
            payment_id=payment.pk, amount="20.00", reason="Goodwill", actor=None, idempotency_key="r"
        ).pk
    )
    charge = {"id": "ch_1", "object": "charge", "payment_intent": payment.provider_payment_id, "currency": "eur"}
    assert deliver(event("charge.refunded", charge | {"amount_refunded": 1000})).startswith("waiting")
    assert deliver(event("charge.refunded", charge | {"amount_refunded": 2000})) == "refund succeeded (1)"
    refund.refresh_from_db()
    assert refund.state == Refund.State.SUCCEEDED


def test_a_failed_refund_is_recorded_and_flags_the_payment(catalog, stripe_api):
    stripe_api.refund_status = "pending"
    _booking, payment = paid(stripe_api)
    refund = refund_submit(
        refund_id=refund_request(
            payment_id=payment.pk, amount="20.00", reason="Goodwill", actor=None, idempotency_key="r"
        ).pk
    )
    stripe_refund = stripe_api.refunds[refund.provider_reference]
    failed = event("refund.failed", stripe_refund | {"status": "failed", "failure_reason": "expired_or_canceled_card"})
    assert deliver(failed) == "refund failed"
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.state == Refund.State.FAILED
    assert "expired_or_canceled_card" in refund.failure_reason
    assert payment.needs_attention
    late = event("refund.updated", stripe_refund | {"status": "succeeded"})
    assert deliver(late) != ""  # a refund that failed stays failed until staff look at it


def test_a_refund_event_with_a_wrong_amount_changes_nothing(catalog, stripe_api):
    _booking, payment = paid(stripe_api)
    refund = refund_request(payment_id=payment.pk, amount="20.00", reason="Goodwill", actor=None, idempotency_key="r")
    evt = event("refund.updated", refund_object(stripe_api, refund, amount=99999))
    assert deliver(evt).startswith("refused:")
    refund.refresh_from_db()
    assert refund.state == Refund.State.REQUESTED


def test_a_refund_event_about_an_unknown_refund_is_ignored(catalog, stripe_api):
    outcome = deliver(
        event(
            "refund.updated",
            {
                "id": "re_dashboard",
                "object": "refund",
                "amount": 100,
                "currency": "eur",
                "metadata": {},
                "status": "succeeded",
            },
        )
    )
    assert outcome == "ignored: unknown refund"


# --- concurrency ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def locked_elsewhere(*querysets: QuerySet) -> Iterator[None]:
    """The rows of ``querysets`` locked (``FOR UPDATE``, in this order) by another connection's transaction for as
    long as the block runs, as a long back-office change holds them."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                for queryset in querysets:
                    list(queryset.select_for_update())
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        yield
    finally:
        release.set()
        holder.join()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and concurrent inserts need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_and_racing_workers_change_state_once(catalog, stripe_api):
    booking, payment = opened(stripe_api)
    session_id = payment.provider_reference
    events = [
        stripe_api.session_completed_event(session_id),
        stripe_api.intent_event("payment_intent.succeeded", session_id),
    ]
    deliveries = events * 4  # eight deliveries: each event four times, on eight threads at once
    random.Random(1).shuffle(deliveries)
    statuses = race(
        [partial(post, evt) for evt in deliveries],
        outcome=lambda error, response: repr(error) if error else response.status_code,
    )
    assert statuses == [200] * len(deliveries)
    stored = list(ProviderEvent.objects.order_by("pk"))
    assert len(stored) == len(events)
    # One task per event, whichever delivery stored it.
    assert sorted(apply_tasks()) == sorted((row.pk, 0, "READY") for row in stored)
    assert_untouched(booking, payment)
    # Each event's task queued twice more (as the reaper does for a worker it thinks dead, or a redelivery after a
    # failure), then four workers drain the queue at the same moment: runs of the same event race on its row.
    for row in stored:
        provider_event_apply_task.enqueue(event_pk=row.pk)
        provider_event_apply_task.enqueue(event_pk=row.pk)
    runs = race(
        [partial(apply_queued_events, f"worker-{n}") for n in range(4)],
        outcome=lambda error, returned: repr(error) if error else returned,
    )
    returned = [value for run in runs for value in run]
    # Six runs: each event applied by exactly one of its three, the others found it processed.
    assert sorted(returned).count("nothing to do") == 4, runs
    assert returned.count("confirmed") == 1, runs
    assert len(returned) == 6, runs
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert payment.state == Payment.State.CONFIRMED
    assert booking.payment_state == Booking.PaymentState.PAID
    assert status_changes(booking) == [("pending_payment", "confirmed")]
    assert len(queued("payment_received")) == 1
    assert len(queued("confirmation")) == 1
    assert ProviderEvent.objects.filter(processed_at__isnull=True).count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="lock_timeout is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_booking_locked_past_the_lock_timeout_is_acknowledged_and_applied_when_free(catalog, stripe_api):
    booking, payment = opened(stripe_api)
    evt = stripe_api.session_completed_event(payment.provider_reference)
    with locked_elsewhere(Booking.objects.filter(pk=booking.pk)):
        answer = post(evt)  # stored and queued: the acknowledgement takes no lock of the booking's
        ran = apply_queued_events()  # waits for the database's lock_timeout (5 s), then gives up
    assert answer.json() == {"received": True, "duplicate": False, "outcome": "queued"}
    assert ran == ["busy: queued again"]
    assert ProviderEvent.objects.get().processed_at is None
    assert_untouched(booking, payment)
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    assert apply_queued_events() == ["confirmed"]
    assert post(evt).json() == {"received": True, "duplicate": True, "outcome": "confirmed"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_second_event_of_a_paid_checkout_waits_for_no_lock(catalog, stripe_api):
    """Stripe sends payment_intent.succeeded beside checkout.session.completed. Once the payment is confirmed (a
    state no move leaves), the second is recorded as a repeat without the booking's lock, so a back-office change
    holding that lock does not hold up the worker."""
    booking, payment = opened(stripe_api)
    assert deliver(stripe_api.session_completed_event(payment.provider_reference)) == "confirmed"
    with locked_elsewhere(Booking.objects.filter(pk=booking.pk), Payment.objects.filter(pk=payment.pk)):
        outcome = deliver(stripe_api.intent_event("payment_intent.succeeded", payment.provider_reference))
    assert outcome == "duplicate: already confirmed"
    assert status_changes(booking) == [("pending_payment", "confirmed")]
    assert len(queued("confirmation")) == 1


def test_a_paid_checkout_and_its_second_event_are_applied_in_few_statements(
    catalog, stripe_api, django_assert_max_num_queries
):
    """At a burst of payments every statement an apply sends is worker and database time: the paid checkout reads
    the booking's sums once (for the surplus and the payment state), and neither event reads the payment twice or
    records an outcome a payment service has recorded already."""
    booking, payment = opened(stripe_api)
    completed = stripe_api.session_completed_event(payment.provider_reference)
    succeeded = stripe_api.intent_event("payment_intent.succeeded", payment.provider_reference)
    assert post(completed).status_code == post(succeeded).status_code == 200
    first, second = ProviderEvent.objects.order_by("pk")
    # Each apply is a transaction (2 statements; begin and commit in the worker). The event and the payment read,
    # then in the payment service's savepoint (2) the booking and the payment locked, both updated, the status
    # change audited, the confirmation email queued, the sums read (2), the receipt queued, the payment state saved
    # and the outcome recorded; last, the outcome checked.
    with django_assert_max_num_queries(18):
        assert event_services.provider_event_apply(event_pk=first.pk) == "confirmed"
    # The transaction (2), the event and the payment read, the repeat recorded, the outcome checked.
    with django_assert_max_num_queries(6):
        assert event_services.provider_event_apply(event_pk=second.pk) == "duplicate: already confirmed"
    booking.refresh_from_db()
    assert (booking.status, booking.payment_state) == (Booking.Status.CONFIRMED, Booking.PaymentState.PAID)
    assert len(queued("confirmation")) == len(queued("payment_received")) == 1


def test_a_payment_the_caller_read_confirmed_is_a_repeat_and_one_read_for_another_id_is_refused(catalog, stripe_api):
    booking, payment = opened(stripe_api)
    assert deliver(stripe_api.session_completed_event(payment.provider_reference)) == "confirmed"
    payment.refresh_from_db()
    with pytest.raises(ValueError, match="seen is payment"):
        payment_confirm(payment_id=payment.pk + 1, amount=payment.amount, currency=payment.currency, seen=payment)
    again = payment_confirm(payment_id=payment.pk, amount=payment.amount, currency=payment.currency, seen=payment)
    assert again.state == Payment.State.CONFIRMED
    assert status_changes(booking) == [("pending_payment", "confirmed")]
    assert len(queued("confirmation")) == len(queued("payment_received")) == 1
