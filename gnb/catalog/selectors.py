"""Reads of the catalogue, shared by the API and the website."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.validators import slug_re
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from gnb.catalog.models import Extra, Place, Tour, TourPickupZone, VehicleClass
from gnb.catalog.translation import translated_columns
from gnb.core.errors import NotFound


def place_search(
    *, query: str = "", kind: str | None = None, tour: str | None = None, limit: int = 20
) -> QuerySet[Place]:
    """Active places whose name (any filled-in language) or IATA code matches ``query``; airports first. With
    ``tour`` (a slug), only the places in that tour's pickup zones."""
    places = Place.objects.filter(is_active=True).select_related("zone")
    if kind:
        places = places.filter(kind=kind)
    if tour:
        places = places.filter(zone__tours__slug=tour)
    query = query.strip()
    if query:
        # Every language's name, so a traveller finds "Belek" typing "Белек" whatever the page language is.
        matches = Q(iata_code__iexact=query) | Q(slug__icontains=query)
        for column in translated_columns("name"):
            # The zone's name too: "belek" finds the hotels of Belek whose names do not say so.
            matches |= Q(**{f"{column}__icontains": query}) | Q(**{f"zone__{column}__icontains": query})
        places = places.filter(matches)
    return places.order_by("kind", "-is_popular", "name")[:limit]


@dataclass(frozen=True)
class PickupOffset:
    zone_id: int
    zone_name: str
    minutes_before_departure: int


def tour_pickup_offsets(*, tour_id: int) -> dict[int, PickupOffset]:
    """The zones a tour picks up in, by zone id, each with how long before the departure it is collected
    (earliest first). One query."""
    rows = TourPickupZone.objects.filter(tour_id=tour_id, zone__is_active=True).select_related("zone")
    return {
        row.zone_id: PickupOffset(row.zone_id, row.zone.name, row.minutes_before_departure)
        for row in rows.order_by("-minutes_before_departure", "zone__sort_order")
    }


def vehicle_class_list() -> QuerySet[VehicleClass]:
    return VehicleClass.objects.filter(is_active=True)


def extra_list() -> QuerySet[Extra]:
    return Extra.objects.filter(is_active=True)


def tour_list() -> QuerySet[Tour]:
    # One prefetch serves both the zones and their pickup times (schemas.TourOut).
    return Tour.objects.filter(is_active=True).prefetch_related(
        Prefetch("pickup_times", queryset=TourPickupZone.objects.select_related("zone"))
    )


def tour_get(*, slug: str) -> Tour:
    tour = tour_list().filter(slug=slug).first() if slug_re.match(slug) else None
    if tour is None:
        raise NotFound(_("Tour not found."), field="slug")
    return tour
