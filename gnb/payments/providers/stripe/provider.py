"""Stripe by card, through Stripe Checkout: a page hosted by Stripe, so card numbers never reach this site.

``start`` opens a Checkout Session for the payment's stored amount and currency and sends the traveller to its URL;
``refund`` gives money back through the Refunds API. Every create call carries an idempotency key derived from our
row's own key, so a retried call (ours or the library's) never opens a second session or refunds twice. Nothing here
changes our rows' states: money moves in our books only on Stripe's signed webhook (:mod:`.events`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gnb.payments.models import Payment, Refund
from gnb.payments.providers.base import PaymentProvider, ProviderError, RefundResult, StartResult

# Stripe's limits on a Checkout Session's ``expires_at``: 30 minutes to 24 hours after it is created.
CHECKOUT_MIN_LIFETIME = dt.timedelta(minutes=31)  # a minute of margin for clocks and the request's own time
CHECKOUT_MAX_LIFETIME = dt.timedelta(hours=23)
# Seconds to connect and to wait for an answer: the traveller is waiting on the other end of the pay button.
TIMEOUT = (5, 20)
# The library retries connection errors and 409/429/5xx answers itself, with the same idempotency key.
NETWORK_RETRIES = 2
# Currencies Stripe counts in whole units (no cents): https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)


def to_minor(amount: Decimal, currency: str) -> int:
    """``amount`` in the currency's smallest unit, as Stripe counts it (cents for EUR, whole yen for JPY)."""
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    minor = amount.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ProviderError(f"{amount} {currency} cannot be charged in whole minor units", permanent=True)
    return int(minor)


