"""Read-only figures for the back office: the day's jobs, sales per day, tour occupancy, CSV rows.

Every function here runs a fixed number of queries, whatever the number of bookings, so the dashboard and the
export stay fast as the business grows. Days are calendar days in Europe/Istanbul, where the operation runs.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.db.models import Count, Model, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from gnb.bookings import policies
from gnb.bookings.availability import with_seats
from gnb.bookings.models import Booking, BookingExtra, Passenger, TransferLeg
from gnb.catalog.models import Extra, Place, TourDeparture, VehicleClass
from gnb.catalog.translation import translated_columns
from gnb.core.money import ZERO

M = TypeVar("M", bound=Model)

# Drivers, dispatchers and hotels on the Antalya coast all read the Istanbul clock, whichever time zone the
# server or a staff member's browser is in.
LOCAL_TZ = zoneinfo.ZoneInfo("Europe/Istanbul")

# Bookings that bring no money: never paid, or given back.
NOT_REVENUE: frozenset[str] = frozenset({Booking.Status.CANCELLED, Booking.Status.EXPIRED, Booking.Status.REFUNDED})


def local_today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), LOCAL_TZ).date()


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_TZ)


def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(value, LOCAL_TZ).strftime(fmt) if value else ""


# Where a list page puts each booking's legs and extras (``Prefetch(..., to_attr=...)``): a plain list per booking.
# Prefetching into ``booking.legs`` instead builds a queryset per booking to hold its rows, a third of the rows'
# time on a page of 200.
LISTED_LEGS = "listed_legs"
LISTED_EXTRAS = "listed_extras"


def booking_legs(booking: Booking) -> list[TransferLeg]:
    """The booking's legs as loaded: a list page's, else ``legs`` (prefetched or read now)."""
    listed = getattr(booking, LISTED_LEGS, None)
    return listed if listed is not None else list(booking.legs.all())


def booking_route(booking: Booking) -> str:
    """First leg ``origin → destination`` of a transfer, or the tour's name.

    Expects ``legs`` prefetched (with origin and destination) and ``tour_departure__tour`` selected.
    """
    return booking_route_and_ends(booking)[0]


def place_short_name(place: Place) -> str:
    """An airport by its IATA code, anything else by its name: how dispatchers say a route."""
    return place.iata_code or str(place)


def booking_route_short(booking: Booking) -> tuple[str, ...]:
    """The first leg's ends, airports by their code (``("AYT", "Regnum Carya")``), or a tour's name alone; same
    prefetches as :func:`booking_route`."""
    return booking_route_and_ends(booking)[1]


def booking_route_and_ends(booking: Booking) -> tuple[str, tuple[str, ...]]:
    """:func:`booking_route` and :func:`booking_route_short` together, each place's name read once."""
    if booking.kind == Booking.Kind.TOUR:
        departure = booking.tour_departure  # no query when the id is empty or the departure is selected
        name = str(departure.tour) if departure is not None else ""
        return name, (name,)
    legs = booking_legs(booking)
    if not legs:
        return "", ()
    first = min(legs, key=lambda leg: leg.sequence)
    origin, destination = str(first.origin), str(first.destination)
    ends = (first.origin.iata_code or origin, first.destination.iata_code or destination)
    return f"{origin} → {destination}", ends


def booking_extras(booking: Booking) -> list[BookingExtra]:
    """The booking's extras in the catalogue's order (expects ``extras`` prefetched by :func:`with_extras`)."""
    listed = getattr(booking, LISTED_EXTRAS, None)
    return listed if listed is not None else list(booking.extras.all())


def party_label(booking: Booking) -> str:
    """Adults / children / infants, the order every voucher and driver sheet uses."""
    return f"{booking.adults} / {booking.children} / {booking.infants}"


