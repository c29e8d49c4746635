"""Booking rules that are pure decisions: lifecycle transitions and the cancellation policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.utils import timezone

from gnb.bookings.models import Booking
from gnb.core.money import ZERO, percent_of

S = Booking.Status


class Mover(StrEnum):
    """Who may ask for a move."""

    # A person, by hand: the back office's lifecycle actions and buttons.
    STAFF = "staff"
    # Only the owner of what the move follows from: dispatch when a driver is given or taken off a trip and the steps
    # of a trip (gnb.fleet), payments when money is given back, the scheduler when an unpaid hold runs out.
    SYSTEM = "system"


STAFF, SYSTEM = Mover.STAFF, Mover.SYSTEM

# The lifecycle: from each status, the statuses it may move to and who may make each move.
MOVES: dict[str, dict[str, Mover]] = {
    S.PENDING_PAYMENT: {S.CONFIRMED: STAFF, S.CANCELLED: STAFF, S.EXPIRED: SYSTEM},
    S.CONFIRMED: {S.ASSIGNED: SYSTEM, S.COMPLETED: STAFF, S.NO_SHOW: STAFF, S.CANCELLED: STAFF},
    # Back to confirmed: dispatch took the driver off the trip; by hand it would leave a driver on a confirmed ride.
    S.ASSIGNED: {S.CONFIRMED: SYSTEM, S.ON_THE_WAY: SYSTEM, S.COMPLETED: STAFF, S.NO_SHOW: STAFF, S.CANCELLED: STAFF},
    # Back to assigned or confirmed: the first ride of a return trip is over (or its traveller did not come) and the
    # return ride is still ahead (gnb.fleet.services).
    S.ON_THE_WAY: {S.PICKED_UP: SYSTEM, S.NO_SHOW: STAFF, S.ASSIGNED: SYSTEM, S.CONFIRMED: SYSTEM},
    S.PICKED_UP: {S.COMPLETED: STAFF, S.ASSIGNED: SYSTEM, S.CONFIRMED: SYSTEM},
    S.CANCELLED: {S.REFUNDED: SYSTEM},
    S.COMPLETED: {},
    S.NO_SHOW: {},
    S.EXPIRED: {},
    S.REFUNDED: {},
}

TRANSITIONS: dict[str, frozenset[str]] = {status: frozenset(moves) for status, moves in MOVES.items()}

# Statuses in which a booking holds seats on a tour departure and counts as a coupon use.
HOLDS_CAPACITY: frozenset[str] = frozenset(
    {S.PENDING_PAYMENT, S.CONFIRMED, S.ASSIGNED, S.ON_THE_WAY, S.PICKED_UP, S.COMPLETED, S.NO_SHOW}
)
# The trip must have started (pickup time reached) before these can be recorded.
NEEDS_START: frozenset[str] = frozenset({S.COMPLETED, S.NO_SHOW, S.PICKED_UP})
# A traveller may cancel from these, before the start.
TRAVELLER_CANCELLABLE: frozenset[str] = frozenset({S.PENDING_PAYMENT, S.CONFIRMED, S.ASSIGNED})


def can_transition(from_status: str, to_status: str, *, by_hand: bool = False) -> bool:
    """Whether the lifecycle has this move; ``by_hand``: and staff may make it themselves."""
    mover = MOVES.get(from_status, {}).get(to_status)
    return mover is not None and (not by_hand or mover == STAFF)


def pickup_after_landing(landing_at: dt.datetime) -> dt.datetime:
    """When the driver picks up a flight's travellers: ``GNB_PICKUP_MINUTES_AFTER_LANDING`` after it lands."""
    return landing_at + dt.timedelta(minutes=settings.GNB_PICKUP_MINUTES_AFTER_LANDING)


def pickup_before_departure(departure_at: dt.datetime, *, drive_minutes: int) -> dt.datetime:
    """The pickup to propose for a flight departing at ``departure_at``: the drive and ``GNB_AIRPORT_CHECK_IN_MINUTES``
    earlier, on a five-minute mark (rounded down, so never later than needed)."""
    pickup = departure_at - dt.timedelta(minutes=drive_minutes + settings.GNB_AIRPORT_CHECK_IN_MINUTES)
    return pickup - dt.timedelta(minutes=pickup.minute % 5, seconds=pickup.second, microseconds=pickup.microsecond)


# The operators' drive times between zones are kept by gnb.fleet, which sits above bookings: it registers how to
# read them (from its AppConfig.ready), so the booking checks know a ride's drive without bookings importing fleet.
DriveMinutesSource = Callable[[int, int], "int | None"]
_drive_minutes_sources: list[DriveMinutesSource] = []


