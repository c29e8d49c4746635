"""The fleet over HTTP: drivers' trips, manifests, status moves and cash (``/driver/…``), and the dispatchers' day
and assignments (``/dispatch/…``). Endpoints translate between JSON and the fleet's services and selectors.

Drivers sign in at ``/auth/token`` like customers; an account without a driver record gets 403 on every driver
operation, and a trip of another driver is 404, as if it did not exist (its number confirms nothing). Dispatch
operations need a staff account's access token with ``fleet.view_trip`` (reads) or ``fleet.change_trip``
(writes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Status

from gnb.accounts.apiauth import BearerAuth, request_client
from gnb.accounts.models import User
from gnb.bookings.models import Booking, Passenger
from gnb.core.errors import Forbidden, NotFound, ValidationFailed
from gnb.core.schemas import error_responses
from gnb.fleet import board, dispatch, rules, selectors, services
from gnb.fleet.models import DispatchProposal, Driver, Trip, TripBooking, TripEvent
from gnb.fleet.schemas import (
    ApplyIn,
    ApplyOut,
    AssignIn,
    CashIn,
    CashOut,
    DayIn,
    DispatchDayOut,
    DispatchTripOut,
    ProposalIn,
    ProposalOut,
    ReassignIn,
    StatusIn,
    TripDetailOut,
    TripOut,
    TripRangeIn,
    UnassignIn,
)

router = Router()

# 401 no or bad credentials, 403 not a driver (or a partner key), 404 a trip that is not theirs, 409 a move the
# trip's status forbids, 413/415/400 the body, 422 invalid input, 503 a lock not free in time (retry).
DRIVER_READ_ERRORS = error_responses(401, 403, 404, 422)
DRIVER_WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)
# Lists: 401, 403, or a bad query (422).
DISPATCH_READ_ERRORS = error_responses(401, 403, 422)
DISPATCH_WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 422, 503)

# Users only (no partner key): which user decides, in the operation.
USER_AUTH = [BearerAuth(accepts="user")]
MAX_DAYS = 14
VIEW_TRIP, CHANGE_TRIP = "fleet.view_trip", "fleet.change_trip"


# --- who is calling -----------------------------------------------------------------------------------------
def _user(request: HttpRequest) -> User:
    user = request_client(request).user
    assert user is not None  # USER_AUTH lets only users through
    return user


def _driver(request: HttpRequest) -> Driver:
    driver = Driver.objects.filter(user=_user(request)).first()
    if driver is None:
        raise Forbidden(_("This is for drivers; this account has no driver record."))
    return driver


def _staff(request: HttpRequest, permission: str) -> User:
    user = _user(request)
    if not (user.is_staff and user.has_perm(permission)):
        raise Forbidden(_("This needs a dispatcher's rights (%(permission)s).") % {"permission": permission})
    return user


def _own_trip(driver: Driver, trip_id: int) -> Trip:
    """The driver's own live trip with its manifest; any other trip is "not found", never "forbidden"."""
    trip = Trip.objects.filter(pk=trip_id, driver=driver).exclude(status=Trip.Status.RELEASED).first()
    if trip is None:
        raise NotFound(_("Trip not found."))
    return selectors.trip_detail(trip_id=trip.pk)


# --- answers --------------------------------------------------------------------------------------------------
def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment, rules.LOCAL) if moment is not None else None


def _cash_to_collect(booking: Booking) -> dict | None:
    """What the driver takes in cash for ``booking`` (payments and refunds prefetched), or None for a card booking."""
    due = selectors.cash_due(booking)
    return None if due is None else {"amount": due.amount, "currency": due.currency}


def _place(place) -> dict | None:
    if place is None:
        return None
    return {"name": place.name, "address": place.address, "latitude": place.latitude, "longitude": place.longitude}


