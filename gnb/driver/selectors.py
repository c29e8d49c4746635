"""Reads of the drivers' app: who is a driver, the device a session belongs to, and the trips its pages show."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.db.models import Q
from django.utils import timezone

from gnb.catalog.models import Place
from gnb.driver.models import DriverDevice
from gnb.fleet import rules
from gnb.fleet import selectors as fleet
from gnb.fleet.models import Driver, Trip, TripBooking, TripEvent

# The language the app speaks to a driver none of whose languages the site offers.
FALLBACK_LANGUAGE = "tr"
# How far ahead the phone keeps trips for when it is offline.
OFFLINE_HOURS = 36
T = Trip.Status

# The next step(s) the phone offers from each status, in the order a trip goes (gnb.fleet.services.STEP_FROM).
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    T.ASSIGNED: (T.ON_THE_WAY,),
    T.ON_THE_WAY: (T.ARRIVED, T.PICKED_UP),
    T.ARRIVED: (T.PICKED_UP,),
    T.PICKED_UP: (T.COMPLETED,),
}
NO_SHOW_FROM = (T.ON_THE_WAY, T.ARRIVED)
CASH_FROM = (T.ON_THE_WAY, T.ARRIVED, T.PICKED_UP, T.COMPLETED)


def active_driver(user) -> Driver | None:
    """The active driver record of ``user``, or None (not a driver, or no longer driving)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return Driver.objects.filter(user=user, is_active=True).select_related("user").first()


def device_live(*, device_id: int, user_id: int, now: dt.datetime | None = None) -> DriverDevice | None:
    """The device ``device_id`` of the driver whose user is ``user_id``, when it is still live."""
    now = now or timezone.now()
    return (
        DriverDevice.objects.filter(
            pk=device_id, driver__user_id=user_id, driver__is_active=True, ended_at__isnull=True, expires_at__gt=now
        )
        .select_related("driver__user")
        .first()
    )


