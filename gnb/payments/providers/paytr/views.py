"""PayTR's callback ("Bildirim URL"): the only place a PayTR payment is confirmed or failed.

PayTR POSTs ``merchant_oid``, ``status``, ``total_amount``, ``hash`` (and ``payment_amount``, ``currency``,
``failed_reason_code``, ``failed_reason_msg``, ``test_mode``, ``payment_type``…) as a form, and repeats the
notification until the answer is the plain text ``OK``. So:

- the hash is checked first, in constant time; a bad or missing one is a 400 and nothing is stored;
- the signed fields must then read as PayTR writes them: a ``merchant_oid`` that is not an order number of ours
  (letters and digits: a NUL, a space…), a ``status`` that is not a word or a ``total_amount`` that is not digits
  names no payment of ours and is a 400 with an alert for staff, nothing stored;
- the other fields are stored without what PostgreSQL refuses (NUL characters, lone surrogates; see
  :mod:`gnb.payments.payloads`), so no verified notification is answered 500 on every repeat;
- a verified notification is stored once as a ``ProviderEvent`` (event id ``merchant_oid:status``), with the task
  that applies it, in one transaction (``provider_event_accept``), and answered ``OK`` at once; the worker applies
  it (:mod:`.events`), exactly once, as it does Stripe's events. Repeats (one after another or at the same moment)
  find it stored and queue nothing (unless it is still unapplied and its task failed: then they queue it again);
- every verified notification is answered ``OK``, also when it cannot be acted on (unknown merchant_oid, wrong
  amount): the worker records those on the event as refused, flags the payment and raises an alert for staff.
  Only an event that was acted on blocks its duplicates: a refused success does not stop the genuine success for
  the same order (same event id) that may follow, which is stored beside it and applied;
- a row lock the worker cannot take in time puts its task back for a few seconds later (never lost); the callback
  itself takes no lock of a payment's, so it answers ``OK`` without waiting.

The amount rule (what ``total_amount`` and ``payment_amount`` must be to confirm) is in :mod:`.events`.
"""

from __future__ import annotations

import hmac
import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gnb.core.alerts import alert_raise
from gnb.core.errors import Busy
from gnb.payments.models import Provider
from gnb.payments.payloads import payload_clean
from gnb.payments.providers.paytr.provider import PaytrProvider, callback_hash
from gnb.payments.services import provider_event_accept

logger = logging.getLogger(__name__)

# The one answer that stops PayTR from repeating a notification.
OK = "OK"
# The signed fields as PayTR writes them: an order number of ours (PayTR takes letters and digits only, at most
# 64), a status word, an amount in kuruş.
MERCHANT_OID = re.compile(r"[A-Za-z0-9]{1,64}")
STATUS = re.compile(r"[a-z]{1,20}")
AMOUNT = re.compile(r"[0-9]{1,15}")
REQUIRED = ("merchant_oid", "status", "total_amount", "hash")
# The payload kept on the event: what PayTR said, without the signature.
KEPT = (
    "merchant_oid",
    "status",
    "total_amount",
    "payment_amount",
    "currency",
    "payment_type",
    "installment_count",
    "failed_reason_code",
    "failed_reason_msg",
    "test_mode",
)


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _alert(title: str, detail: str) -> None:
    alert_raise(key="payments.paytr_callback", title=title, detail=detail, severity="error")


@csrf_exempt
@require_POST
def callback(request: HttpRequest) -> HttpResponse:
    if not PaytrProvider().enabled():
        return _text("PayTR is not configured", 404)
    data = request.POST
    values = {name: data.get(name, "") for name in REQUIRED}
    if not all(values.values()):
        return _text("missing " + ", ".join(name for name, value in values.items() if not value), 400)
    expected = callback_hash(
        merchant_oid=values["merchant_oid"],
        status=values["status"],
        total_amount=values["total_amount"],
        key=settings.PAYTR_MERCHANT_KEY,
        salt=settings.PAYTR_MERCHANT_SALT,
    )
    if not hmac.compare_digest(expected.encode("utf-8"), values["hash"].encode("utf-8", "replace")):
        logger.warning("PayTR callback with a bad hash", extra={"merchant_oid": values["merchant_oid"][:64]})
        return _text("bad hash", 400)

    merchant_oid, status = values["merchant_oid"], values["status"]
    refusal = _refusal(merchant_oid, status, values["total_amount"])
    if refusal:
        logger.warning("PayTR callback refused after its hash verified: %s", refusal)
        _alert("A signed PayTR notification was refused", refusal)
        return _text("bad merchant_oid, status or total_amount", 400)
    payload = payload_clean({name: data.get(name, "")[:500] for name in KEPT if name in data})
    try:
        provider_event_accept(
            provider=Provider.PAYTR,
            event_id=f"{merchant_oid}:{status}"[:255],
            kind=f"callback.{status}",
            payload=payload,
        )
    except Busy:  # the insert waited past the lock timeout (see provider_event_accept): PayTR repeats it
        return _text("busy, try again", 503)
    return _text(OK)


def _refusal(merchant_oid: str, status: str, total_amount: str) -> str:
    """Why a verified notification cannot be about an order of ours, or "" when it can.

    The signed fields are checked as they were signed, never cleaned: a cleaned one would be another message.
    """
    if not MERCHANT_OID.fullmatch(merchant_oid):
        return f"merchant_oid {merchant_oid[:100]!r} is not one of our order numbers (letters and digits)."
    if not STATUS.fullmatch(status):
        return f"status {status[:100]!r} is not a PayTR status (lower-case letters)."
    if not AMOUNT.fullmatch(total_amount):
        return f"total_amount {total_amount[:100]!r} is not an amount in kuruş (digits)."
    return ""
