"""Reads the public website needs beyond the shared catalogue selectors: what the home page teases, which place a
traveller meant, departures laid out as a calendar, and who comes for a booking's rides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.conf import settings
from django.db import connection
from django.db.models import Min, Prefetch, Q
from django.utils import timezone

from gnb.bookings import policies
from gnb.bookings.availability import departures_with_availability
from gnb.bookings.models import Booking
from gnb.bookings.quotes import currency_rates
from gnb.catalog.models import Fare, Place, Tour, TourDeparture, TourPhoto
from gnb.catalog.photos import Picture, library
from gnb.catalog.selectors import place_search, tour_pickup_offsets
from gnb.catalog.snapshot import catalogue
from gnb.catalog.translation import translated_columns
from gnb.core.money import convert
from gnb.fleet.models import Trip, TripBooking
from gnb.notifications.rides import RideNotice, ride_notice

PLACE_COLUMNS = ("slug", "kind", "iata_code", "zone_id", "is_popular", *translated_columns("name"))


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class PopularRoute:
    origin: Place
    destination: Place
    price_from: Money


def display_currency(requested: str | None) -> str:
    """The display currency a visitor asked for if operators offer it, else the base currency."""
    code = (requested or "").upper()
    return code if code in currency_rates() else settings.BASE_CURRENCY


def in_currency(amount_base: Decimal, currency: str) -> Money:
    """A base-currency amount shown in ``currency`` (rounded the way quotes round it)."""
    return Money(convert(amount_base, currency_rates()[currency]), currency)


def place_choices() -> list[Place]:
    """Every active place, for the search form's suggestions (from the catalogue this process keeps)."""
    return list(catalogue().places.values())


# When the operators keep no drive time between two zones, a drop-off proposal assumes this long a drive: about the
# longest ride on this coast, so the proposal errs on the early side.
UNKNOWN_DRIVE_MINUTES = 90


@dataclass(frozen=True)
class PickupTiming:
    """What the time a traveller typed means for a ride: the landing of an airport pickup, the departure of the
    flight of an airport drop-off, or the pickup itself; and the pickup that follows (naive, the place's clock)."""

    kind: str  # "landing" | "departure" | "pickup"
    pickup_at: dt.datetime
    flight_at: dt.datetime | None = None
    drive_minutes: int | None = None


def pickup_timing(*, origin: Place, destination: Place, typed: dt.datetime) -> PickupTiming:
    if origin.is_airport:
        return PickupTiming("landing", policies.pickup_after_landing(typed), flight_at=typed)
    if destination.is_airport:
        minutes = policies.drive_minutes(origin.zone_id, destination.zone_id) or UNKNOWN_DRIVE_MINUTES
        pickup = policies.pickup_before_departure(typed, drive_minutes=minutes)
        return PickupTiming("departure", pickup, flight_at=typed, drive_minutes=minutes)
    return PickupTiming("pickup", typed)


def served_airports() -> list[str]:
    """The names of the airports the catalogue serves (active airport places) in the active language, for the
    claims every page makes (meta description, about page); from the catalogue this process keeps."""
    return [place.name for place in catalogue().places.values() if place.kind == Place.Kind.AIRPORT]


def place_resolve(text: str) -> Place | None:
    """The place a traveller meant by ``text``: a slug, an IATA code, or a name in any language.

    An exact name wins over partial ones; a partial match counts only when it is the only one, so "Lara" never
    silently becomes one of several Lara hotels.
    """
    text = " ".join(text.split())
    if not text:
        return None
    label = text.rsplit(" (", 1)[0] if text.endswith(")") else text  # "Antalya Airport (AYT)"
    # The usual case, a place chosen from the suggestions or a link's slug, needs no search.
    exact = catalogue().place_names
    for key in (text, label):
        if (place := exact.get(key.casefold())) is not None:
            return place
    candidates = list(place_search(query=label, limit=10)) or list(place_search(query=text, limit=10))
    wanted = {text.casefold(), label.casefold()}
    for place in candidates:
        names = {getattr(place, column) or "" for column in translated_columns("name")}
        if place.slug == text or (place.iata_code or "").casefold() in wanted or wanted & {n.casefold() for n in names}:
            return place
    return candidates[0] if len(candidates) == 1 else None


def popular_routes(*, currency: str, limit: int = 6) -> list[PopularRoute]:
    """Popular airport → popular place routes with their cheapest fare, for the home page (two queries)."""
    places = list(Place.objects.filter(is_active=True, is_popular=True).only(*PLACE_COLUMNS).order_by("kind", "name"))
    airports = [p for p in places if p.is_airport]
    destinations = [p for p in places if not p.is_airport]
    zones = {p.zone_id for p in places}
    cheapest: dict[tuple[int, int], Decimal] = {}
    rows = (
        Fare.objects.filter(origin_zone__in=zones, destination_zone__in=zones, vehicle_class__is_active=True)
        .values_list("origin_zone", "destination_zone")
        .annotate(lowest=Min("price"))
        .order_by()
    )
    for origin_zone, destination_zone, lowest in rows:
        cheapest[(origin_zone, destination_zone)] = lowest
    routes = []
    for airport in airports:
        for place in destinations:
            price = cheapest.get((airport.zone_id, place.zone_id)) or cheapest.get((place.zone_id, airport.zone_id))
            if price is not None:
                routes.append(PopularRoute(airport, place, in_currency(price, currency)))
    routes.sort(key=lambda route: route.price_from.amount)
    return routes[:limit]


@dataclass(frozen=True)
class ZonePickup:
    zone: str
    pickup_at: dt.datetime | None  # None without a departure: then only the offset is known
    minutes_before_departure: int


