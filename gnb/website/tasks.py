"""Website emails that run on the worker."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from gnb.bookings.models import Booking
from gnb.website.links import booking_manage_url


@task()
def send_manage_link(*, booking_id: int) -> None:
    """Send a booking's manage link to the address on the booking, in the booking's language."""
    booking = Booking.objects.get(pk=booking_id)
    with translation.override(booking.language):
        context = {"booking": booking, "manage_url": booking_manage_url(booking), "site_url": settings.SITE_URL}
        subject = _("The link to your booking %(reference)s") % {"reference": booking.reference}
        text = render_to_string("website/email/manage_link.txt", context)
        html = render_to_string("website/email/manage_link.html", context)
    message = EmailMultiAlternatives(
        subject, text, to=[booking.lead_email], headers={"X-GNB-Reference": booking.reference}
    )
    message.attach_alternative(html, "text/html")
    message.send()