_BROWSERS = (
    ("Edg", "Edge"),
    ("SamsungBrowser", "Samsung Internet"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """ "Chrome on Android" from a user agent, for the dispatcher's list of devices."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return f"{browser} / {system}"
    return (browser or system or user_agent.strip()[:60] or "?")[:120]


def default_language(driver: Driver) -> str:
    """The first of the driver's languages the site speaks, else Turkish (fleet's rule)."""
    return fleet.driver_language(driver)


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=rules.LOCAL)


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment, rules.LOCAL) if moment is not None else None


# --- the pages' contents ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NavLinks:
    google: str
    apple: str
    waze: str


def nav_links(place: Place | None, fallback: str = "") -> NavLinks | None:
    """Google Maps, Apple Maps and Waze opened at the place: its coordinates, else its name as a search."""
    if place is not None and place.latitude is not None and place.longitude is not None:
        where = f"{place.latitude},{place.longitude}"
        return NavLinks(
            google=f"https://www.google.com/maps/search/?api=1&query={where}",
            apple=f"https://maps.apple.com/?daddr={where}",
            waze=f"https://waze.com/ul?ll={where}&navigate=yes",
        )
    name = place.name if place is not None else fallback
    if not name:
        return None
    query = quote(name)
    return NavLinks(
        google=f"https://www.google.com/maps/search/?api=1&query={query}",
        apple=f"https://maps.apple.com/?q={query}",
        waze=f"https://waze.com/ul?q={query}&navigate=yes",
    )


def whatsapp_link(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return f"https://wa.me/{digits}" if digits else ""


@dataclass
class Card:
    """A trip as the list shows it."""

    trip: Trip
    pickup_at: dt.datetime
    place: str
    zone: str
    destination: str
    flight_number: str
    flight_lands_at: dt.datetime | None
    passengers: int
    lead_name: str
    status: str
    status_label: str


def _first_pickup_place(trip: Trip) -> Place | None:
    for rider in trip.riders.all():
        if rider.leg is not None:
            return rider.leg.origin
        if rider.booking.pickup_place is not None:
            return rider.booking.pickup_place
    return None


def _card(trip: Trip) -> Card:
    origin, destination = fleet.trip_ends(trip)
    riders = list(trip.riders.all())
    place = _first_pickup_place(trip)
    first_leg = next((r.leg for r in riders if r.leg is not None), None)
    return Card(
        trip=trip,
        pickup_at=_local(trip.starts_at),  # type: ignore[arg-type]
        place=place.name if place is not None and trip.kind == Trip.Kind.TOUR else origin,
        zone=place.zone.name if place is not None else trip.origin_zone.name,
        destination=destination,
        flight_number=first_leg.flight_number if first_leg else "",
        flight_lands_at=_local(first_leg.flight_arrival_at) if first_leg else None,
        passengers=trip.passengers,
        lead_name=riders[0].booking.lead_name if riders else "",
        status=trip.status,
        status_label=str(trip.get_status_display()),
    )


@dataclass
class Day:
    day: dt.date
    cards: list[Card]


def days_of_driver(*, driver: Driver, today: dt.date | None = None) -> list[Day]:
    """Today and tomorrow (Europe/Istanbul): the driver's live trips of each, in order."""
    today = today or timezone.localdate(timezone=rules.LOCAL)
    tomorrow = today + dt.timedelta(days=1)
    trips = fleet.driver_live_trips(
        driver_id=driver.pk, start=local_midnight(today), end=local_midnight(tomorrow + dt.timedelta(days=1))
    )
    days = [Day(today, []), Day(tomorrow, [])]
    for trip in trips:
        local_day = _local(trip.starts_at).date()  # type: ignore[union-attr]
        days[0 if local_day == today else 1].cards.append(_card(trip))
    return days


@dataclass
class Ride:
    """One booking on the trip, as the manifest shows it."""

    reference: str
    lead_name: str
    phone: str
    whatsapp: str
    language: str
    pickup: str
    pickup_zone: str
    pickup_at: dt.datetime | None
    pickup_point: str
    nav: NavLinks | None
    destination: str
    flight_number: str
    flight_lands_at: dt.datetime | None
    flight_departs_at: dt.datetime | None
    passenger_count: int
    luggage: int
    passengers: list[str]
    extras: list[tuple[str, int]]
    notes: str
    cash_due: fleet.CashDue | None
    is_cash: bool


@dataclass
class TripPage:
    trip: Trip
    card: Card
    rides: list[Ride]
    next_steps: list[tuple[str, str]] = field(default_factory=list)
    no_show: bool = False
    cash: list[Ride] = field(default_factory=list)


def _ride(trip: Trip, rider) -> Ride:
    booking, leg = rider.booking, rider.leg
    place = leg.origin if leg is not None else booking.pickup_place
    pickup_name = place.name if place is not None else trip.origin_zone.name
    due = fleet.cash_due(booking)
    return Ride(
        reference=booking.reference,
        lead_name=booking.lead_name,
        phone=booking.lead_phone,
        whatsapp=whatsapp_link(booking.lead_phone),
        language=booking.language,
        pickup=pickup_name,
        pickup_zone=place.zone.name if place is not None else trip.origin_zone.name,
        pickup_at=_local(leg.pickup_at if leg is not None else booking.pickup_at),
        pickup_point=(leg.pickup_point if leg is not None else "") or booking.pickup_point,
        nav=nav_links(place, pickup_name),
        destination=leg.destination.name if leg is not None else fleet.trip_label(trip),
        flight_number=leg.flight_number if leg is not None else "",
        flight_lands_at=_local(leg.flight_arrival_at) if leg is not None else None,
        flight_departs_at=_local(leg.flight_departure_at) if leg is not None else None,
        passenger_count=booking.passenger_count,
        luggage=booking.luggage,
        passengers=[f"{p.first_name} {p.last_name}" for p in booking.passengers.all()],
        extras=[(str(item.extra.name), item.quantity) for item in booking.extras.all()],
        notes=booking.notes,
        cash_due=due,
        is_cash=due is not None,
    )


def trip_page(*, driver: Driver, trip_id: int) -> TripPage | None:
    """Everything the trip's page shows, or None when the trip is not this driver's live trip."""
    trip = fleet.driver_trip(driver_id=driver.pk, trip_id=trip_id)
    if trip is None:
        return None
    rides = [_ride(trip, rider) for rider in trip.riders.all()]
    labels = dict(T.choices)
    return TripPage(
        trip=trip,
        card=_card(trip),
        rides=rides,
        next_steps=[(step, str(labels[step])) for step in NEXT_STEPS.get(trip.status, ())],
        no_show=trip.status in NO_SHOW_FROM,
        cash=[ride for ride in rides if ride.cash_due is not None and ride.cash_due.amount > 0]
        if trip.status in CASH_FROM
        else [],
    )


def trip_of_driver_ever(*, driver: Driver, trip_id: int) -> Trip | None:
    """The trip when it is, or was, this driver's (taken off them or given to another since: a press sent from
    the phone's outbox is then refused with what changed); None otherwise, as if it did not exist."""
    trip = Trip.objects.filter(pk=trip_id).first()
    if trip is None:
        return None
    if trip.driver_id == driver.pk:
        return trip
    was_theirs = TripEvent.objects.filter(trip=trip).filter(
        Q(details__driver=driver.pk) | Q(details__before__driver=driver.pk)
    )
    return trip if was_theirs.exists() else None


# --- what the phone keeps for offline use ------------------------------------------------------------------
@dataclass(frozen=True)
class OfflineSet:
    version: str
    trip_ids: list[int]


def offline_set(*, driver: Driver, language: str, now: dt.datetime | None = None) -> OfflineSet:
    """The driver's live trips starting in the next :data:`OFFLINE_HOURS` hours (and those under way), and a
    version that changes whenever one of them, or the language, does."""
    now = now or timezone.now()
    rows = list(
        Trip.objects.filter(driver=driver, starts_at__lt=now + dt.timedelta(hours=OFFLINE_HOURS))
        .filter(Q(starts_at__gte=now - dt.timedelta(hours=12)) | Q(status__in=(T.ON_THE_WAY, T.ARRIVED, T.PICKED_UP)))
        .exclude(status=T.RELEASED)
        .order_by("starts_at", "pk")
        .values_list("pk", "status", "updated_at")
    )
    digest = hashlib.sha256(language.encode())
    digest.update(timezone.localdate(now, timezone=rules.LOCAL).isoformat().encode())
    for pk, status, updated_at in rows:
        digest.update(f"|{pk}:{status}:{updated_at.isoformat()}".encode())
    # A booking's names, phone, flight or notes changed: its trip's pages change too.
    for trip_id, booking_updated_at in (
        TripBooking.objects.filter(trip_id__in=[row[0] for row in rows])
        .order_by("trip_id", "booking_id")
        .values_list("trip_id", "booking__updated_at")
    ):
        digest.update(f"|{trip_id}:{booking_updated_at.isoformat()}".encode())
    return OfflineSet(version=digest.hexdigest()[:16], trip_ids=[pk for pk, _status, _updated in rows])


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"
