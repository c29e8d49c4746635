"""What the fleet API reads and answers: the drivers' trips and manifests, their status moves and cash, and the
dispatchers' day and assignments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext
from ninja import Field, Schema
from pydantic import BeforeValidator, StrictInt, StrictStr, field_validator, model_validator

from gnb.core.schemas import DateTimeIn, InputSchema

# The moves a driver makes with their phone, in the order they normally come.
StepName = Literal["on_the_way", "arrived", "picked_up", "completed", "no_show"]


# --- input ------------------------------------------------------------------------------------------------
def _not_a_number(value: Any) -> Any:
    # Pydantic reads a number (or text that is one) as seconds since 1970: `from=2026` would quietly mean 1970.
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
        raise ValueError(gettext("Enter a date as YYYY-MM-DD."))
    return value


# A day given as text, YYYY-MM-DD (the document's `date`).
DateIn = Annotated[dt.date, BeforeValidator(_not_a_number)]


class TripRangeIn(InputSchema):
    from_: DateIn | None = Field(
        None, alias="from", description="First local day, YYYY-MM-DD; today when left out", examples=["2026-07-01"]
    )
    to: DateIn | None = Field(
        None,
        description="Last local day (included), YYYY-MM-DD; the day after `from` when left out; at most 14 days",
        examples=["2026-07-02"],
    )


class StatusIn(InputSchema):
    status: StepName = Field(description="The step the driver has just made")
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    accuracy_m: StrictInt | None = Field(None, ge=0, le=100_000, description="The phone's accuracy, in metres")
    reason: StrictStr = Field("", max_length=500, description="What happened; required for `no_show`")

    @model_validator(mode="after")
    def _position_whole(self) -> StatusIn:
        # A latitude without its longitude is no place at all.
        if (self.latitude is None) != (self.longitude is None):
            missing = "longitude" if self.longitude is None else "latitude"
            raise ValueError(gettext("Send %(field)s with it, or neither.") % {"field": missing})
        return self


class CashIn(InputSchema):
    booking: StrictStr = Field(
        min_length=1, max_length=13, description="The booking's reference", examples=["GNB-7K3Q-9XPM"]
    )
    # Text or a number in JSON; Decimal keeps every cent exactly (never a float).
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2, examples=["40.00"])
    note: StrictStr = Field("", max_length=200)


class DayIn(InputSchema):
    day: DateIn | None = Field(None, description="The local day, YYYY-MM-DD; today when left out")


class AssignIn(InputSchema):
    leg: StrictInt | None = Field(None, ge=1, description="A transfer leg (one ride of a booking)")
    departure: StrictInt | None = Field(None, ge=1, description="A tour departure (its bookings not yet seated)")
    driver: StrictInt | None = Field(None, ge=1)
    vehicle: StrictInt | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_ride(self) -> AssignIn:
        if (self.leg is None) == (self.departure is None):
            raise ValueError(gettext("Send either leg or departure."))
        return self


class ReassignIn(InputSchema):
    driver: StrictInt | None = Field(None, ge=1)
    vehicle: StrictInt | None = Field(None, ge=1)
    reason: StrictStr = Field("", max_length=500)


class UnassignIn(InputSchema):
    reason: StrictStr = Field("", max_length=500)

    @field_validator("reason")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()


# --- output -----------------------------------------------------------------------------------------------
class MoneyOut(Schema):
    amount: Decimal
    currency: str


class RideBookingOut(Schema):
    reference: str
    lead_name: str
    payment_method: str = Field(description="`cash` (to the driver) or `card`")
    flight_number: str = Field(description="Empty when the ride does not start at an airport")
    flight_arrival_at: dt.datetime | None = Field(description="Landing time, local with its offset")
    flight_departure_at: dt.datetime | None = Field(
        description="A drop-off at an airport: the flight's departure, local with its offset; null when not given"
    )
    cash_to_collect: MoneyOut | None = Field(
        description="What the driver collects: the total less what is paid, for a cash booking; null otherwise"
    )


class TripOut(Schema):
    id: int
    kind: str = Field(description="`transfer` or `tour`")
    status: str = Field(description="assigned, on_the_way, arrived, picked_up, completed or no_show")
    pickup_at: dt.datetime = Field(description="Local time with its offset")
    busy_until: dt.datetime
    route: str = Field(description='"Antalya Airport → Belek" or the tour\'s name')
    origin: str
    destination: str
    vehicle_plate: str | None
    passengers: int
    luggage: int
    bookings: list[RideBookingOut]


class TripPlaceOut(Schema):
    name: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None


class ManifestPassengerOut(Schema):
    first_name: str
    last_name: str
    category: str = Field(description="adult, child or infant")
    nationality: str = Field(description="ISO country code; empty until the traveller gives it")
    has_document: bool = Field(description="Whether the passport or ID number is on file (the number is not sent)")


class TripExtraOut(Schema):
    code: str
    name: str
    quantity: int


class ManifestBookingOut(Schema):
    reference: str
    status: str
    lead_name: str
    lead_phone: str
    language: str
    notes: str
    payment_method: str
    cash_to_collect: MoneyOut | None
    pickup: TripPlaceOut | None = Field(description="Where this booking is picked up; null for a tour without one")
    pickup_at: dt.datetime | None = Field(
        description="When this booking is picked up there, local with its offset: the ride's pickup, or for a tour "
        "the hotel's time (by its zone); null for a tour without a pickup place"
    )
    pickup_point: str = Field(description="The meeting point the traveller gave, e.g. a hotel entrance")
    dropoff: TripPlaceOut | None
    flight_number: str
    flight_arrival_at: dt.datetime | None
    flight_departure_at: dt.datetime | None = Field(description="A drop-off's flight departure, local; null if unknown")
    extras: list[TripExtraOut]
    passengers: list[ManifestPassengerOut]


class DriverOut(Schema):
    id: int
    name: str
    phone: str


class VehicleOut(Schema):
    id: int
    plate: str
    vehicle_class: str
    make: str
    model: str
    colour: str
    seats: int
    luggage: int


class TripDetailOut(TripOut):
    driver: DriverOut | None
    vehicle: VehicleOut | None
    manifest: list[ManifestBookingOut]


class DispatchTripOut(TripOut):
    driver: DriverOut | None
    vehicle: VehicleOut | None
    missing_documents: int = Field(description="Passengers still without nationality or document number (U-ETDS)")


class WaitingExtraOut(Schema):
    name: str
    quantity: int


class UnassignedRideOut(Schema):
    kind: str = Field(description="`transfer` (assign with `leg`) or `tour` (assign with `departure`)")
    leg: int | None
    departure: int | None
    pickup_at: dt.datetime
    pickup_place: str
    destination: str
    vehicle_class: str | None = Field(description="The class the traveller booked; null for a tour")
    passengers: int
    luggage: int
    extras: list[WaitingExtraOut]
    references: list[str]
    flight_number: str
    flight_arrival_at: dt.datetime | None
    missing_documents: int = Field(description="Passengers still without nationality or document number (U-ETDS)")
    problem: str = Field(description="Why no driver can be offered yet (e.g. no drive time kept); empty when none")


class CashOut(Schema):
    booking: str
    collected: MoneyOut
    cash_to_collect: MoneyOut | None = Field(description="What is still due after this payment")


class DispatchDayOut(Schema):
    day: dt.date
    trips: list[DispatchTripOut]
    unassigned: list[UnassignedRideOut]


# --- planning the day -------------------------------------------------------------------------------------
class ProposalIn(InputSchema):
    start: DateTimeIn = Field(
        description="Start of the window: Istanbul wall-clock time (an offset, if sent, is respected)",
        examples=["2026-07-01T00:00"],
    )
    hours: StrictInt = Field(24, ge=1, le=48, description="Length of the window in hours (the board offers 24 or 36)")
    allow_moves: bool = Field(False, description="Whether assigned trips that have not started may move")


class ApplyIn(InputSchema):
    items: list[StrictInt] | None = Field(
        None, max_length=1000, description="The changes to apply (their `id`); every one not applied yet when left out"
    )


class ProposalItemOut(Schema):
    id: int
    ride: str = Field(description="`leg:<id>`, `departure:<id>` or, for a move, `trip:<id>`")
    leg: int | None
    departure: int | None
    trip: int | None = Field(description="The assigned trip a move gives another driver or vehicle")
    starts_at: dt.datetime
    driver: int
    vehicle: int
    outcome: str = Field(description="Empty until applied; then `applied`, `skipped` or `refused`")
    message: str = Field(description="Why it was skipped or refused (or the trip it made)")
    result_trip: int | None


class ProposalOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    allow_moves: bool
    created_by: str
    created_at: dt.datetime
    solver: str
    solve_seconds: Decimal
    status: str = Field(description="`proposed`, `partly_applied` or `done`")
    totals: dict[str, Any] = Field(
        description="rides, covered, waiting, not_plannable, movable, empty_driving_minutes, hours_per_driver "
        "(driver id → hours), hours_spread, language_misses"
    )
    items: list[ProposalItemOut]


class ApplyResultOut(Schema):
    item: int
    ride: str
    outcome: str
    message: str
    trip: int | None


class ApplyOut(Schema):
    results: list[ApplyResultOut]
