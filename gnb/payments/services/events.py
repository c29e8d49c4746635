"""Provider events: a verified provider message stored once under its unique key, applied by the worker, and the
outcome recorded.

A webhook only verifies and stores (:func:`provider_event_accept`); the row and the task that applies it
(:func:`provider_event_apply_task`) are written in one transaction, so the answer does not wait on row locks or on
the booking's follow-ups, and an event that was acknowledged always has its task (a transactional outbox, see
:mod:`gnb.core.outbox`). The task applies it once (:func:`provider_event_apply`): it locks the event row, skips it
when already processed, and runs the provider's own rules (:data:`APPLIERS`) in the same transaction as the
outcome it records. A worker killed at any instant either committed all of it or nothing; its task is claimed
again (``gnb.ops.reaper``) and finds the event done or still to do.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from gnb.core.alerts import alert_raise
from gnb.core.errors import Busy, ValidationFailed
from gnb.core.locking import lock_timeout_as_busy
from gnb.core.outbox import in_transaction_queue
from gnb.core.taskpriority import URGENT
from gnb.payments.models import Provider, ProviderEvent
from gnb.payments.payloads import PayloadTooDeep, payload_clean, text_clean
from gnb.payments.services.common import _mark_event

logger = logging.getLogger(__name__)

# What applies a stored event of each provider: ``apply(event)`` acts on it through the payment services, records
# its outcome (``provider_event_finish``, or the payment service it called did) and returns the outcome that stands,
# or None when it left the record to a payment service. By path, like the provider registry, because those modules are
# front ends of these services (they import them).
APPLIERS: dict[str, str] = {
    Provider.STRIPE: "gnb.payments.providers.stripe.events.event_apply",
    Provider.PAYTR: "gnb.payments.providers.paytr.events.callback_apply",
}
# A lock held past the lock timeout: the task runs again after 2, 4, 8 … seconds, at most a minute apart, for as
# long as it takes (never dropped); an alert once it has waited this many times.
BUSY_ALERT_ATTEMPTS = 10
BUSY_MAX_DELAY_SECONDS = 60
BUSY_ALERT_KEY = "payments.event_busy"


def provider_event_record(
    *, provider: str, event_id: str, kind: str, payload: dict[str, Any]
) -> tuple[ProviderEvent, bool]:
    """Store a verified provider message once; return it and whether this call stored it.

    A second delivery of the same ``(provider, event_id)`` returns the first row and ``False``: the caller answers
    2xx and acts only when ``created`` (or when the stored one has not been processed yet). Two deliveries at the
    same moment are settled by the unique constraint, not by a check before the insert. A stored event that was
    refused does not count: the new delivery is stored beside it and acted on.

    ``kind`` and ``payload`` are stored without what PostgreSQL refuses (NUL, lone surrogates; see
    :mod:`gnb.payments.payloads`); an ``event_id`` containing such characters, or any unprintable one, is refused,
    as is a payload nested deeper than ``payloads.MAX_DEPTH``: the webhooks check both before they get here.
    """
    if provider not in Provider.values:
        raise ValidationFailed([("provider", _("Unknown payment provider."))])
    if not event_id or len(event_id) > 255 or not event_id.isprintable():
        raise ValidationFailed([("event_id", _("An event id of 1 to 255 characters is required."))])
    try:
        payload = payload_clean(payload)
    except PayloadTooDeep:
        raise ValidationFailed([("payload", _("The message is nested too deeply to be stored."))]) from None
    kind = text_clean(kind)
    # Twice at most: the row this insert ran into may be refused by its own delivery between the insert and the
    # read (PayTR's callback records and acts in separate transactions); then this delivery is a first one.
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return ProviderEvent.objects.create(
                    provider=provider, event_id=event_id, kind=kind[:100], payload=payload
                ), True
        except IntegrityError:
            stored = ProviderEvent.objects.filter(provider=provider, event_id=event_id, refused=False).first()
            if stored is not None:
                return stored, False
    raise Busy(_("This is being booked by someone else right now. Please try again."))


def provider_event_finish(*, event_pk: int, outcome: str, refused: bool = False) -> str:
    """Record what a stored provider event did, unless a payment service already recorded its own outcome; return
    the outcome that stands.

    ``refused``: the event could not be applied to a payment or refund of ours (none matches, a wrong amount); it is
    kept with its outcome and does not block a later delivery under the same id. Called under the event row's lock
    (``provider_event_apply``), so nothing records an outcome between the read and the write here.
    """
    # Read first: for most events a payment service has recorded the outcome already, and one read does.
    standing = _recorded_outcome(event_pk)
    if standing is not None:
        return standing
    _mark_event(event_pk, provider="", outcome=outcome, refused=refused)
    return outcome[:500]


def _recorded_outcome(event_pk: int) -> str | None:
    """The outcome recorded for the stored event ``event_pk``, or None while it is unprocessed."""
    return (
        ProviderEvent.objects.filter(pk=event_pk, processed_at__isnull=False).values_list("outcome", flat=True).first()
    )


def provider_event_accept(
    *, provider: str, event_id: str, kind: str, payload: dict[str, Any], priority: int = URGENT
) -> tuple[ProviderEvent, bool]:
    """Store a verified provider message once and queue the task that applies it at ``priority``, in one
    transaction; return the event and whether this delivery stored it.

    A repeat of an event already stored queues nothing, unless that event is still unapplied and has no task that
    will run (its task failed, or the reaper gave up on it): then this delivery queues it again, so a provider's
    redelivery (Stripe's "Resend" in its dashboard) is how an operator gets a stuck event applied. The task row
    commits with the event, so a process killed after the commit loses nothing. Raises ``Busy`` when the insert
    waited past the lock timeout (a repeat arriving while the worker holds the first delivery's row; on SQLite, the
    database locked), nothing stored.
    """
    with lock_timeout_as_busy(), transaction.atomic():
        event, created = provider_event_record(provider=provider, event_id=event_id, kind=kind, payload=payload)
        if created or (event.processed_at is None and not provider_event_apply_pending(event_pk=event.pk)):
            _enqueue_apply(event.pk, priority=priority)
    return event, created


def provider_event_apply_pending(*, event_pk: int) -> bool:
    """Whether a task that will apply the stored event ``event_pk`` is queued or running."""
    return DBTaskResult.objects.filter(
        task_path=provider_event_apply_task.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        args_kwargs__kwargs__event_pk=event_pk,
    ).exists()


def _enqueue_apply(
    event_pk: int, *, attempt: int = 0, run_after: dt.datetime | None = None, priority: int = URGENT
) -> None:
    task_ = provider_event_apply_task
    # using() builds a new task and validates it against its backend: only when something differs from the default.
    if run_after is not None or priority != task_.priority:
        task_ = task_.using(run_after=run_after, priority=priority)
    if in_transaction_queue(task_) or not transaction.get_connection().in_atomic_block:
        task_.enqueue(event_pk=event_pk, attempt=attempt)
    else:
        # A queue kept elsewhere (the immediate backend of some tests) would run it before the event is committed.
        transaction.on_commit(lambda: task_.enqueue(event_pk=event_pk, attempt=attempt))


def provider_event_apply(*, event_pk: int) -> str | None:
    """Apply the stored event ``event_pk`` with its provider's rules, once; return its outcome, or None when there
    was nothing to do (no such event, or already processed).

    Under the event row's lock, in one transaction with everything the rules change and the outcome recorded: of
    two runs at the same moment the second waits for the first to commit and finds it processed. Raises ``Busy``
    when a row stays locked past the lock timeout (nothing written).
    """
    with transaction.atomic(), lock_timeout_as_busy():
        event = ProviderEvent.objects.select_for_update().filter(pk=event_pk).first()
        if event is None or event.processed_at is not None:
            return None
        apply: Callable[[ProviderEvent], str | None] = import_string(APPLIERS[event.provider])
        outcome = apply(event)
        if outcome is None:
            # The applier left the record to the payment service it called: check that one was written.
            outcome = _recorded_outcome(event.pk)
        if outcome is None:
            # Every applier records what it did; recording a success here would hide one that did nothing. The
            # transaction rolls back and the event stays unapplied, for the failed task and the requeue command.
            raise RuntimeError(f"{APPLIERS[event.provider]} recorded no outcome for provider event {event.pk}")
    return outcome


@task(priority=URGENT)
def provider_event_apply_task(*, event_pk: int, attempt: int = 0) -> str:
    """Apply a stored provider event (queued with it by the webhook); safe to run twice."""
    try:
        outcome = provider_event_apply(event_pk=event_pk)
    except Busy:
        # The rows it needs are locked (a long back-office change): try again later, with the event untouched. At
        # URGENT whatever it was queued at: an echo that has waited seconds for a lock has no burst left to yield to.
        delay = min(2 ** (attempt + 1), BUSY_MAX_DELAY_SECONDS)
        logger.warning("provider event busy, queued again", extra={"event": event_pk, "attempt": attempt + 1})
        _enqueue_apply(event_pk, attempt=attempt + 1, run_after=timezone.now() + dt.timedelta(seconds=delay))
        if attempt + 1 == BUSY_ALERT_ATTEMPTS:
            alert_raise(
                key=BUSY_ALERT_KEY,
                title="A payment event keeps waiting for locked rows",
                detail=f"Provider event {event_pk} could not take its locks {attempt + 1} times; it is still queued.",
                severity="warning",
            )
        return "busy: queued again"
    if outcome is None:
        return "nothing to do"
    logger.info("provider event applied", extra={"event": event_pk, "outcome": outcome})
    return outcome


def provider_events_requeue(*, older_than: dt.timedelta) -> list[int]:
    """Queue the apply task again for every stored event received more than ``older_than`` ago that is still
    unapplied and has no task that will run (its task failed, or the reaper gave up on it); return their pks.

    For the operator once the cause is fixed (``manage.py provider_events_requeue``): Stripe can resend an event,
    PayTR repeats a callback only until it got ``OK``. Each event is checked under its row lock, so two runs of this
    at once queue one task per event.
    """
    queued = []
    stale = ProviderEvent.objects.filter(processed_at__isnull=True, received_at__lt=timezone.now() - older_than)
    for event_pk in stale.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            event = ProviderEvent.objects.select_for_update().filter(pk=event_pk, processed_at__isnull=True).first()
            if event is not None and not provider_event_apply_pending(event_pk=event_pk):
                _enqueue_apply(event_pk)
                queued.append(event_pk)
    if queued:
        logger.warning("provider events queued again", extra={"events": queued})
    return queued
