"""Absolute links into the public website, for emails, vouchers, calendar entries and API answers.

Below every app that builds one (notifications, payments, the website itself), so none of them imports a front end
for it; the website's URL names are the only thing known of it here.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.urls import reverse
from django.utils import translation


class LinkedBooking(Protocol):
    """What a link needs of a booking (``gnb.bookings.models.Booking`` has it)."""

    reference: str
    manage_token: str
    language: str


def booking_manage_path(booking: LinkedBooking) -> str:
    """The site path where the traveller views, changes or cancels ``booking``, in the booking's language."""
    with translation.override(booking.language):
        return reverse("website:manage", kwargs={"reference": booking.reference, "token": booking.manage_token})


def booking_manage_url(booking: LinkedBooking) -> str:
    """``booking_manage_path`` on the public site address (``SITE_URL``)."""
    return settings.SITE_URL + booking_manage_path(booking)


def booking_payment_url(booking: LinkedBooking) -> str:
    """The page where the traveller sees whether their payment went through, and tries again if it did not."""
    with translation.override(booking.language):
        path = reverse("website:payment", kwargs={"reference": booking.reference, "token": booking.manage_token})
    return settings.SITE_URL + path