def _trip_out(trip: Trip) -> dict:
    """The trip as the driver's list shows it (riders with bookings, legs, places, payments and refunds loaded)."""
    origin, destination = selectors.trip_ends(trip)
    rides = []
    for rider in trip.riders.all():
        booking, leg = rider.booking, rider.leg
        rides.append(
            {
                "reference": booking.reference,
                "lead_name": booking.lead_name,
                "payment_method": booking.payment_method,
                "flight_number": leg.flight_number if leg else "",
                "flight_arrival_at": _local(leg.flight_arrival_at) if leg else None,
                "flight_departure_at": _local(leg.flight_departure_at) if leg else None,
                "cash_to_collect": _cash_to_collect(booking),
            }
        )
    return {
        "id": trip.pk,
        "kind": trip.kind,
        "status": trip.status,
        "pickup_at": _local(trip.starts_at),
        "busy_until": _local(trip.ends_at),
        "route": selectors.trip_label(trip),
        "origin": origin,
        "destination": destination,
        "vehicle_plate": trip.vehicle.plate if trip.vehicle is not None else None,
        "passengers": trip.passengers,
        "luggage": trip.luggage,
        "bookings": rides,
    }


def _driver_out(driver: Driver | None) -> dict | None:
    if driver is None:
        return None
    return {"id": driver.pk, "name": driver.full_name, "phone": driver.phone}


def _vehicle_out(trip: Trip) -> dict | None:
    vehicle = trip.vehicle
    if vehicle is None:
        return None
    return {
        "id": vehicle.pk,
        "plate": vehicle.plate,
        "vehicle_class": vehicle.vehicle_class.name,
        "make": vehicle.make,
        "model": vehicle.model,
        "colour": vehicle.colour,
        "seats": vehicle.seats,
        "luggage": vehicle.luggage,
    }


def _manifest_booking(rider: TripBooking) -> dict:
    booking, leg = rider.booking, rider.leg
    return {
        "reference": booking.reference,
        "status": booking.status,
        "lead_name": booking.lead_name,
        "lead_phone": booking.lead_phone,
        "language": booking.language,
        "notes": booking.notes,
        "payment_method": booking.payment_method,
        "cash_to_collect": _cash_to_collect(booking),
        "pickup": _place(leg.origin if leg else booking.pickup_place),
        # A tour's bookings on one trip are collected from several hotels, each at its zone's time.
        "pickup_at": _local(leg.pickup_at if leg else booking.pickup_at),
        "pickup_point": (leg.pickup_point if leg else "") or booking.pickup_point,
        "dropoff": _place(leg.destination if leg else None),
        "flight_number": leg.flight_number if leg else "",
        "flight_arrival_at": _local(leg.flight_arrival_at) if leg else None,
        "flight_departure_at": _local(leg.flight_departure_at) if leg else None,
        "extras": [
            {"code": item.extra.code, "name": item.extra.name, "quantity": item.quantity}
            for item in booking.extras.all()
        ],
        "passengers": [
            {
                "first_name": passenger.first_name,
                "last_name": passenger.last_name,
                "category": passenger.category,
                "nationality": passenger.nationality,
                "has_document": bool(passenger.document_number),
            }
            for passenger in booking.passengers.all()
        ],
    }


def _bookings_of(trips: Iterable[Trip]) -> list[Booking]:
    return [rider.booking for trip in trips for rider in trip.riders.all()]


def _detail_out(trip: Trip) -> dict:
    """The manifest: a trip from ``selectors.trip_detail`` with every booking's contact, extras and passengers."""
    prefetch_related_objects(_bookings_of([trip]), "extras__extra", "payments__refunds")
    return {
        **_trip_out(trip),
        "driver": _driver_out(trip.driver),
        "vehicle": _vehicle_out(trip),
        "manifest": [_manifest_booking(rider) for rider in trip.riders.all()],
    }


# --- driver: my trips ---------------------------------------------------------------------------------------
def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=rules.LOCAL)


