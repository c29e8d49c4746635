"""Booking emails: queued after commit, sent by the database task worker, once, in the booking's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from gnb.bookings.services import Actor, Contact, booking_cancel
from gnb.bookings.tests.test_services import place_tour, place_transfer
from gnb.notifications.models import SentEmail
from gnb.notifications.services import booking_email_send
from gnb.notifications.tasks import send_booking_email

AYSE = Contact("Ayşe Yılmaz", "ayse@example.com", "+905321234567")


# The worker closes and reopens its database connection as in production, so it must find committed rows.
worker_test = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


@worker_test
def test_a_confirmed_booking_is_emailed_by_the_worker_in_turkish(catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = place_transfer(contact=AYSE, language="tr")
    task = DBTaskResult.objects.get()
    assert (task.status, task.task_path) == ("READY", "gnb.notifications.tasks.send_booking_email")
    assert task.args_kwargs["kwargs"] == {"booking_id": booking.pk, "kind": "confirmation"}
    assert mail.outbox == []

    run_worker()

    task.refresh_from_db()
    assert (task.status, task.return_value) == ("SUCCESSFUL", True)
    [message] = mail.outbox
    assert message.to == ["ayse@example.com"]
    assert message.subject == f"{booking.reference} numaralı rezervasyonunuz onaylandı"
    assert message.extra_headers["X-GNB-Reference"] == booking.reference
    text = message.body
    assert text.startswith("Sayın Ayşe Yılmaz,\n")
    assert "Rezervasyonunuz onaylandı." in text
    assert f"Rezervasyon numarası: {booking.reference}" in text
    assert "Durum: Onaylandı" in text
    assert "Antalya Airport → Regnum Carya" in text
    assert "Uçuş TK2412" in text
    assert "- Anna Smith (Yetişkin)" in text
    # Amounts are written the Turkish way, the stored lines and the total alike.
    assert "  Transfer: 40,00 EUR\n" in text
    assert "Toplam: 40,00 EUR (Sürücüye nakit)" in text
    html = html_of(message)
    assert '<html lang="tr" dir="ltr">' in html
    assert "<p>Sayın Ayşe Yılmaz,</p>" in html
    assert f'<strong style="font-size:18px;letter-spacing:1px">{booking.reference}</strong>' in html
    assert "Toplam" in html
    assert SentEmail.objects.get().language == "tr"


@worker_test
def test_an_english_booking_gets_an_english_email(catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = place_transfer(language="en")
    run_worker()
    [message] = mail.outbox
    assert message.subject == f"Your booking {booking.reference} is confirmed"
    assert message.body.startswith("Dear Anna Smith,\n\nThank you for booking with GNB Transfer.")
    assert '<html lang="en" dir="ltr">' in html_of(message)


@worker_test
def test_an_arabic_email_is_laid_out_right_to_left(catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        place_transfer(language="ar")
    run_worker()
    [message] = mail.outbox
    assert '<html lang="ar" dir="rtl">' in html_of(message)


@worker_test
def test_running_the_email_task_twice_sends_one_email(catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = place_transfer(language="tr")
    send_booking_email.enqueue(booking_id=booking.pk, kind="confirmation")
    assert DBTaskResult.objects.count() == 2

    run_worker()

    assert len(mail.outbox) == 1
    assert sorted(DBTaskResult.objects.values_list("status", "return_value")) == [
        ("SUCCESSFUL", False),
        ("SUCCESSFUL", True),
    ]
    sent = SentEmail.objects.get()
    assert (sent.booking, sent.kind, sent.recipient) == (booking, "confirmation", "anna@example.com")
    assert sent.sent_at is not None


@worker_test
def test_a_cancellation_email_states_the_fee(catalog, settings, django_capture_on_commit_callbacks):
    settings.GNB_FREE_CANCELLATION_HOURS = 24
    booking = place_transfer(contact=AYSE, language="tr")
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(
            booking_id=booking.pk,
            actor=Actor("traveller"),
            by_traveller=True,
            now=booking.starts_at - dt.timedelta(hours=2),
        )
    run_worker()
    assert sorted(message.subject for message in mail.outbox) == [
        f"{booking.reference} numaralı rezervasyonunuz iptal edildi",
        f"{booking.reference} numaralı rezervasyonunuz onaylandı",
    ]
    [message] = [message for message in mail.outbox if "iptal" in message.subject]
    assert "İptal koşullarımız gereğince 20,00 EUR iptal ücreti uygulanır." in message.body
    assert "Durum: İptal edildi" in message.body
    assert "20,00 EUR" in html_of(message)


def test_a_tour_email_names_the_tour_and_its_departure(catalog):
    booking = place_tour(catalog.departure, adults=2, children=1, language="en")
    assert booking_email_send(booking_id=booking.pk, kind="confirmation") is True
    [message] = mail.outbox
    assert "Tour: Perge & Aspendos" in message.body
    assert "Adults × 2: 90.00 EUR" in message.body
    assert "Perge &amp; Aspendos" in html_of(message)


def test_an_unknown_email_kind_is_a_programming_error(catalog):
    booking = place_transfer()
    with pytest.raises(ValueError, match="unknown booking email kind 'reminder'"):
        booking_email_send(booking_id=booking.pk, kind="reminder")
    assert mail.outbox == []
