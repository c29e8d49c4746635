"""PayTR's iFrame API: a token for the embedded card form, the callback's hash, and refunds.

PayTR publishes no SDK; this follows its documented scheme (dev.paytr.com, "iFrame API" steps 1 and 2, "İade API").
Every message is signed with base64(HMAC-SHA256(merchant_key, fields concatenated in a documented order + salt)):

- token request: merchant_id, user_ip, merchant_oid, email, payment_amount, user_basket, no_installment,
  max_installment, currency, test_mode, then merchant_salt;
- callback (PayTR → us): merchant_oid, merchant_salt, status, total_amount (the salt sits second here);
- refund request: merchant_id, merchant_oid, return_amount, merchant_salt.

Amounts go to PayTR in kuruş (1/100 of the currency unit) as a whole number, except ``return_amount``, which is
written with two decimals ("11.97"). Our ``Payment.provider_reference`` is PayTR's ``merchant_oid``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import secrets
from decimal import Decimal
from typing import Any

import urllib3
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from gnb.core.audit import current_request
from gnb.core.ratelimit import client_ip
from gnb.payments.models import Payment, Refund
from gnb.payments.providers.base import PaymentProvider, ProviderError, RefundResult, StartResult

logger = logging.getLogger(__name__)

# The browser loads the card form from here (the CSP's frame-src names it while PayTR is enabled).
IFRAME_ORIGIN = "https://www.paytr.com"
TOKEN_PATH = "/odeme/api/get-token"  # noqa: S105 - a URL path, not a secret
REFUND_PATH = "/odeme/iade"
TEMPLATE = "paytr/iframe.html"

# Our ISO 4217 codes and the names PayTR uses for them, both ways.
PAYTR_CURRENCY = {"TRY": "TL", "EUR": "EUR", "USD": "USD", "GBP": "GBP"}
ISO_CURRENCY = {paytr: iso for iso, paytr in PAYTR_CURRENCY.items()} | {"TRY": "TRY"}

# PayTR's own limits on the card form's lifetime, in minutes (documented default 30).
TIMEOUT_LIMIT_DEFAULT = 30
TIMEOUT_LIMIT_MIN = 1

_http = urllib3.PoolManager(
    timeout=urllib3.Timeout(connect=5.0, read=20.0),
    # A POST that reached PayTR is never sent twice by the client: a token or refund call is retried by a person or
    # by the task, which knows what happened.
    retries=False,
)


def sign(key: str, message: str) -> str:
    """base64(HMAC-SHA256(key, message)), the one signature all PayTR messages use."""
    digest = hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def token_hash(fields: dict[str, str], *, key: str, salt: str) -> str:
    """``paytr_token`` of a get-token request whose form fields are ``fields``."""
    order = (
        "merchant_id",
        "user_ip",
        "merchant_oid",
        "email",
        "payment_amount",
        "user_basket",
        "no_installment",
        "max_installment",
        "currency",
        "test_mode",
    )
    return sign(key, "".join(fields[name] for name in order) + salt)


def callback_hash(*, merchant_oid: str, status: str, total_amount: str, key: str, salt: str) -> str:
    """The ``hash`` PayTR puts in its callback (note the salt's place: second)."""
    return sign(key, merchant_oid + salt + status + total_amount)


def refund_hash(*, merchant_id: str, merchant_oid: str, return_amount: str, key: str, salt: str) -> str:
    return sign(key, merchant_id + merchant_oid + return_amount + salt)


def to_kurus(amount: Decimal) -> int:
    """``amount`` in hundredths, exactly (our amounts have at most two decimals)."""
    hundredths = amount * 100
    if hundredths != hundredths.to_integral_value():
        raise ValueError(f"{amount} has more than two decimal places")
    return int(hundredths)


def from_kurus(value: str) -> Decimal | None:
    """A kuruş amount from a callback field (digits only) as a Decimal of the unit, or None when it is not one."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 15:
        return None
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def encode_basket(items: list[tuple[str, Decimal, int]]) -> str:
    """``user_basket``: base64 of the JSON list of [name, unit price as a string with two decimals, quantity]."""
    rows = [[name, f"{price:.2f}", quantity] for name, price, quantity in items]
    return base64.b64encode(json.dumps(rows).encode("utf-8")).decode("ascii")


def new_merchant_oid(payment: Payment) -> str:
    """A merchant_oid: letters and digits only (PayTR refuses others), unique per payment and per environment."""
    return f"GNB{payment.pk}X{secrets.token_hex(5)}"


def _current_client_ip() -> str:
    """The traveller's address, from the request being served (PayTR requires it and checks it against fraud)."""
    request = current_request()
    ip = client_ip(request) if request is not None else ""
    if not ip or ip == "unknown":
        raise ProviderError(
            "PayTR needs the traveller's IP address; start the payment from their request", permanent=True
        )
    return ip


def _post(path: str, fields: dict[str, str]) -> dict[str, Any]:
    """POST ``fields`` as a form to PayTR and return its JSON answer; ``ProviderError`` when there is none."""
    url = settings.PAYTR_API_BASE + path
    try:
        response = _http.request("POST", url, fields=fields, encode_multipart=False)
    except urllib3.exceptions.HTTPError as exc:
        raise ProviderError(f"PayTR could not be reached: {exc.__class__.__name__}") from exc
    if response.status >= 500:
        raise ProviderError(f"PayTR answered HTTP {response.status}")
    try:
        answer = json.loads(response.data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProviderError(f"PayTR answered HTTP {response.status} without JSON") from None
    if not isinstance(answer, dict):
        raise ProviderError("PayTR answered something other than a JSON object")
    return answer


class PaytrProvider(PaymentProvider):
    code = "paytr"
    label = _("Card (PayTR, instalments)")
    description = _("Turkish and international cards; Turkish cards can pay in instalments.")

    def enabled(self) -> bool:
        return bool(settings.PAYTR_MERCHANT_ID and settings.PAYTR_MERCHANT_KEY and settings.PAYTR_MERCHANT_SALT)

    def currencies(self) -> frozenset[str]:
        return frozenset(settings.PAYTR_CURRENCIES)

    # --- starting -------------------------------------------------------------------------------------------
    def token_fields(self, *, payment: Payment, user_ip: str, return_url: str, cancel_url: str) -> dict[str, str]:
        """The get-token form, ``paytr_token`` included."""
        booking = payment.booking
        max_installment = settings.PAYTR_MAX_INSTALLMENT
        fields = {
            "merchant_id": settings.PAYTR_MERCHANT_ID,
            "user_ip": user_ip,
            "merchant_oid": payment.provider_reference,
            "email": booking.lead_email,
            "payment_amount": str(to_kurus(payment.amount)),
            "currency": PAYTR_CURRENCY[payment.currency],
            "user_basket": encode_basket(
                [(f"{settings.GNB_COMPANY_NAME} booking {booking.reference}", payment.amount, 1)]
            ),
            "no_installment": "1" if max_installment == 1 else "0",
            "max_installment": "0" if max_installment == 1 else str(max_installment),
            "user_name": booking.lead_name[:60],
            "user_address": (booking.tour_pickup_text or settings.GNB_COMPANY_ADDRESS or booking.reference)[:400],
            "user_phone": booking.lead_phone[:20],
            "merchant_ok_url": return_url,
            "merchant_fail_url": cancel_url,
            "timeout_limit": str(self._timeout_limit(booking.hold_expires_at)),
            "test_mode": "1" if settings.PAYTR_TEST_MODE else "0",
            # PayTR's error details in the form are for test payments only.
            "debug_on": "1" if settings.PAYTR_TEST_MODE else "0",
            "lang": "tr" if (translation.get_language() or "").startswith("tr") else "en",
        }
        fields["paytr_token"] = token_hash(fields, key=settings.PAYTR_MERCHANT_KEY, salt=settings.PAYTR_MERCHANT_SALT)
        return fields

    @staticmethod
    def _timeout_limit(hold_expires_at: dt.datetime | None) -> int:
        """Minutes the card form stays open: no longer than the booking's hold, so no one pays for a freed seat."""
        if hold_expires_at is None:
            return TIMEOUT_LIMIT_DEFAULT
        left = (hold_expires_at - timezone.now()).total_seconds() / 60
        return max(TIMEOUT_LIMIT_MIN, min(TIMEOUT_LIMIT_DEFAULT, math.floor(left)))

    def start(self, *, payment: Payment, return_url: str, cancel_url: str) -> StartResult:
        if payment.currency not in PAYTR_CURRENCY:
            raise ProviderError(f"PayTR does not charge {payment.currency}", permanent=True)
        if not payment.provider_reference:
            payment.provider_reference = new_merchant_oid(payment)
        fields = self.token_fields(
            payment=payment, user_ip=_current_client_ip(), return_url=return_url, cancel_url=cancel_url
        )
        answer = _post(TOKEN_PATH, fields)
        token = answer.get("token")
        if answer.get("status") != "success" or not isinstance(token, str) or not token.isalnum():
            reason = str(answer.get("reason") or answer)[:300]
            logger.warning("PayTR refused a token", extra={"payment": payment.pk, "reason": reason})
            raise ProviderError(f"PayTR refused the payment: {reason}", permanent=True)
        return StartResult(
            template=TEMPLATE,
            context={"paytr_iframe_url": f"{IFRAME_ORIGIN}/odeme/guvenli/{token}", "paytr_payment": payment},
        )

    # --- refunds --------------------------------------------------------------------------------------------
    def refund_fields(self, *, refund: Refund) -> dict[str, str]:
        merchant_oid = refund.payment.provider_reference
        fields = {
            "merchant_id": settings.PAYTR_MERCHANT_ID,
            "merchant_oid": merchant_oid,
            "return_amount": f"{refund.amount:.2f}",
            # Our name for this refund at PayTR (letters and digits, at most 64): shows in their panel.
            "reference_no": f"{merchant_oid}R{refund.pk}"[:64],
        }
        fields["paytr_token"] = refund_hash(
            merchant_id=fields["merchant_id"],
            merchant_oid=merchant_oid,
            return_amount=fields["return_amount"],
            key=settings.PAYTR_MERCHANT_KEY,
            salt=settings.PAYTR_MERCHANT_SALT,
        )
        return fields

    def refund(self, *, refund: Refund) -> RefundResult:
        """PayTR's refund API answers synchronously: success means the money is on its way back."""
        if not refund.payment.provider_reference:
            raise ProviderError("the payment has no PayTR merchant_oid", permanent=True)
        fields = self.refund_fields(refund=refund)
        answer = _post(REFUND_PATH, fields)
        if answer.get("status") == "success":
            return RefundResult(provider_reference=fields["reference_no"], succeeded=True)
        detail = f"{answer.get('err_no', '')} {answer.get('err_msg', '')}".strip() or str(answer)[:300]
        raise ProviderError(f"PayTR refused the refund: {detail}"[:500], permanent=True)
