"""The outbox: every email kind has one sender, is queued in the transaction of its change (so a process killed right
after the commit loses nothing), and is sent once even when its task runs twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import TaskContext
from django_tasks_db.models import DBTaskResult

from gnb.core.outbox import EmailKind, email_enqueue, email_sender
from gnb.notifications.models import SentEmail
from gnb.ops.reaper import stale_tasks_reap
from gnb.testing.bookings import place_transfer

worker_test = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def killed_after_commit(monkeypatch):
    """The process dies the moment its transaction commits: nothing registered to run after the commit ever runs
    (as when a web worker is killed between the COMMIT and Django's on_commit callbacks)."""
    dropped: list[object] = []
    monkeypatch.setattr(connection, "on_commit", lambda func, robust=False: dropped.append(func))
    return dropped


def worker_died_running(row: DBTaskResult, *, minutes_ago: int = 16) -> None:
    """A worker claimed ``row`` (exactly as ``db_worker`` does) ``minutes_ago`` and died without finishing it."""
    row.claim("dead-worker")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - dt.timedelta(minutes=minutes_ago))


def test_every_kind_has_a_sender():
    for kind in EmailKind:
        sender = email_sender(kind)
        assert sender.task.module_path.startswith(("gnb.notifications.tasks.", "gnb.accounts.tasks.")), kind
    with pytest.raises(ValueError, match="unknown email kind 'reminder'"):
        email_sender("reminder")


@pytest.mark.django_db
def test_the_keys_are_checked_when_queued(catalog):
    with pytest.raises(ValueError, match="a 'manage_link' email takes booking_id, got \\['user_id'\\]"):
        email_enqueue(kind=EmailKind.MANAGE_LINK, user_id=1)
    with pytest.raises(ValueError, match="a 'verify' email takes user_id and address, got \\['booking_id'\\]"):
        email_enqueue(kind=EmailKind.VERIFY, booking_id=1)
    with pytest.raises(ValueError, match="a 'contact_message' email takes message_id"):
        email_enqueue(kind="contact_message", message_id=1, booking_id=2)
    assert DBTaskResult.objects.count() == 0


@worker_test
def test_a_process_killed_right_after_commit_still_gets_its_email_sent(catalog, killed_after_commit):
    booking = place_transfer(language="en")  # commits, then the process "dies"

    # Whatever was left for after the commit is lost with the process; the email is not among it.
    assert all("enqueue" not in repr(func) for func in killed_after_commit)
    run_worker()
    [message] = mail.outbox
    assert message.subject == f"Your booking {booking.reference} is confirmed"
    assert SentEmail.objects.get().sent_at is not None


@worker_test
def test_a_stale_running_email_task_is_run_again_once_and_sends_once(catalog):
    booking = place_transfer(language="en")
    row = DBTaskResult.objects.get()
    worker_died_running(row)
    run_worker()  # a RUNNING task is no worker's business
    assert mail.outbox == []

    assert stale_tasks_reap().as_dict() == {"requeued": 1, "failed": 0}
    assert stale_tasks_reap().as_dict() == {"requeued": 0, "failed": 0}  # put back once
    run_worker()

    row.refresh_from_db()
    assert (row.status, row.return_value, len(row.worker_ids)) == ("SUCCESSFUL", True, 2)
    [message] = mail.outbox
    assert message.to == [booking.lead_email]


@worker_test
def test_a_run_that_died_while_sending_is_taken_over_by_its_rerun(catalog):
    """The worker died inside send(), seconds after it took the task: its claim on the email is left behind, and
    the re-run the reaper queues as soon as the timeout has passed still sends."""
    place_transfer(language="en")
    row = DBTaskResult.objects.get()
    worker_died_running(row)
    just_stale = timezone.now() - dt.timedelta(seconds=settings.TASK_CLAIM_TIMEOUT_SECONDS + 1)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=just_stale)
    row.refresh_from_db()
    SentEmail.objects.create(
        booking_id=row.args_kwargs["kwargs"]["booking_id"],
        kind="confirmation",
        recipient="anna@example.com",
        language="en",
        claimed_at=row.started_at + dt.timedelta(seconds=5),
    )
    assert stale_tasks_reap().as_dict() == {"requeued": 1, "failed": 0}
    run_worker()
    row.refresh_from_db()
    assert (row.status, row.return_value) == ("SUCCESSFUL", True)
    assert len(mail.outbox) == 1
    assert SentEmail.objects.get().sent_at is not None


@worker_test
def test_the_original_run_finishing_after_the_rerun_sends_nothing_more(catalog):
    """A worker that only seemed dead (stuck for longer than the timeout) finishes after the re-run did."""
    place_transfer(language="en")
    row = DBTaskResult.objects.get()
    worker_died_running(row)
    stale_tasks_reap()
    run_worker()  # the re-run sends
    assert len(mail.outbox) == 1

    # The original run resumes and runs the task to its end.
    assert row.task.call(**row.args_kwargs["kwargs"]) is False
    assert len(mail.outbox) == 1
    assert SentEmail.objects.count() == 1


@worker_test
def test_two_runs_sending_at_the_same_time_send_once(catalog):
    """The original run is in the middle of sending when the re-run starts: the sending claim keeps the re-run
    out."""
    place_transfer(language="en")
    row = DBTaskResult.objects.get()
    kwargs = row.args_kwargs["kwargs"]
    inner: list[bool] = []

    original_send = mail.EmailMultiAlternatives.send

    def send_while_rerun_runs(message, *args, **kw):
        if not inner:
            inner.append(row.task.call(**kwargs))  # the re-run, while the original is inside send()
        return original_send(message, *args, **kw)

    mail.EmailMultiAlternatives.send = send_while_rerun_runs
    try:
        assert row.task.call(**kwargs) is True
    finally:
        mail.EmailMultiAlternatives.send = original_send
    assert inner == [False]
    assert len(mail.outbox) == 1


@worker_test
def test_a_manage_link_task_run_twice_sends_once_but_each_request_gets_its_email(catalog):
    booking = place_transfer(language="en")
    DBTaskResult.objects.all().delete()
    email_enqueue(kind=EmailKind.MANAGE_LINK, booking_id=booking.pk)
    row = DBTaskResult.objects.get()
    worker_died_running(row)
    stale_tasks_reap()
    run_worker()
    # The original run resumes and finishes: the task's own sent-record stops it.
    assert row.task.call(TaskContext(task_result=row.task_result), **row.args_kwargs["kwargs"]) is False
    assert len(mail.outbox) == 1

    email_enqueue(kind=EmailKind.MANAGE_LINK, booking_id=booking.pk)  # asked again: a new email
    run_worker()
    assert [message.subject for message in mail.outbox] == [f"The link to your booking {booking.reference}"] * 2
