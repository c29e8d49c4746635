"""What a traveller asks to book, as the placing services take it: built once by each caller (the API, the
website, the back office, the demo loader), checked and priced by the services.

An order holds what was asked for, as given: the services validate it (every error at once, each naming its field:
``contact.name``, ``passengers.0.last_name``, ``flight.number`` …) and price it again from the catalogue. Who
places it (the actor, the signed-in customer, the partner key) and when are not part of the order; the services
take them beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from gnb.bookings.models import Booking
from gnb.bookings.quotes import TourQuoteRequest, TransferQuoteRequest


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class PassengerInput:
    first_name: str
    last_name: str
    category: str  # adult | child | infant


@dataclass(frozen=True)
class FlightInput:
    number: str = ""
    arrival_at: dt.datetime | None = None  # naive = local time of the airport
    departure_at: dt.datetime | None = None  # a ride to the airport: the flight's departure, naive = airport's time


@dataclass(frozen=True, kw_only=True)
class TransferOrder:
    """A transfer (one ride, or two with ``quote_request.return_pickup_at``) in a vehicle class."""

    quote_request: TransferQuoteRequest
    vehicle_class: str
    contact: Contact
    passengers: Sequence[PassengerInput]
    flight: FlightInput = field(default_factory=FlightInput)  # the first ride's, needed from an airport
    return_flight: FlightInput = field(default_factory=FlightInput)  # the return ride's, needed from an airport
    pickup_point: str = ""
    return_pickup_point: str = ""
    notes: str = ""
    language: str = "en"
    payment_method: str = Booking.PaymentMethod.CASH

    def __post_init__(self) -> None:
        object.__setattr__(self, "passengers", tuple(self.passengers))


@dataclass(frozen=True, kw_only=True)
class TourOrder:
    """Seats on a tour departure (``quote_request.departure_id``), picked up at ``pickup_place`` (a place's slug, in
    one of the tour's pickup zones); ``pickup_point`` says where there to wait ("lobby")."""

    quote_request: TourQuoteRequest
    contact: Contact
    passengers: Sequence[PassengerInput]
    pickup_place: str = ""
    pickup_point: str = ""
    notes: str = ""
    language: str = "en"
    payment_method: str = Booking.PaymentMethod.CASH

    def __post_init__(self) -> None:
        object.__setattr__(self, "passengers", tuple(self.passengers))


@dataclass(frozen=True)
class PassengerDocuments:
    """What U-ETDS needs of one passenger, given before the trip: ``index`` is the passenger's place in the
    booking's list (0 for the first, as in the error names ``passengers.0.nationality``), ``nationality`` an ISO
    3166 alpha-2 code, ``document_number`` the passport number (the T.C. identity number for Turkish citizens)."""

    index: int
    nationality: str
    document_number: str
