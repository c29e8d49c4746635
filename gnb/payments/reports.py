"""Read-only figures on payments for the back office: dashboard links and the reconciliation with the providers.

Reconciliation puts our confirmed payments and succeeded refunds next to the verified messages the providers sent
(``ProviderEvent``). Each provider's message format is read by a small reader below that says what the message
reports (money taken or given back), for which of our handles and how much. Every function runs a fixed number of
queries, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gnb.bookings.reports import LOCAL_TZ, day_start, local_time
from gnb.payments.models import Payment, Provider, ProviderEvent, Refund

# A provider's message usually arrives seconds before (or after) we confirm; messages this far outside the chosen
# days are still read to match our rows near the edges, so a payment confirmed at 23:59 is not reported as
# missing its message because the message was received at 00:00 the next day.
MATCH_MARGIN = dt.timedelta(days=3)

# Providers that send messages we record; cash and bank payments have none to reconcile against.
RECONCILABLE = (Provider.STRIPE, Provider.PAYTR)

PAYMENT = "payment"
REFUND = "refund"


# --- links to the provider's dashboard -------------------------------------------------------------------------
STRIPE_DASHBOARD = "https://dashboard.stripe.com"
# PayTR's merchant panel has no page per transaction that can be linked; its transactions page is searched by the
# order number (``merchant_oid``), which is our provider reference.
PAYTR_PANEL_TRANSACTIONS = "https://www.paytr.com/magaza/islemler"


def dashboard_url(payment: Payment) -> str:
    """Where staff see ``payment`` at its provider, or "" when the provider has no page for it (cash, bank)."""
    if payment.provider == Provider.STRIPE:
        if not payment.provider_payment_id:
            return ""
        # Checkout Session ids carry the mode ("cs_test_…"); PaymentIntent ids do not.
        test = payment.provider_reference.startswith("cs_test_")
        return f"{STRIPE_DASHBOARD}{'/test' if test else ''}/payments/{payment.provider_payment_id}"
    if payment.provider == Provider.PAYTR and payment.provider_reference:
        return PAYTR_PANEL_TRANSACTIONS
    return ""


# --- what a provider's message says --------------------------------------------------------------------------
@dataclass(frozen=True)
class EventFact:
    """One movement of money a provider message reports: taken (``payment``) or given back (``refund``)."""

    event: ProviderEvent
    kind: str
    references: frozenset[str]  # our handles it names: session, payment intent, order number, refund id
    amount: Decimal | None
    currency: str
    payment_pk: int | None = None  # our payment id, when the message carries it (Stripe metadata)


def _minor(value: Any) -> Decimal | None:
    """An amount in minor units (cents, kuruş) as a Decimal in major units; None when it is not a whole number."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite() or number != number.to_integral_value():
        return None
    return (number / 100).quantize(Decimal("0.01"))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (ValueError, TypeError):
        return None


def stripe_facts(event: ProviderEvent) -> list[EventFact]:
    """Stripe events: the event as Stripe sends it (``data.object``), or the object alone."""
    payload: dict[str, Any] = event.payload if isinstance(event.payload, dict) else {}
    data = payload.get("data")
    obj: dict[str, Any] = data["object"] if isinstance(data, dict) and isinstance(data.get("object"), dict) else payload
    kind = event.kind or _text(payload.get("type"))
    found = obj.get("metadata")
    metadata: dict[str, Any] = found if isinstance(found, dict) else {}
    currency = _text(obj.get("currency")).upper()
    if kind == "checkout.session.completed" and obj.get("payment_status") in ("paid", "no_payment_required"):
        refs = {_text(obj.get("id")), _text(obj.get("payment_intent"))} - {""}
        return [
            EventFact(
                event,
                PAYMENT,
                frozenset(refs),
                _minor(obj.get("amount_total")),
                currency,
                _int(metadata.get("payment_id")),
            )
        ]
    if kind == "payment_intent.succeeded":
        refs = {_text(obj.get("id"))} - {""}
        amount = obj.get("amount_received", obj.get("amount"))
        return [EventFact(event, PAYMENT, frozenset(refs), _minor(amount), currency, _int(metadata.get("payment_id")))]
    if kind in ("charge.refunded", "charge.refund.updated", "refund.created", "refund.updated"):
        refunds = obj.get("refunds") if kind == "charge.refunded" else None
        listed = refunds.get("data") if isinstance(refunds, dict) else None
        rows = [r for r in listed if isinstance(r, dict)] if isinstance(listed, list) else [obj]
        return [
            EventFact(
                event,
                REFUND,
                frozenset({_text(row.get("id"))} - {""}),
                _minor(row.get("amount")),
                _text(row.get("currency")).upper() or currency,
            )
            for row in rows
            if row.get("status", "succeeded") == "succeeded"
        ]
    return []


# PayTR names the Turkish lira "TL"; we store ISO codes.
PAYTR_CURRENCIES = {"TL": "TRY"}


