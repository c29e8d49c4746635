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

from django.db.models import Count, Model, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from gnb.bookings import policies
from gnb.bookings.availability import with_seats
from gnb.bookings.models import Booking, BookingExtra, Passenger, TransferLeg
from gnb.catalog.models import Place, TourDeparture
from gnb.catalog.translation import translated_columns
from gnb.core.money import ZERO

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


def booking_route(booking: Booking) -> str:
    """First leg ``origin → destination`` of a transfer, or the tour's name.

    Expects ``legs`` prefetched (with origin and destination) and ``tour_departure__tour`` selected.
    """
    if booking.kind == Booking.Kind.TOUR:
        departure = booking.tour_departure  # no query when the id is empty or the departure is selected
        return str(departure.tour) if departure is not None else ""
    legs = list(booking.legs.all())
    if not legs:
        return ""
    first = min(legs, key=lambda leg: leg.sequence)
    return f"{first.origin} → {first.destination}"


def place_short_name(place: Place) -> str:
    """An airport by its IATA code, anything else by its name: how dispatchers say a route."""
    return place.iata_code or str(place)


def booking_route_short(booking: Booking) -> tuple[str, ...]:
    """The first leg's ends, airports by their code (``("AYT", "Regnum Carya")``), or a tour's name alone; same
    prefetches as :func:`booking_route`."""
    if booking.kind == Booking.Kind.TOUR:
        return (booking_route(booking),)
    legs = list(booking.legs.all())
    if not legs:
        return ()
    first = min(legs, key=lambda leg: leg.sequence)
    return place_short_name(first.origin), place_short_name(first.destination)


def booking_extras(booking: Booking) -> list[BookingExtra]:
    """The booking's extras in the catalogue's order (expects ``extras`` prefetched by :func:`with_extras`)."""
    return list(booking.extras.all())


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


def bookings_for_export(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    """As :func:`bookings_for_list`, with the extras and the passengers for the dispatch and manifest columns."""
    return with_extras(bookings_for_list(queryset)).prefetch_related(
        Prefetch("passengers", queryset=Passenger.objects.order_by("position"))
    )


# --- the day's jobs ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DueDay:
    day: dt.date
    legs: list[TransferLeg]


def transfers_due(*, first_day: dt.date, days: int = 2) -> list[DueDay]:
    """Every ride picked up on ``days`` local days from ``first_day``, by pickup time, one query.

    A ride is a leg, so the return leg of a round trip shows on the day it is driven. Cancelled, expired
    and refunded bookings are left out: nobody drives them.
    """
    start, end = day_start(first_day), day_start(first_day + dt.timedelta(days=days))
    legs = list(
        TransferLeg.objects.filter(pickup_at__gte=start, pickup_at__lt=end, booking__status__in=policies.HOLDS_CAPACITY)
        .select_related("booking__vehicle_class", "origin", "destination")
        # What the dashboard shows of each ride, no more: ~650 rides on two summer days, and every column of a
        # booking and two places turned into Python objects cost more than the rest of the page.
        .only(
            "sequence",
            "pickup_at",
            "flight_number",
            "flight_arrival_at",
            "flight_departure_at",
            "booking__reference",
            "booking__status",
            "booking__adults",
            "booking__children",
            "booking__infants",
            "origin__iata_code",
            "destination__iata_code",
            # A name is read in the visitor's language or the fallback one: every language's column comes along.
            *(
                f"{relation}__{name}"
                for relation in ("booking__vehicle_class", "origin", "destination")
                for name in translated_columns("name")
            ),
        )
        .order_by("pickup_at", "booking__reference", "sequence")
    )
    by_day: dict[dt.date, list[TransferLeg]] = {first_day + dt.timedelta(days=n): [] for n in range(days)}
    for leg in legs:
        by_day[timezone.localtime(leg.pickup_at, LOCAL_TZ).date()].append(leg)
    return [DueDay(day, rows) for day, rows in by_day.items()]


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
