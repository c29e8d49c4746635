"""The outbox: every email the platform sends, named by an :class:`EmailKind` and queued by :func:`email_enqueue`.

Any module can queue an email, however low it sits (bookings, payments, accounts), because the kinds and the entry
point live here in core. The code that renders and sends each kind lives above (notifications, accounts) and
registers itself with :func:`email_senders_register` in its ``AppConfig.ready``: which task sends the kind, and how
the keys given to :func:`email_enqueue` become that task's arguments (checking them on the way).

A transactional outbox. The task queue is rows in the same database (django-tasks-db), and its ``enqueue`` is a
plain ``INSERT`` in the current transaction: ``DatabaseBackend.enqueue`` calls ``DBTaskResult.objects.create`` on
the default database, with no ``on_commit`` and no transaction of its own (django-tasks-db 0.13,
``django_tasks_db/backend.py``; its ``task_enqueued`` signal is sent right after the insert, still inside the
caller's transaction). So :func:`email_enqueue` is called inside the ``transaction.atomic`` block of the change the
email is about: the change and its email commit together or not at all, and a process killed right after the commit
has already queued the email. (Queuing in ``transaction.on_commit``, as this code did before, loses the email when
the process dies between the commit and the callback.) The worker never sees the row before the commit.

Every sending task is safe to run twice: a unique sent-record decides. Booking emails have ``SentEmail`` (unique per
booking and kind, per change event, per payment or refund), a contact message its own ``sent_at``, and the emails
that may rightly be sent again on a new request (account links, the manage link) a :class:`~gnb.core.models.
SentTaskEmail` row per queued task.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend

from gnb.core.models import SentTaskEmail


class EmailKind(enum.StrEnum):
    """Every email the platform sends; the value is the name stored in ``SentEmail.kind`` and in task arguments."""

    # About a booking, to its lead traveller, in the booking's language (gnb.notifications).
    CONFIRMATION = "confirmation"
    CANCELLATION = "cancellation"
    CHANGE = "change"
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_FAILED = "payment_failed"
    REFUND_ISSUED = "refund_issued"
    # Who comes (driver, vehicle, meeting point): on every assignment or change, and as a reminder before pickup;
    # and the request for passport details U-ETDS needs (gnb.notifications, sent for gnb.fleet).
    DRIVER_ASSIGNED = "driver_assigned"
    DRIVER_REMINDER = "driver_reminder"
    TRAVEL_DOCUMENTS = "travel_documents"
    # The link to a booking, asked for on the website (gnb.notifications).
    MANAGE_LINK = "manage_link"
    # A contact-form message, to the operator (gnb.notifications).
    CONTACT_MESSAGE = "contact_message"
    # A group's request for an offer, to the operator; the operator's answer, to the traveller (gnb.notifications).
    GROUP_QUOTE_REQUEST = "group_quote_request"
    GROUP_QUOTE_REPLY = "group_quote_reply"
    # About a customer or staff account, in the account's language (gnb.accounts); also its X-GNB-Email header.
    VERIFY = "verify"
    SIGNUP_EXISTS = "signup_exists"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of email, no password)
    PASSWORD_CHANGED = "password_changed"  # noqa: S105
    SIGN_IN_LINK = "sign_in_link"
    STAFF_SIGN_IN_LINK = "staff_sign_in_link"
    EMAIL_CHANGE = "email_change"
    EMAIL_CHANGED = "email_changed"
    # The drivers' app (gnb.driver): a one-time sign-in link, sent as an account email.
    DRIVER_SIGN_IN_LINK = "driver_sign_in_link"


BOOKING_KINDS = frozenset(
    {
        EmailKind.CONFIRMATION,
        EmailKind.CANCELLATION,
        EmailKind.CHANGE,
        EmailKind.PAYMENT_RECEIVED,
        EmailKind.PAYMENT_FAILED,
        EmailKind.REFUND_ISSUED,
        EmailKind.DRIVER_ASSIGNED,
        EmailKind.DRIVER_REMINDER,
        EmailKind.TRAVEL_DOCUMENTS,
    }
)
ACCOUNT_KINDS = frozenset(
    {
        EmailKind.VERIFY,
        EmailKind.SIGNUP_EXISTS,
        EmailKind.PASSWORD_RESET,
        EmailKind.PASSWORD_CHANGED,
        EmailKind.SIGN_IN_LINK,
        EmailKind.STAFF_SIGN_IN_LINK,
        EmailKind.EMAIL_CHANGE,
        EmailKind.EMAIL_CHANGED,
        EmailKind.DRIVER_SIGN_IN_LINK,
    }
)


@dataclass(frozen=True)
class EmailSender:
    """How one kind of email is sent: the task that sends it, and ``arguments(kind, keys)`` turning the keys given
    to :func:`email_enqueue` into the task's keyword arguments (raising ``ValueError`` for keys that do not fit)."""

    task: Any  # a django_tasks Task
    arguments: Callable[[EmailKind, Mapping[str, Any]], dict[str, Any]]