def tour_pickup_times(*, tour: Tour, departure: TourDeparture | None = None) -> list[ZonePickup]:
    """The tour's pickup zones, earliest collected first, with the pickup time at ``departure`` (one query)."""
    return [
        ZonePickup(
            offset.zone_name,
            departure.starts_at - dt.timedelta(minutes=offset.minutes_before_departure) if departure else None,
            offset.minutes_before_departure,
        )
        for offset in tour_pickup_offsets(tour_id=tour.pk).values()
    ]


def tour_pickup_places(*, tour: Tour) -> list[Place]:
    """The hotels and districts in the tour's pickup zones, for the pickup field's suggestions (one query)."""
    return list(
        Place.objects.filter(is_active=True, zone__tours=tour)
        .exclude(kind=Place.Kind.AIRPORT)
        .only(*PLACE_COLUMNS)
        .order_by("-is_popular", "name")
    )


def _photos() -> Prefetch:
    return Prefetch(
        "photos", queryset=TourPhoto.objects.only("tour_id", "photo", "sort_order", *translated_columns("alt"))
    )


def tour_cards() -> list[Tour]:
    """Active tours with the columns a card shows, in the operator's order, each with its ``pictures`` (two
    queries)."""
    tours = list(
        Tour.objects.filter(is_active=True)
        .only(
            "slug",
            "duration_minutes",
            "adult_price",
            "sort_order",
            *translated_columns("name"),
            *translated_columns("summary"),
        )
        .prefetch_related(_photos())
    )
    for tour in tours:
        tour.pictures = tour_pictures(tour)  # type: ignore[attr-defined]
    return tours


def tour_pictures(tour: Tour) -> list[Picture]:
    """The tour's photos as the page shows them (served from the photo library), in order. One query unless
    prefetched (``tour_cards``)."""
    return [Picture(photo.photo, photo.alt) for photo in tour.photos.all() if photo.photo in library()]


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    departures: list[TourDeparture]


@dataclass(frozen=True)
class CalendarMonth:
    first: dt.date
    weeks: list[list[CalendarDay | None]]


def departure_calendar(*, tour: Tour, days: int = 60) -> list[CalendarMonth]:
    """Open departures of the next ``days`` days with seats left, as month grids (weeks start on Monday)."""
    now = timezone.localtime()
    departures = list(
        departures_with_availability(tour=tour, start=now, end=now + dt.timedelta(days=days)).only(
            "starts_at", "capacity", "tour_id"
        )
    )
    by_day = {
        day: list(items) for day, items in groupby(departures, key=lambda d: timezone.localtime(d.starts_at).date())
    }
    if not by_day:
        return []
    months = []
    first_day, last_day = min(by_day), max(by_day)
    month = first_day.replace(day=1)
    while month <= last_day:
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        weeks: list[list[CalendarDay | None]] = []
        week: list[CalendarDay | None] = [None] * month.weekday()
        day = month
        while day < next_month:
            week.append(CalendarDay(day, by_day.get(day, [])))
            if len(week) == 7:
                weeks.append(week)
                week = []
            day += dt.timedelta(days=1)
        if week:
            weeks.append(week + [None] * (7 - len(week)))
        months.append(CalendarMonth(month, weeks))
        month = next_month
    return months


def departure_calendar_version(*, tour_id: int) -> str:
    """A key that changes whenever the tour's calendar could: a booking or a departure added or changed, and every
    ten minutes (departures close at their cutoff as time passes). One query."""
    # Plain SQL: the tour page reads this on every request, served from the page cache or not, and building the
    # same four aggregates through the ORM cost five times what running them did.
    bookings, departures = Booking._meta.db_table, TourDeparture._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {bookings} b JOIN {departures} d ON d.id = b.tour_departure_id"  # noqa: S608
            f"         WHERE d.tour_id = %s),"
            f"       (SELECT MAX(b.updated_at) FROM {bookings} b JOIN {departures} d ON d.id = b.tour_departure_id"
            f"         WHERE d.tour_id = %s),"
            f"       (SELECT COUNT(*) FROM {departures} WHERE tour_id = %s),"
            f"       (SELECT MAX(updated_at) FROM {departures} WHERE tour_id = %s)",
            [tour_id] * 4,
        )
        row = cursor.fetchone()
    ten_minutes = int(timezone.now().timestamp() // 600)
    return "-".join(str(part) for part in (*row, ten_minutes)).replace(" ", "_")


def departure_with_seats(*, tour: Tour, departure_id: int) -> TourDeparture | None:
    """One open departure of ``tour`` with ``seats_left``, or None when it is unknown, closed or past its cutoff."""
    return departures_with_availability(tour=tour).filter(Q(pk=departure_id)).first()


# --- the manage page: who comes ---------------------------------------------------------------------------
# Trip steps during which the traveller still waits for, or sits with, the driver.
_RIDES_SHOWN = (Trip.Status.ASSIGNED, Trip.Status.ON_THE_WAY, Trip.Status.ARRIVED, Trip.Status.PICKED_UP)


def booking_rides(*, booking: Booking) -> list[RideNotice]:
    """``booking``'s rides that have a driver and a vehicle and are not over, in order, with who comes, worded as
    the driver emails word it (in the active language). One query."""
    riders = (
        TripBooking.objects.filter(
            booking=booking,
            trip__status__in=_RIDES_SHOWN,
            trip__driver__isnull=False,
            trip__vehicle__isnull=False,
        )
        .select_related("trip__driver", "trip__vehicle", "trip__departure__tour", "leg__origin", "leg__destination")
        .order_by("trip__starts_at", "pk")
    )
    return [ride_notice(rider.trip, booking, rider.leg) for rider in riders]