def paytr_facts(event: ProviderEvent) -> list[EventFact]:
    """PayTR callbacks (the POST fields): ``merchant_oid``, ``status``, amounts in kuruş.

    ``payment_amount`` is the order's amount; ``total_amount`` adds the card's instalment interest, which the
    traveller pays to the bank, so the order's amount is the one compared with ours.
    """
    payload: dict[str, Any] = event.payload if isinstance(event.payload, dict) else {}
    if payload.get("status") != "success":
        return []
    oid = _text(payload.get("merchant_oid"))
    amount = payload.get("payment_amount", payload.get("total_amount"))
    currency = _text(payload.get("currency")).upper() or "TL"
    return [
        EventFact(event, PAYMENT, frozenset({oid} - {""}), _minor(amount), PAYTR_CURRENCIES.get(currency, currency))
    ]


FACT_READERS: dict[str, Callable[[ProviderEvent], list[EventFact]]] = {
    Provider.STRIPE: stripe_facts,
    Provider.PAYTR: paytr_facts,
}
# PayTR answers a refund request at once and sends no message for it: its refunds cannot be matched to messages.
REFUND_MESSAGES: dict[str, bool] = {Provider.STRIPE: True, Provider.PAYTR: False}


# --- reconciliation ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReconciliationRow:
    kind: str  # PAYMENT or REFUND
    ours: Payment | Refund | None
    fact: EventFact | None

    @property
    def booking_reference(self) -> str:
        if isinstance(self.ours, Payment):
            return self.ours.booking.reference
        if isinstance(self.ours, Refund):
            return self.ours.payment.booking.reference
        return ""

    @property
    def our_reference(self) -> str:
        if isinstance(self.ours, Payment):
            return self.ours.provider_payment_id or self.ours.provider_reference
        if isinstance(self.ours, Refund):
            return self.ours.provider_reference
        return ""


@dataclass
class Reconciliation:
    provider: str
    first_day: dt.date
    last_day: dt.date
    matched: list[ReconciliationRow] = field(default_factory=list)
    ours_without_event: list[ReconciliationRow] = field(default_factory=list)
    events_without_ours: list[ReconciliationRow] = field(default_factory=list)
    amount_mismatches: list[ReconciliationRow] = field(default_factory=list)
    # Refunds of a provider that sends no message for them (PayTR): listed, not matched.
    refunds_without_messages: list[Refund] = field(default_factory=list)
    needs_attention: list[Payment] = field(default_factory=list)

    @property
    def buckets(self) -> list[tuple[str, Any, list[ReconciliationRow]]]:
        return [
            ("amount_mismatch", _("Amount mismatches"), self.amount_mismatches),
            ("ours_without_event", _("Ours without a provider message"), self.ours_without_event),
            ("event_without_ours", _("Provider messages without ours"), self.events_without_ours),
            ("matched", _("Matched"), self.matched),
        ]


def _facts(events: Iterable[ProviderEvent], provider: str) -> list[EventFact]:
    reader = FACT_READERS[provider]
    return [fact for event in events for fact in reader(event)]


def _same(ours: Payment | Refund, fact: EventFact) -> bool:
    return fact.amount == ours.amount and fact.currency == ours.currency


def _payment_keys(payment: Payment) -> set[str]:
    return {payment.provider_reference, payment.provider_payment_id} - {""}


def _columns(model: type[Payment] | type[Refund]) -> list[str]:
    """Every column of ``model``'s own table, for ``only()`` next to a relation read in part."""
    return [column.name for column in model._meta.concrete_fields]


