"""API shapes for quotes and bookings. Types and simple bounds live here; business rules live in services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from ninja import Schema
from pydantic import Field, StrictInt, StrictStr

from gnb.bookings.orders import Contact, FlightInput, PassengerInput, TourOrder, TransferOrder
from gnb.bookings.policies import fee_if_cancelled_now, free_cancellation_until
from gnb.bookings.quotes import ExtraRequest, TourQuoteRequest, TransferQuoteRequest
from gnb.bookings.services import LegDetails, mask_document_number
from gnb.core.links import booking_payment_url
from gnb.core.schemas import DateTimeIn, InputSchema, OutputSchema
from gnb.payments.selectors import booking_amounts_loaded, card_providers

# Inputs are typed strictly: JSON's own types, nothing converted. Lax parsing took `true` or "1" for a whole number
# (a party of `"adults": true` was one adult). Dates and times stay text (RFC 3339), as JSON has no date type.
Count = Field(0, ge=0, le=99)


class ExtraIn(InputSchema):
    code: StrictStr = Field(max_length=40)
    quantity: StrictInt = Field(1, ge=1, le=99)


class TransferQuoteIn(InputSchema):
    origin: StrictStr = Field(max_length=80, description="Place slug, e.g. `ayt`")
    destination: StrictStr = Field(max_length=80)
    pickup_at: DateTimeIn = Field(description="Wall-clock time at the pickup place, e.g. 2026-07-01T14:30")
    return_pickup_at: DateTimeIn | None = Field(None, description="Wall-clock time at the destination")
    adults: StrictInt = Field(ge=1, le=99)
    children: StrictInt = Count
    infants: StrictInt = Count
    luggage: StrictInt = Count
    extras: list[ExtraIn] = Field(default_factory=list, max_length=20)
    coupon: StrictStr | None = Field(None, max_length=30)
    currency: StrictStr | None = Field(None, min_length=3, max_length=3)

    def to_request(self) -> TransferQuoteRequest:
        return TransferQuoteRequest(
            origin=self.origin,
            destination=self.destination,
            pickup_at=self.pickup_at,
            return_pickup_at=self.return_pickup_at,
            adults=self.adults,
            children=self.children,
            infants=self.infants,
            luggage=self.luggage,
            extras=tuple(ExtraRequest(e.code, e.quantity) for e in self.extras),
            coupon=self.coupon,
            currency=self.currency,
        )


class TourQuoteIn(InputSchema):
    departure_id: StrictInt
    adults: StrictInt = Field(ge=1, le=99)
    children: StrictInt = Count
    infants: StrictInt = Count
    coupon: StrictStr | None = Field(None, max_length=30)
    currency: StrictStr | None = Field(None, min_length=3, max_length=3)

    def to_request(self) -> TourQuoteRequest:
        return TourQuoteRequest(
            departure_id=self.departure_id,
            adults=self.adults,
            children=self.children,
            infants=self.infants,
            coupon=self.coupon,
            currency=self.currency,
        )


class PriceLineOut(OutputSchema):
    code: str
    label: str
    quantity: int
    amount: Decimal


class BreakdownOut(OutputSchema):
    currency: str
    lines: list[PriceLineOut]
    subtotal: Decimal
    discount: Decimal
    total: Decimal


class VehicleSummary(OutputSchema):
    code: str
    name: str
    max_passengers: int
    max_luggage: int


class TransferOptionOut(OutputSchema):
    vehicle_class: VehicleSummary
    price: BreakdownOut


class TransferQuoteOut(OutputSchema):
    origin: str
    destination: str
    pickup_at: dt.datetime
    return_pickup_at: dt.datetime | None
    passengers: int
    currency: str
    options: list[TransferOptionOut]
    unavailable_reason: str | None = Field(description="Why no vehicle class is offered; null when options exist")


class TourQuoteOut(OutputSchema):
    departure_id: int
    tour: str
    starts_at: dt.datetime
    currency: str
    price: BreakdownOut


class ContactIn(InputSchema):
    name: StrictStr = Field(max_length=150)
    email: StrictStr = Field(max_length=254)
    phone: StrictStr = Field(max_length=30, description="With country code, e.g. +90 532 123 45 67")


class PassengerIn(InputSchema):
    first_name: StrictStr = Field(max_length=60)
    last_name: StrictStr = Field(max_length=60)
    category: Literal["adult", "child", "infant"]


class PassengerChangeIn(PassengerIn):
    """A passenger as it may be corrected: the name, and the passport details U-ETDS needs before the trip."""

    nationality: StrictStr | None = Field(
        None, max_length=2, description="ISO 3166 alpha-2 country code, e.g. DE; omitted or null leaves it as it is"
    )
    document_number: StrictStr | None = Field(
        None,
        max_length=30,
        description="Passport number (T.C. identity number for Turkish citizens); the masked value read back, or "
        "omitted or null, leaves it as it is",
    )


class FlightIn(InputSchema):
    # Defaults by keyword: type checkers count only ``default=`` as a default, and an omitted flight is built by
    # calling ``FlightIn()``.
    number: StrictStr = Field(default="", max_length=12)
    arrival_at: DateTimeIn | None = Field(
        default=None, description="From an airport: the landing, wall-clock time at the airport"
    )
    departure_at: DateTimeIn | None = Field(
        default=None,
        description="To an airport: the flight's departure, wall-clock time at the airport; a pickup that cannot "
        "reach the airport before it (the zones' drive time) is refused",
    )

    def to_input(self) -> FlightInput:
        return FlightInput(self.number, self.arrival_at, self.departure_at)


class BookingCommonIn(InputSchema):
    contact: ContactIn
    passengers: list[PassengerIn] = Field(max_length=99)
    notes: StrictStr = Field("", max_length=1000)
    language: StrictStr = Field("en", max_length=8)
    payment_method: Literal["cash", "card"] = Field(
        "cash",
        description="cash: paid to the driver, confirmed at once. card: accepted when a card provider takes the "
        "booking's currency; the booking then waits for payment (status pending_payment), holding its seats until "
        "hold_expires_at: open the payment as `payment_due` says",
    )

    def contact_input(self) -> Contact:
        return Contact(self.contact.name, self.contact.email, self.contact.phone)

    def passenger_inputs(self) -> list[PassengerInput]:
        return [PassengerInput(p.first_name, p.last_name, p.category) for p in self.passengers]


class TransferBookingIn(TransferQuoteIn, BookingCommonIn):
    vehicle_class: StrictStr = Field(max_length=40)
    flight: FlightIn = Field(default_factory=FlightIn)
    return_flight: FlightIn = Field(default_factory=FlightIn)
    pickup_point: StrictStr = Field("", max_length=255)
    return_pickup_point: StrictStr = Field("", max_length=255)

    def to_order(self) -> TransferOrder:
        return TransferOrder(
            quote_request=self.to_request(),
            vehicle_class=self.vehicle_class,
            contact=self.contact_input(),
            passengers=self.passenger_inputs(),
            flight=self.flight.to_input(),
            return_flight=self.return_flight.to_input(),
            pickup_point=self.pickup_point,
            return_pickup_point=self.return_pickup_point,
            notes=self.notes,
            language=self.language,
            payment_method=self.payment_method,
        )


class TourBookingIn(TourQuoteIn, BookingCommonIn):
    pickup_place: StrictStr = Field(
        "",
        max_length=80,
        description="Slug of the hotel or place to be picked up at, in one of the tour's pickup zones "
        "(`GET /places?tour=<slug>` lists them); required when the tour has pickup zones",
    )
    pickup_point: StrictStr = Field("", max_length=255, description="Where at the pickup place to wait, e.g. lobby")

    def to_order(self) -> TourOrder:
        return TourOrder(
            quote_request=self.to_request(),
            contact=self.contact_input(),
            passengers=self.passenger_inputs(),
            pickup_place=self.pickup_place,
            pickup_point=self.pickup_point,
            notes=self.notes,
            language=self.language,
            payment_method=self.payment_method,
        )


class CancelIn(InputSchema):
    reason: StrictStr = Field("", max_length=500)


class BookingChangeIn(InputSchema):
    """Only what is sent changes; the price, route, date and party stay as booked."""

    contact: ContactIn | None = None
    passengers: list[PassengerChangeIn] | None = Field(None, max_length=99, description="Every passenger, in order")
    notes: StrictStr | None = Field(None, max_length=1000)
    flight: FlightIn | None = None
    return_flight: FlightIn | None = None
    pickup_point: StrictStr | None = Field(None, max_length=255, description="First ride's pickup point, or a tour's")
    pickup_place: StrictStr | None = Field(
        None, max_length=80, description="A tour's hotel (a place slug in its pickup zones); its pickup time follows"
    )
    return_pickup_point: StrictStr | None = Field(None, max_length=255)

    def leg_details(self) -> dict[int, LegDetails]:
        legs = {}
        for sequence, flight, point in (
            (1, self.flight, self.pickup_point),
            (2, self.return_flight, self.return_pickup_point),
        ):
            if flight is not None or point is not None:
                legs[sequence] = LegDetails(flight.to_input() if flight else None, point)
        return legs


class PlaceRef(Schema):
    slug: str
    name: str


class LegOut(Schema):
    sequence: int
    origin: PlaceRef
    destination: PlaceRef
    pickup_at: dt.datetime
    pickup_point: str
    flight_number: str
    flight_arrival_at: dt.datetime | None
    flight_departure_at: dt.datetime | None

    # Times are given back as the wall-clock time of the place, with its offset: what the driver and traveller see.
    @staticmethod
    def resolve_pickup_at(obj) -> dt.datetime:
        return obj.pickup_at.astimezone(obj.origin.tzinfo)

    @staticmethod
    def resolve_flight_arrival_at(obj) -> dt.datetime | None:
        return obj.flight_arrival_at.astimezone(obj.origin.tzinfo) if obj.flight_arrival_at else None

    @staticmethod
    def resolve_flight_departure_at(obj) -> dt.datetime | None:
        return obj.flight_departure_at.astimezone(obj.destination.tzinfo) if obj.flight_departure_at else None


class PassengerOut(Schema):
    first_name: str
    last_name: str
    category: str
    nationality: str = Field(description="ISO 3166 alpha-2 country code; empty until given")
    document_number: str = Field(description="Passport or T.C. identity number, all but the last 3 characters masked")

    @staticmethod
    def resolve_document_number(obj) -> str:
        return mask_document_number(obj.document_number)


class BookedExtraOut(Schema):
    code: str
    name: str
    quantity: int
    total: Decimal

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.extra.code

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.extra.name


class TourRef(Schema):
    slug: str
    name: str
    departure_id: int
    starts_at: dt.datetime
    pickup_place: PlaceRef | None = Field(description="The hotel or place the traveller is picked up at")
    pickup_at: dt.datetime | None = Field(description="When the vehicle collects the traveller there")


class ContactOut(Schema):
    name: str
    email: str
    phone: str


class RefundOut(Schema):
    amount: Decimal
    currency: str
    state: str = Field(description="requested, pending, succeeded or failed")
    created_at: dt.datetime
    confirmed_at: dt.datetime | None


class PaymentOut(Schema):
    provider: str = Field(description="cash, bank, stripe or paytr")
    amount: Decimal
    currency: str
    state: str = Field(description="created, pending, confirmed, failed or cancelled")
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    refunds: list[RefundOut]

    @staticmethod
    def resolve_refunds(obj) -> list:
        return list(obj.refunds.all())


class PaymentDueOut(Schema):
    """What a client does next for a card booking waiting for payment."""

    payments_url: str = Field(
        description="POST here with X-Manage-Token and an Idempotency-Key, naming one of `providers`, to open the "
        "card payment; send the traveller to the `redirect_url` it answers"
    )
    providers: list[str] = Field(description="The card providers that take this booking's currency now")
    amount: Decimal = Field(description="What is still owed")
    currency: str
    hold_expires_at: dt.datetime = Field(description="Unpaid by then, the booking expires and its seats are freed")
    payment_page_url: str = Field(description="Our page where the traveller can pay, see the payment and retry")


class BookingOut(Schema):
    reference: str
    kind: str
    status: str
    payment_method: str
    payment_state: str
    contact: ContactOut
    language: str
    notes: str
    pickup_point: str
    adults: int
    children: int
    infants: int
    luggage: int
    vehicle_class: VehicleSummary | None
    tour: TourRef | None
    legs: list[LegOut]
    passengers: list[PassengerOut]
    extras: list[BookedExtraOut]
    starts_at: dt.datetime
    currency: str
    total: Decimal
    price: BreakdownOut
    free_cancellation_until: dt.datetime
    cancellation_fee_if_cancelled_now: Decimal | None = Field(
        description="What cancelling now would cost under the policy; null when it can no longer be cancelled online"
    )
    cancellation_fee: Decimal | None
    hold_expires_at: dt.datetime | None = Field(
        description="A card booking waiting for payment keeps its seats until then; unpaid, it then expires"
    )
    amount_paid: Decimal = Field(description="Confirmed payments")
    amount_refunded: Decimal = Field(description="Refunds the provider confirmed")
    balance_due: Decimal = Field(description="What is still owed (0 for a cancelled or expired booking)")
    payments: list[PaymentOut] = Field(description="Every payment attempt, newest first, with its refunds")
    payment_due: PaymentDueOut | None = Field(
        description="For a card booking waiting for payment: where and how to pay it, and by when; null otherwise"
    )
    created_at: dt.datetime

    @staticmethod
    def resolve_payment_due(obj) -> dict | None:
        if obj.status != obj.Status.PENDING_PAYMENT or obj.payment_method != obj.PaymentMethod.CARD:
            return None
        path = reverse("api-v1:start_payment", kwargs={"reference": obj.reference})
        return {
            "payments_url": settings.SITE_URL + path,
            "providers": [provider.code for provider in card_providers(obj.currency)],
            "amount": booking_amounts_loaded(obj)[2],
            "currency": obj.currency,
            "hold_expires_at": obj.hold_expires_at,
            "payment_page_url": booking_payment_url(obj),
        }

    @staticmethod
    def resolve_payments(obj) -> list:
        return list(obj.payments.all())

    @staticmethod
    def resolve_amount_paid(obj) -> Decimal:
        return booking_amounts_loaded(obj)[0]

    @staticmethod
    def resolve_amount_refunded(obj) -> Decimal:
        return booking_amounts_loaded(obj)[1]

    @staticmethod
    def resolve_balance_due(obj) -> Decimal:
        return booking_amounts_loaded(obj)[2]

    @staticmethod
    def resolve_starts_at(obj) -> dt.datetime:
        return timezone.localtime(obj.starts_at)

    @staticmethod
    def resolve_contact(obj) -> dict:
        return {"name": obj.lead_name, "email": obj.lead_email, "phone": obj.lead_phone}

    @staticmethod
    def resolve_tour(obj) -> dict | None:
        departure = obj.tour_departure
        if departure is None:
            return None
        return {
            "slug": departure.tour.slug,
            "name": departure.tour.name,
            "departure_id": departure.pk,
            "starts_at": timezone.localtime(departure.starts_at),
            "pickup_place": obj.pickup_place,
            "pickup_at": timezone.localtime(obj.pickup_at) if obj.pickup_at else None,
        }

    @staticmethod
    def resolve_legs(obj) -> list:
        return list(obj.legs.all())

    @staticmethod
    def resolve_passengers(obj) -> list:
        return list(obj.passengers.all())

    @staticmethod
    def resolve_extras(obj) -> list:
        return list(obj.extras.all())

    @staticmethod
    def resolve_price(obj) -> dict:
        return obj.price_breakdown

    @staticmethod
    def resolve_cancellation_fee_if_cancelled_now(obj) -> Decimal | None:
        return fee_if_cancelled_now(obj)

    @staticmethod
    def resolve_free_cancellation_until(obj) -> dt.datetime:
        return free_cancellation_until(obj.starts_at)


class BookingCreatedOut(BookingOut):
    manage_token: str = Field(description="Secret for X-Manage-Token; shown only once, keep it with the booking")
