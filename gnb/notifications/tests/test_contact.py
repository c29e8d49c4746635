"""The website's contact form: checked field by field, stored, then emailed to the operator by the worker."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import smtplib
from email.headerregistry import Address

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from gnb.core.errors import ValidationFailed
from gnb.notifications.models import ContactMessage
from gnb.notifications.services import contact_message_forward, contact_message_send

VALID = {
    "name": "Ayşe Yılmaz",
    "email": "ayse@example.com",
    "phone": "+90 532 123 45 67",
    "message": "Do you have a child seat for a 2-year-old?\nThanks!",
    "language": "tr",
    "booking_reference": "gnb-7k3q-9xpm ",
}


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def errors_of(**overrides) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as excinfo:
        contact_message_send(**(VALID | overrides))
    return excinfo.value.errors


def test_every_wrong_field_is_named_at_once(db):
    assert errors_of(
        name="  ", email="not-an-email", phone="12", message=" \n ", language="xx", booking_reference="ABC-123"
    ) == [
        ("name", "Please enter your name."),
        ("email", "Enter a valid email address."),
        ("phone", "Enter the phone number with its country code, e.g. +90 532 123 45 67."),
        ("message", "Please write your message."),
        ("language", "Unknown language “xx”."),
        ("booking_reference", "A booking reference looks like GNB-7K3Q-9XPM."),
    ]
    assert errors_of(name="A" * 151, message="x" * 5001) == [
        ("name", "At most 150 characters."),
        ("message", "At most 5000 characters."),
    ]
    assert ContactMessage.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_header_injection_is_refused(db):
    assert errors_of(name="Eve\r\nBcc: victim@example.com") == [("name", "Enter your name on one line.")]
    assert errors_of(name="Eve\u2028Bcc: victim@example.com") == [("name", "Enter your name on one line.")]
    assert errors_of(email="eve@example.com\nBcc: victim@example.com") == [("email", "Enter a valid email address.")]
    assert ContactMessage.objects.count() == 0


def test_a_message_is_stored_and_queued_in_the_same_transaction(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        contact_message_send(**(VALID | {"message": "  Hello\x00 there\n\tsecond line  "}))
    contact = ContactMessage.objects.get()
    assert (
        contact.name,
        contact.email,
        contact.phone,
        contact.message,
        contact.language,
        contact.booking_reference,
        contact.sent_at,
    ) == ("Ayşe Yılmaz", "ayse@example.com", "+905321234567", "Hello there\n\tsecond line", "tr", "GNB-7K3Q-9XPM", None)
    assert callbacks == []  # nothing left for after the commit: the task row was written with the message
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs["kwargs"]) == (
        "gnb.notifications.tasks.send_contact_message",
        {"message_id": contact.pk},
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_emails_the_operator_with_reply_to_the_visitor(settings, time_machine):
    time_machine.move_to(dt.datetime(2027, 5, 1, 6, 30, tzinfo=dt.UTC), tick=False)
    settings.GNB_OPERATOR_EMAIL = "desk@gnb.example"
    contact_message_send(**VALID)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    [message] = mail.outbox
    assert (message.subject, message.to) == ("Contact form: Ayşe Yılmaz", ["desk@gnb.example"])
    # The header as it goes over the wire (the name encoded for SMTP), read back by a mail client's parser.
    sent = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    [reply_to] = sent["Reply-To"].addresses
    assert reply_to == Address(display_name="Ayşe Yılmaz", addr_spec="ayse@example.com")
    contact = ContactMessage.objects.get()
    assert message.body == (
        "A message from the website's contact form.\n"
        "\n"
        "Name: Ayşe Yılmaz\n"
        "Email: ayse@example.com\n"
        "Phone: +905321234567\n"
        "Language: Turkish\n"
        "Booking reference: GNB-7K3Q-9XPM\n"
        "Find the booking: http://testserver/admin/bookings/booking/?q=GNB-7K3Q-9XPM\n"
        "Received: May 1, 2027, 9:30 a.m.\n"
        "\n"
        "Do you have a child seat for a 2-year-old?\n"
        "Thanks!\n"
        "\n"
        "-- \n"
        "Reply to this email to answer the visitor.\n"
    )
    assert contact.sent_at is not None
    assert DBTaskResult.objects.get().return_value is True


def test_a_message_is_kept_while_the_mail_server_is_down_and_sent_once_later(db, settings):
    contact_message_send(**(VALID | {"phone": "", "booking_reference": ""}))
    contact = ContactMessage.objects.get()

    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with pytest.raises(smtplib.SMTPServerDisconnected):
        contact_message_forward(message_id=contact.pk)
    contact.refresh_from_db()
    assert contact.sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert contact_message_forward(message_id=contact.pk) is True
    assert contact_message_forward(message_id=contact.pk) is False
    [message] = mail.outbox
    assert "Phone: -\n" in message.body and "Booking reference: -\n" in message.body
    assert "Find the booking" not in message.body
