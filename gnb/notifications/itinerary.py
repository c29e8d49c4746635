"""What a booking's traveller will do and when, in local time: shared by the voucher, the calendar file and emails.

Each item is one ride of a transfer (a return trip has two) or the departure of a tour. Times are in the time zone
of the place where the traveller is picked up, because that is the clock the driver and the traveller go by; the
texts are formatted in the language active when ``booking_itinerary`` is called.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from gnb.bookings.models import Booking
from gnb.bookings.policies import cancellation_terms
from gnb.catalog.models import Place
from gnb.core import formats as locale_formats

# The catalogue stores no driving times, so a calendar entry for a ride gets this length; travellers need the
# pickup time, and an hour is the usual airport-to-hotel ride on this coast.
DEFAULT_RIDE_DURATION = dt.timedelta(hours=1)


@dataclass(frozen=True)
class ItineraryItem:
    """One ride of a transfer or the departure of a tour, with its times in ``time_zone``."""

    key: str  # "1" and "2" for the rides of a transfer, "tour" for a tour: stable, used in calendar UIDs
    title: str  # "Antalya Airport → Regnum Carya" or the tour's name
    starts_at: dt.datetime  # aware, in time_zone
    ends_at: dt.datetime  # aware, in time_zone
    time_zone: str
    place: Place | None  # where the ride starts, or a tour's pickup place (None for a tour booked without one)
    pickup_point: str
    flight_number: str = ""
    flight_arrival_at: dt.datetime | None = None  # aware, in time_zone
    pickup_at: dt.datetime | None = None  # a tour's pickup at its place (its zone's offset before the start)
    flight_departure_at: dt.datetime | None = None  # a ride to the airport: the flight's departure, aware

    @property
    def starts_text(self) -> str:
        """``Sat, 12 Jun 2027, 14:30 (Europe/Istanbul)`` in the active language."""
        return local_datetime_text(self.starts_at, self.time_zone)

    @property
    def pickup_text(self) -> str:
        """A tour's pickup time as ``starts_text`` writes it, or an empty string without one."""
        return local_datetime_text(self.pickup_at, self.time_zone) if self.pickup_at else ""

    @property
    def ready_at(self) -> dt.datetime:
        """When the traveller must be ready: the pickup, else the start."""
        return self.pickup_at or self.starts_at

    @property
    def flight_arrival_text(self) -> str:
        """The landing time, ``14:05``, or an empty string without a flight."""
        return locale_formats.format_time(self.flight_arrival_at) if self.flight_arrival_at else ""

    @property
    def flight_departure_text(self) -> str:
        """The departure time of the flight a ride to the airport brings the travellers to, or an empty string."""
        return locale_formats.format_time(self.flight_departure_at) if self.flight_departure_at else ""


def in_zone(moment: dt.datetime, time_zone: str) -> dt.datetime:
    """``moment`` on the wall clock of ``time_zone``."""
    return moment.astimezone(zoneinfo.ZoneInfo(time_zone))


def local_datetime_text(moment: dt.datetime, time_zone: str) -> str:
    """A date and time on the wall clock of ``time_zone``, followed by the zone's name so nobody converts it."""
    return f"{locale_formats.format_datetime(in_zone(moment, time_zone), style='weekday')} ({time_zone})"


def money_text(amount: Decimal | str | float, currency: str) -> str:
    """``€40.00`` written the way the active language writes prices (``40,00 €`` in German)."""
    return locale_formats.format_price(Decimal(str(amount)), currency)


def booking_itinerary(booking: Booking) -> list[ItineraryItem]:
    """The rides of a transfer booking, or the departure of a tour booking, in the order they happen.

    ``booking`` should come from ``booking_detail`` or ``booking_for_manage_token`` (legs and places prefetched).
    """
    if booking.kind == Booking.Kind.TOUR:
        departure = booking.tour_departure
        assert departure is not None  # a tour booking always has its departure (database constraint)
        # Tours run on the operator's coast; their departures carry no zone of their own.
        zone = settings.TIME_ZONE
        return [
            ItineraryItem(
                key="tour",
                title=departure.tour.name,
                starts_at=in_zone(departure.starts_at, zone),
                ends_at=in_zone(departure.starts_at + dt.timedelta(minutes=departure.tour.duration_minutes), zone),
                time_zone=zone,
                place=booking.pickup_place,
                pickup_point=booking.tour_pickup_text,
                pickup_at=in_zone(booking.pickup_at, zone) if booking.pickup_at else None,
            )
        ]
    items = []
    for leg in booking.legs.all():
        zone = leg.origin.time_zone
        items.append(
            ItineraryItem(
                key=str(leg.sequence),
                title=f"{leg.origin.name} → {leg.destination.name}",
                starts_at=in_zone(leg.pickup_at, zone),
                ends_at=in_zone(leg.pickup_at + DEFAULT_RIDE_DURATION, zone),
                time_zone=zone,
                place=leg.origin,
                pickup_point=leg.pickup_point,
                flight_number=leg.flight_number,
                flight_arrival_at=in_zone(leg.flight_arrival_at, zone) if leg.flight_arrival_at else None,
                flight_departure_at=(
                    in_zone(leg.flight_departure_at, leg.destination.time_zone) if leg.flight_departure_at else None
                ),
            )
        )
    return items


def cancellation_policy_text(booking: Booking, *, now: dt.datetime | None = None) -> str:
    """The cancellation policy as it applies to ``booking`` at ``now``: free until a stated local time, then a fee;
    once that time has passed, the fee cancelling now costs (never a deadline already gone)."""
    zone = booking_itinerary_zone(booking)
    terms = cancellation_terms(total=booking.total, starts_at=booking.starts_at, now=now)
    percent = locale_formats.format_number(terms.fee_percent)
    if not terms.free_now:
        return _(
            "Free cancellation is no longer possible: cancelling now costs %(fee)s (%(percent)s%% of the total); "
            "once the trip has started it cannot be cancelled."
        ) % {"fee": money_text(terms.fee_now, booking.currency), "percent": percent}
    return _(
        "Free cancellation until %(deadline)s. After that, cancelling costs %(percent)s%% of the total; "
        "once the trip has started it cannot be cancelled."
    ) % {"deadline": local_datetime_text(terms.free_until, zone), "percent": percent}


def booking_itinerary_zone(booking: Booking) -> str:
    """The time zone the booking's start is shown in: the first pickup place's, or the operator's for a tour."""
    if booking.kind == Booking.Kind.TRANSFER:
        legs = list(booking.legs.all())
        if legs:
            return legs[0].origin.time_zone
    return settings.TIME_ZONE
