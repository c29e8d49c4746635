"""Absolute links into the public website, for emails, vouchers and calendar entries."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from gnb.bookings.models import Booking


def booking_manage_path(booking: Booking) -> str:
    """The site path where the traveller views, changes or cancels ``booking``, in the booking's language."""
    with translation.override(booking.language):
        return reverse("website:manage", kwargs={"reference": booking.reference, "token": booking.manage_token})


def booking_manage_url(booking: Booking) -> str:
    """``booking_manage_path`` on the public site address (``SITE_URL``)."""
    return settings.SITE_URL + booking_manage_path(booking)


def booking_payment_url(booking: Booking) -> str:
    """The page where the traveller sees whether their payment went through, and tries again if it did not."""
    with translation.override(booking.language):
        path = reverse("website:payment", kwargs={"reference": booking.reference, "token": booking.manage_token})
    return settings.SITE_URL + path
