"""Writes on bookings. Every API endpoint, admin action, view and task calls these; none writes rows itself.

Placing a booking: validate every input (all errors at once, each naming its field), re-price on the server
from the catalogue, then in one transaction take the locks late and in a fixed order (coupon, then tour
departure), re-check capacity and coupon uses, and write. Emails go out after commit through the task queue.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import TypeVar

import phonenumbers
from babel import Locale
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gnb.bookings import lifecycle, policies
from gnb.bookings.availability import coupon_uses, coupon_uses_by, seats_taken
from gnb.bookings.models import (
    Booking,
    BookingEvent,
    BookingExtra,
    CouponRedemption,
    GroupQuoteRequest,
    IdempotencyKey,
    Passenger,
    TransferLeg,
)
from gnb.bookings.names import name_error, name_normalized
from gnb.bookings.orders import (
    Contact,
    FlightInput,
    PassengerDocuments,
    PassengerInput,
    TourOrder,
    TransferOrder,
)
from gnb.bookings.pricing import Breakdown
from gnb.bookings.quotes import (
    TourQuote,
    TransferOption,
    TransferQuote,
    _Errors,
    _localise,
    route_places,
    tour_quote,
    transfer_quote,
)
from gnb.catalog.models import Coupon, Place, TourDeparture
from gnb.catalog.selectors import tour_pickup_offsets
from gnb.core.errors import Conflict, InvalidTransition, SoldOut, ValidationFailed
from gnb.core.locking import lock_rows, lock_timeout_as_busy
from gnb.core.metrics import count_booking_cancelled, count_booking_placed
from gnb.core.money import convert_back
from gnb.core.outbox import EmailKind, email_enqueue

logger = logging.getLogger(__name__)
Q = TypeVar("Q")

FLIGHT_NUMBER = re.compile(r"^[A-Z0-9]{2}[A-Z]?\d{1,4}[A-Z]?$")
NAME_MAX = 60


@dataclass(frozen=True)
class Actor:
    """Who is doing something: a user (staff, driver, customer) or a labelled party (traveller, api, system)."""

    label: str
    user_id: int | None = None

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(label=user.get_username(), user_id=user.pk)


TRAVELLER = Actor("traveller")
SYSTEM = Actor("system")


# --- validation -------------------------------------------------------------------------------------------
def _clean_contact(errors: _Errors, contact: Contact) -> Contact:
    name = name_normalized(contact.name)
    if not name:
        errors.add("contact.name", _("Please enter the lead traveller's name."))
    elif len(name) > 150:
        errors.add("contact.name", _("At most 150 characters."))
    elif problem := name_error(name, field=_("Lead traveller's name")):
        errors.add("contact.name", problem)
    email = contact.email.strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        errors.add("contact.email", _("Enter a valid email address."))
    phone = ""
    try:
        parsed = phonenumbers.parse(contact.phone, None)
        if not phonenumbers.is_valid_number(parsed):
            raise phonenumbers.NumberParseException(phonenumbers.NumberParseException.NOT_A_NUMBER, "invalid")
        phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        errors.add("contact.phone", _("Enter the phone number with its country code, e.g. +90 532 123 45 67."))
    return Contact(name=name, email=email, phone=phone)


def _clean_passengers(
    errors: _Errors, passengers: Sequence[PassengerInput], *, adults: int, children: int, infants: int
) -> list[PassengerInput]:
    cleaned = []
    for index, passenger in enumerate(passengers):
        first, last = name_normalized(passenger.first_name), name_normalized(passenger.last_name)
        labels = {
            "first_name": _("First name of passenger %(number)s") % {"number": index + 1},
            "last_name": _("Last name of passenger %(number)s") % {"number": index + 1},
        }
        for key, value in (("first_name", first), ("last_name", last)):
            if not value:
                errors.add(f"passengers.{index}.{key}", _("Every passenger's first and last name is required."))
            elif len(value) > NAME_MAX:
                errors.add(f"passengers.{index}.{key}", _("At most %(max)s characters.") % {"max": NAME_MAX})
            elif problem := name_error(value, field=labels[key]):
                errors.add(f"passengers.{index}.{key}", problem)
        if passenger.category not in Passenger.Category.values:
            errors.add(f"passengers.{index}.category", _("Choose adult, child or infant."))
        cleaned.append(PassengerInput(first, last, passenger.category))
    expected = {"adult": adults, "child": children, "infant": infants}
    counted = Counter(passenger.category for passenger in passengers)
    if len(passengers) != adults + children + infants or any(counted[k] != v for k, v in expected.items()):
        errors.add(
            "passengers",
            _("Give the name of every passenger: %(adults)s adults, %(children)s children, %(infants)s infants.")
            % {"adults": adults, "children": children, "infants": infants},
        )
    return cleaned


def _clean_flight(
    errors: _Errors, flight: FlightInput, *, field_prefix: str, place, destination, pickup_at
) -> FlightInput:
    """The flight of a ride from ``place`` to ``destination``: the landing it meets from an airport (required),
    the departure it brings the travellers to at an airport (optional, checked when given)."""
    if place.is_airport:
        return _clean_arrival(errors, flight, field_prefix=field_prefix, place=place, pickup_at=pickup_at)
    if destination.is_airport:
        return _clean_departure(
            errors, flight, field_prefix=field_prefix, place=place, destination=destination, pickup_at=pickup_at
        )
    return FlightInput()


def _clean_flight_number(errors: _Errors, number: str, *, field: str, required: bool) -> str:
    number = re.sub(r"[\s-]", "", number or "").upper()
    if not number:
        if required:
            errors.add(field, _("A flight number is required for an airport pickup."))
    elif not FLIGHT_NUMBER.match(number):
        errors.add(field, _("Enter a flight number like TK2412 or U2 1234."))
    return number


def _clean_arrival(errors: _Errors, flight: FlightInput, *, field_prefix: str, place, pickup_at) -> FlightInput:
    number = _clean_flight_number(errors, flight.number, field=f"{field_prefix}.number", required=True)
    arrival = flight.arrival_at
    if arrival is None:
        errors.add(f"{field_prefix}.arrival_at", _("The flight's arrival time is required."))
    else:
        arrival = arrival.replace(tzinfo=place.tzinfo) if timezone.is_naive(arrival) else arrival
        if arrival > pickup_at:
            # The driver meets the flight: a pickup before the landing leaves the travellers without a ride.
            errors.add(
                f"{field_prefix}.arrival_at",
                _("The flight lands at %(landing)s, after the pickup time %(pickup)s: the landing must come first.")
                % {
                    "landing": timezone.localtime(arrival, place.tzinfo).strftime("%H:%M"),
                    "pickup": timezone.localtime(pickup_at, place.tzinfo).strftime("%H:%M"),
                },
            )
        elif pickup_at - arrival > dt.timedelta(hours=12):
            errors.add(
                f"{field_prefix}.arrival_at",
                _("The flight should land within 12 hours of the pickup time."),
            )
        elif number and FLIGHT_NUMBER.match(number) and place.iata_code:
            _check_flight_lands(errors, number, field=f"{field_prefix}.number", place=place, arrival=arrival)
    return FlightInput(number, arrival)


def _check_flight_lands(errors: _Errors, number: str, *, field: str, place, arrival: dt.datetime) -> None:
    """With flight tracking on, the flight must exist on the landing's day and land at ``place``.

    A provider that cannot be asked (down, quota spent) does not refuse the booking: the flight stays unchecked
    (recorded on its watch by gnb.fleet) and the polling checks it later. Refusing travellers because a third
    party is down would lose real bookings for a check that only catches typing mistakes.
    """
    day = timezone.localtime(arrival, place.tzinfo).date()
    lookup = policies.flight_lookup(number, day, place.iata_code)
    if lookup is None or not lookup.checked:
        return
    when = date_format(day, "j F")
    if not lookup.found:
        errors.add(field, _("No flight %(number)s on %(date)s.") % {"number": number, "date": when})
    elif lookup.lands_at_iata and lookup.lands_at_iata != place.iata_code:
        errors.add(
            field,
            _("%(number)s does not land at %(airport)s (%(iata)s) on %(date)s; it lands at %(other)s (%(other_iata)s).")
            % {
                "number": number,
                "airport": place.name,
                "iata": place.iata_code,
                "date": when,
                "other": lookup.lands_at_name or lookup.lands_at_iata,
                "other_iata": lookup.lands_at_iata,
            },
        )


def _clean_departure(
    errors: _Errors, flight: FlightInput, *, field_prefix: str, place, destination, pickup_at
) -> FlightInput:
    number = _clean_flight_number(errors, flight.number, field=f"{field_prefix}.number", required=False)
    departure = flight.departure_at
    if departure is None:
        return FlightInput(number)
    departure = departure.replace(tzinfo=destination.tzinfo) if timezone.is_naive(departure) else departure
    drive = policies.drive_minutes(place.zone_id, destination.zone_id) or 0
    latest = policies.latest_pickup_for_departure(departure, drive_minutes=drive)
    if pickup_at > latest:
        # Refused, not only warned about: the car would reach the airport after the plane has left, a ride that
        # serves nobody. A pickup inside the check-in margin stays the traveller's choice (hand luggage, online
        # check-in): only the impossible is refused.
        local = {
            "departure": timezone.localtime(departure, destination.tzinfo).strftime("%H:%M"),
            "pickup": timezone.localtime(pickup_at, place.tzinfo).strftime("%H:%M"),
            "latest": timezone.localtime(latest, place.tzinfo).strftime("%H:%M"),
            "drive": drive,
        }
        errors.add(
            f"{field_prefix}.departure_at",
            _(
                "The flight departs at %(departure)s: a pickup at %(pickup)s does not reach the airport in time "
                "(about %(drive)s minutes' drive). Choose a pickup at %(latest)s at the latest."
            )
            % local
            if drive
            else _("The flight departs at %(departure)s, before the pickup time %(pickup)s.") % local,
        )
    elif departure - pickup_at > dt.timedelta(hours=12):
        errors.add(f"{field_prefix}.departure_at", _("The flight should depart within 12 hours of the pickup time."))
    return FlightInput(number, departure_at=departure)


@dataclass(frozen=True)
class _Traveller:
    """Who travels and how they want to be reached, after validation."""

    contact: Contact
    passengers: list[PassengerInput]
    language: str
    notes: str
    payment_method: str


def _clean_traveller(
    errors: _Errors,
    *,
    party,
    contact: Contact,
    passengers: Sequence[PassengerInput],
    language: str,
    notes: str,
    payment_method: str,
) -> _Traveller:
    clean_contact = _clean_contact(errors, contact)
    clean_passengers = _clean_passengers(
        errors, passengers, adults=party.adults, children=party.children, infants=party.infants
    )
    if language not in dict(settings.LANGUAGES):
        errors.add("language", _("Unknown language “%(code)s”.") % {"code": language})
    if len(notes) > 1000:
        errors.add("notes", _("At most 1000 characters."))
    if payment_method not in Booking.PaymentMethod.values:
        errors.add("payment_method", _("Unknown payment method."))
    return _Traveller(clean_contact, clean_passengers, language, notes.strip(), payment_method)


# --- history ----------------------------------------------------------------------------------------------
def _record(
    booking: Booking,
    *,
    kind: str,
    actor: Actor,
    at: dt.datetime,
    reason: str = "",
    from_status: str = "",
    details=None,
) -> BookingEvent:
    return BookingEvent.objects.create(
        booking=booking,
        created_at=at,
        kind=kind,
        from_status=from_status,
        to_status=booking.status,
        actor_id=actor.user_id,
        actor_label=actor.label,
        reason=reason[:500],
        details=details or {},
    )


def _queue_email(booking: Booking, kind: EmailKind, *, event_id: int | None = None) -> None:
    # In the transaction of the change: both commit or neither (gnb.core.outbox).
    if event_id is None:
        email_enqueue(kind=kind, booking_id=booking.pk)
    else:
        email_enqueue(kind=kind, booking_id=booking.pk, event_id=event_id)


# --- capacity and coupons ---------------------------------------------------------------------------------
def _claim_coupon(coupon: Coupon, *, email: str) -> None:
    """Under the coupon's row lock, count live uses and refuse the one over the limit."""
    if coupon.max_uses is not None and coupon_uses(coupon) >= coupon.max_uses:
        raise ValidationFailed([("coupon", _("This coupon has been used up."))])
    if coupon.max_uses_per_customer is not None and coupon_uses_by(coupon, email=email) >= coupon.max_uses_per_customer:
        raise ValidationFailed([("coupon", _("You have already used this coupon."))])


