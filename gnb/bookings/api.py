"""Quotes and bookings over HTTP. Endpoints translate between JSON and services; nothing else."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest
from ninja import Header, Router, Status

from gnb.accounts.apiauth import PUBLIC_SECURITY, ApiClient, Public, request_client
from gnb.accounts.models import ApiScope
from gnb.bookings import schemas, selectors, services
from gnb.bookings.models import Booking
from gnb.bookings.quotes import tour_quote, transfer_quote
from gnb.core.ratelimit import client_ip
from gnb.core.schemas import error_responses
from gnb.payments.services import booking_refund_after_cancel, card_booking_allow

router = Router(tags=["bookings"])

# What each kind of endpoint may answer besides success, always in the one error shape: 400 a body that is not
# JSON, 401 credentials sent but not valid (on every operation, even where none are needed), 403 an API key without
# the scope, 404 an unknown booking (or a wrong X-Manage-Token), 409 sold out / Idempotency-Key reuse / a change
# the booking's status forbids, 413 a body over the size limit, 415 a body not sent as application/json, 422
# invalid input, 429 too many requests (Retry-After), 503 a lock not free in time (nothing written; retry).
QUOTE_ERRORS = error_responses(400, 401, 403, 413, 415, 422, 429)
PLACE_ERRORS = error_responses(400, 401, 403, 409, 413, 415, 422, 429, 503)
READ_ERRORS = error_responses(401, 404)
CHANGE_ERRORS = error_responses(400, 401, 404, 409, 413, 415, 422, 503)

API_ACTOR = services.Actor("api")

# Quotes and placing a booking are public; credentials, when sent, must be valid and carry the scope, and they
# bring their own throttle budget (gnb/accounts/apiauth.py).
QUOTE_AUTH = Public(scope=ApiScope.QUOTES, budget="quotes")
PLACE_AUTH = Public(scope=ApiScope.BOOKINGS_WRITE, budget="bookings")


def _placed_by(client: ApiClient) -> dict:
    """Who places the booking: the partner key or the signed-in customer (linked to the booking), or a guest."""
    if client.api_key is not None:
        actor = services.Actor(f"api key {client.api_key.name}"[:150])
        return {"actor": actor, "api_key_id": client.api_key.pk}
    if client.user is not None:
        return {"actor": services.Actor.for_user(client.user), "customer_id": client.user.pk}
    return {"actor": API_ACTOR}


def _idempotency_scope(request: HttpRequest, client: ApiClient) -> str:
    """The client an Idempotency-Key belongs to; the same key from any other client is a 409, never the booking
    (whose answer carries the manage token).

    A partner key or a signed-in user is the client. An anonymous caller holds nothing of its own but its address
    (as the throttle sees it, behind the trusted proxies), and the body alone would not do: whoever learns the key
    and the booking's details could replay them from anywhere. So an anonymous key belongs to the address that used
    it first. A retry from another address (a phone moving from Wi-Fi to mobile data) is refused rather than
    answered with the booking; the traveller still has it by email, and apps that retry across networks sign in.
    """
    if client.is_anonymous:
        return f"ip:{client_ip(request)}"[:80]
    return client.identity


def _place_idempotent(
    request: HttpRequest,
    client: ApiClient,
    payload: schemas.BookingCommonIn,
    key: str | None,
    place: Callable[[], Booking],
) -> tuple[Booking, bool]:
    return services.booking_place_idempotent(
        key=key,
        scope=_idempotency_scope(request, client),
        fingerprint=services.request_fingerprint(payload.dict()),
        place=place,
    )


def _quote_out(quote) -> dict:
    return {
        "origin": quote.origin.slug,
        "destination": quote.destination.slug,
        "pickup_at": quote.pickup_at,
        "return_pickup_at": quote.return_pickup_at,
        "passengers": quote.party.seats,
        "currency": quote.currency,
        "options": [{"vehicle_class": _vehicle(option.vehicle), "price": option.breakdown} for option in quote.options],
        "unavailable_reason": quote.unavailable_reason,
    }


def _vehicle(vehicle) -> dict:
    return {
        "code": vehicle.code,
        "name": vehicle.name,
        "max_passengers": vehicle.max_passengers,
        "max_luggage": vehicle.max_luggage,
    }


@router.post(
    "/quotes",
    response={200: schemas.TransferQuoteOut, **QUOTE_ERRORS},
    summary="Price a transfer in every vehicle class that fits",
    auth=QUOTE_AUTH,
    openapi_extra=PUBLIC_SECURITY,
)
def quote_transfer(request: HttpRequest, payload: schemas.TransferQuoteIn):
    return _quote_out(transfer_quote(payload.to_request()))


@router.post(
    "/tour-quotes",
    response={200: schemas.TourQuoteOut, **QUOTE_ERRORS},
    summary="Price seats on a tour departure",
    auth=QUOTE_AUTH,
    openapi_extra=PUBLIC_SECURITY,
)
def quote_tour(request: HttpRequest, payload: schemas.TourQuoteIn):
    quote = tour_quote(payload.to_request())
    return {
        "departure_id": quote.departure.pk,
        "tour": quote.departure.tour.slug,
        "starts_at": quote.departure.starts_at,
        "currency": quote.currency,
        "price": quote.breakdown,
    }


def _placed_payable(place: Callable[[], Booking]) -> Booking:
    """The booking ``place`` writes, kept only if it can be paid as asked: a card booking in a currency no card
    provider takes is refused and rolled back, holding no seats."""
    with transaction.atomic():
        booking = place()
        if booking.payment_method == Booking.PaymentMethod.CARD:
            card_booking_allow(booking.currency)
    return booking


def _created(booking, created: bool):
    # 201 for a new booking, 200 when an Idempotency-Key retry returns the one placed before.
    return Status(201 if created else 200, selectors.booking_detail(booking_id=booking.pk))


@router.post(
    "/bookings",
    response={201: schemas.BookingCreatedOut, 200: schemas.BookingCreatedOut, **PLACE_ERRORS},
    summary="Book a transfer (priced again on the server; cash to the driver, or by card: then pay it at "
    "`payment_due.payments_url`)",
    auth=PLACE_AUTH,
    openapi_extra=PUBLIC_SECURITY,
)
def place_transfer(
    request: HttpRequest,
    payload: schemas.TransferBookingIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    client = request_client(request)
    placed_by = _placed_by(client)
    order = payload.to_order()

    def place():
        return _placed_payable(lambda: services.booking_place_transfer(order=order, **placed_by))

    booking, created = _place_idempotent(request, client, payload, idempotency_key, place)
    return _created(booking, created)


@router.post(
    "/tour-bookings",
    response={201: schemas.BookingCreatedOut, 200: schemas.BookingCreatedOut, **PLACE_ERRORS},
    summary="Book seats on a tour departure (never oversold; cash, or by card at `payment_due.payments_url`)",
    auth=PLACE_AUTH,
    openapi_extra=PUBLIC_SECURITY,
)
def place_tour(
    request: HttpRequest,
    payload: schemas.TourBookingIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    client = request_client(request)
    placed_by = _placed_by(client)
    order = payload.to_order()

    def place():
        return _placed_payable(lambda: services.booking_place_tour(order=order, **placed_by))

    booking, created = _place_idempotent(request, client, payload, idempotency_key, place)
    return _created(booking, created)


# The operations below take the X-Manage-Token and name no rule of their own: the API's default, Public(), checks
# any credentials sent with them (config/api.py).
@router.get(
    "/bookings/{reference}",
    response={200: schemas.BookingOut, **READ_ERRORS},
    summary="A booking, read with its X-Manage-Token",
    openapi_extra=PUBLIC_SECURITY,
)
def get_booking(request: HttpRequest, reference: str, manage_token: str = Header("", alias="X-Manage-Token")):
    return selectors.booking_for_manage_token(reference=reference, token=manage_token)


@router.post(
    "/bookings/{reference}/cancel",
    response={200: schemas.BookingOut, **CHANGE_ERRORS},
    summary="Cancel a booking under the cancellation policy",
    openapi_extra=PUBLIC_SECURITY,
)
def cancel_booking(
    request: HttpRequest,
    reference: str,
    payload: schemas.CancelIn,
    manage_token: str = Header("", alias="X-Manage-Token"),
):
    booking = selectors.booking_for_manage_token(reference=reference, token=manage_token, with_details=False)
    services.booking_cancel(booking_id=booking.pk, actor=services.TRAVELLER, reason=payload.reason, by_traveller=True)
    # Paid card money, less the policy's fee, goes back through the provider.
    booking_refund_after_cancel(booking_id=booking.pk)
    return selectors.booking_detail(booking_id=booking.pk)


@router.patch(
    "/bookings/{reference}",
    response={200: schemas.BookingOut, **CHANGE_ERRORS},
    summary="Change contact, passenger names and passport details, notes, flights or pickup points (the price "
    "stays as booked)",
    openapi_extra=PUBLIC_SECURITY,
)
def change_booking(
    request: HttpRequest,
    reference: str,
    payload: schemas.BookingChangeIn,
    manage_token: str = Header("", alias="X-Manage-Token"),
):
    booking = selectors.booking_for_manage_token(reference=reference, token=manage_token, with_details=False)
    contact = payload.contact
    is_tour = booking.kind == booking.Kind.TOUR
    current = list(booking.passengers.order_by("position"))
    names, documents = _passenger_changes(payload.passengers, current)
    new_contact = services.Contact(contact.name, contact.email, contact.phone) if contact else None
    legs = None if is_tour else (payload.leg_details() or None)
    tour_pickup_point = payload.pickup_point if is_tour else None
    tour_pickup_place = payload.pickup_place  # the service refuses it on a transfer, naming the field
    details_given = any(
        v is not None for v in (new_contact, payload.notes, names, legs, tour_pickup_point, tour_pickup_place)
    )
    # Names and passport details are written by two services; one request changes both or neither.
    with transaction.atomic():
        if details_given:
            services.booking_update_details(
                booking_id=booking.pk,
                actor=services.TRAVELLER,
                by_traveller=True,
                contact=new_contact,
                notes=payload.notes,
                passengers=names,
                legs=legs,
                tour_pickup_point=tour_pickup_point,
                tour_pickup_place=tour_pickup_place,
            )
        if documents:
            services.booking_passenger_documents_set(
                booking_id=booking.pk, documents=documents, actor=services.TRAVELLER
            )
    return selectors.booking_detail(booking_id=booking.pk)


def _passenger_changes(
    passengers: list[schemas.PassengerChangeIn] | None, current: list
) -> tuple[list[services.PassengerInput] | None, list[services.PassengerDocuments]]:
    """The names to change (None when they stay as they are) and the passport details given.

    Passport details may be given later than names may change (until the trip, not the booking lead time), so a
    request that repeats the names as they are changes no name. A document number sent back as it was read
    (masked) stays as it is.
    """
    if passengers is None:
        return None, []
    names = [services.PassengerInput(p.first_name, p.last_name, p.category) for p in passengers]
    same_names = [(p.first_name, p.last_name, p.category) for p in passengers] == [
        (row.first_name, row.last_name, row.category) for row in current
    ]
    documents = []
    for index, passenger in enumerate(passengers):
        if passenger.nationality is None and passenger.document_number is None:
            continue
        row = current[index] if index < len(current) else None
        number = passenger.document_number
        if number is None or (row is not None and number == services.mask_document_number(row.document_number)):
            number = row.document_number if row is not None else ""
        nationality = passenger.nationality if passenger.nationality is not None else (row.nationality if row else "")
        documents.append(services.PassengerDocuments(index, nationality, number))
    return (None if same_names else names), documents