def bookings_for_list(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    """What a booking's page and a list of bookings show (route, vehicle, tour) in two queries, however many rows."""
    return queryset.select_related("vehicle_class", "tour_departure__tour").prefetch_related(
        Prefetch("legs", queryset=TransferLeg.objects.select_related("origin", "destination").order_by("sequence"))
    )


def with_extras(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    """The bookings' extras, each with its catalogue row, in one more query (see :func:`booking_extras`)."""
    return queryset.prefetch_related(
        Prefetch(
            "extras", queryset=BookingExtra.objects.select_related("extra").order_by("extra__sort_order", "extra__code")
        )
    )


# The columns of the back office's bookings list, and the legs' and extras' columns it reads: a page of 200 rows
# loads no more (the booking's price breakdown, notes, tokens, customer and coupon are on its own page).
LIST_PAGE_FIELDS = (
    "reference",
    "kind",
    "status",
    "payment_method",
    "payment_state",
    "adults",
    "children",
    "infants",
    "vehicle_class",
    "tour_departure",
    "starts_at",
    "currency",
    "total",
)
LIST_PAGE_LEG_FIELDS = ("booking", "sequence", "origin", "destination", "flight_number", "flight_arrival_at")


def bookings_for_list_page(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    """One page of the back office's bookings list: what its columns show, in a fixed number of queries however many
    rows (:func:`list_page_prefetches`). No join at all: the bookings are read in the order of an index and the read
    stops at the page's end; joined, PostgreSQL reads every match (13,000 confirmed rides ahead) and sorts them."""
    return (
        queryset.only(*LIST_PAGE_FIELDS)
        .select_related(None)
        .prefetch_related(None)
        .prefetch_related(*list_page_prefetches())
    )


def list_page_prefetches() -> tuple[Prefetch, ...]:
    """The tours, legs, places, vehicle classes and extras a page of the list shows, each read once and only the
    columns shown: a page of 200 rides names a few dozen places and a handful of classes, where a join would build
    an object per row for each."""
    names = translated_columns("name")
    places = Place.objects.only("iata_code", *names)
    legs = (
        TransferLeg.objects.only(*LIST_PAGE_LEG_FIELDS)
        .prefetch_related(Prefetch("origin", queryset=places), Prefetch("destination", queryset=places))
        .order_by("sequence")
    )
    extras = (
        BookingExtra.objects.only("booking", "extra", "quantity")
        .prefetch_related(Prefetch("extra", queryset=Extra.objects.only("code", "mark", *names)))
        .order_by("extra__sort_order", "extra__code")
    )
    departures = TourDeparture.objects.select_related("tour").only("tour", *(f"tour__{name}" for name in names))
    return (
        Prefetch("tour_departure", queryset=departures),
        Prefetch("vehicle_class", queryset=VehicleClass.objects.only(*names)),
        Prefetch("legs", queryset=legs, to_attr=LISTED_LEGS),
        Prefetch("extras", queryset=extras, to_attr=LISTED_EXTRAS),
    )


def bookings_for_export(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    """As :func:`bookings_for_list`, with the extras and the passengers for the dispatch and manifest columns."""
    return with_extras(bookings_for_list(queryset)).prefetch_related(
        Prefetch("passengers", queryset=Passenger.objects.order_by("position"))
    )


# --- the day's jobs ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DueRide:
    """One ride on the dashboard: a leg with what it shows of its booking, places and vehicle class."""

    booking_id: int
    reference: str
    status: str
    adults: int
    children: int
    infants: int
    sequence: int
    pickup_at: dt.datetime
    flight_number: str
    flight_arrival_at: dt.datetime | None
    flight_departure_at: dt.datetime | None
    origin: Place
    destination: Place
    vehicle_class: VehicleClass | None


@dataclass(frozen=True)
class DueDay:
    day: dt.date
    legs: list[DueRide]


def transfers_due(*, first_day: dt.date, days: int = 2) -> list[DueDay]:
    """Every ride picked up on ``days`` local days from ``first_day``, by pickup time, in three queries (the rides
    with their bookings' columns, their places, their vehicle classes).

    A ride is a leg, so the return leg of a round trip shows on the day it is driven. Cancelled, expired
    and refunded bookings are left out: nobody drives them.
    """
    start, end = day_start(first_day), day_start(first_day + dt.timedelta(days=days))
    # ~650 rides on two summer days: read as plain rows, with only what the dashboard shows. As model instances
    # (a leg, its booking, two places and a class each) they cost more than the rest of the page.
    rows = list(
        TransferLeg.objects.filter(pickup_at__gte=start, pickup_at__lt=end, booking__status__in=policies.HOLDS_CAPACITY)
        .order_by("pickup_at", "booking__reference", "sequence")
        .values_list(
            "booking_id",
            "booking__reference",
            "booking__status",
            "booking__adults",
            "booking__children",
            "booking__infants",
            "sequence",
            "pickup_at",
            "flight_number",
            "flight_arrival_at",
            "flight_departure_at",
            "origin_id",
            "destination_id",
            "booking__vehicle_class_id",
        )
    )
    # The places and vehicle classes of those rides are a few dozen: each is read and made an object once.
    places = _named(Place, {row[11] for row in rows} | {row[12] for row in rows}, "iata_code")
    classes = _named(VehicleClass, {row[13] for row in rows if row[13] is not None})
    by_day: dict[dt.date, list[DueRide]] = {first_day + dt.timedelta(days=n): [] for n in range(days)}
    for (
        booking_id,
        reference,
        status,
        adults,
        children,
        infants,
        sequence,
        pickup_at,
        flight_number,
        flight_arrival_at,
        flight_departure_at,
        origin_id,
        destination_id,
        class_id,
    ) in rows:
        by_day[timezone.localtime(pickup_at, LOCAL_TZ).date()].append(
            DueRide(
                booking_id=booking_id,
                reference=reference,
                status=status,
                adults=adults,
                children=children,
                infants=infants,
                sequence=sequence,
                pickup_at=pickup_at,
                flight_number=flight_number,
                flight_arrival_at=flight_arrival_at,
                flight_departure_at=flight_departure_at,
                origin=places[origin_id],
                destination=places[destination_id],
                vehicle_class=classes[class_id] if class_id is not None else None,
            )
        )
    return [DueDay(day, rides) for day, rides in by_day.items()]


def _named(model: type[M], pks: set[int], *fields: str) -> dict[int, M]:
    """``model``'s rows with these primary keys, by key, with their name in every language (read in the visitor's
    language or the fallback one) and ``fields``."""
    return model._default_manager.only(*translated_columns("name"), *fields).in_bulk(pks)


# --- sales ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DaySales:
    day: dt.date
    bookings: int  # placed that day, whatever happened to them since
    revenue: Decimal  # EUR, of those placed that day that still bring money


def daily_sales(*, last_day: dt.date, days: int = 30) -> list[DaySales]:
    """Bookings placed per local day and their revenue in EUR (``total_base``), oldest day first, one query."""
    first_day = last_day - dt.timedelta(days=days - 1)
    rows = (
        Booking.objects.filter(
            created_at__gte=day_start(first_day), created_at__lt=day_start(last_day + dt.timedelta(days=1))
        )
        .annotate(day=TruncDate("created_at", tzinfo=LOCAL_TZ))
        .order_by()
        .values("day")
        # COUNT(*), not COUNT(id): every column read is in the index booking_created_sales, so the month is read
        # from the index alone.
        .annotate(bookings=Count("*"), revenue=Sum("total_base", filter=~Q(status__in=NOT_REVENUE)))
    )
    found = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        row = found.get(day)
        revenue = (row["revenue"] or ZERO) if row else ZERO
        result.append(DaySales(day, row["bookings"] if row else 0, Decimal(revenue).quantize(Decimal("0.01"))))
    return result


# --- tours ------------------------------------------------------------------------------------------------
def annotated_int(obj: Model, name: str) -> int:
    """An integer annotation on a row (``seats_left`` from :func:`gnb.bookings.availability.with_seats`, a count...).

    Model classes do not declare what a queryset annotates, so it is read by name; a row fetched without the
    annotation still raises AttributeError.
    """
    value: int = getattr(obj, name)
    return value


def upcoming_departures(*, now: dt.datetime | None = None, limit: int = 20) -> list[TourDeparture]:
    """The next open departures of active tours with their seats taken, soonest first, one query."""
    now = now or timezone.now()
    queryset = TourDeparture.objects.filter(starts_at__gte=now, is_active=True, tour__is_active=True)
    return list(with_seats(queryset).select_related("tour").order_by("starts_at", "tour__slug")[:limit])


def bookable_departures(*, now: dt.datetime | None = None) -> QuerySet[TourDeparture]:
    """Departures staff may sell seats on (the booking service still applies each tour's cutoff)."""
    now = now or timezone.now()
    queryset = TourDeparture.objects.filter(starts_at__gt=now, is_active=True, tour__is_active=True)
    return with_seats(queryset).select_related("tour").order_by("starts_at", "tour__slug")


# --- CSV export -------------------------------------------------------------------------------------------
EXPORT_HEADER = (
    "reference",
    "kind",
    "status",
    "payment",
    "starts_at",
    "route",
    "adults",
    "children",
    "infants",
    "vehicle",
    "flight",
    "lead_name",
    "email",
    "phone",
    "passengers",
    "currency",
    "total",
    "total_eur",
    "placed_at",
    # What a dispatcher needs beside the above to run the ride.
    "landing",
    "pickup_point",
    "luggage",
    "extras",
    "notes",
    "payment_method",
    "balance",
)

# A spreadsheet runs a cell that starts with one of these as a formula; names and emails come from the public.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def export_rows(bookings: Iterable[Booking], *, balance: Callable[[Booking], Decimal]) -> Iterator[tuple[str, ...]]:
    """One row per booking (see :data:`EXPORT_HEADER`); money as plain decimals, times in Istanbul time.

    ``bookings`` must come from :func:`bookings_for_export` so no row costs a query; ``balance`` is what the
    booking still owes (payments know it, from what the caller prefetched).
    """
    for booking in bookings:
        legs = sorted(booking.legs.all(), key=lambda leg: leg.sequence)
        vehicle_class = booking.vehicle_class
        yield (
            booking.reference,
            booking.kind,
            booking.status,
            booking.payment_state,
            local_time(booking.starts_at),
            _text(booking_route(booking)),
            str(booking.adults),
            str(booking.children),
            str(booking.infants),
            vehicle_class.name if vehicle_class is not None else "",
            " / ".join(leg.flight_number for leg in legs if leg.flight_number),
            _text(booking.lead_name),
            _text(booking.lead_email),
            booking.lead_phone,  # E.164, validated by the booking service: "+" starts every number
            _text("; ".join(f"{p.first_name} {p.last_name}" for p in booking.passengers.all())),
            booking.currency,
            f"{booking.total:.2f}",
            f"{booking.total_base:.2f}",
            local_time(booking.created_at),
            " / ".join(local_time(leg.flight_arrival_at) for leg in legs if leg.flight_arrival_at),
            _text(" / ".join(leg.pickup_point for leg in legs if leg.pickup_point)),
            str(booking.luggage),
            _text("; ".join(f"{item.quantity} × {item.extra.name}" for item in booking_extras(booking))),
            _text(booking.notes),
            booking.payment_method,
            f"{balance(booking):.2f}",
        )