@router.get(
    "/driver/trips",
    response={200: list[TripOut], **DISPATCH_READ_ERRORS},
    auth=USER_AUTH,
    tags=["driver"],
    summary="My trips from one day to another (today and tomorrow by default; at most 14 days), in order",
)
def driver_trips(request: HttpRequest, filters: Query[TripRangeIn]):
    driver = _driver(request)
    first = filters.from_ or timezone.localdate(timezone=rules.LOCAL)
    last = filters.to or first + dt.timedelta(days=1)
    if last < first:
        raise ValidationFailed([("to", _("The last day comes before the first."))])
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed([("to", _("At most %(days)s days at a time.") % {"days": MAX_DAYS})])
    trips = selectors.trips_of_driver(
        driver_id=driver.pk, start=_local_midnight(first), end=_local_midnight(last + dt.timedelta(days=1))
    )
    prefetch_related_objects(_bookings_of(trips), "payments__refunds")
    return [_trip_out(trip) for trip in trips]


@router.get(
    "/driver/trips/{trip_id}",
    response={200: TripDetailOut, **DRIVER_READ_ERRORS},
    auth=USER_AUTH,
    tags=["driver"],
    summary="One of my trips with its manifest: every booking, its contact, extras, pickup place and passengers",
)
def driver_trip(request: HttpRequest, trip_id: int):
    return _detail_out(_own_trip(_driver(request), trip_id))


STEPS: dict[str, Callable[..., Trip]] = {
    Trip.Status.ON_THE_WAY.value: services.trip_start,
    Trip.Status.ARRIVED.value: services.trip_arrive,
    Trip.Status.PICKED_UP.value: services.trip_pick_up,
    Trip.Status.COMPLETED.value: services.trip_complete,
}


def _idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key or len(key) > 255 or not key.isprintable():
        raise ValidationFailed([("Idempotency-Key", _("Send 1 to 255 printable characters."))])
    return key


def _already_done(trip: Trip, *, status: str, user: User) -> bool:
    """Whether the trip's last step is ``status``, made by ``user``: what a retried request finds."""
    last = TripEvent.objects.filter(trip=trip).order_by("-created_at", "-pk").first()
    return trip.status == status and last is not None and last.action == status and last.actor_id == user.pk