def _initial_status(payment_method: str) -> str:
    # Cash is paid to the driver, so the booking is firm at once; a card booking waits for the provider.
    return Booking.Status.CONFIRMED if payment_method == Booking.PaymentMethod.CASH else Booking.Status.PENDING_PAYMENT


def _hold_expires_at(status: str, *, now: dt.datetime) -> dt.datetime | None:
    # A booking waiting for its card payment keeps its seats (and coupon use) only this long; ``holds_expire``
    # in gnb.bookings.lifecycle frees them afterwards.
    if status != Booking.Status.PENDING_PAYMENT:
        return None
    return now + dt.timedelta(minutes=settings.GNB_PAYMENT_HOLD_MINUTES)


# --- placing ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckedTransfer:
    """A transfer booking that passed every check, priced in the caller's language; nothing written yet."""

    quote: TransferQuote
    option: TransferOption
    traveller: _Traveller
    outbound_flight: FlightInput
    inbound_flight: FlightInput


def booking_check_transfer(*, order: TransferOrder, now: dt.datetime | None = None) -> CheckedTransfer:
    """Run every check ``booking_place_transfer`` runs, without writing; raise ``ValidationFailed`` with all errors.

    The website calls it before its review step so the traveller sees every error on the form, next to its field.
    """
    quote = transfer_quote(order.quote_request, now=now)
    errors = _Errors()
    option = quote.option_for(order.vehicle_class)
    if option is None:
        errors.add("vehicle_class", _("This vehicle is not available for this trip or party size."))
    traveller = _clean_traveller(
        errors,
        party=quote.party,
        contact=order.contact,
        passengers=order.passengers,
        language=order.language,
        notes=order.notes,
        payment_method=order.payment_method,
    )
    outbound_flight = _clean_flight(
        errors,
        order.flight,
        field_prefix="flight",
        place=quote.origin,
        destination=quote.destination,
        pickup_at=quote.pickup_at,
    )
    inbound_flight = FlightInput()
    if quote.return_pickup_at is not None:
        inbound_flight = _clean_flight(
            errors,
            order.return_flight,
            field_prefix="return_flight",
            place=quote.destination,
            destination=quote.origin,
            pickup_at=quote.return_pickup_at,
        )
    for key, value in (("pickup_point", order.pickup_point), ("return_pickup_point", order.return_pickup_point)):
        if len(value) > 255:
            errors.add(key, _("At most 255 characters."))
    errors.raise_if_any()
    assert option is not None  # an absent option added an error above
    return CheckedTransfer(quote, option, traveller, outbound_flight, inbound_flight)


