"""Booking builders: valid bookings placed through the real services (priced, validated, locked, logged as in
production), with defaults a test overrides only where it matters."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone

from gnb.bookings.models import Booking
from gnb.bookings.orders import Contact, FlightInput, PassengerInput, TourOrder, TransferOrder
from gnb.bookings.quotes import ExtraRequest, TourQuoteRequest, TransferQuoteRequest
from gnb.bookings.services import booking_place_tour, booking_place_transfer
from gnb.catalog.models import TourDeparture
from gnb.testing.catalog import Catalog, future_local, seats_for_children

REFERENCE = re.compile(r"^GNB-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{4}$")
CONTACT = Contact(name="Anna Smith", email="anna@example.com", phone="+44 7911 123456")
# What the placing services take beside the order: who places it, and when.
PLACING_ARGUMENTS = ("actor", "customer_id", "api_key_id", "now")
FIRST_NAMES = {"adult": ["Anna", "John", "Emma", "Oliver"], "child": ["Tom", "Lily"], "infant": ["Mia", "Leo"]}


def letters(number: int) -> str:
    """``number`` written with letters (0 → "A", 25 → "Z", 26 → "BA"): numbered test travellers, as a name takes
    no digits."""
    digits = ""
    while True:
        number, digit = divmod(number, 26)
        digits = chr(ord("A") + digit) + digits
        if not number:
            return digits


def passengers_for(adults: int = 2, children: int = 0, infants: int = 0) -> list[PassengerInput]:
    party = []
    for category, count in (("adult", adults), ("child", children), ("infant", infants)):
        party += [PassengerInput(FIRST_NAMES[category][i % 2], "Smith", category) for i in range(count)]
    return party


def transfer_request(**overrides) -> TransferQuoteRequest:
    values: dict[str, Any] = {"origin": "ayt", "destination": "regnum-carya", "pickup_at": future_local(), "adults": 2}
    values.update(overrides)
    return TransferQuoteRequest(**values)


def place_transfer(request: TransferQuoteRequest | None = None, **kwargs) -> Booking:
    """A valid transfer booking for ``request`` (AYT → Belek for two adults by default)."""
    request = request or transfer_request()
    kwargs.setdefault("vehicle_class", "sedan")
    kwargs.setdefault("contact", CONTACT)
    kwargs.setdefault("passengers", passengers_for(request.adults, request.children, request.infants))
    kwargs.setdefault("flight", FlightInput("TK 2412", request.pickup_at - dt.timedelta(minutes=30)))
    placing = {name: kwargs.pop(name) for name in PLACING_ARGUMENTS if name in kwargs}
    return booking_place_transfer(order=TransferOrder(quote_request=request, **kwargs), **placing)


def place_tour(departure: TourDeparture, *, adults: int = 2, children: int = 0, infants: int = 0, **kwargs):
    request = TourQuoteRequest(
        departure_id=departure.pk,
        adults=adults,
        children=children,
        infants=infants,
        coupon=kwargs.pop("coupon", None),
        currency=kwargs.pop("currency", None),
    )
    kwargs.setdefault("contact", CONTACT)
    kwargs.setdefault("passengers", passengers_for(adults, children, infants))
    kwargs.setdefault("pickup_place", "regnum-carya")  # Belek, one of the test tour's pickup zones
    placing = {name: kwargs.pop(name) for name in PLACING_ARGUMENTS if name in kwargs}
    return booking_place_tour(order=TourOrder(quote_request=request, **kwargs), **placing)


# --- the back office's bookings: simple knobs for lists, exports and reports ----------------------------------------
def place_sedan_transfer(
    *,
    days: int = 20,
    hour: int = 14,
    last_names: tuple[str, str] = ("Smith", "Smith"),
    lead: str = "Anna Smith",
    email: str = "anna@example.com",
    payment_method: str = "cash",
    currency: str | None = None,
    now: dt.datetime | None = None,
    coupon: str | None = None,
    extras: tuple[ExtraRequest, ...] = (),
) -> Booking:
    """Two adults in a sedan from Antalya Airport to Belek: 40.00 EUR."""
    pickup = future_local(days=days, hour=hour)
    order = TransferOrder(
        quote_request=TransferQuoteRequest(
            origin="ayt",
            destination="regnum-carya",
            pickup_at=pickup,
            adults=2,
            currency=currency,
            coupon=coupon,
            extras=extras,
        ),
        vehicle_class="sedan",
        contact=Contact(lead, email, "+44 7911 123456"),
        passengers=[
            PassengerInput("Anna", last_names[0], "adult"),
            PassengerInput("John", last_names[1], "adult"),
        ],
        flight=FlightInput("TK2412", pickup),
        payment_method=payment_method,
    )
    return booking_place_transfer(order=order, now=now)


def place_past_sedan_transfer() -> Booking:
    """A confirmed transfer whose pickup was yesterday, placed three days ago."""
    return place_sedan_transfer(days=-1, now=timezone.now() - dt.timedelta(days=3))


def place_berg_tour(catalog: Catalog, *, adults: int = 2, children: int = 1) -> Booking:
    """Perge & Aspendos for the Berg family: 45.00 per adult, 25.00 per child."""
    passengers = [PassengerInput(f"Adult{letters(n)}", "Berg", "adult") for n in range(adults)]
    passengers += [PassengerInput(f"Child{letters(n)}", "Berg", "child") for n in range(children)]
    order = TourOrder(
        quote_request=TourQuoteRequest(departure_id=catalog.departure.pk, adults=adults, children=children),
        contact=Contact("Eva Berg", "eva@example.com", "+49 151 23456789"),
        passengers=passengers,
        pickup_place="regnum-carya",
    )
    return booking_place_tour(order=order)


def place_transfer_to_the_airport_in(hours: int) -> Booking:
    """A cash transfer hotel → airport for one adult, ``hours`` from now (late enough to cost a fee)."""
    pickup = (timezone.localtime() + dt.timedelta(hours=hours)).replace(second=0, microsecond=0, tzinfo=None)
    return booking_place_transfer(
        order=TransferOrder(
            quote_request=TransferQuoteRequest(
                origin="regnum-carya", destination="ayt", pickup_at=pickup, adults=1, children=0, infants=0, luggage=1
            ),
            vehicle_class="sedan",
            contact=Contact("Anna Smith", "anna@example.com", "+44 7911 123456"),
            passengers=[PassengerInput("Anna", "Smith", "adult")],
            pickup_point="Main entrance",
            language="en",
        )
    )


def place_a_day_of_rides(catalog: Catalog, *, count: int = 200, days: int = 2) -> list[Booking]:
    """``count`` transfers picked up on one day ``days`` ahead, every few minutes from 00:05: families with child and
    baby seats, flights landing before the pickup, hotel pickups with a meeting point and notes, cash and card.

    A dispatcher's busy day, for the bookings list and its export (seats one per child or infant, as the demo)."""
    seats_for_children(catalog)
    booked = []
    for n in range(count):
        minutes = 5 + n * (24 * 60 - 10) // count
        pickup = future_local(days=days, hour=minutes // 60, minute=minutes % 60)
        children, infants = n % 3 == 0, n % 5 == 0
        extras = [ExtraRequest("child_seat", 1)] if children else []
        extras += [ExtraRequest("baby_seat", 1)] if infants else []
        from_airport = n % 2 == 0
        request = transfer_request(
            origin="ayt" if from_airport else "regnum-carya",
            destination="regnum-carya" if from_airport else "ayt",
            pickup_at=pickup,
            adults=2,
            children=int(children),
            infants=int(infants),
            luggage=1 + n % 3,
            extras=tuple(extras),
        )
        booked.append(
            place_transfer(
                request,
                vehicle_class="minivan" if children and infants else "sedan",
                contact=Contact(f"Guest {letters(n)} Smith", f"guest{n}@example.com", "+44 7911 123456"),
                flight=FlightInput(f"TK{2000 + n}", pickup - dt.timedelta(minutes=40))
                if from_airport
                else FlightInput(),
                pickup_point="" if from_airport else "Main lobby",
                notes="Surfboard" if n % 7 == 0 else "",
                payment_method="card" if n % 4 == 0 else "cash",
            )
        )
    return booked