_SENDERS: dict[EmailKind, EmailSender] = {}


def email_senders_register(
    kinds: Iterable[EmailKind], *, task: Any, arguments: Callable[[EmailKind, Mapping[str, Any]], dict[str, Any]]
) -> None:
    """Register the sender of ``kinds`` (called from the sending app's ``AppConfig.ready``; registering a kind again
    replaces its sender)."""
    sender = EmailSender(task=task, arguments=arguments)
    for kind in kinds:
        _SENDERS[EmailKind(kind)] = sender


def email_sender(kind: EmailKind | str) -> EmailSender:
    """The registered sender of ``kind``; ``ValueError`` for a name that is no kind, ``LookupError`` for a kind no
    app has registered."""
    try:
        kind = EmailKind(kind)
    except ValueError:
        raise ValueError(f"unknown email kind {kind!r}") from None
    try:
        return _SENDERS[kind]
    except KeyError:
        raise LookupError(f"no sender is registered for the {kind.value!r} email") from None


def email_enqueue(*, kind: EmailKind | str, **keys: Any) -> None:
    """Queue the ``kind`` email, in the current transaction.

    ``keys`` are primary keys of what the email is about (``booking_id``, ``event_id``, ``object_id``,
    ``message_id``, ``user_id``; an account email also takes ``address``, the other address of an email change),
    checked by the kind's sender. Call it inside the ``transaction.atomic`` block of the change that causes the
    email, so both commit or neither (see the module docstring).

    A task backend that keeps its tasks elsewhere than in this database (the immediate backend some tests use)
    cannot share the transaction: its task is handed over when the transaction commits, as the change would be
    unknown to it before.
    """
    sender = email_sender(kind)
    arguments = sender.arguments(EmailKind(kind), keys)
    if in_transaction_queue(sender.task):
        sender.task.enqueue(**arguments)
    else:
        transaction.on_commit(partial(sender.task.enqueue, **arguments))


def in_transaction_queue(task: Any) -> bool:
    """Whether ``task``'s backend writes it as a row of this database, in the current transaction
    (django-tasks-db's ``DatabaseBackend``, the production queue)."""
    return isinstance(task.get_backend(), DatabaseBackend)


def send_claimed(record: QuerySet[Any], send: Callable[[], bool]) -> bool:
    """Run ``send`` for the sent-record ``record`` (a query for one row with ``sent_at`` and ``claimed_at``) unless it
    was sent, or another run is sending it now; record the sending. Returns whether this run sent it.

    The claim is one conditional ``UPDATE``, so of two runs of the same email (the original, slow but alive, and
    the re-run the reaper queued, or the same email queued twice) one sends and the other does nothing. A claim
    older than half of ``TASK_CLAIM_TIMEOUT_SECONDS`` belongs to a run that died mid-send and is taken over: the
    reaper queues a dead run's task again only after the whole timeout, counted from when the run started, and a
    run claims its email seconds after it starts, so the re-run always finds that claim taken over. ``send``
    returns False when there was nothing to send; then, and when it raises, the claim is given back, so a later run
    tries again.
    """
    now = timezone.now()
    dead = now - dt.timedelta(seconds=settings.TASK_CLAIM_TIMEOUT_SECONDS / 2)
    unsent = record.filter(sent_at__isnull=True)
    if not unsent.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=dead)).update(claimed_at=now):
        return False
    try:
        sent = send()
    except BaseException:
        unsent.filter(claimed_at=now).update(claimed_at=None)
        raise
    if not sent:
        unsent.filter(claimed_at=now).update(claimed_at=None)
        return False
    unsent.update(sent_at=timezone.now())
    return True


def email_send_once(*, task_id: Any, kind: EmailKind | str, send: Callable[[], bool]) -> bool:
    """Run ``send`` for the queued email task ``task_id`` unless that task already sent it; returns whether it sent.

    For the emails that are sent again on every new request (each request queues its own task): the task's id is
    the sent-record's unique key. ``send`` returns False when there was nothing to send (then nothing is recorded as
    sent, and a second run looks again).
    """
    try:
        with transaction.atomic():
            record, _created = SentTaskEmail.objects.get_or_create(task_id=str(task_id), defaults={"kind": str(kind)})
    except IntegrityError:  # the same task run twice at the same moment: the other run sends it
        return False
    return send_claimed(SentTaskEmail.objects.filter(pk=record.pk), send)
