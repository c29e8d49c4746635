"""Booking emails: queued after commit, sent by the database task worker, once, in the booking's language."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import BookingEvent
from gnb.bookings.quotes import ExtraRequest
from gnb.bookings.selectors import booking_detail
from gnb.bookings.services import Actor, Contact, FlightInput, LegDetails, booking_cancel, booking_update_details
from gnb.core.outbox import email_enqueue as booking_email_enqueue
from gnb.notifications.calendar import booking_ics
from gnb.notifications.models import SentEmail
from gnb.notifications.services import booking_email_send
from gnb.notifications.tasks import send_booking_email
from gnb.notifications.vouchers import booking_voucher_pdf
from gnb.testing.bookings import place_tour, place_transfer, place_transfer_to_the_airport_in, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.pdf import read_pages

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
    assert "  Transfer: €40,00\n" in text
    assert "Toplam: €40,00 (Sürücüye nakit)" in text
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
    assert "Adults × 2: €90.00" in message.body
    assert "Perge &amp; Aspendos" in html_of(message)


def test_an_unknown_email_kind_is_a_programming_error(catalog):
    booking = place_transfer()
    with pytest.raises(ValueError, match="unknown booking email kind 'reminder'"):
        booking_email_send(booking_id=booking.pk, kind="reminder")
    assert mail.outbox == []


# --- manage link, voucher and calendar attachments --------------------------------------------------------
def attachment_parts(message) -> list[tuple[str, dict[str, str], str]]:
    """Each attachment of the MIME message as sent: content type, its parameters, file name."""
    return [
        (part.get_content_type(), dict(part.get_params()[1:]), part.get_filename())
        for part in message.message().walk()
        if part.get_content_disposition() == "attachment"
    ]


def manage_url_of(booking) -> str:
    return f"http://testserver/{booking.language}/manage/{booking.reference}/{booking.manage_token}/"


@worker_test
def test_the_confirmation_carries_the_manage_link_the_voucher_and_the_calendar_file(
    catalog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = place_transfer(contact=AYSE, language="tr")
    run_worker()

    [message] = mail.outbox
    manage_url = manage_url_of(booking)
    assert (message.subject, message.to, message.reply_to) == (
        f"{booking.reference} numaralı rezervasyonunuz onaylandı",
        ["ayse@example.com"],
        ["operations@gnbtransfer.com"],
    )
    assert f"\n{manage_url}\n" in message.body
    assert f'<a href="{manage_url}"' in html_of(message)
    [(pdf_name, pdf, pdf_type), (ics_name, ics, ics_type)] = message.attachments
    assert (pdf_name, pdf_type, ics_name, ics_type) == (
        f"{booking.reference}.pdf",
        "application/pdf",
        f"{booking.reference}.ics",
        "text/calendar; method=PUBLISH",
    )
    assert pdf.startswith(b"%PDF-")
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert (event["uid"], str(event["url"]), str(event["status"])) == (
        f"{booking.reference}-1@testserver",
        manage_url,
        "CONFIRMED",
    )
    assert attachment_parts(message) == [
        ("application/pdf", {}, f"{booking.reference}.pdf"),
        ("text/calendar", {"method": "PUBLISH", "charset": "utf-8"}, f"{booking.reference}.ics"),
    ]


def test_the_confirmation_lists_every_detail(catalog, settings):
    settings.GNB_FREE_CANCELLATION_HOURS = 24
    settings.GNB_OPERATOR_PHONE = "+90 242 123 45 67"
    request = transfer_request(luggage=2, extras=[ExtraRequest("child_seat", 1)])
    booking = place_transfer(request, language="en", pickup_point="Arrivals hall, exit 2", notes="Two surfboards")
    assert booking_email_send(booking_id=booking.pk, kind="confirmation") is True
    [message] = mail.outbox
    pickup = timezone.localtime(booking.starts_at)
    deadline = pickup - dt.timedelta(hours=24)
    for line in [
        "View, change or cancel your booking:\n" + manage_url_of(booking) + "\n",
        "Ride 1: Antalya Airport → Regnum Carya\n",
        f"  Pickup: {pickup:%a}, {pickup.day} {pickup:%b %Y, %H:%M} (Europe/Istanbul)\n",
        "  Flight TK2412, lands 14:00\n",
        "  Pickup point: Arrivals hall, exit 2\n",
        "Vehicle: Sedan\nLuggage: 2\n",
        "Extras:\n  - 1 × Child seat\n",
        "Lead traveller: Anna Smith · anna@example.com · +447911123456\nNotes: Two surfboards\n",
        "Total: €45.00 (Cash to the driver)\nPayment status: Unpaid\n",
        f"Free cancellation until {deadline:%a}, {deadline.day} {deadline:%b %Y, %H:%M} (Europe/Istanbul). "
        "After that, cancelling costs 50% of the total; once the trip has started it cannot be cancelled.\n",
        "Your voucher (PDF) and a calendar entry are attached.",
    ]:
        assert line in message.body, line
    assert message.body.endswith(
        "\nGNB Transfer · operations@gnbtransfer.com · +90 242 123 45 67 · http://testserver\n"
    )
    html = html_of(message)
    assert "Arrivals hall, exit 2" in html and "Two surfboards" in html and "Cash to the driver · Unpaid" in html
    assert '<a href="tel:+902421234567" style="color:#0b5c7a">+90 242 123 45 67</a>' in html


@worker_test
def test_a_cancellation_email_carries_the_calendar_file_that_cancels_the_event(
    catalog, django_capture_on_commit_callbacks
):
    booking = place_transfer(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking_id=booking.pk, actor=Actor("traveller"), by_traveller=True)
    run_worker()

    [message] = [message for message in mail.outbox if "cancelled" in message.subject]
    assert message.subject == f"Your booking {booking.reference} is cancelled"
    assert "No cancellation fee applies." in message.body
    assert f"View your booking:\n{manage_url_of(booking)}\n" in message.body
    assert f'<a href="{manage_url_of(booking)}"' in html_of(message)
    assert attachment_parts(message) == [
        ("text/calendar", {"method": "PUBLISH", "charset": "utf-8"}, f"{booking.reference}.ics"),
    ]
    [(_name, ics, _type)] = message.attachments
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert (event["uid"], event["sequence"], str(event["status"])) == (
        f"{booking.reference}-1@testserver",
        1,
        "CANCELLED",
    )


# --- details changed --------------------------------------------------------------------------------------
def change_event(booking) -> BookingEvent:
    return booking.events.filter(kind=BookingEvent.Kind.CHANGED).latest("created_at", "pk")


@worker_test
def test_each_change_of_details_gets_its_own_email_once(catalog):
    booking = place_transfer(language="en")
    booking_update_details(
        booking_id=booking.pk,
        actor=Actor("traveller"),
        by_traveller=True,
        contact=Contact("Anna Smith", "anna.new@example.com", "+44 7911 123456"),
    )
    first = change_event(booking)
    booking_update_details(
        booking_id=booking.pk,
        actor=Actor("traveller"),
        by_traveller=True,
        notes="Wheelchair",
        legs={1: LegDetails(flight=FlightInput("PC 1234", booking.starts_at - dt.timedelta(minutes=20)))},
    )
    second = change_event(booking)
    # Each change queued its own email when it committed; the first one is queued a second time, as a retried
    # request would.
    with transaction.atomic():
        booking_email_enqueue(booking_id=booking.pk, kind="change", event_id=first.pk)
    # Placing the booking queued its confirmation (the test commits like production), each change its email.
    queued = [task.args_kwargs["kwargs"] for task in DBTaskResult.objects.all()]
    assert sorted(queued, key=lambda kwargs: (kwargs["kind"], kwargs.get("event_id", 0))) == [
        {"booking_id": booking.pk, "kind": "change", "event_id": first.pk},
        {"booking_id": booking.pk, "kind": "change", "event_id": first.pk},
        {"booking_id": booking.pk, "kind": "change", "event_id": second.pk},
        {"booking_id": booking.pk, "kind": "confirmation"},
    ]

    run_worker()

    subject = f"Your booking {booking.reference} has been changed"
    # The worker runs the tasks in the order they were queued; each email goes to the address the booking has then.
    assert [(message.subject, message.to) for message in mail.outbox] == [
        (f"Your booking {booking.reference} is confirmed", ["anna.new@example.com"]),
        (subject, ["anna.new@example.com", "anna@example.com"]),
        (subject, ["anna.new@example.com"]),
    ]
    _confirmation, email_change, flight_change = mail.outbox
    assert "The details of your booking" in email_change.body and "\nChanged: Email\n" in email_change.body
    assert "\nChanged: Flight, Notes\n" in flight_change.body
    assert "Flight PC1234, lands" in flight_change.body
    assert f"\n{manage_url_of(booking)}\n" in flight_change.body
    assert [(name, kind) for name, _content, kind in flight_change.attachments] == [
        (f"{booking.reference}.pdf", "application/pdf"),
        (f"{booking.reference}.ics", "text/calendar; method=PUBLISH"),
    ]
    [event] = icalendar.Calendar.from_ical(flight_change.attachments[1][1]).walk("VEVENT")
    assert event["sequence"] == 2
    assert sorted(SentEmail.objects.values_list("kind", "event", "recipient")) == [
        ("change", first.pk, "anna.new@example.com"),
        ("change", second.pk, "anna.new@example.com"),
        ("confirmation", None, "anna.new@example.com"),
    ]
    # The first change, queued twice, was sent once.
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == [False, True, True, True]


def test_an_email_is_queued_in_the_transaction_of_its_change(catalog, django_capture_on_commit_callbacks):
    """The outbox: the task row is written with the change, so both commit or neither, and nothing waits for an
    after-commit callback that a dying process would never run."""
    booking = place_transfer(language="en")
    DBTaskResult.objects.all().delete()  # the confirmation placing it queued
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        booking_email_enqueue(booking_id=booking.pk, kind="confirmation")
        task = DBTaskResult.objects.get()
    assert callbacks == []
    assert (task.task_path, task.args_kwargs["kwargs"]) == (
        "gnb.notifications.tasks.send_booking_email",
        {"booking_id": booking.pk, "kind": "confirmation"},
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        booking_email_enqueue(booking_id=booking.pk, kind="cancellation")
        raise RuntimeError("the change fails")
    assert DBTaskResult.objects.count() == 1


def test_a_change_email_names_its_change_and_other_emails_do_not(catalog):
    booking = place_transfer()
    other = place_transfer()
    booking_update_details(booking_id=other.pk, actor=Actor("traveller"), notes="Late arrival")
    with pytest.raises(ValueError, match="a 'change' email needs event_id"):
        booking_email_enqueue(booking_id=booking.pk, kind="change")
    with pytest.raises(ValueError, match="a 'confirmation' email takes no event_id"):
        booking_email_enqueue(booking_id=booking.pk, kind="confirmation", event_id=1)
    with pytest.raises(ValueError, match="unknown email kind 'reminder'"):
        booking_email_enqueue(booking_id=booking.pk, kind="reminder")
    with pytest.raises(ValueError, match=f"booking {booking.pk} has no change event {change_event(other).pk}"):
        booking_email_send(booking_id=booking.pk, kind="change", event_id=change_event(other).pk)
    assert mail.outbox == []
    assert SentEmail.objects.count() == 0


def test_a_booking_inside_the_free_window_is_told_the_fee_not_a_deadline_already_past(catalog, settings):
    settings.GNB_FREE_CANCELLATION_HOURS = 24
    booking = place_transfer_to_the_airport_in(hours=6)  # free cancellation ended 18 hours ago
    assert booking_email_send(booking_id=booking.pk, kind="confirmation") is True
    [message] = mail.outbox
    assert "Free cancellation until" not in message.body
    assert (
        "Free cancellation is no longer possible: cancelling now costs €20.00 (50% of the total); "
        "once the trip has started it cannot be cancelled." in message.body
    )


def test_a_drop_off_states_the_departure_flight_in_the_email_voucher_and_calendar(catalog):
    pickup = future_local(days=20, hour=9, minute=15)
    request = transfer_request(origin="regnum-carya", destination="ayt", pickup_at=pickup)
    departure = FlightInput("PC2010", departure_at=pickup.replace(hour=12, minute=0))
    booking = place_transfer(request, language="en", flight=departure)
    assert booking_email_send(booking_id=booking.pk, kind="confirmation") is True
    [message] = mail.outbox
    assert "  Flight PC2010, departs 12:00\n" in message.body
    assert "PC2010</bdi>, departs 12:00" in html_of(message)
    [page] = read_pages(booking_voucher_pdf(booking_detail(booking_id=booking.pk)))
    assert "PC2010, departs 12:00" in page.text
    [event] = icalendar.Calendar.from_ical(booking_ics(booking_detail(booking_id=booking.pk))).walk("VEVENT")
    assert "Flight PC2010, departs 12:00" in str(event["description"])
