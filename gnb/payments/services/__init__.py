"""Writes on payments and refunds. Webhooks, the website, the API, the back office and tasks call these.

Exactly once: a provider message is stored once (``ProviderEvent`` unique on provider and event id), and every
state change happens under row locks taken in one fixed order everywhere, **booking, then payment, then refund**,
and only from an allowed state, so a replayed or concurrent message changes nothing the second time. A booking's
status changes only through :mod:`gnb.bookings.lifecycle`.

No provider call runs inside an open transaction: rows are written and committed first, then the call is made (by
the caller right after the transaction for ``payment_start``, by the ``refund_submit`` task for refunds) and its
result recorded in a second, short transaction.

One module per responsibility: :mod:`~gnb.payments.services.attempts` (card payment attempts),
:mod:`~gnb.payments.services.offline` (cash and bank), :mod:`~gnb.payments.services.refunds`,
:mod:`~gnb.payments.services.events` (provider events), :mod:`~gnb.payments.services.holds` (payments' part of
expiring holds) and :mod:`~gnb.payments.services.common` (what they share). Callers import from this package.

The tasks that this code enqueues (``refund_submit_task``, ``payment_close_task``, ``provider_event_apply_task``) are
declared beside the code they run, in ``refunds``, ``holds`` and ``events``; :mod:`gnb.payments.tasks` imports them
from here, never the reverse, so no module imports the tasks module that imports it.
"""

from gnb.payments.services.attempts import (
    PaymentProviderUnavailable,
    card_booking_allow,
    payment_cancel,
    payment_confirm,
    payment_fail,
    payment_start,
)
from gnb.payments.services.common import (
    CONFIRMABLE,
    KEEPS_MONEY,
    OFFLINE_PROVIDERS,
    OPEN,
    RECORDABLE,
    REFUND_COUNTED,
    booking_payment_state_sync,
    refundable_amount,
)
from gnb.payments.services.events import (
    provider_event_accept,
    provider_event_apply,
    provider_event_apply_task,
    provider_event_finish,
    provider_event_record,
)
from gnb.payments.services.holds import HOLD_EXPIRED, holds_expire, payment_close, payment_close_task
from gnb.payments.services.offline import payment_mark_paid, payment_record_cash
from gnb.payments.services.refunds import (
    REFUND_SUBMIT_ATTEMPTS,
    booking_refund_after_cancel,
    booking_refund_on_cancel,
    refund_confirm,
    refund_fail,
    refund_request,
    refund_retry_delay,
    refund_submit,
    refund_submit_task,
)

__all__ = [
    "CONFIRMABLE",
    "HOLD_EXPIRED",
    "KEEPS_MONEY",
    "OFFLINE_PROVIDERS",
    "OPEN",
    "RECORDABLE",
    "REFUND_COUNTED",
    "REFUND_SUBMIT_ATTEMPTS",
    "PaymentProviderUnavailable",
    "booking_payment_state_sync",
    "booking_refund_after_cancel",
    "booking_refund_on_cancel",
    "card_booking_allow",
    "holds_expire",
    "payment_cancel",
    "payment_close",
    "payment_close_task",
    "payment_confirm",
    "payment_fail",
    "payment_mark_paid",
    "payment_record_cash",
    "payment_start",
    "provider_event_accept",
    "provider_event_apply",
    "provider_event_apply_task",
    "provider_event_finish",
    "provider_event_record",
    "refund_confirm",
    "refund_fail",
    "refund_request",
    "refund_retry_delay",
    "refund_submit",
    "refund_submit_task",
    "refundable_amount",
]
