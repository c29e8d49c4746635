"""Writes the website makes beyond the booking services: sending a traveller the link to their booking."""

from __future__ import annotations

import logging

from gnb.bookings.models import Booking
from gnb.bookings.selectors import REFERENCE
from gnb.core.outbox import EmailKind, email_enqueue

logger = logging.getLogger(__name__)


def manage_link_request(*, reference: str, email: str) -> None:
    """Email the manage link of the booking with this reference, if the address is the booking's own.

    The caller answers the same either way, so the form cannot be used to find out which references exist or
    whose email is on them; the link only ever goes to the address already on the booking.
    """
    reference = reference.strip().upper()
    if not REFERENCE.fullmatch(reference):
        return
    booking_id = (
        Booking.objects.filter(reference=reference, lead_email__iexact=email.strip())
        .values_list("pk", flat=True)
        .first()
    )
    if booking_id is None:
        logger.info("manage link requested for no matching booking")
        return
    email_enqueue(kind=EmailKind.MANAGE_LINK, booking_id=booking_id)
