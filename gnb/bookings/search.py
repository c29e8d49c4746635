"""Finding bookings by what a caller gives on the phone: reference, name, email, phone, flight, hotel or tour.

Each field is searched on its own table with ``ILIKE '%term%'``, which PostgreSQL answers from a trigram (GIN) index
(migration ``booking_search_trigram_indexes``); the matches are united into one set of booking ids. The admin's own
search ORs ``UPPER(col) LIKE`` across joins of legs and passengers, which no index serves and which needs DISTINCT
over the joined rows: seconds on a million bookings.

The list asks its queryset five times on one page (the capped count, the rides ahead, the page's rows, the first
and the last pickup for the date bar), and each of those would gather the matches again: a common surname is tens of
thousands of passengers, read from the heap to recheck the trigram match (~0.7 s each on a million bookings). So the
ids are gathered once, here, and the list's queries read ``id = ANY(ids)``: the count an index range on the primary
key, the rows a walk of the pickup-time index that stops at the page. Only a word found in more than
``MOST_MATCHES_GATHERED`` rows (a letter or two) keeps the matching as a subquery of each query.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.db.models.expressions import RawSQL

from gnb.bookings.models import Booking
from gnb.catalog.models import Place, Tour

# Matching rows (a booking found by its lead and two passengers is three) read before a word counts as too common to
# pass its ids to the list's queries: 200,000 ids are ~1.5 MB of SQL in each of them.
MOST_MATCHES_GATHERED = 200_000


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def bookings_matching(queryset: QuerySet[Booking], search: str) -> QuerySet[Booking]:
    """``queryset`` narrowed to the bookings where every word of ``search`` is found in one of the searched fields."""
    if connection.vendor != "postgresql":
        for term in search.split():
            queryset = queryset.filter(_orm_condition(term))
        return queryset
    found: set[int] | None = None
    for term in search.split():
        sql, params = _matches_sql(term)
        ids = _gathered_ids(sql, params)
        if ids is None:
            # Fixed SQL text; the search term and ids travel as bound parameters.
            queryset = queryset.filter(pk__in=RawSQL(sql, params))  # noqa: S611
        else:
            found = ids if found is None else found & ids
    if found is not None:
        # One text parameter, written once: as a list, every one of the page's queries would prepare each id anew
        # (31,000 ids: ~150 ms of Python per query).
        id_array = "{" + ",".join(map(str, sorted(found))) + "}"
        queryset = queryset.filter(_IdAmong(F("pk"), RawSQL("%s::bigint[]", (id_array,))))
    return queryset


class _IdAmong(Func):
    """``id = ANY(array)``: one parameter however many ids, which PostgreSQL looks up or hashes."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _gathered_ids(sql: str, params: list[Any]) -> set[int] | None:
    """The ids the matching rows name, or None past ``MOST_MATCHES_GATHERED`` rows (read as they come, no DISTINCT,
    so a word found everywhere stops there instead of being gathered whole)."""
    with connection.cursor() as cursor:
        # Fixed SQL text; the search term and catalogue ids travel as bound parameters.
        cursor.execute(f"{sql} LIMIT %s", [*params, MOST_MATCHES_GATHERED + 1])
        rows = cursor.fetchall()
    if len(rows) > MOST_MATCHES_GATHERED:
        return None
    return {booking_id for (booking_id,) in rows}


def _catalogue_ids(term: str) -> tuple[list[int], list[int]]:
    # Places and tours are a few hundred rows: their ids are read first, so the legs are searched by index.
    place_ids = list(Place.objects.filter(name__icontains=term).values_list("pk", flat=True)[:200])
    tour_ids = list(Tour.objects.filter(name__icontains=term).values_list("pk", flat=True)[:50])
    return place_ids, tour_ids


def _matches_sql(term: str) -> tuple[str, list[Any]]:
    """One SELECT of booking ids per table, each on its trigram indexes, as ``UNION ALL`` (a booking may come twice)."""
    place_ids, tour_ids = _catalogue_ids(term)
    like = _like(term)
    parts = [
        "SELECT id FROM bookings_booking WHERE reference ILIKE %s OR lead_name ILIKE %s OR lead_email ILIKE %s"
        " OR lead_phone ILIKE %s",
        "SELECT booking_id FROM bookings_passenger WHERE first_name ILIKE %s OR last_name ILIKE %s",
        "SELECT booking_id FROM bookings_transferleg WHERE flight_number ILIKE %s OR pickup_point ILIKE %s",
    ]
    params: list[Any] = [like] * 8
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
    return " UNION ALL ".join(parts), params


def _orm_condition(term: str) -> Q:
    """The same fields by the ORM (SQLite: development, tests)."""
    place_ids, tour_ids = _catalogue_ids(term)
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


def _passenger_ids(term: str) -> QuerySet:
    from gnb.bookings.models import Passenger

    return Passenger.objects.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term)).values("booking_id")


def _leg_ids(term: str, place_ids: list[int]) -> QuerySet:
    from gnb.bookings.models import TransferLeg

    condition = Q(flight_number__icontains=term) | Q(pickup_point__icontains=term)
    if place_ids:
        condition |= Q(origin_id__in=place_ids) | Q(destination_id__in=place_ids)
    return TransferLeg.objects.filter(condition).values("booking_id")
