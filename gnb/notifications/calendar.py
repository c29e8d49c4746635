"""The booking as a calendar file (RFC 5545): one event per ride of a transfer, or one for a tour's departure.

Each event keeps its UID for the life of the booking, and its SEQUENCE grows with every change recorded in the
booking's history, so a calendar that imported the confirmation's file updates the event from a later file (the
change email's) and marks it cancelled from the cancellation email's.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gnb.bookings.models import Booking, BookingEvent
from gnb.core.links import booking_manage_url
from gnb.notifications.itinerary import ItineraryItem, booking_itinerary
from gnb.notifications.operator import operator_contact_text

PRODID = "-//GNB Transfer//Bookings//EN"
CALENDAR_CONTENT_TYPE = "text/calendar; method=PUBLISH"
# iCalendar STATUS of an event, by booking status: a card booking waiting for payment is not firm yet.
EVENT_STATUS: dict[str, str] = {
    Booking.Status.PENDING_PAYMENT: "TENTATIVE",
    Booking.Status.CANCELLED: "CANCELLED",
    Booking.Status.EXPIRED: "CANCELLED",
    Booking.Status.REFUNDED: "CANCELLED",
}


def calendar_filename(booking: Booking) -> str:
    """``GNB-XXXX-XXXX.ics``."""
    return f"{booking.reference}.ics"


def event_uid(booking: Booking, item: ItineraryItem) -> str:
    """``GNB-XXXX-XXXX-1@gnbtransfer.com``: the same for a ride in every file, so calendars update, not duplicate."""
    host = urlsplit(settings.SITE_URL).hostname or "gnbtransfer.com"
    return f"{booking.reference}-{item.key}@{host}"


def calendar_sequence(booking: Booking) -> int:
    """The revision of the booking's events: how many times the booking changed after it was placed."""
    return booking.events.exclude(kind=BookingEvent.Kind.CREATED).count()


def booking_ics(booking: Booking, *, now: dt.datetime | None = None) -> bytes:
    """The booking's calendar file, texts in the booking's language, times in each pickup place's time zone.

    ``booking`` should come from ``booking_detail`` or ``booking_for_manage_token``; ``now`` is the DTSTAMP.
    """
    now = now or timezone.now()
    manage_url = booking_manage_url(booking)
    sequence = calendar_sequence(booking)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    with translation.override(booking.language):
        items = booking_itinerary(booking)
        for item in items:
            calendar.add_component(_event(booking, item, manage_url=manage_url, sequence=sequence, now=now))
    # Times carry their TZID (the wall clock at the pickup place); each zone used is described in a VTIMEZONE,
    # with only the rules in force in the years of the trip rather than every change since 1970.
    first_year = (min(item.ready_at for item in items).date() - dt.timedelta(days=1)).year
    last_year = (max(item.ends_at for item in items).date() + dt.timedelta(days=1)).year
    for index, tzid in enumerate(sorted(calendar.get_missing_tzids())):
        vtimezone = _vtimezone(tzid, first_year, last_year)
        if vtimezone is not None:
            calendar.subcomponents.insert(index, vtimezone)
    return calendar.to_ical()


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> icalendar.Timezone | None:
    """The VTIMEZONE of ``tzid`` from 1 January of ``first_year`` to 31 December of ``last_year``; None for a zone
    the time-zone database does not know.

    icalendar derives it from the zone's transitions, a good share of a confirmation email's time; one per zone and
    years serves every booking of those years (it is only read afterwards: a calendar is serialised, not changed).
    """
    try:
        return icalendar.Timezone.from_tzid(
            tzid, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year, 12, 31)
        )
    except ValueError:
        return None


def _event(
    booking: Booking, item: ItineraryItem, *, manage_url: str, sequence: int, now: dt.datetime
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", event_uid(booking, item))
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("sequence", sequence)
    event.add("dtstart", item.ready_at)  # a tour's event opens at the hotel pickup, when the traveller must be there
    event.add("dtend", item.ends_at)
    if booking.kind == Booking.Kind.TOUR:
        summary = _("Tour %(reference)s: %(tour)s") % {"reference": booking.reference, "tour": item.title}
    else:
        summary = _("Transfer %(reference)s: %(route)s") % {"reference": booking.reference, "route": item.title}
    event.add("summary", summary)
    if item.place is not None:
        event.add("location", item.place.name)
        event.add("geo", (float(item.place.latitude), float(item.place.longitude)))
    elif item.pickup_point:
        event.add("location", item.pickup_point)
    event.add("description", _description(booking, item, manage_url))
    event.add("url", manage_url)
    event.add("status", EVENT_STATUS.get(booking.status, "CONFIRMED"))
    event.add("last-modified", booking.updated_at.astimezone(dt.UTC))
    return event


def _description(booking: Booking, item: ItineraryItem, manage_url: str) -> str:
    lines = [_("Booking %(reference)s") % {"reference": booking.reference}]
    if item.flight_departure_at:
        lines.append(
            _("Flight %(flight)s, departs %(time)s")
            % {"flight": item.flight_number, "time": item.flight_departure_text}
        )
    elif item.flight_number:
        lines.append(
            _("Flight %(flight)s, lands %(time)s") % {"flight": item.flight_number, "time": item.flight_arrival_text}
        )
    if item.pickup_point:
        lines.append(_("Pickup point") + ": " + item.pickup_point)
    if item.pickup_at:
        lines.append(_("Pickup") + ": " + item.pickup_text)
    count = booking.passenger_count
    lines.append(ngettext("%(count)s passenger", "%(count)s passengers", count) % {"count": count})
    if booking.vehicle_class is not None:
        lines.append(_("Vehicle") + ": " + booking.vehicle_class.name)
    lines.append(_("View, change or cancel your booking") + ": " + manage_url)
    lines.append(_("Questions: %(contact)s") % {"contact": operator_contact_text()})
    return "\n".join(lines)
