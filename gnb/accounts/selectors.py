"""Reads of customer accounts: finding an account by its email address, "my bookings" and the data export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.db.models.functions import Lower
from django.utils import timezone

from gnb.bookings.models import Booking, BookingExtra, TransferLeg
from gnb.catalog.translation import translated_columns


def normalise_email(email: str) -> str:
    """The form an address is compared and counted in: trimmed, lower case."""
    return email.strip().lower()


def user_by_email(*, email: str):
    """The account holding ``email`` (ignoring case), staff or not; None when there is none."""
    email = normalise_email(email)
    if not email:
        return None
    # Lower(email) = … uses the unique index on Lower(email).
    return get_user_model()._default_manager.annotate(email_lower=Lower("email")).filter(email_lower=email).first()


def username_for_identifier(*, identifier: str) -> str:
    """The username ``identifier`` names, for sign-in by username or email address: itself, or the username of the
    one account with that email address."""
    users = get_user_model()._default_manager
    if "@" in identifier and not users.filter(username=identifier).exists():
        usernames = list(users.filter(email__iexact=identifier).values_list("username", flat=True)[:2])
        if len(usernames) == 1:
            return usernames[0]
    return identifier


def customer_by_email(*, email: str):
    """The website account (not staff, not a superuser) holding ``email``; None when there is none."""
    user = user_by_email(email=email)
    if user is None or user.is_staff or user.is_superuser:
        return None
    return user


def _names(relation: str) -> tuple[str, ...]:
    """A translated name's columns through ``relation``: it is read in the visitor's language or the fallback one."""
    return tuple(f"{relation}__{name}" for name in translated_columns("name"))


# Past bookings per page of "my bookings": a loyal customer has ~300, more than a phone should scroll or a page draw.
PAST_PER_PAGE = 20


@dataclass(frozen=True)
class CustomerBookings:
    """What "my bookings" shows: every upcoming booking (soonest first, on the first page only) and one page of the
    past ones (latest first), with whether there are older ones beyond it."""

    upcoming: list[Booking]
    past: list[Booking]
    page: int
    has_older: bool

    @property
    def has_newer(self) -> bool:
        return self.page > 1


def customer_bookings(*, user) -> QuerySet[Booking]:
    """The bookings linked to ``user``, with only what "my bookings" shows of each: reference, status, the tour's
    name, the start (each ride's ends are prefetched by :func:`customer_bookings_page`)."""
    return (
        Booking.objects.filter(customer_id=user.pk)
        .select_related("tour_departure__tour")
        .only("reference", "kind", "status", "starts_at", "tour_departure__id", *_names("tour_departure__tour"))
    )


def customer_bookings_page(*, user, page: int = 1, now: dt.datetime | None = None) -> CustomerBookings | None:
    """``user``'s upcoming bookings and the ``page``-th page (from 1) of their past ones; None when that page is
    past the last one (the first page is always there, empty or not).

    No count: one row more than a page says whether older ones follow. The rides of both lists are read in one
    query, so the page costs the same few queries whatever the number of bookings."""
    now = now or timezone.now()
    mine = customer_bookings(user=user)
    # The first page shows what is ahead; the next ones only older rides.
    upcoming = list(mine.filter(starts_at__gte=now).order_by("starts_at", "pk")) if page == 1 else []
    start = (page - 1) * PAST_PER_PAGE
    past = list(mine.filter(starts_at__lt=now).order_by("-starts_at", "-pk")[start : start + PAST_PER_PAGE + 1])
    if page > 1 and not past:
        return None
    shown = past[:PAST_PER_PAGE]
    legs = TransferLeg.objects.select_related("origin", "destination").only(
        "booking", "sequence", *_names("origin"), *_names("destination")
    )
    prefetch_related_objects(upcoming + shown, Prefetch("legs", queryset=legs))
    return CustomerBookings(upcoming=upcoming, past=shown, page=page, has_older=len(past) > PAST_PER_PAGE)


def customer_booking(*, user, reference: str) -> Booking | None:
    """``user``'s own booking with this reference; None for anyone else's (the caller answers 404)."""
    return Booking.objects.filter(customer_id=user.pk, reference=reference.strip().upper()).first()


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def bookings_data_export(bookings: QuerySet[Booking]) -> list[dict[str, Any]]:
    """Each of ``bookings`` as plain JSON data, as a data export shows it (an account's, or a privacy request's)."""
    bookings = (
        bookings.select_related("vehicle_class", "tour_departure__tour", "coupon")
        .prefetch_related(
            Prefetch("legs", queryset=TransferLeg.objects.select_related("origin", "destination")),
            "passengers",
            Prefetch("extras", queryset=BookingExtra.objects.select_related("extra")),
            "events",
        )
        .order_by("created_at", "pk")
    )

    return [
        {
            "reference": booking.reference,
            "kind": booking.kind,
            "status": booking.status,
            "payment_method": booking.payment_method,
            "payment_state": booking.payment_state,
            "created_at": _when(booking.created_at),
            "starts_at": _when(booking.starts_at),
            "lead_name": booking.lead_name,
            "lead_email": booking.lead_email,
            "lead_phone": booking.lead_phone,
            "language": booking.language,
            "notes": booking.notes,
            "adults": booking.adults,
            "children": booking.children,
            "infants": booking.infants,
            "luggage": booking.luggage,
            "vehicle_class": booking.vehicle_class.code if booking.vehicle_class else None,
            "tour": booking.tour_departure.tour.slug if booking.tour_departure else None,
            "pickup_point": booking.pickup_point,
            "currency": booking.currency,
            "total": str(booking.total),
            "cancellation_fee": None if booking.cancellation_fee is None else str(booking.cancellation_fee),
            "cancelled_at": _when(booking.cancelled_at),
            "legs": [
                {
                    "sequence": leg.sequence,
                    "origin": str(leg.origin),
                    "destination": str(leg.destination),
                    "pickup_at": _when(leg.pickup_at),
                    "pickup_point": leg.pickup_point,
                    "flight_number": leg.flight_number,
                    "flight_arrival_at": _when(leg.flight_arrival_at),
                    "flight_departure_at": _when(leg.flight_departure_at),
                }
                for leg in booking.legs.all()
            ],
            "passengers": [
                {"first_name": p.first_name, "last_name": p.last_name, "category": p.category}
                for p in booking.passengers.all()
            ],
            "extras": [
                {"code": extra.extra.code, "quantity": extra.quantity, "total": str(extra.total)}
                for extra in booking.extras.all()
            ],
            "events": [
                {
                    "at": _when(event.created_at),
                    "kind": event.kind,
                    "from_status": event.from_status,
                    "to_status": event.to_status,
                    "reason": event.reason,
                }
                for event in booking.events.all()
            ],
        }
        for booking in bookings
    ]


def customer_data_export(*, user, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything kept about ``user`` as plain JSON data: the account, saved passengers and linked bookings."""
    now = now or timezone.now()
    return {
        "exported_at": now.isoformat(),
        "account": {
            "email": user.email,
            "email_verified_at": _when(user.email_verified_at),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "preferred_language": user.preferred_language,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        },
        "saved_passengers": [
            {
                "first_name": passenger.first_name,
                "last_name": passenger.last_name,
                "category": passenger.category,
                "birth_year": passenger.birth_year,
            }
            for passenger in user.saved_passengers.order_by("created_at", "pk")
        ],
        "bookings": bookings_data_export(Booking.objects.filter(customer_id=user.pk)),
    }


def customer_saved_passengers(*, user) -> list[Any]:
    """A customer's saved passengers in the order saved: the booking form offers them to put in a row in one tap."""
    return list(user.saved_passengers.order_by("created_at", "pk").only("first_name", "last_name", "category"))


def customer_booking_prefill(*, user, categories: list[str]) -> dict[str, str]:
    """What the booking form can start with for a signed-in customer: themselves as passenger 1 (the lead contact)
    with their verified address, then their saved passengers' names in the other rows of the same age group, in
    the order saved (a saved passenger with the customer's own name is not put in twice).

    Keys are the booking form's field names (``email``, ``passenger_<n>_first_name`` …).
    """
    initial: dict[str, str] = {}
    if user.email_verified:
        initial["email"] = user.email
    holder = (user.first_name.strip(), user.last_name.strip())
    rows = list(enumerate(categories))
    if all(holder) and categories and categories[0] == "adult":
        initial["passenger_0_first_name"], initial["passenger_0_last_name"] = holder
        rows = rows[1:]
    saved: dict[str, list[Any]] = {}
    for passenger in user.saved_passengers.order_by("created_at", "pk"):
        if (passenger.first_name, passenger.last_name) == holder and "passenger_0_first_name" in initial:
            continue
        saved.setdefault(passenger.category, []).append(passenger)
    for index, category in rows:
        if saved.get(category):
            passenger = saved[category].pop(0)
            initial[f"passenger_{index}_first_name"] = passenger.first_name
            initial[f"passenger_{index}_last_name"] = passenger.last_name
    return initial
