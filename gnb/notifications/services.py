"""Emails to travellers, rendered in the booking's language, text and HTML."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gnb.bookings.selectors import booking_detail
from gnb.notifications.models import SentEmail

logger = logging.getLogger(__name__)

SUBJECTS = {
    "confirmation": lambda b: _("Your booking %(reference)s is confirmed") % {"reference": b.reference},
    "cancellation": lambda b: _("Your booking %(reference)s is cancelled") % {"reference": b.reference},
}


def booking_email_send(*, booking_id: int, kind: str) -> bool:
    """Send the ``kind`` email of a booking once. Returns False when it had already been sent."""
    if kind not in SUBJECTS:
        raise ValueError(f"unknown booking email kind {kind!r}")
    booking = booking_detail(booking_id=booking_id)
    record, _created = SentEmail.objects.get_or_create(
        booking=booking, kind=kind, defaults={"recipient": booking.lead_email, "language": booking.language}
    )
    if record.sent_at is not None:
        return False
    with translation.override(booking.language):
        context = {
            "booking": booking,
            "site_url": settings.SITE_URL,
            "operator_email": settings.GNB_OPERATOR_EMAIL,
        }
        subject = SUBJECTS[kind](booking)
        text = render_to_string(f"notifications/email/{kind}.txt", context)
        html = render_to_string(f"notifications/email/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject, text, to=[booking.lead_email], headers={"X-GNB-Reference": booking.reference}
    )
    message.attach_alternative(html, "text/html")
    message.send()
    with transaction.atomic():
        SentEmail.objects.filter(pk=record.pk, sent_at__isnull=True).update(sent_at=timezone.now())
    logger.info("booking email sent", extra={"reference": booking.reference, "kind": kind})
    return True