def reconciliation(*, provider: str, first_day: dt.date, last_day: dt.date) -> Reconciliation:
    """Our confirmed payments and succeeded refunds of ``provider`` confirmed on ``first_day``..``last_day``
    (Istanbul days), next to the provider messages received on those days.

    A row of ours is *matched* when a message names it with the same amount and currency, an *amount mismatch*
    when one names it with another, and *ours without event* when none does. A message received on those days
    reporting money taken or given back that names none of our confirmed payments or succeeded refunds (of any
    day) is an *event without ours*. Payments flagged ``needs_attention`` are listed whatever their day: each
    waits for a person.
    """
    if provider not in FACT_READERS:
        raise ValueError(f"no provider messages to reconcile for {provider!r}")
    start, end = day_start(first_day), day_start(last_day + dt.timedelta(days=1))
    result = Reconciliation(provider=provider, first_day=first_day, last_day=last_day)

    payments = list(
        Payment.objects.filter(
            provider=provider, state=Payment.State.CONFIRMED, confirmed_at__gte=start, confirmed_at__lt=end
        )
        .select_related("booking")
        # A day of card payments is ~1,000 rows: of each booking, only the reference the report shows.
        .only(*_columns(Payment), "booking__reference")
        .order_by("confirmed_at", "pk")
    )
    refunds = list(
        Refund.objects.filter(
            provider=provider, state=Refund.State.SUCCEEDED, confirmed_at__gte=start, confirmed_at__lt=end
        )
        .select_related("payment__booking")
        .only(*_columns(Refund), "payment__id", "payment__booking__reference")
        .order_by("confirmed_at", "pk")
    )
    events = list(
        ProviderEvent.objects.filter(
            provider=provider, received_at__gte=start - MATCH_MARGIN, received_at__lt=end + MATCH_MARGIN
        ).order_by("received_at", "pk")
    )
    facts = _facts(events, provider)
    payment_facts = [fact for fact in facts if fact.kind == PAYMENT]
    refund_facts = [fact for fact in facts if fact.kind == REFUND]

    def place(kind: str, ours: Payment | Refund, found: list[EventFact]) -> None:
        if not found:
            result.ours_without_event.append(ReconciliationRow(kind, ours, None))
            return
        wrong = [fact for fact in found if not _same(ours, fact)]
        bucket = result.amount_mismatches if wrong else result.matched
        bucket.append(ReconciliationRow(kind, ours, wrong[0] if wrong else found[0]))

    for payment in payments:
        keys = _payment_keys(payment)
        place(
            PAYMENT,
            payment,
            [fact for fact in payment_facts if fact.payment_pk == payment.pk or fact.references & keys],
        )
    if REFUND_MESSAGES[provider]:
        for refund in refunds:
            found = [fact for fact in refund_facts if refund.provider_reference in fact.references]
            place(REFUND, refund, found if refund.provider_reference else [])
    else:
        result.refunds_without_messages = refunds

    # Messages of the chosen days that name nothing of ours: looked up among all our rows, not only those days'.
    in_range = [fact for fact in facts if start <= fact.event.received_at < end]
    refs = set().union(*(fact.references for fact in in_range)) if in_range else set()
    pks = {fact.payment_pk for fact in in_range if fact.payment_pk is not None}
    known_payments = list(
        Payment.objects.filter(provider=provider, state=Payment.State.CONFIRMED).filter(
            Q(provider_reference__in=refs) | Q(provider_payment_id__in=refs) | Q(pk__in=pks)
        )
    )
    paid_keys = set().union(*(_payment_keys(p) for p in known_payments)) if known_payments else set()
    paid_pks = {p.pk for p in known_payments}
    refunded_keys = set(
        Refund.objects.filter(provider=provider, state=Refund.State.SUCCEEDED, provider_reference__in=refs).values_list(
            "provider_reference", flat=True
        )
    )
    for fact in in_range:
        if fact.kind == PAYMENT:
            known = fact.payment_pk in paid_pks or bool(fact.references & paid_keys)
        else:
            known = bool(fact.references & refunded_keys)
        if not known:
            result.events_without_ours.append(ReconciliationRow(fact.kind, None, fact))

    result.needs_attention = list(
        Payment.objects.filter(provider=provider, needs_attention=True)
        .select_related("booking")
        .order_by("created_at", "pk")
    )
    return result


CSV_HEADER = (
    "bucket",
    "kind",
    "booking",
    "our_id",
    "our_amount",
    "our_currency",
    "our_state",
    "our_reference",
    "event_id",
    "event_kind",
    "event_amount",
    "event_currency",
    "event_received_at",
)


def reconciliation_rows(report: Reconciliation) -> Iterator[tuple[str, ...]]:
    """The report as CSV rows, bucket by bucket (times in Istanbul), after :data:`CSV_HEADER`."""
    for code, _label, rows in report.buckets:
        for row in rows:
            yield _csv_row(code, row.kind, row.ours, row.fact)
    for refund in report.refunds_without_messages:
        yield _csv_row("refund_without_messages", REFUND, refund, None)
    for payment in report.needs_attention:
        yield _csv_row("needs_attention", PAYMENT, payment, None)


def _csv_row(bucket: str, kind: str, ours: Payment | Refund | None, fact: EventFact | None) -> tuple[str, ...]:
    row = ReconciliationRow(kind, ours, fact)
    return (
        bucket,
        kind,
        row.booking_reference,
        str(ours.pk) if ours is not None else "",
        f"{ours.amount:.2f}" if ours is not None else "",
        ours.currency if ours is not None else "",
        ours.state if ours is not None else "",
        row.our_reference,
        fact.event.event_id if fact is not None else "",
        fact.event.kind if fact is not None else "",
        f"{fact.amount:.2f}" if fact is not None and fact.amount is not None else "",
        fact.currency if fact is not None else "",
        local_time(fact.event.received_at, "%Y-%m-%d %H:%M:%S") if fact is not None else "",
    )


__all__ = [
    "CSV_HEADER",
    "LOCAL_TZ",
    "RECONCILABLE",
    "EventFact",
    "Reconciliation",
    "ReconciliationRow",
    "dashboard_url",
    "paytr_facts",
    "reconciliation",
    "reconciliation_rows",
    "stripe_facts",
]
