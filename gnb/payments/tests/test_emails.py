"""Payment emails: payment received, payment failed (with a retry link), refund issued; once per Payment or Refund,
in the booking's language, text and HTML."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from gnb.bookings.services import Contact
from gnb.core.outbox import email_enqueue as booking_email_enqueue
from gnb.notifications.models import SentEmail
from gnb.notifications.services import booking_email_send
from gnb.payments.services import payment_confirm, payment_fail, payment_start, refund_request, refund_submit
from gnb.testing.payments import card_booking

AYSE = Contact("Ayşe Yılmaz", "ayse@example.com", "+905321234567")
LAYLA = Contact("Layla Haddad", "layla@example.com", "+905321234567")


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def started(booking):
    payment, _result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key=f"k-{booking.pk}", return_url="", cancel_url=""
    )
    return payment


@pytest.mark.django_db(transaction=True)
def test_a_payment_received_email_is_sent_once_by_the_worker_in_turkish(catalog, card_provider):
    booking = card_booking(contact=AYSE, language="tr")
    payment = payment_confirm(payment_id=started(booking).pk, amount=booking.total, currency="EUR")
    payment_confirm(payment_id=payment.pk, amount=booking.total, currency="EUR")
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    received = [m for m in mail.outbox if "ödemesi alındı" in m.subject]
    [message] = received
    assert message.subject == f"{booking.reference} numaralı rezervasyonunuzun ödemesi alındı"
    assert message.to == ["ayse@example.com"]
    assert message.body.startswith("Sayın Ayşe Yılmaz,\n")
    assert (
        f"{booking.reference} numaralı rezervasyon için 40,00 EUR tutarındaki ödemenizi aldık. Teşekkür ederiz."
        in message.body
    )
    html = html_of(message)
    assert '<html lang="tr" dir="ltr">' in html
    assert "40,00 EUR" in html
    assert message.attachments == []
    record = SentEmail.objects.get(kind="payment_received")
    assert (record.object_id, record.language, record.sent_at is not None) == (payment.pk, "tr", True)
    # The booking's confirmation (with its voucher) went out too, once.
    assert len([m for m in mail.outbox if "onaylandı" in m.subject]) == 1


def test_a_payment_failed_email_links_to_the_retry_page_in_arabic(catalog, card_provider):
    booking = card_booking(contact=LAYLA, language="ar")
    payment = payment_fail(payment_id=started(booking).pk, reason="card_declined")
    assert booking_email_send(booking_id=booking.pk, kind="payment_failed", object_id=payment.pk) is True
    assert booking_email_send(booking_id=booking.pk, kind="payment_failed", object_id=payment.pk) is False
    [message] = mail.outbox
    retry = f"http://testserver/ar/manage/{booking.reference}/{booking.manage_token}/payment/"
    assert message.subject == f"لم تتم عملية الدفع للحجز {booking.reference}"
    assert retry in message.body
    assert "لم يُخصم أي مبلغ" in message.body
    html = html_of(message)
    assert '<html lang="ar" dir="rtl">' in html
    assert f'href="{retry}"' in html
    assert "أعد محاولة الدفع" in html


def test_a_refund_issued_email_states_the_amount(catalog, card_provider):
    booking = card_booking()
    payment = payment_confirm(payment_id=started(booking).pk, amount=booking.total, currency="EUR")
    refund = refund_request(payment_id=payment.pk, amount="12.50", reason="Goodwill", actor=None, idempotency_key="r")
    refund_submit(refund_id=refund.pk)
    mail.outbox.clear()
    assert booking_email_send(booking_id=booking.pk, kind="refund_issued", object_id=refund.pk) is True
    [message] = mail.outbox
    assert message.subject == f"Refund for your booking {booking.reference}"
    assert f"We have refunded 12.50 EUR for booking {booking.reference}." in message.body
    assert "We have refunded 12.50 EUR" in html_of(message)


def test_each_attempt_gets_its_own_email_and_a_wrong_object_is_refused(catalog, card_provider):
    booking = card_booking()
    first = payment_fail(payment_id=started(booking).pk, reason="declined")
    second, _result = payment_start(
        booking_id=booking.pk, provider="stripe", idempotency_key="second", return_url="", cancel_url=""
    )
    payment_fail(payment_id=second.pk, reason="declined")
    assert booking_email_send(booking_id=booking.pk, kind="payment_failed", object_id=first.pk) is True
    assert booking_email_send(booking_id=booking.pk, kind="payment_failed", object_id=second.pk) is True
    assert len(mail.outbox) == 2
    other = card_booking()
    with pytest.raises(ValueError, match="has no payment_failed object"):
        booking_email_send(booking_id=other.pk, kind="payment_failed", object_id=first.pk)
    with pytest.raises(ValueError, match="needs object_id"):
        booking_email_enqueue(booking_id=booking.pk, kind="payment_received")
    with pytest.raises(ValueError, match="takes no object_id"):
        booking_email_enqueue(booking_id=booking.pk, kind="confirmation", object_id=first.pk)
