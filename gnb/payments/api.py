"""Paying for a booking over HTTP: what a mobile client needs to open a card payment for a booking it placed.

The client places the booking with ``payment_method: "card"`` (it then waits for payment, holding its seats until
``hold_expires_at``), opens a payment here, sends the traveller to ``redirect_url``, and reads the booking again
for its ``payment_state``: only the provider's verified message to our server marks it paid.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Router, Schema, Status
from pydantic import Field

from gnb.accounts.apiauth import PUBLIC_SECURITY
from gnb.bookings import selectors
from gnb.core.links import booking_payment_url
from gnb.core.schemas import InputSchema, error_responses
from gnb.payments.services import payment_start

router = Router(tags=["payments"])

# 400 a body that is not JSON, 404 an unknown booking or wrong X-Manage-Token, 409 a booking not waiting for payment
# (paid, expired, cancelled) or an Idempotency-Key used for another payment, 422 invalid input (unknown or
# unavailable provider, missing key), 502 the provider could not open the payment (nothing charged; retry with a
# new key), 503 a lock not free in time (nothing written; retry).
START_ERRORS = error_responses(400, 401, 404, 409, 413, 415, 422, 502, 503)


class PaymentStartIn(InputSchema):
    provider: str = Field(max_length=20, description="A card provider enabled for the booking's currency")


class PaymentStartOut(Schema):
    provider: str
    amount: str
    currency: str
    state: str = Field(description="pending: open at the provider until its message arrives")
    redirect_url: str = Field(
        description="Send the traveller here to pay. Empty for a provider that shows an embedded form: then use "
        "payment_page_url"
    )
    payment_page_url: str = Field(
        description="Our page for this booking's payment: its status (waiting, paid, failed) and a retry"
    )


@router.post(
    "/bookings/{reference}/payments",
    response={201: PaymentStartOut, **START_ERRORS},
    openapi_extra=PUBLIC_SECURITY,
    summary="Open a card payment for a booking waiting for payment (X-Manage-Token, Idempotency-Key required)",
)
def start_payment(
    request: HttpRequest,
    reference: str,
    payload: PaymentStartIn,
    manage_token: str = Header("", alias="X-Manage-Token"),
    idempotency_key: str = Header("", alias="Idempotency-Key"),
):
    booking = selectors.booking_for_manage_token(reference=reference, token=manage_token, with_details=False)
    # On the public site address (SITE_URL), in the booking's language; never built from the Host header.
    page_url = booking_payment_url(booking)
    payment, result = payment_start(
        booking_id=booking.pk,
        provider=payload.provider,
        idempotency_key=f"api-{booking.pk}-{idempotency_key}" if idempotency_key else "",
        return_url=page_url,
        cancel_url=page_url,
    )
    return Status(
        201,
        {
            "provider": payment.provider,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "state": payment.state,
            "redirect_url": result.redirect_url,
            "payment_page_url": page_url,
        },
    )
