"""The operator's phone and WhatsApp (settings) in every email and on the voucher; left out when not configured."""

from __future__ import annotations

import pytest
from django.core import mail

from gnb.bookings.selectors import booking_detail
from gnb.notifications.services import booking_email_send, manage_link_send
from gnb.notifications.tests.test_vouchers import voucher_of
from gnb.testing.bookings import place_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def reachable(settings):
    settings.GNB_OPERATOR_PHONE = "+90 242 123 45 67"
    settings.GNB_OPERATOR_WHATSAPP = "+90 532 765 43 21"


def test_booking_emails_link_the_phone_and_whatsapp(catalog, reachable):
    booking = place_transfer(language="en")
    assert booking_email_send(booking_id=booking.pk, kind="confirmation") is True
    [message] = mail.outbox
    assert message.body.endswith(
        "\nGNB Transfer · operations@gnbtransfer.com · +90 242 123 45 67 · WhatsApp https://wa.me/905327654321"
        " · http://testserver\n"
    )
    [(html, _mimetype)] = message.alternatives
    assert 'href="tel:+902421234567"' in html
    assert (
        '<a href="https://wa.me/905327654321" style="color:#0b5c7a">WhatsApp <bdi dir="ltr">+90 532 765 43 21</bdi></a>'
        in html
    )


def test_the_manage_link_email_carries_them_too(catalog, reachable):
    booking = place_transfer(language="en")
    assert manage_link_send(booking_id=booking.pk, task_id="t1") is True
    [message] = mail.outbox
    assert "GNB Transfer · +90 242 123 45 67 · WhatsApp https://wa.me/905327654321\n" in message.body


def test_without_a_whatsapp_number_no_email_shows_an_empty_link(catalog, settings):
    settings.GNB_OPERATOR_PHONE = ""
    settings.GNB_OPERATOR_WHATSAPP = ""
    booking = place_transfer(language="en")
    booking_email_send(booking_id=booking.pk, kind="confirmation")
    [message] = mail.outbox
    [(html, _mimetype)] = message.alternatives
    assert "wa.me" not in message.body + html and "WhatsApp" not in message.body + html
    assert "tel:" not in html
    assert message.body.endswith("\nGNB Transfer · operations@gnbtransfer.com · http://testserver\n")


def test_the_voucher_prints_the_whatsapp_number(catalog, reachable):
    booking = place_transfer(language="en")
    _data, [page] = voucher_of(booking_detail(booking_id=booking.pk))
    text = " ".join(page.text)
    assert (
        "Questions or changes: operations@gnbtransfer.com, +90 242 123 45 67, WhatsApp +90 532 765 43 21; please "
        "quote your booking reference." in text
    )
