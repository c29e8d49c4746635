"""The traveller's booking in progress, between the details form and the pay step.

It lives in the session as the order the details step checked (typed data in JSON: the quote request, the contact,
the passengers, the flights …), never as prices and never as the raw form: the review and pay steps rebuild the
typed order from it and the booking services check and price it again. A draft in any other shape (one written
before this format, or tampered with) is no draft: the traveller starts the flow again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from django.urls import reverse

from gnb.bookings.models import Booking
from gnb.bookings.orders import Contact, FlightInput, PassengerInput, TourOrder, TransferOrder
from gnb.bookings.quotes import ExtraRequest, TourQuoteRequest, TransferQuoteRequest

SESSION_KEY = "gnb_checkout"
# Where the pay step keeps the booking it placed, so a second submit of the page shows it instead of failing.
PLACED_KEY = "gnb_placed"
FORMAT = 2

Kind = Literal["transfer", "tour"]


@dataclass(frozen=True)
class Draft:
    """A checked order waiting for review and payment.

    ``id`` is the idempotency key of its placing (a new one for every details form sent, so a changed form is a new
    booking); ``query`` is the search (or party) it came from, with ``vehicle`` or ``tour``, to link back to the
    form; ``order`` holds what the traveller asked for, in the page's language and paid in cash until the pay step
    says otherwise.
    """

    id: str
    kind: Kind
    query: dict[str, str]
    currency: str
    order: TransferOrder | TourOrder

    def order_for(self, *, language: str, payment_method: str = Booking.PaymentMethod.CASH):
        """The order to check or place now: in ``language``, paid by ``payment_method``."""
        return dataclasses.replace(self.order, language=language, payment_method=payment_method)

    @property
    def edit_url(self) -> str:
        """The details form this draft came from, filled in again from the draft."""
        if self.kind == "transfer":
            return _with_query(reverse("website:transfer_book"), self.query)
        party = {k: v for k, v in self.query.items() if k != "tour"}
        return _with_query(reverse("website:tour_book", kwargs={"slug": self.query["tour"]}), party)

    def data(self) -> dict[str, Any]:
        """The draft as the session stores it (JSON)."""
        order = _transfer_data(self.order) if isinstance(self.order, TransferOrder) else _tour_data(self.order)
        return {
            "format": FORMAT,
            "id": self.id,
            "kind": self.kind,
            "query": dict(self.query),
            "currency": self.currency,
            "order": order,
        }


def draft_start(session, *, query: Mapping[str, str], currency: str, order: TransferOrder | TourOrder) -> Draft:
    """Keep a checked order in the session; a new id each time, so a changed form is a new booking."""
    kind: Kind = "transfer" if isinstance(order, TransferOrder) else "tour"
    draft = Draft(id=secrets.token_hex(16), kind=kind, query=dict(query), currency=currency, order=order)
    session[SESSION_KEY] = draft.data()
    return draft


def draft_get(session) -> Draft | None:
    """The draft in the session, or None when there is none or it is not one this version wrote."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    try:
        kind = data["kind"]
        order: TransferOrder | TourOrder
        if kind == "transfer":
            order = _transfer_order(data["order"])
        elif kind == "tour":
            order = _tour_order(data["order"])
        else:
            return None
        query = {str(k): str(v) for k, v in data["query"].items()}
        if (kind == "transfer" and "vehicle" not in query) or (kind == "tour" and "tour" not in query):
            return None
        return Draft(id=str(data["id"]), kind=kind, query=query, currency=str(data["currency"]), order=order)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def draft_finish(session) -> None:
    session.pop(SESSION_KEY, None)


def _with_query(url: str, query: Mapping[str, str]) -> str:
    return f"{url}?{urlencode(query)}" if query else url


# --- typed order ⇄ JSON -----------------------------------------------------------------------------------
def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value is not None else None


def _traveller_data(order: TransferOrder | TourOrder) -> dict[str, Any]:
    return {
        "contact": [order.contact.name, order.contact.email, order.contact.phone],
        "passengers": [[p.first_name, p.last_name, p.category] for p in order.passengers],
        "pickup_point": order.pickup_point,
        "notes": order.notes,
    }


def _traveller(data: Mapping[str, Any]) -> dict[str, Any]:
    name, email, phone = (str(value) for value in data["contact"])
    return {
        "contact": Contact(name=name, email=email, phone=phone),
        "passengers": [
            PassengerInput(str(first), str(last), str(category)) for first, last, category in data["passengers"]
        ],
        "pickup_point": str(data["pickup_point"]),
        "notes": str(data["notes"]),
    }


def _flight_data(flight: FlightInput) -> list[Any]:
    return [flight.number, _when(flight.arrival_at), _when(flight.departure_at)]


def _flight(data: list[Any]) -> FlightInput:
    number, arrival, *departure = data  # a draft saved before departures were kept has two items
    return FlightInput(
        number=str(number),
        arrival_at=_parse_when(arrival),
        departure_at=_parse_when(departure[0]) if departure else None,
    )


def _transfer_data(order: TransferOrder) -> dict[str, Any]:
    request = order.quote_request
    return _traveller_data(order) | {
        "quote_request": {
            "origin": request.origin,
            "destination": request.destination,
            "pickup_at": _when(request.pickup_at),
            "adults": request.adults,
            "children": request.children,
            "infants": request.infants,
            "luggage": request.luggage,
            "return_pickup_at": _when(request.return_pickup_at),
            "extras": [[extra.code, extra.quantity] for extra in request.extras],
            "coupon": request.coupon,
            "currency": request.currency,
        },
        "vehicle_class": order.vehicle_class,
        "flight": _flight_data(order.flight),
        "return_flight": _flight_data(order.return_flight),
        "return_pickup_point": order.return_pickup_point,
    }


def _transfer_order(data: Mapping[str, Any]) -> TransferOrder:
    request = data["quote_request"]
    pickup_at = _parse_when(request["pickup_at"])
    if pickup_at is None:
        raise ValueError("pickup_at")
    return TransferOrder(
        quote_request=TransferQuoteRequest(
            origin=str(request["origin"]),
            destination=str(request["destination"]),
            pickup_at=pickup_at,
            adults=int(request["adults"]),
            children=int(request["children"]),
            infants=int(request["infants"]),
            luggage=int(request["luggage"]),
            return_pickup_at=_parse_when(request["return_pickup_at"]),
            extras=tuple(ExtraRequest(str(code), int(quantity)) for code, quantity in request["extras"]),
            coupon=request["coupon"],
            currency=request["currency"],
        ),
        vehicle_class=str(data["vehicle_class"]),
        flight=_flight(data["flight"]),
        return_flight=_flight(data["return_flight"]),
        return_pickup_point=str(data["return_pickup_point"]),
        **_traveller(data),
    )


def _tour_data(order: TourOrder) -> dict[str, Any]:
    request = order.quote_request
    return _traveller_data(order) | {
        "pickup_place": order.pickup_place,
        "quote_request": {
            "departure_id": request.departure_id,
            "adults": request.adults,
            "children": request.children,
            "infants": request.infants,
            "coupon": request.coupon,
            "currency": request.currency,
        },
    }


def _tour_order(data: Mapping[str, Any]) -> TourOrder:
    request = data["quote_request"]
    return TourOrder(
        quote_request=TourQuoteRequest(
            departure_id=int(request["departure_id"]),
            adults=int(request["adults"]),
            children=int(request["children"]),
            infants=int(request["infants"]),
            coupon=request["coupon"],
            currency=request["currency"],
        ),
        pickup_place=str(data.get("pickup_place", "")),  # drafts started before tours had pickup places
        **_traveller(data),
    )