def from_minor(value: Any, currency: str) -> Decimal | None:
    """A Stripe amount (an integer in minor units) as a Decimal in ``currency``; None when it is not an integer."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    return Decimal(value).scaleb(-exponent)


def provider_error(exc: stripe.StripeError) -> ProviderError:
    """Map a library error: the request itself is wrong (a card refused, invalid parameters, a bad key) → permanent;
    the network, Stripe's rate limit or Stripe's own failure → temporary (trying again later can work)."""
    if isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError)):
        permanent = False
    elif isinstance(
        exc,
        (
            stripe.CardError,
            stripe.InvalidRequestError,
            stripe.AuthenticationError,
            stripe.PermissionError,
            stripe.IdempotencyError,
        ),
    ):
        permanent = True
    else:  # stripe.APIError and anything else: 5xx, or an answer the library could not read
        status = getattr(exc, "http_status", None)
        permanent = status is not None and 400 <= status < 500 and status not in (409, 429)
    message = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
    code = getattr(exc, "code", None)
    return ProviderError(f"stripe: {message}" + (f" ({code})" if code else ""), permanent=permanent)


def client() -> stripe.StripeClient:
    """The official client with our key, timeouts and retries (pointed at ``STRIPE_API_BASE`` when it is set)."""
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base,  # type: ignore[arg-type]
        max_network_retries=NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=TIMEOUT),
    )


def checkout_expires_at(payment: Payment) -> dt.datetime:
    """When the Checkout Session closes: at the booking's hold, but within Stripe's 30 min – 24 h window.

    Computed from the payment's own creation time, so a retried start sends the very same parameters (Stripe
    refuses a reused idempotency key with different ones). A session that outlives a shorter hold can still be
    paid after the booking expired: the payment service then refunds that money (see ``payment_confirm``).
    """
    hold = payment.booking.hold_expires_at or payment.created_at
    earliest = payment.created_at + CHECKOUT_MIN_LIFETIME
    latest = payment.created_at + CHECKOUT_MAX_LIFETIME
    return min(max(hold, earliest), latest)


def payment_metadata(payment: Payment) -> dict[str, str]:
    return {"payment_id": str(payment.pk), "booking_reference": payment.booking.reference}


class StripeProvider(PaymentProvider):
    code = "stripe"
    label = _("Card (Stripe)")
    description = _("Visa, Mastercard, American Express: you pay on Stripe's secure page.")

    def enabled(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)

    def currencies(self) -> frozenset[str]:
        return frozenset(settings.STRIPE_CURRENCIES)

    def start(self, *, payment: Payment, return_url: str, cancel_url: str) -> StartResult:
        """Open (or, for the same payment, reopen: same idempotency key) its Checkout Session; fill in the session id
        as ``payment.provider_reference`` and return the session's URL."""
        booking = payment.booking
        metadata = payment_metadata(payment)
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": payment.currency.lower(),
                        "unit_amount": to_minor(payment.amount, payment.currency),
                        "product_data": {"name": f"GNB Transfer {booking.reference}"},
                    },
                }
            ],
            "client_reference_id": str(payment.pk),
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": return_url,
            "cancel_url": cancel_url,
            "expires_at": int(checkout_expires_at(payment).timestamp()),
        }
        if booking.lead_email:
            params["customer_email"] = booking.lead_email
        try:
            session = client().v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                options={"idempotency_key": f"checkout-{payment.idempotency_key}"},
            )
        except stripe.StripeError as exc:
            raise provider_error(exc) from exc
        answer = session.to_dict()
        session_id, url = answer.get("id"), answer.get("url")
        if not isinstance(session_id, str) or not isinstance(url, str) or not session_id or not url:
            raise ProviderError("stripe: the Checkout Session came back without an id or a URL", permanent=False)
        payment.provider_reference = session_id
        intent = answer.get("payment_intent")
        if isinstance(intent, str):
            payment.provider_payment_id = intent
        return StartResult(redirect_url=url)

    def refund(self, *, refund: Refund) -> RefundResult:
        """Refund ``refund.amount`` of the payment's PaymentIntent; the refund's id goes in its metadata, so its
        webhook finds our row even before we have stored Stripe's refund id."""
        payment = refund.payment
        api = client()
        try:
            intent = payment.provider_payment_id or self._intent_of_session(api, payment)
            stripe_refund = api.v1.refunds.create(
                {
                    "payment_intent": intent,
                    "amount": to_minor(refund.amount, refund.currency),
                    "reason": "requested_by_customer",
                    "metadata": {
                        "refund_id": str(refund.pk),
                        "payment_id": str(payment.pk),
                        "booking_reference": payment.booking.reference,
                    },
                },
                options={"idempotency_key": f"refund-{refund.idempotency_key}"},
            )
        except stripe.StripeError as exc:
            raise provider_error(exc) from exc
        answer = stripe_refund.to_dict()
        status, refund_id = answer.get("status"), str(answer.get("id") or "")
        if status in ("failed", "canceled"):
            reason = answer.get("failure_reason") or status
            raise ProviderError(f"stripe: the refund {refund_id} {status} ({reason})", permanent=True)
        return RefundResult(provider_reference=refund_id, succeeded=status == "succeeded")

    @staticmethod
    def _intent_of_session(api: stripe.StripeClient, payment: Payment) -> str:
        """The PaymentIntent of a confirmed payment whose webhook did not carry it (read from its session)."""
        if not payment.provider_reference:
            raise ProviderError("stripe: the payment has no Checkout Session to refund", permanent=True)
        intent = api.v1.checkout.sessions.retrieve(payment.provider_reference).to_dict().get("payment_intent")
        if isinstance(intent, dict):
            intent = intent.get("id")
        if not isinstance(intent, str) or not intent:
            raise ProviderError("stripe: the Checkout Session has no PaymentIntent to refund", permanent=True)
        return intent

    def close(self, *, payment: Payment) -> None:
        """Close the payment's open Checkout Session at Stripe (the booking's hold is over): nothing can be paid on
        it any more. Stripe then sends ``checkout.session.expired``."""
        if not payment.provider_reference:
            return
        try:
            client().v1.checkout.sessions.expire(payment.provider_reference)
        except stripe.InvalidRequestError:
            return  # already completed or expired: nothing left to close
        except stripe.StripeError as exc:
            raise provider_error(exc) from exc