def drive_minutes_source_register(source: DriveMinutesSource) -> None:
    """Have ``source(origin_zone_id, destination_zone_id)`` answer :func:`drive_minutes` (once, from a ``ready``)."""
    if source not in _drive_minutes_sources:
        _drive_minutes_sources.append(source)


def drive_minutes(origin_zone_id: int, destination_zone_id: int) -> int | None:
    """The drive between two zones as the operators keep it, or None when nobody keeps it."""
    for source in _drive_minutes_sources:
        minutes = source(origin_zone_id, destination_zone_id)
        if minutes is not None:
            return minutes
    return None


def latest_pickup_for_departure(departure_at: dt.datetime, *, drive_minutes: int) -> dt.datetime:
    """The last pickup from which the car still reaches the airport before the flight leaves."""
    return departure_at - dt.timedelta(minutes=drive_minutes)


def free_cancellation_until(starts_at: dt.datetime) -> dt.datetime:
    return starts_at - dt.timedelta(hours=settings.GNB_FREE_CANCELLATION_HOURS)


def cancellation_fee(*, total: Decimal, starts_at: dt.datetime, now: dt.datetime) -> Decimal:
    """Free until ``GNB_FREE_CANCELLATION_HOURS`` before the start, then ``GNB_LATE_CANCELLATION_FEE_PERCENT``."""
    if now < free_cancellation_until(starts_at):
        return ZERO
    return min(total, percent_of(total, settings.GNB_LATE_CANCELLATION_FEE_PERCENT))


@dataclass(frozen=True)
class CancellationTerms:
    """What cancelling costs, as the traveller must be told it at ``now``: a free-cancellation deadline is only
    promised while it is still ahead (``free_now``); once it has passed, the fee of cancelling now is stated."""

    free_until: dt.datetime
    free_now: bool
    fee_now: Decimal  # what cancelling at ``now`` costs (zero while free)
    late_fee: Decimal  # what cancelling after ``free_until`` costs
    fee_percent: Decimal


def cancellation_terms(*, total: Decimal, starts_at: dt.datetime, now: dt.datetime | None = None) -> CancellationTerms:
    now = now or timezone.now()
    until = free_cancellation_until(starts_at)
    late_fee = cancellation_fee(total=total, starts_at=starts_at, now=until)
    return CancellationTerms(
        free_until=until,
        free_now=now < until,
        fee_now=cancellation_fee(total=total, starts_at=starts_at, now=now),
        late_fee=late_fee,
        fee_percent=Decimal(settings.GNB_LATE_CANCELLATION_FEE_PERCENT),
    )


def fee_if_cancelled_now(booking: Booking, *, now: dt.datetime | None = None) -> Decimal | None:
    """The fee a traveller would pay to cancel ``booking`` now, or None when it cannot be cancelled online."""
    now = now or timezone.now()
    if booking.status not in TRAVELLER_CANCELLABLE or now >= booking.starts_at:
        return None
    return cancellation_fee(total=booking.total, starts_at=booking.starts_at, now=now)


# Flight tracking lives in gnb.fleet (gnb/fleet/flights), above bookings: it registers how to look a flight up (from
# its AppConfig.ready), so the booking checks can refuse a flight that does not exist or lands elsewhere.
@dataclass(frozen=True)
class FlightLookup:
    """What the flight provider said of a flight on a day. ``checked`` False: it could not be asked (down, quota
    spent); the booking is then accepted with its flight unchecked (recorded on the flight's watch)."""

    checked: bool
    found: bool = False
    lands_at_iata: str = ""  # where it lands when not at the airport asked about
    lands_at_name: str = ""


FlightLookupSource = Callable[[str, dt.date, str], "FlightLookup | None"]
_flight_lookup_sources: list[FlightLookupSource] = []


def flight_lookup_register(source: FlightLookupSource) -> None:
    """Have ``source(number, landing_local_date, airport_iata)`` answer :func:`flight_lookup` (once, from a
    ``ready``)."""
    if source not in _flight_lookup_sources:
        _flight_lookup_sources.append(source)


def flight_lookup(number: str, landing_on: dt.date, airport_iata: str) -> FlightLookup | None:
    """The provider's word on flight ``number`` landing at ``airport_iata`` on ``landing_on``; None when flight
    tracking is off."""
    for source in _flight_lookup_sources:
        answer = source(number, landing_on, airport_iata)
        if answer is not None:
            return answer
    return None
