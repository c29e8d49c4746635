"""Who comes for a ride, as the traveller is told it: the driver's first name and phone, the vehicle's make, colour
and plate, the pickup time on the local clock and where to meet. Shared by the driver emails and the manage page,
so both say the same thing in the same words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from gnb.bookings.models import Booking, TransferLeg
from gnb.fleet.models import Trip
from gnb.notifications.itinerary import local_datetime_text


@dataclass(frozen=True)
class RideNotice:
    """One ride of a booking with its driver and vehicle, in the language active when it was made."""

    title: str  # "Antalya Airport → Regnum Carya" or the tour's name
    pickup_at: dt.datetime  # aware
    pickup_text: str  # "Sat, 12 Jun 2027, 14:30 (Europe/Istanbul)"
    driver_first_name: str
    driver_phone: str  # E.164, also the tel: link
    vehicle_make: str
    vehicle_colour: str
    vehicle_plate: str
    meeting_point: str


def meeting_point_text(booking: Booking, leg: TransferLeg | None) -> str:
    """Where the driver meets the traveller: at an airport the arrivals hall's exit with a name sign, at a hotel
    its entrance (with the pickup point the traveller gave), on a tour the pickup point given with the booking."""
    if leg is None:
        return booking.tour_pickup_text or _("To be confirmed by the operator")
    if leg.origin.is_airport:
        meeting = _("At the exit of the arrivals hall, with a sign with your name.")
    else:
        meeting = _("At the entrance of %(place)s, by the reception.") % {"place": leg.origin.name}
    # What the traveller wrote as their pickup point (a terminal, a side entrance) is added as they wrote it.
    return f"{meeting} ({leg.pickup_point})" if leg.pickup_point else meeting


def ride_notice(trip: Trip, booking: Booking, leg: TransferLeg | None) -> RideNotice:
    """The notice of ``booking``'s ride on ``trip`` (driver and vehicle loaded; ``leg`` with its places for a
    transfer, None for a tour)."""
    assert trip.driver is not None and trip.vehicle is not None  # only an assigned trip is announced
    if leg is not None:
        title, zone = f"{leg.origin.name} → {leg.destination.name}", leg.origin.time_zone
    else:
        assert trip.departure is not None
        title, zone = trip.departure.tour.name, settings.TIME_ZONE  # tours run on the operator's coast
    # A tour's trip starts at its first hotel; each booking is collected at its own zone's time.
    pickup_at = booking.pickup_at if leg is None and booking.pickup_at else trip.starts_at
    return RideNotice(
        title=title,
        pickup_at=pickup_at,
        pickup_text=local_datetime_text(pickup_at, zone),
        driver_first_name=trip.driver.first_name,
        driver_phone=trip.driver.phone,
        vehicle_make=trip.vehicle.make,
        vehicle_colour=trip.vehicle.colour,
        vehicle_plate=trip.vehicle.plate,
        meeting_point=meeting_point_text(booking, leg),
    )
