"""Reads of bookings, shared by the API, the back office, emails and (later) the website."""

from __future__ import annotations

import re
import secrets
from typing import cast

from django.db.models import Model, Prefetch, QuerySet
from django.utils.translation import gettext as _

from gnb.bookings.models import REFERENCE_ALPHABET, Booking, BookingExtra, TransferLeg
from gnb.core.errors import NotFound

REFERENCE = re.compile(rf"GNB-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}")


def _with_details(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    return queryset.select_related("vehicle_class", "tour_departure__tour", "pickup_place", "coupon").prefetch_related(
        Prefetch("legs", queryset=TransferLeg.objects.select_related("origin", "destination")),
        "passengers",
        Prefetch("extras", queryset=BookingExtra.objects.select_related("extra")),
        # Payment attempts and their refunds (gnb.payments), newest first: what was paid and given back.
        Prefetch("payments", queryset=_payments()),
        "payments__refunds",
    )


def _payments() -> QuerySet:
    # Payments point at bookings, not the other way round: read them through that relation, so bookings never
    # imports the app above it (the import contracts in pyproject.toml).
    payment = cast("type[Model]", Booking._meta.get_field("payments").related_model)
    return payment._default_manager.order_by("-created_at", "-pk")


def booking_detail(*, booking_id: int) -> Booking:
    """One booking with its legs, passengers, extras, payments and refunds in six queries."""
    booking = _with_details(Booking.objects.filter(pk=booking_id)).first()
    if booking is None:
        raise NotFound(_("Booking not found."))
    return booking


def booking_for_manage_token(*, reference: str, token: str, with_details: bool = True) -> Booking:
    """The booking a guest may see with the secret token from their confirmation; 404 for anything else.

    A wrong token and an unknown reference give the same answer, so references cannot be probed.
    ``with_details=False`` reads the booking row alone, for a caller that only needs to know it may act on it.
    """
    reference = reference.strip().upper()
    # Anything not shaped like a reference cannot match one (and text PostgreSQL cannot compare never reaches it).
    bookings = Booking.objects.filter(reference=reference)
    if with_details:
        bookings = _with_details(bookings)
    booking = bookings.first() if REFERENCE.fullmatch(reference) else None
    if booking is None or not token or not secrets.compare_digest(booking.manage_token.encode(), token.encode()):
        raise NotFound(_("Booking not found."), field="reference")
    return booking


def bookings_of_customer(*, user_id: int, limit: int, offset: int = 0) -> list[Booking]:
    """A signed-in customer's own bookings (``Booking.customer``), newest first, with their details."""
    return list(
        _with_details(Booking.objects.filter(customer_id=user_id)).order_by("-created_at", "-pk")[
            offset : offset + limit
        ]
    )


def bookings_of_api_key(*, api_key_id: int, limit: int, offset: int = 0) -> list[Booking]:
    """The bookings placed with one partner key, newest first, with their details."""
    return list(
        _with_details(Booking.objects.filter(api_key_id=api_key_id)).order_by("-created_at", "-pk")[
            offset : offset + limit
        ]
    )
