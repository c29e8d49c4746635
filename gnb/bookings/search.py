"""Finding bookings by what a caller gives on the phone: reference, name, email, phone, flight, hotel or tour.

Each field is searched on its own table with ``ILIKE '%term%'``, which PostgreSQL answers from a trigram (GIN) index
(migration ``booking_search_trigram_indexes``); the matches are united into one set of booking ids. The admin's own
search ORs ``UPPER(col) LIKE`` across joins of legs and passengers, which no index serves and which needs DISTINCT
over the joined rows: seconds on a million bookings.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from gnb.bookings.models import Booking
from gnb.catalog.models import Place, Tour


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def bookings_matching(queryset: QuerySet[Booking], search: str) -> QuerySet[Booking]:
    """``queryset`` narrowed to the bookings where every word of ``search`` is found in one of the searched fields."""
    for term in search.split():
        queryset = queryset.filter(_term_filter(term))
    return queryset


def _term_filter(term: str) -> Q:
    # Places and tours are a few hundred rows: their ids are read first, so the legs are searched by index.
    place_ids = list(Place.objects.filter(name__icontains=term).values_list("pk", flat=True)[:200])
    tour_ids = list(Tour.objects.filter(name__icontains=term).values_list("pk", flat=True)[:50])
    if connection.vendor != "postgresql":
        # SQLite (development, tests): the same fields, by the ORM.
        condition = (
            Q(reference__icontains=term)
            | Q(lead_name__icontains=term)
            | Q(lead_email__icontains=term)
            | Q(lead_phone__icontains=term)
            | Q(pk__in=_passenger_ids(term))
            | Q(pk__in=_leg_ids(term, place_ids))
        )
        if tour_ids:
            condition |= Q(tour_departure__tour_id__in=tour_ids)
        return condition
    like = _like(term)
    parts = [
        "SELECT id FROM bookings_booking WHERE reference ILIKE %s OR lead_name ILIKE %s OR lead_email ILIKE %s"
        " OR lead_phone ILIKE %s",
        "SELECT booking_id FROM bookings_passenger WHERE first_name ILIKE %s OR last_name ILIKE %s",
        "SELECT booking_id FROM bookings_transferleg WHERE flight_number ILIKE %s OR pickup_point ILIKE %s",
    ]
    params: list[object] = [like] * 8
    if place_ids:
        parts.append(
            "SELECT booking_id FROM bookings_transferleg WHERE origin_id = ANY(%s) OR destination_id = ANY(%s)"
        )
        params += [place_ids, place_ids]
    if tour_ids:
        parts.append(
            "SELECT b.id FROM bookings_booking b JOIN catalog_tourdeparture d ON d.id = b.tour_departure_id"
            " WHERE d.tour_id = ANY(%s)"
        )
        params.append(tour_ids)
    # Fixed SQL text; the search term and ids travel as bound parameters.
    return Q(pk__in=RawSQL(" UNION ".join(parts), params))  # noqa: S611


def _passenger_ids(term: str) -> QuerySet:
    from gnb.bookings.models import Passenger

    return Passenger.objects.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term)).values("booking_id")


def _leg_ids(term: str, place_ids: list[int]) -> QuerySet:
    from gnb.bookings.models import TransferLeg

    condition = Q(flight_number__icontains=term) | Q(pickup_point__icontains=term)
    if place_ids:
        condition |= Q(origin_id__in=place_ids) | Q(destination_id__in=place_ids)
    return TransferLeg.objects.filter(condition).values("booking_id")