@router.post(
    "/driver/trips/{trip_id}/status",
    response={200: TripOut, **DRIVER_WRITE_ERRORS},
    auth=USER_AUTH,
    tags=["driver"],
    summary="Record a step of my trip: on the way, arrived, picked up, completed or no-show, with the position",
    description=(
        "Steps come in order: on_the_way from assigned, arrived from on_the_way, picked_up from on_the_way or "
        "arrived, completed from picked_up, no_show (with a `reason`) from on_the_way or arrived; any other move "
        "is a 409 `invalid_transition` saying why. A request sent again with the same `Idempotency-Key` (the "
        "answer was lost) finds the trip already at that step, made by the same driver, and answers 200 with the "
        "trip without recording the step twice. Without the header, the same step twice is a 409.\n\n"
        "A no_show is refused (409 `invalid_transition`, saying from when it is allowed) until the travellers had "
        "time to come: GNB_NO_SHOW_WAIT_AFTER_LANDING_MINUTES (60) after the landing for an airport pickup with a "
        "flight, GNB_NO_SHOW_WAIT_AFTER_PICKUP_MINUTES (30) after the pickup time otherwise. It needs evidence: "
        "here, the phone's `latitude`, `longitude` and `accuracy_m`, within GNB_NO_SHOW_RADIUS_METRES (150) of the "
        "pickup place and accurate to that radius; otherwise a 422 on the field `position` says what is missing. "
        "A photo of the name sign, the other evidence, is taken by the drivers' app, not by this endpoint."
    ),
)
def driver_trip_status(
    request: HttpRequest,
    trip_id: int,
    payload: StatusIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    driver = _driver(request)
    user = _user(request)
    key = _idempotency_key(idempotency_key)
    trip = _own_trip(driver, trip_id)
    if key is not None and _already_done(trip, status=payload.status, user=user):
        return _answer(trip.pk)
    actor = services.Actor.for_user(user)
    position = None
    if payload.latitude is not None and payload.longitude is not None:
        position = services.Position(payload.latitude, payload.longitude, payload.accuracy_m)
    if payload.status == Trip.Status.NO_SHOW:
        services.trip_no_show(trip_id=trip.pk, actor=actor, reason=payload.reason, position=position)
    else:
        STEPS[payload.status](trip_id=trip.pk, actor=actor, position=position)
    return _answer(trip.pk)


def _answer(trip_id: int) -> dict:
    trip = selectors.trip_detail(trip_id=trip_id)
    prefetch_related_objects(_bookings_of([trip]), "payments__refunds")
    return _trip_out(trip)


@router.post(
    "/driver/trips/{trip_id}/cash",
    response={201: CashOut, **DRIVER_WRITE_ERRORS},
    auth=USER_AUTH,
    tags=["driver"],
    summary="Record cash I collected for a booking on my trip (never more than is still due)",
    description=(
        "Once the trip has started. The payment is recorded at once; a second request records a second payment, "
        "so a retry after a lost answer should read the trip first: its `cash_to_collect` shows what is left, "
        "and more than that is refused (422 naming `amount`)."
    ),
)
def driver_trip_cash(request: HttpRequest, trip_id: int, payload: CashIn):
    driver = _driver(request)
    trip = _own_trip(driver, trip_id)
    rider = next((r for r in trip.riders.all() if r.booking.reference == payload.booking.strip().upper()), None)
    if rider is None:
        raise NotFound(_("This booking is not on this trip."), field="booking")
    payment = services.trip_cash_collect(
        trip_id=trip.pk,
        booking_id=rider.booking_id,
        amount=payload.amount,
        actor_user=_user(request),
        note=payload.note,
    )
    booking = Booking.objects.prefetch_related("payments__refunds").get(pk=rider.booking_id)
    return Status(
        201,
        {
            "booking": booking.reference,
            "collected": {"amount": payment.amount, "currency": payment.currency},
            "cash_to_collect": _cash_to_collect(booking),
        },
    )


# --- dispatch -------------------------------------------------------------------------------------------------
def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return _local_midnight(day), _local_midnight(day + dt.timedelta(days=1))


def _dispatch_trip_out(trip: Trip) -> dict:
    return {
        **_trip_out(trip),
        "driver": _driver_out(trip.driver),
        "vehicle": _vehicle_out(trip),
        "missing_documents": len(selectors.unreportable(trip)),
    }


def _rider_prefetch() -> Prefetch:
    return Prefetch(
        "riders",
        queryset=TripBooking.objects.select_related("booking", "leg__origin", "leg__destination").prefetch_related(
            Prefetch("booking__passengers", queryset=Passenger.objects.order_by("position")),
            "booking__payments__refunds",
        ),
    )


def _waiting_out(ride: board.WaitingRide) -> dict:
    return {
        "kind": Trip.Kind.TOUR if ride.is_tour else Trip.Kind.TRANSFER,
        "leg": ride.leg_id,
        "departure": ride.departure_id,
        "pickup_at": _local(ride.pickup_at),
        "pickup_place": ride.pickup_place,
        "destination": ride.destination,
        "vehicle_class": ride.booked_class or None,
        "passengers": ride.passengers,
        "luggage": ride.luggage,
        "extras": [{"name": extra.name, "quantity": extra.quantity} for extra in ride.extras],
        "references": ride.references,
        "flight_number": ride.flight_number,
        "flight_arrival_at": _local(ride.flight_lands_at),
        "missing_documents": ride.missing_documents,
        "problem": ride.problem,
    }


@router.get(
    "/dispatch/trips",
    response={200: DispatchDayOut, **DISPATCH_READ_ERRORS},
    auth=USER_AUTH,
    tags=["dispatch"],
    summary="A day of dispatch: its live trips with driver and vehicle, and the rides still waiting for one",
)
def dispatch_day(request: HttpRequest, filters: Query[DayIn]):
    _staff(request, VIEW_TRIP)
    day = filters.day or timezone.localdate(timezone=rules.LOCAL)
    start, end = _day_range(day)
    trips = (
        selectors.live_trips_between(start, end)
        .filter(starts_at__gte=start)
        .select_related("driver", "vehicle__vehicle_class")
        .prefetch_related(_rider_prefetch())
        .order_by("starts_at", "pk")
    )
    return {
        "day": day,
        "trips": [_dispatch_trip_out(trip) for trip in trips],
        # The rides still waiting, as the dispatch board reads them (gnb.fleet.board).
        "unassigned": [_waiting_out(ride) for ride in board.board_day(day=day).waiting],
    }


def _dispatch_answer(trip_id: int) -> dict:
    trip = (
        Trip.objects.select_related("driver", "vehicle__vehicle_class", "origin_zone", "destination_zone")
        .select_related("departure__tour")
        .prefetch_related(_rider_prefetch())
        .get(pk=trip_id)
    )
    return _dispatch_trip_out(trip)


@router.post(
    "/dispatch/assign",
    response={201: DispatchTripOut, **DISPATCH_WRITE_ERRORS},
    auth=USER_AUTH,
    tags=["dispatch"],
    summary="Give a ride (a transfer leg or a tour departure) a driver and a vehicle: a new trip",
    description=(
        "Every rule is checked: documents, time off, shift, seats, luggage, the class booked, and no overlap with "
        "another trip of the driver or vehicle. A refusal is a 409 whose `code` names the first reason (e.g. "
        "`driver_busy`, `vehicle_seats`) and whose `message` gives every reason. Sending the same request again "
        "never makes a second trip: the ride is then on a trip already (409 `already_assigned`)."
    ),
)
def dispatch_assign(request: HttpRequest, payload: AssignIn):
    user = _staff(request, CHANGE_TRIP)
    trip = services.fleet_assign(
        ride=services.RideRef(leg_id=payload.leg, departure_id=payload.departure),
        driver_id=payload.driver,
        vehicle_id=payload.vehicle,
        actor=services.Actor.for_user(user),
    )
    return Status(201, _dispatch_answer(trip.pk))


def _live_trip_id(trip_id: int) -> int:
    if not Trip.objects.filter(pk=trip_id).exclude(status=Trip.Status.RELEASED).exists():
        raise NotFound(_("Trip not found."))
    return trip_id


@router.post(
    "/dispatch/trips/{trip_id}/reassign",
    response={200: DispatchTripOut, **DISPATCH_WRITE_ERRORS},
    auth=USER_AUTH,
    tags=["dispatch"],
    summary="Give a trip that has not started another driver and/or vehicle (both are set as sent)",
)
def dispatch_reassign(request: HttpRequest, trip_id: int, payload: ReassignIn):
    user = _staff(request, CHANGE_TRIP)
    trip = services.fleet_reassign(
        trip_id=_live_trip_id(trip_id),
        driver_id=payload.driver,
        vehicle_id=payload.vehicle,
        actor=services.Actor.for_user(user),
        reason=payload.reason,
    )
    return _dispatch_answer(trip.pk)


@router.post(
    "/dispatch/trips/{trip_id}/unassign",
    response={204: None, **DISPATCH_WRITE_ERRORS},
    auth=USER_AUTH,
    tags=["dispatch"],
    summary="Take a trip that has not started off its driver and vehicle: its rides wait for a driver again",
)
def dispatch_unassign(request: HttpRequest, trip_id: int, payload: UnassignIn):
    user = _staff(request, CHANGE_TRIP)
    services.fleet_unassign(trip_id=_live_trip_id(trip_id), actor=services.Actor.for_user(user), reason=payload.reason)
    return Status(204, None)


# --- planning the day -------------------------------------------------------------------------------------------
def _proposal_out(proposal: DispatchProposal) -> dict:
    return {
        "id": proposal.pk,
        "starts_at": _local(proposal.starts_at),
        "ends_at": _local(proposal.ends_at),
        "allow_moves": proposal.allow_moves,
        "created_by": proposal.created_by_label,
        "created_at": _local(proposal.created_at),
        "solver": proposal.solver,
        "solve_seconds": proposal.solve_seconds,
        "status": proposal.status,
        "totals": proposal.totals,
        "items": [
            {
                "id": item.pk,
                "ride": item.ride_key,
                "leg": item.leg_id,
                "departure": item.departure_id,
                "trip": item.trip_id,
                "starts_at": _local(item.starts_at),
                "driver": item.driver_id,
                "vehicle": item.vehicle_id,
                "outcome": item.outcome,
                "message": item.message,
                "result_trip": item.result_trip_id,
            }
            for item in proposal.items.all()
        ],
    }


def _proposal(proposal_id: int) -> DispatchProposal:
    proposal = DispatchProposal.objects.prefetch_related("items").filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(_("Proposal not found."))
    return proposal


@router.post(
    "/dispatch/proposals",
    # Nothing is locked or written but the proposal: no conflict, no busy lock.
    response={201: ProposalOut, **error_responses(400, 401, 403, 413, 415, 422)},
    auth=USER_AUTH,
    tags=["dispatch"],
    summary="Plan a window of waiting rides: a proposal of drivers and vehicles, nothing assigned yet",
    description=(
        "The planner sees the rides the dispatch board lists as waiting in the window, the active drivers (shifts, "
        "time off, documents, languages) and vehicles, and the trips already assigned, which stay as they are "
        "unless `allow_moves`. It runs for at most `GNB_DISPATCH_TIME_LIMIT_SECONDS`. Apply the proposal (all of it "
        "or chosen items) with `POST /dispatch/proposals/{id}/apply`."
    ),
)
def dispatch_propose(request: HttpRequest, payload: ProposalIn):
    user = _staff(request, CHANGE_TRIP)
    start = payload.start
    if timezone.is_naive(start):
        start = timezone.make_aware(start, rules.LOCAL)
    proposal = dispatch.dispatch_propose(
        start=start,
        end=start + dt.timedelta(hours=payload.hours),
        allow_moves=payload.allow_moves,
        actor=services.Actor.for_user(user),
    )
    return Status(201, _proposal_out(_proposal(proposal.pk)))


@router.get(
    "/dispatch/proposals",
    response={200: list[ProposalOut], **DISPATCH_READ_ERRORS},
    auth=USER_AUTH,
    tags=["dispatch"],
    summary="The latest proposals, newest first (at most 20), with their changes and what became of each",
)
def dispatch_proposals(request: HttpRequest):
    _staff(request, VIEW_TRIP)
    proposals = DispatchProposal.objects.prefetch_related("items").order_by("-created_at", "-pk")[:20]
    return [_proposal_out(proposal) for proposal in proposals]


@router.get(
    "/dispatch/proposals/{proposal_id}",
    response={200: ProposalOut, **error_responses(401, 403, 404, 422)},
    auth=USER_AUTH,
    tags=["dispatch"],
    summary="One proposal with its changes and what became of each",
)
def dispatch_proposal(request: HttpRequest, proposal_id: int):
    _staff(request, VIEW_TRIP)
    return _proposal_out(_proposal(proposal_id))


@router.post(
    "/dispatch/proposals/{proposal_id}/apply",
    response={200: ApplyOut, **DISPATCH_WRITE_ERRORS},
    auth=USER_AUTH,
    tags=["dispatch"],
    summary="Apply a proposal's changes, each on its own: applied, skipped (the ride changed since) or refused",
    description=(
        "Each change is checked again under the assignment's locks: a ride given a driver by hand, cancelled or "
        "moved to another time since the proposal was made is `skipped` and left as it is; a change the fleet's "
        "rules refuse is `refused` with the reason. A change already decided is answered as it was, never applied "
        "twice."
    ),
)
def dispatch_apply(request: HttpRequest, proposal_id: int, payload: ApplyIn):
    user = _staff(request, CHANGE_TRIP)
    results = dispatch.dispatch_apply(
        proposal_id=proposal_id, item_ids=payload.items, actor=services.Actor.for_user(user)
    )
    return {
        "results": [
            {"item": r.item_id, "ride": r.ride_key, "outcome": r.outcome, "message": r.message, "trip": r.trip_id}
            for r in results
        ]
    }
