"""Reads of the catalogue, shared by the API and the website."""

from __future__ import annotations

import datetime as dt

from django.core.validators import slug_re
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.bookings.models import Booking
from gnb.bookings.policies import HOLDS_CAPACITY
from gnb.catalog.models import Extra, Place, Tour, TourDeparture, VehicleClass
from gnb.catalog.translation import translated_columns
from gnb.core.errors import NotFound, ValidationFailed


def place_search(*, query: str = "", kind: str | None = None, limit: int = 20) -> QuerySet[Place]:
    """Active places whose name (any filled-in language) or IATA code matches ``query``; airports first."""
    places = Place.objects.filter(is_active=True).select_related("zone")
    if kind:
        places = places.filter(kind=kind)
    query = query.strip()
    if query:
        # Every language's name, so a traveller finds "Belek" typing "Белек" whatever the page language is.
        matches = Q(iata_code__iexact=query) | Q(slug__icontains=query)
        for column in translated_columns("name"):
            matches |= Q(**{f"{column}__icontains": query})
        places = places.filter(matches)
    return places.order_by("kind", "-is_popular", "name")[:limit]


def vehicle_class_list() -> QuerySet[VehicleClass]:
    return VehicleClass.objects.filter(is_active=True)


def extra_list() -> QuerySet[Extra]:
    return Extra.objects.filter(is_active=True)


def tour_list() -> QuerySet[Tour]:
    return Tour.objects.filter(is_active=True).prefetch_related("pickup_zones")


def tour_get(*, slug: str) -> Tour:
    tour = tour_list().filter(slug=slug).first() if slug_re.match(slug) else None
    if tour is None:
        raise NotFound(_("Tour not found."), field="slug")
    return tour


def _as_utc(value: dt.datetime, field_name: str) -> dt.datetime:
    """A naive bound is local time (tours run on the site's time zone); out-of-calendar values are refused."""
    try:
        return (timezone.make_aware(value) if timezone.is_naive(value) else value).astimezone(dt.UTC)
    except OverflowError:
        raise ValidationFailed([(field_name, _("This date is out of range."))]) from None


def departures_with_availability(
    *, tour: Tour, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> QuerySet[TourDeparture]:
    """Upcoming open departures annotated with ``seats_left``, computed from live bookings (no counter)."""
    taken = (
        Booking.objects.filter(tour_departure=OuterRef("pk"), status__in=HOLDS_CAPACITY)
        .order_by()
        .values("tour_departure")
        .annotate(seats=Sum(F("adults") + F("children") + F("infants")))
        .values("seats")
    )
    now = timezone.now()
    departures = TourDeparture.objects.filter(
        tour=tour, is_active=True, starts_at__gt=now + dt.timedelta(hours=tour.booking_cutoff_hours)
    )
    if start:
        departures = departures.filter(starts_at__gte=_as_utc(start, "from"))
    if end:
        departures = departures.filter(starts_at__lt=_as_utc(end, "to"))
    return departures.annotate(
        seats_taken=Coalesce(Subquery(taken, output_field=IntegerField()), Value(0)),
        seats_left=F("capacity") - F("seats_taken"),
    ).order_by("starts_at")