def booking_place_transfer(
    *,
    order: TransferOrder,
    actor: Actor = TRAVELLER,
    customer_id: int | None = None,
    api_key_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Place a transfer (one or two legs), priced on the server from ``order.quote_request``.

    ``customer_id`` links the booking to the signed-in customer's account, ``api_key_id`` to the partner key it
    was placed with through the API.
    """
    now = now or timezone.now()
    checked = booking_check_transfer(order=order, now=now)
    traveller, outbound_flight, inbound_flight = checked.traveller, checked.outbound_flight, checked.inbound_flight
    quote_request = order.quote_request
    quote = _in_booking_language(order.language, checked.quote, lambda: transfer_quote(quote_request, now=now))
    option = quote.option_for(order.vehicle_class)
    if option is None:  # the catalogue changed between the two pricings
        raise ValidationFailed([("vehicle_class", _("This vehicle is not available for this trip or party size."))])

    with transaction.atomic(), lock_timeout_as_busy():
        if quote.coupon is not None:
            coupon = lock_rows(Coupon.objects.filter(pk=quote.coupon.pk))[0]
            _claim_coupon(coupon, email=traveller.contact.email)
        booking = _create_booking(
            kind=Booking.Kind.TRANSFER,
            traveller=traveller,
            quote=quote,
            breakdown=option.breakdown,
            now=now,
            luggage=quote_request.luggage,
            vehicle_class_id=option.vehicle.id,
            starts_at=quote.pickup_at,
            customer_id=customer_id,
            api_key_id=api_key_id,
        )
        rides = [(1, quote.origin, quote.destination, quote.pickup_at, order.pickup_point, outbound_flight)]
        if quote.return_pickup_at is not None:
            rides.append(
                (2, quote.destination, quote.origin, quote.return_pickup_at, order.return_pickup_point, inbound_flight)
            )
        legs = [
            TransferLeg(
                booking=booking,
                sequence=sequence,
                origin=origin,
                destination=destination,
                pickup_at=pickup_at,
                pickup_point=point.strip(),
                flight_number=flight_details.number,
                flight_arrival_at=flight_details.arrival_at,
                flight_departure_at=flight_details.departure_at,
            )
            for sequence, origin, destination, pickup_at, point, flight_details in rides
        ]
        TransferLeg.objects.bulk_create(legs)
        line_totals = {line.code: line.amount for line in option.breakdown.lines}
        BookingExtra.objects.bulk_create(
            BookingExtra(
                booking=booking,
                extra=extra,
                quantity=quantity,
                total=line_totals.get(f"extra:{extra.code}", 0),
            )
            for extra, quantity in quote.extras
        )
        _finish_placement(booking, actor=actor, now=now)
    return booking


@dataclass(frozen=True)
class CheckedTour:
    """A tour booking that passed every check except free seats (counted under the lock when placing)."""

    quote: TourQuote
    traveller: _Traveller
    pickup: TourPickup | None  # None for a tour with no hotel pickup (it starts at its meeting point)


@dataclass(frozen=True)
class TourPickup:
    place: Place
    pickup_at: dt.datetime  # aware: the departure less the place's zone offset


def _clean_tour_pickup(errors: _Errors, *, departure: TourDeparture, slug: str) -> TourPickup | None:
    """The tour's pickup at the place ``slug``: it must lie in one of the tour's pickup zones, whose offset gives
    the pickup time. A tour without pickup zones starts at its meeting point and takes no pickup place."""
    tour = departure.tour
    offsets = tour_pickup_offsets(tour_id=tour.pk)
    slug = slug.strip()
    if not offsets:
        if slug:
            errors.add("pickup_place", _("This tour has no hotel pickup; it starts at its meeting point."))
        return None
    zones = ", ".join(offset.zone_name for offset in offsets.values())
    if not slug:
        errors.add("pickup_place", _("Choose your hotel or pickup place (in %(zones)s).") % {"zones": zones})
        return None
    place = Place.objects.select_related("zone").filter(slug=slug, is_active=True).first()
    if place is None:
        errors.add("pickup_place", _("Unknown place “%(slug)s”.") % {"slug": slug})
        return None
    offset = offsets.get(place.zone_id)
    if offset is None:
        errors.add(
            "pickup_place",
            _("%(place)s is outside this tour's pickup area; choose a hotel in %(zones)s.")
            % {"place": place.name, "zones": zones},
        )
        return None
    return TourPickup(place, departure.starts_at - dt.timedelta(minutes=offset.minutes_before_departure))


def booking_check_tour(*, order: TourOrder, now: dt.datetime | None = None) -> CheckedTour:
    """Run every check ``booking_place_tour`` runs before taking its lock, without writing."""
    quote = tour_quote(order.quote_request, now=now)
    errors = _Errors()
    traveller = _clean_traveller(
        errors,
        party=quote.party,
        contact=order.contact,
        passengers=order.passengers,
        language=order.language,
        notes=order.notes,
        payment_method=order.payment_method,
    )
    pickup = _clean_tour_pickup(errors, departure=quote.departure, slug=order.pickup_place)
    if len(order.pickup_point) > 255:
        errors.add("pickup_point", _("At most 255 characters."))
    errors.raise_if_any()
    return CheckedTour(quote, traveller, pickup)


def booking_place_tour(
    *,
    order: TourOrder,
    actor: Actor = TRAVELLER,
    customer_id: int | None = None,
    api_key_id: int | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Book seats on a tour departure. Seats are never oversold: the departure row is locked, seats re-counted.

    ``customer_id`` and ``api_key_id`` as for :func:`booking_place_transfer`.
    """
    now = now or timezone.now()
    checked = booking_check_tour(order=order, now=now)
    traveller = checked.traveller
    quote_request = order.quote_request
    quote = _in_booking_language(order.language, checked.quote, lambda: tour_quote(quote_request, now=now))

    with transaction.atomic(), lock_timeout_as_busy():
        # Fixed lock order everywhere: coupon, then departure.
        if quote.coupon is not None:
            coupon = lock_rows(Coupon.objects.filter(pk=quote.coupon.pk))[0]
            _claim_coupon(coupon, email=traveller.contact.email)
        # Written first, locked last: the booking and its rows go in while other travellers' placements on the same
        # departure go on, and the departure's lock is held only for the count and the commit (at 64 clients on one
        # departure, the lock held across five inserts was what queued them). Safe because the count runs after the
        # lock is granted: under READ COMMITTED each statement takes a fresh snapshot, so it sees every booking
        # committed by an earlier holder of the lock, plus this transaction's own, and nothing else can add seats
        # without the lock. Over capacity, the whole transaction rolls back: nothing written, nothing announced.
        booking = _create_booking(
            kind=Booking.Kind.TOUR,
            traveller=traveller,
            quote=quote,
            breakdown=quote.breakdown,
            now=now,
            pickup_point=order.pickup_point.strip(),
            pickup_place=checked.pickup.place if checked.pickup else None,
            pickup_at=checked.pickup.pickup_at if checked.pickup else None,
            tour_departure=quote.departure,
            starts_at=quote.departure.starts_at,
            customer_id=customer_id,
            api_key_id=api_key_id,
        )
        _placement_rows(booking, actor=actor, now=now)
        departure = lock_rows(TourDeparture.objects.filter(pk=quote.departure.pk))[0]
        seats_left = departure.capacity - (seats_taken(departure.pk) - quote.party.seats)
        if quote.party.seats > seats_left:
            if seats_left <= 0:
                raise SoldOut(_("This departure is sold out."), field="departure_id")
            raise SoldOut(
                ngettext(
                    "Only %(count)s seat is left on this departure.",
                    "Only %(count)s seats are left on this departure.",
                    seats_left,
                )
                % {"count": seats_left},
                field="departure_id",
            )
        if departure.starts_at != booking.starts_at:  # moved by the office since the quote was read
            booking.starts_at = departure.starts_at
            booking.save(update_fields=["starts_at"])
        _placement_announce(booking)
    return booking


def _in_booking_language(language: str, quote: Q, reprice: Callable[[], Q]) -> Q:
    """The quote with its labels (season, extras, lines) in the booking's language, as stored and emailed.

    Validation runs in the caller's language (staff and API clients read the errors); the stored breakdown
    speaks the traveller's language.
    """
    if translation.get_language() == language:
        return quote
    with translation.override(language):
        return reprice()


def _create_booking(*, kind: str, traveller: _Traveller, quote, breakdown: Breakdown, now: dt.datetime, **product):
    """The booking row and its passengers: the columns every kind of booking shares, plus ``product``'s."""
    party = quote.party
    status = _initial_status(traveller.payment_method)
    booking = Booking.objects.create(
        created_at=now,
        kind=kind,
        status=status,
        hold_expires_at=_hold_expires_at(status, now=now),
        payment_method=traveller.payment_method,
        lead_name=traveller.contact.name,
        lead_email=traveller.contact.email,
        lead_phone=traveller.contact.phone,
        language=traveller.language,
        notes=traveller.notes,
        adults=party.adults,
        children=party.children,
        infants=party.infants,
        coupon=quote.coupon,
        currency=quote.currency,
        exchange_rate=quote.rate,
        total=breakdown.total,
        total_base=breakdown.total_base,
        price_breakdown=breakdown.as_dict(),
        **product,
    )
    Passenger.objects.bulk_create(
        Passenger(
            booking=booking, position=position, category=p.category, first_name=p.first_name, last_name=p.last_name
        )
        for position, p in enumerate(traveller.passengers, start=1)
    )
    return booking


def _finish_placement(booking: Booking, *, actor: Actor, now: dt.datetime) -> None:
    _placement_rows(booking, actor=actor, now=now)
    _placement_announce(booking)


def _placement_rows(booking: Booking, *, actor: Actor, now: dt.datetime) -> None:
    """What a placement writes besides the booking: the coupon's redemption, the event, the confirmation email."""
    if booking.coupon_id:
        discount = Decimal(booking.price_breakdown["discount"])
        CouponRedemption.objects.create(
            coupon_id=booking.coupon_id,
            booking=booking,
            email=booking.lead_email,
            discount_base=convert_back(discount, booking.exchange_rate),
        )
    _record(booking, kind=BookingEvent.Kind.CREATED, actor=actor, at=now, reason="Booking placed")
    if booking.status == Booking.Status.CONFIRMED:
        _queue_email(booking, EmailKind.CONFIRMATION)


def _placement_announce(booking: Booking) -> None:
    """Log and count a placement, once its rows are written and (for a tour) its seats checked."""
    logger.info("booking placed", extra={"reference": booking.reference, "kind": booking.kind})
    # Counted when the outermost transaction commits: a placement rolled back later (the loser of two requests
    # racing with one Idempotency-Key, whose transaction wraps this one) is never counted.
    transaction.on_commit(partial(count_booking_placed, booking.kind))


def request_fingerprint(payload: dict) -> str:
    """A stable hash of a request body, to tell a retry from a different request under the same key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def booking_place_idempotent(
    *, key: str | None, scope: str, fingerprint: str, place: Callable[[], Booking]
) -> tuple[Booking, bool]:
    """Run ``place`` once per ``Idempotency-Key``: a retry by the same client with the same body returns the first
    booking.

    ``scope`` names the client the key belongs to; a key already used by another client, or with another body, is
    a :class:`Conflict` naming ``Idempotency-Key`` and never returns the booking (whose answer carries its manage
    token). Returns ``(booking, created)``. The key row is written in the same transaction as the booking, and the
    key's unique constraint settles a race between two requests with one key, from one client or from two.
    """
    if not key:
        return place(), True
    if len(key) > 255:
        raise ValidationFailed([("Idempotency-Key", _("At most 255 characters."))])
    if not key.isprintable():
        raise ValidationFailed([("Idempotency-Key", _("Use printable characters only."))])
    existing = IdempotencyKey.objects.filter(key=key).select_related("booking").first()
    if existing is None:
        try:
            with transaction.atomic():
                booking = place()
                IdempotencyKey.objects.create(scope=scope, key=key, request_hash=fingerprint, booking=booking)
            return booking, True
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(key=key).select_related("booking").first()
            if existing is None:
                raise
    if existing.scope != scope:
        raise Conflict(_("This Idempotency-Key was already used by another client."), field="Idempotency-Key")
    if existing.request_hash != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used with a different request body."), field="Idempotency-Key"
        )
    return existing.booking, False


# --- lifecycle --------------------------------------------------------------------------------------------
# The status itself changes only in gnb.bookings.lifecycle; these are the staff's and travellers' ways to ask.
_locked_booking = lifecycle.locked_booking


def booking_transition(
    *,
    booking_id: int,
    to_status: str,
    actor: Actor,
    reason: str = "",
    now: dt.datetime | None = None,
    by_hand: bool = False,
) -> Booking:
    """Move a booking to ``to_status`` if the lifecycle allows it, and record who, when and why.

    ``by_hand``: a staff member asked from the back office, who may make only the moves ``policies.MOVES`` gives
    to staff (a driver is taken off a trip on the dispatch board, never by setting a booking back to confirmed).
    """
    now = now or timezone.now()
    if to_status == Booking.Status.CANCELLED:
        return booking_cancel(booking_id=booking_id, actor=actor, reason=reason, now=now)
    with transaction.atomic(), lock_timeout_as_busy():
        booking = _locked_booking(booking_id)
        from_status = booking.status
        lifecycle.transition(
            booking,
            to_status=to_status,
            actor_label=actor.label,
            actor_id=actor.user_id,
            reason=reason,
            now=now,
            by_hand=by_hand,
        )
        if to_status == Booking.Status.CONFIRMED and from_status == Booking.Status.PENDING_PAYMENT:
            _queue_email(booking, EmailKind.CONFIRMATION)
    return booking


def booking_cancel(
    *,
    booking_id: int,
    actor: Actor,
    reason: str = "",
    by_traveller: bool = False,
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel a booking. A traveller can cancel before the start and pays the policy's fee; staff cancel free."""
    now = now or timezone.now()
    with transaction.atomic(), lock_timeout_as_busy():
        booking = _locked_booking(booking_id)
        if by_traveller:
            if booking.status not in policies.TRAVELLER_CANCELLABLE:
                raise InvalidTransition(_("This booking can no longer be cancelled online."), field="status")
            if now >= booking.starts_at:
                raise InvalidTransition(_("The trip has already started; please call us."), field="status")
            fee = policies.cancellation_fee(total=booking.total, starts_at=booking.starts_at, now=now)
        else:
            if not reason.strip():
                raise ValidationFailed([("reason", _("Give a reason for cancelling."))])
            fee = Decimal("0.00")
        lifecycle.transition(
            booking,
            to_status=Booking.Status.CANCELLED,
            actor_label=actor.label,
            actor_id=actor.user_id,
            reason=reason or "Cancelled by the traveller",
            details={"cancellation_fee": str(fee)},
            changes={"cancelled_at": now, "cancellation_fee": fee},
            now=now,
        )
        _queue_email(booking, EmailKind.CANCELLATION)
    count_booking_cancelled(booking.kind)  # after the transaction: a cancellation that failed is not counted
    return booking


# --- changing details -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LegDetails:
    """What may change on one ride without re-pricing it: the flight and the pickup point."""

    flight: FlightInput | None = None
    pickup_point: str | None = None


def booking_update_details(
    *,
    booking_id: int,
    actor: Actor,
    by_traveller: bool = False,
    contact: Contact | None = None,
    notes: str | None = None,
    passengers: Sequence[PassengerInput] | None = None,
    legs: dict[int, LegDetails] | None = None,
    tour_pickup_point: str | None = None,
    tour_pickup_place: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Correct a booking's contact, passenger names, notes, flights or pickup points, recording what changed.

    Nothing here changes the price: route, date, party and vehicle stay as sold (cancel and book again for
    those). Travellers may change details until the booking lead time before the start; staff while the
    booking is open (a name can still be corrected for the manifest before the trip is closed). ``legs`` maps
    a transfer leg's sequence (1 outbound, 2 return) to its new details, ``tour_pickup_place`` a tour's hotel (a
    place's slug in the tour's pickup zones; its zone sets the pickup time), ``tour_pickup_point`` where there to
    wait; ``None`` leaves a part as it is.
    """
    now = now or timezone.now()
    with transaction.atomic(), lock_timeout_as_busy():
        booking = _locked_booking(booking_id)
        if booking.status not in policies.TRAVELLER_CANCELLABLE:
            raise InvalidTransition(_("A booking that is over or cancelled cannot be changed."), field="status")
        if by_traveller and now > booking.starts_at - dt.timedelta(minutes=settings.GNB_MIN_LEAD_MINUTES):
            raise InvalidTransition(
                _("It is too close to the start to change this online; please call us."), field="status"
            )
        errors = _Errors()
        changes: dict[str, list[str]] = {}

        def note_change(name: str, old: object, new: object) -> bool:
            # Values are compared as values (the same moment in two time zones is no change) and recorded as text,
            # times in Istanbul wall-clock time with their offset.
            if (old or None) == (new or None):
                return False
            changes[name] = [_as_text(old), _as_text(new)]
            return True

        if contact is not None:
            clean = _clean_contact(errors, contact)
            for field_name, old, new in (
                ("lead_name", booking.lead_name, clean.name),
                ("lead_email", booking.lead_email, clean.email),
                ("lead_phone", booking.lead_phone, clean.phone),
            ):
                if note_change(f"contact.{field_name.removeprefix('lead_')}", old, new):
                    setattr(booking, field_name, new)
        if tour_pickup_point is not None:
            if booking.kind != Booking.Kind.TOUR:
                errors.add("pickup_point", _("A transfer's pickup point belongs to its ride."))
            elif len(tour_pickup_point) > 255:
                errors.add("pickup_point", _("At most 255 characters."))
            elif note_change("pickup_point", booking.pickup_point, tour_pickup_point.strip()):
                booking.pickup_point = tour_pickup_point.strip()
        if tour_pickup_place is not None:
            if booking.kind != Booking.Kind.TOUR or booking.tour_departure_id is None:
                errors.add("pickup_place", _("A transfer's pickup point belongs to its ride."))
            else:
                departure = TourDeparture.objects.select_related("tour").get(bookings=booking)
                pickup = _clean_tour_pickup(errors, departure=departure, slug=tour_pickup_place)
                if pickup is not None and note_change(
                    "pickup_place", booking.pickup_place.slug if booking.pickup_place else "", pickup.place.slug
                ):
                    booking.pickup_place, booking.pickup_at = pickup.place, pickup.pickup_at
        if notes is not None:
            if len(notes) > 1000:
                errors.add("notes", _("At most 1000 characters."))
            elif note_change("notes", booking.notes, notes.strip()):
                booking.notes = notes.strip()

        current_passengers = list(booking.passengers.order_by("position"))
        changed_passengers = []
        if passengers is not None:
            clean_passengers = _clean_passengers(
                errors, passengers, adults=booking.adults, children=booking.children, infants=booking.infants
            )
            if [p.category for p in clean_passengers] != [p.category for p in current_passengers]:
                errors.add("passengers", _("Keep the passengers in their order; only names can change."))
            else:
                for index, (row, named) in enumerate(zip(current_passengers, clean_passengers, strict=True)):
                    before, after = f"{row.first_name} {row.last_name}", f"{named.first_name} {named.last_name}"
                    if note_change(f"passengers.{index}", before, after):
                        row.first_name, row.last_name = named.first_name, named.last_name
                        changed_passengers.append(row)

        changed_legs = []
        legs_by_sequence = {leg.sequence: leg for leg in booking.legs.select_related("origin", "destination")}
        for sequence, details in (legs or {}).items():
            leg = legs_by_sequence.get(sequence)
            prefix = "flight" if sequence == 1 else "return_flight"
            if leg is None:
                errors.add(f"legs.{sequence}", _("This booking has no such ride."))
                continue
            changed = False
            if details.flight is not None:
                flight = _clean_flight(
                    errors,
                    details.flight,
                    field_prefix=prefix,
                    place=leg.origin,
                    destination=leg.destination,
                    pickup_at=leg.pickup_at,
                )
                changed |= note_change(f"{prefix}.number", leg.flight_number, flight.number)
                changed |= note_change(f"{prefix}.arrival_at", leg.flight_arrival_at, flight.arrival_at)
                changed |= note_change(f"{prefix}.departure_at", leg.flight_departure_at, flight.departure_at)
                leg.flight_number, leg.flight_arrival_at = flight.number, flight.arrival_at
                leg.flight_departure_at = flight.departure_at
            if details.pickup_point is not None:
                point_field = "pickup_point" if sequence == 1 else "return_pickup_point"
                if len(details.pickup_point) > 255:
                    errors.add(point_field, _("At most 255 characters."))
                else:
                    changed |= note_change(point_field, leg.pickup_point, details.pickup_point.strip())
                    leg.pickup_point = details.pickup_point.strip()
            if changed:
                changed_legs.append(leg)
        errors.raise_if_any()
        if not changes:
            return booking

        booking.save(
            update_fields=[
                "lead_name",
                "lead_email",
                "lead_phone",
                "notes",
                "pickup_point",
                "pickup_place",
                "pickup_at",
                "updated_at",
            ]
        )
        Passenger.objects.bulk_update(changed_passengers, ["first_name", "last_name"])
        TransferLeg.objects.bulk_update(
            changed_legs, ["flight_number", "flight_arrival_at", "flight_departure_at", "pickup_point"]
        )
        event = _record(
            booking,
            kind=BookingEvent.Kind.CHANGED,
            actor=actor,
            at=now,
            reason=_("Details changed: %(fields)s") % {"fields": ", ".join(sorted(changes))},
            from_status=booking.status,
            details={"changes": changes},
        )
        # The traveller hears of every change, whoever made it: the email lists what changed.
        _queue_email(booking, EmailKind.CHANGE, event_id=event.pk)
        lifecycle.details_changed(booking, event)
    return booking


def _as_text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return "" if value is None else str(value)


# --- passport details for U-ETDS --------------------------------------------------------------------------
# Codes in CLDR's territory list that are no ISO 3166-1 country: regions, unions and reserved codes.
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"})
COUNTRY_CODES: frozenset[str] = frozenset(
    code
    for code in map(str, Locale("en").territories)
    if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)
DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")
TC_NUMBER = re.compile(r"^[1-9][0-9]{10}$")
# A booking still to ride (or riding): its passenger list can still be reported to U-ETDS.
DOCUMENTS_OPEN = frozenset(
    {Booking.Status.CONFIRMED, Booking.Status.ASSIGNED, Booking.Status.ON_THE_WAY, Booking.Status.PICKED_UP}
)


def is_tc_identity_number(number: str) -> bool:
    """Whether ``number`` is a well-formed Turkish identity (T.C. kimlik) number: 11 digits, not starting with 0,
    whose 10th and 11th digits are the public checksums of the ones before."""
    if not TC_NUMBER.fullmatch(number):
        return False
    digits = [int(char) for char in number]
    odd, even = sum(digits[0:9:2]), sum(digits[1:8:2])
    return (odd * 7 - even) % 10 == digits[9] and sum(digits[:10]) % 10 == digits[10]


def clean_document_number(number: str) -> str:
    """A document number as it is stored and reported: spaces and dashes removed, upper case."""
    return re.sub(r"[\s-]+", "", number).upper()


def mask_document_number(number: str) -> str:
    """A document number as it is shown back (API, manage page): all but the last three characters hidden
    (``******123``), so a forwarded link or a shared screen does not give the passport number away."""
    if not number:
        return ""
    return "*" * max(len(number) - 3, 0) + number[-3:]


def booking_passenger_documents_set(
    *,
    booking_id: int,
    documents: Sequence[PassengerDocuments],
    actor: Actor,
    now: dt.datetime | None = None,
) -> Booking:
    """Record the nationality and passport (or T.C. identity) number of passengers, which U-ETDS needs before
    the trip; booking needs names only, so these come later, from the traveller or staff.

    Each entry names a passenger by ``index``; an entry with both values blank leaves that passenger as it is.
    Every error is reported at once, naming ``passengers.N.nationality`` or ``passengers.N.document_number``.
    Allowed while the booking is confirmed and its trip is not over. The history records which passengers
    changed, never the numbers themselves (a passport number has no place in a log that many staff read); no
    email is sent, as nothing the traveller did not do has changed.
    """
    now = now or timezone.now()
    with transaction.atomic(), lock_timeout_as_busy():
        booking = _locked_booking(booking_id)
        if booking.status not in DOCUMENTS_OPEN:
            raise InvalidTransition(
                _("Passport details can be given while the booking is confirmed and its trip is not over."),
                field="status",
            )
        passengers = list(booking.passengers.order_by("position"))
        errors = _Errors()
        wanted: dict[int, tuple[str, str]] = {}
        for entry in documents:
            prefix = f"passengers.{entry.index}"
            if not 0 <= entry.index < len(passengers) or entry.index in wanted:
                errors.add(prefix, _("This booking has no such passenger."))
                continue
            nationality = entry.nationality.strip().upper()
            number = clean_document_number(entry.document_number)
            if not nationality and not number:
                continue
            if not nationality:
                errors.add(f"{prefix}.nationality", _("Choose the passenger's nationality."))
            elif nationality not in COUNTRY_CODES:
                errors.add(f"{prefix}.nationality", _("Choose a country from the list."))
            if not number:
                errors.add(f"{prefix}.document_number", _("Enter the passport number."))
            elif nationality == "TR":
                if not is_tc_identity_number(number):
                    errors.add(
                        f"{prefix}.document_number",
                        _("Enter the 11-digit T.C. identity number; this one does not check out."),
                    )
            elif not DOCUMENT_NUMBER.fullmatch(number):
                errors.add(f"{prefix}.document_number", _("A passport number has 5 to 20 letters and digits."))
            wanted[entry.index] = (nationality, number)
        errors.raise_if_any()

        changes: dict[str, list[str]] = {}
        changed = []
        for index, (nationality, number) in sorted(wanted.items()):
            passenger = passengers[index]
            if passenger.nationality != nationality:
                changes[f"passengers.{index}.nationality"] = [passenger.nationality, nationality]
            if passenger.document_number != number:
                changes[f"passengers.{index}.document_number"] = ["set" if passenger.document_number else "", "set"]
            if (passenger.nationality, passenger.document_number) != (nationality, number):
                passenger.nationality, passenger.document_number = nationality, number
                changed.append(passenger)
        if not changed:
            return booking
        Passenger.objects.bulk_update(changed, ["nationality", "document_number"])
        _record(
            booking,
            kind=BookingEvent.Kind.CHANGED,
            actor=actor,
            at=now,
            reason=_("Passport details given: %(fields)s") % {"fields": ", ".join(sorted(changes))},
            from_status=booking.status,
            details={"changes": changes},
        )
    logger.info("passport details given", extra={"reference": booking.reference, "passengers": len(changed)})
    return booking


# --- group quote requests ---------------------------------------------------------------------------------
GROUP_MAX_SEATS = 500
GROUP_MESSAGE_MAX = 2000
GROUP_REPLY_MAX = 5000


@dataclass(frozen=True)
class GroupQuoteInput:
    """A party's request for an offer: the search it made (places by slug, the pickup in the origin's local
    time when naive), who they are and what else they want us to know."""

    origin: str
    destination: str
    pickup_at: dt.datetime
    adults: int
    children: int
    infants: int
    luggage: int
    contact: Contact
    message: str
    language: str


def group_quote_request_create(*, request: GroupQuoteInput, now: dt.datetime | None = None) -> GroupQuoteRequest:
    """Store a group's request for an offer and email the operator, in one transaction (the outbox).

    Every wrong input is reported at once in ``ValidationFailed``, naming its field (``origin``, ``destination``,
    ``pickup_at``, ``adults``, ``children``, ``infants``, ``luggage``, ``contact.name``, ``contact.email``,
    ``contact.phone``, ``message``, ``language``). The name, email and phone follow the booking's lead-contact rules.
    """
    now = now or timezone.now()
    errors = _Errors()
    origin, destination = route_places(errors, request.origin, request.destination)
    pickup_at = _localise(errors, "pickup_at", request.pickup_at, origin) if origin is not None else None
    if pickup_at is not None:
        if pickup_at < now:
            errors.add("pickup_at", _("The pickup time is in the past."))
        elif pickup_at > now + dt.timedelta(days=settings.GNB_MAX_DAYS_AHEAD):
            errors.add(
                "pickup_at",
                _("Transfers can be booked at most %(days)s days ahead.") % {"days": settings.GNB_MAX_DAYS_AHEAD},
            )
    if request.adults < 1:
        errors.add("adults", _("At least one adult must travel."))
    for name, value in (("children", request.children), ("infants", request.infants), ("luggage", request.luggage)):
        if value < 0:
            errors.add(name, _("Cannot be negative."))
    if request.adults + request.children + request.infants > GROUP_MAX_SEATS or request.luggage > GROUP_MAX_SEATS:
        errors.add("adults", _("At most %(max)s passengers and suitcases.") % {"max": GROUP_MAX_SEATS})
    contact = _clean_contact(errors, request.contact)
    message = request.message.strip()
    if len(message) > GROUP_MESSAGE_MAX:
        errors.add("message", _("At most %(max)s characters.") % {"max": GROUP_MESSAGE_MAX})
    if request.language not in dict(settings.LANGUAGES):
        errors.add("language", _("Unknown language “%(code)s”.") % {"code": request.language})
    errors.raise_if_any()
    assert origin is not None and destination is not None and pickup_at is not None
    with transaction.atomic():
        quote_request = GroupQuoteRequest.objects.create(
            origin=origin,
            destination=destination,
            pickup_at=pickup_at,
            adults=request.adults,
            children=request.children,
            infants=request.infants,
            luggage=request.luggage,
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
            message=message,
            language=request.language,
        )
        email_enqueue(kind=EmailKind.GROUP_QUOTE_REQUEST, message_id=quote_request.pk)
    logger.info("group quote requested", extra={"group_quote_request": quote_request.pk, "seats": quote_request.seats})
    return quote_request


def group_quote_request_answer(
    *, request_id: int, reply: str, actor: Actor, now: dt.datetime | None = None
) -> GroupQuoteRequest:
    """Answer a new group quote request: the reply is stored with who answered and when, and emailed to the
    traveller in their language (in the same transaction, through the outbox). A request is answered once;
    a second answer is refused (write to the traveller from the reply's email thread instead)."""
    now = now or timezone.now()
    text = reply.strip()
    if not text:
        raise ValidationFailed([("reply", _("Write the reply to send to the traveller."))])
    if len(text) > GROUP_REPLY_MAX:
        raise ValidationFailed([("reply", _("At most %(max)s characters.") % {"max": GROUP_REPLY_MAX})])
    with transaction.atomic(), lock_timeout_as_busy():
        quote_request = GroupQuoteRequest.objects.select_for_update().get(pk=request_id)
        if quote_request.status != GroupQuoteRequest.Status.NEW:
            raise InvalidTransition(_("This request has already been answered."), field="status")
        quote_request.status = GroupQuoteRequest.Status.ANSWERED
        quote_request.reply = text
        quote_request.answered_at = now
        quote_request.answered_by_id = actor.user_id
        quote_request.save(update_fields=["status", "reply", "answered_at", "answered_by"])
        email_enqueue(kind=EmailKind.GROUP_QUOTE_REPLY, message_id=quote_request.pk)
    logger.info("group quote answered", extra={"group_quote_request": quote_request.pk})
    return quote_request


# --- flight tracking --------------------------------------------------------------------------------------
# Who moves pickups when a plane is early or late (gnb.fleet.flights), as the booking's history names it.
FLIGHT_TRACKING = Actor("Flight tracking")
# A pickup moved by at least this much is told to the traveller (smaller moves are within the driver's wait).
PICKUP_MOVE_NOTICE_MINUTES = 10
# Statuses whose ride is still ahead: its pickup follows the plane.
FOLLOWS_LANDING = frozenset({Booking.Status.PENDING_PAYMENT, Booking.Status.CONFIRMED, Booking.Status.ASSIGNED})


@dataclass(frozen=True)
class LandingShift:
    """What following a new landing time did to one leg."""

    booking_id: int
    leg_id: int
    landing_before: dt.datetime
    landing_after: dt.datetime
    pickup_before: dt.datetime
    pickup_after: dt.datetime
    event_id: int

    @property
    def pickup_moved(self) -> dt.timedelta:
        return self.pickup_after - self.pickup_before

    @property
    def noticeable(self) -> bool:
        """Moved enough that the traveller and the driver are told."""
        return abs(self.pickup_moved) >= dt.timedelta(minutes=PICKUP_MOVE_NOTICE_MINUTES)


def leg_follow_landing(
    *, leg_id: int, landing_at: dt.datetime, actor: Actor = FLIGHT_TRACKING, now: dt.datetime | None = None
) -> LandingShift | None:
    """Move a leg's landing to ``landing_at`` and its pickup with it; None when there is nothing to move.

    A pickup tied to the landing (``GNB_PICKUP_MINUTES_AFTER_LANDING`` after it, as the booking form sets it)
    follows it either way. A pickup the traveller chose later stays, unless the new landing leaves too little
    time before it: then it becomes the earliest pickup after the new landing. Recorded on the booking's history;
    a pickup moved by ``PICKUP_MOVE_NOTICE_MINUTES`` or more emails the traveller, in the same transaction. Call it
    inside the transaction that moves the leg's trip too (gnb.fleet.flights).
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking_id = TransferLeg.objects.filter(pk=leg_id).values_list("booking_id", flat=True).first()
        if booking_id is None:
            return None
        booking = lifecycle.locked_booking(booking_id)
        leg = TransferLeg.objects.select_related("origin").get(pk=leg_id)
        landing_before, pickup_before = leg.flight_arrival_at, leg.pickup_at
        if (
            booking.status not in FOLLOWS_LANDING
            or not leg.origin.is_airport
            or landing_before is None
            or abs(landing_at - landing_before) < dt.timedelta(minutes=1)
        ):
            return None
        earliest = policies.pickup_after_landing(landing_at)
        tied = pickup_before == policies.pickup_after_landing(landing_before)
        pickup_after = earliest if tied or earliest > pickup_before else pickup_before
        leg.flight_arrival_at, leg.pickup_at = landing_at, pickup_after
        leg.save(update_fields=["flight_arrival_at", "pickup_at"])
        if leg.sequence == 1 and pickup_after != pickup_before:
            booking.starts_at = pickup_after
            booking.save(update_fields=["starts_at", "updated_at"])
        prefix = "flight" if leg.sequence == 1 else "return_flight"
        changes = {f"{prefix}.arrival_at": [_as_text(landing_before), _as_text(landing_at)]}
        if pickup_after != pickup_before:
            pickup_field = "pickup_at" if leg.sequence == 1 else "return_pickup_at"
            changes[pickup_field] = [_as_text(pickup_before), _as_text(pickup_after)]
        zone = leg.origin.tzinfo
        event = _record(
            booking,
            kind=BookingEvent.Kind.CHANGED,
            actor=actor,
            at=now,
            reason=(
                f"Flight {leg.flight_number} now lands at {timezone.localtime(landing_at, zone):%H:%M}"
                + (
                    f"; pickup moved to {timezone.localtime(pickup_after, zone):%H:%M}"
                    if pickup_after != pickup_before
                    else ""
                )
            ),
            from_status=booking.status,
            details={"changes": changes, "leg": leg.sequence},
        )
        shift = LandingShift(
            booking.pk, leg.pk, landing_before, landing_at, pickup_before, pickup_after, event_id=event.pk
        )
        if shift.noticeable:
            _queue_email(booking, EmailKind.PICKUP_MOVED, event_id=event.pk)
    logger.info(
        "pickup follows landing",
        extra={
            "reference": booking.reference,
            "leg": leg.sequence,
            "moved_minutes": shift.pickup_moved // dt.timedelta(minutes=1),
        },
    )
    return shift


def booking_flight_note(*, booking_id: int, reason: str, details: dict, actor: Actor = FLIGHT_TRACKING) -> None:
    """Record on a booking's history what flight tracking learnt that a person must act on (a cancelled or
    diverted flight, a moved pickup the driver's plan cannot take); nothing else changes."""
    with transaction.atomic():
        booking = lifecycle.locked_booking(booking_id)
        _record(
            booking,
            kind=BookingEvent.Kind.CHANGED,
            actor=actor,
            at=timezone.now(),
            reason=reason,
            from_status=booking.status,
            details=details,
        )
