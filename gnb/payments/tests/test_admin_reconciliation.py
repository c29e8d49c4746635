"""Reconciliation: our confirmed payments and refunds next to the providers' messages, on screen and as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gnb.core.audit import audit_entries
from gnb.payments.models import Payment, ProviderEvent, Refund
from gnb.payments.reports import reconciliation
from gnb.testing.catalog import IST
from gnb.testing.payments import card_booking
from gnb.testing.personas import staff_login

DAY = dt.date(2026, 11, 10)
URL = "/admin/payments/payment/reconciliation/"
EXPORT = "/admin/payments/payment/reconciliation/export/"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=IST)


def pay(booking, n: int, amount: str, *, when: dt.datetime, provider: str = "stripe", **fields) -> Payment:
    values = {
        "provider_reference": f"cs_test_{n}" if provider == "stripe" else f"GNB{n}",
        "provider_payment_id": f"pi_{n}" if provider == "stripe" else "",
        "currency": "EUR" if provider == "stripe" else "TRY",
        "state": Payment.State.CONFIRMED,
        "confirmed_at": when,
        "created_at": when,
    }
    values.update(fields)
    return Payment.objects.create(booking=booking, provider=provider, amount=Decimal(amount), **values)


def refund(payment: Payment, amount: str, ref: str, *, when: dt.datetime) -> Refund:
    return Refund.objects.create(
        payment=payment,
        provider=payment.provider,
        amount=Decimal(amount),
        currency=payment.currency,
        state=Refund.State.SUCCEEDED,
        reason="r",
        provider_reference=ref,
        created_at=when,
        confirmed_at=when,
    )


def event(event_id: str, kind: str, obj: dict, *, when: dt.datetime, provider: str = "stripe") -> ProviderEvent:
    payload = {"id": event_id, "type": kind, "data": {"object": obj}} if provider == "stripe" else obj
    return ProviderEvent.objects.create(
        provider=provider, event_id=event_id, kind=kind, payload=payload, received_at=when
    )


@pytest.fixture
def ledger(catalog):
    """Payments, refunds and messages of 10 November 2026 (and around it), each meant for one bucket."""
    first, second = card_booking(), card_booking()
    rows = {}
    # Matched: the session's message names the session and the payment intent, with the same amount.
    rows["matched"] = pay(first, 1, "40.00", when=at(DAY, 10))
    event(
        "evt_1",
        "checkout.session.completed",
        {
            "id": "cs_test_1",
            "payment_intent": "pi_1",
            "amount_total": 4000,
            "currency": "eur",
            "payment_status": "paid",
        },
        when=at(DAY, 9, 59),
    )
    # Amount mismatch: the payment intent's message says 25.00, ours 30.00.
    rows["mismatch"] = pay(second, 2, "30.00", when=at(DAY, 11))
    event(
        "evt_2",
        "payment_intent.succeeded",
        {"id": "pi_2", "amount_received": 2500, "currency": "eur"},
        when=at(DAY, 11),
    )
    # Ours without a message.
    rows["missing"] = pay(first, 3, "20.00", when=at(DAY, 12))
    # Confirmed at 23:59, its message (found by our payment id in the metadata) received after midnight.
    rows["edge"] = pay(second, 4, "12.00", when=at(DAY, 23, 59))
    event(
        "evt_4",
        "payment_intent.succeeded",
        {
            "id": "pi_other",
            "amount_received": 1200,
            "currency": "eur",
            "metadata": {"payment_id": str(rows["edge"].pk)},
        },
        when=at(DAY + dt.timedelta(days=1), 0, 0),
    )
    # A message naming nothing of ours.
    event(
        "evt_5",
        "payment_intent.succeeded",
        {"id": "pi_stranger", "amount_received": 999, "currency": "eur"},
        when=at(DAY, 13),
    )
    # A message for a payment of ours that is not confirmed: money the provider took that we do not count.
    rows["pending"] = pay(first, 6, "15.00", when=at(DAY, 14), state=Payment.State.PENDING, confirmed_at=None)
    event(
        "evt_6",
        "payment_intent.succeeded",
        {"id": "pi_6", "amount_received": 1500, "currency": "eur"},
        when=at(DAY, 14),
    )
    # Messages that report no money taken or given back are not reconciled.
    event("evt_7", "payment_intent.payment_failed", {"id": "pi_7", "amount": 500, "currency": "eur"}, when=at(DAY, 15))
    # A refund matched by its id; one without a message; a message for a refund we do not have.
    rows["refund_matched"] = refund(rows["matched"], "10.00", "re_1", when=at(DAY, 16))
    event(
        "evt_8",
        "charge.refunded",
        {
            "payment_intent": "pi_1",
            "refunds": {"data": [{"id": "re_1", "amount": 1000, "currency": "eur", "status": "succeeded"}]},
        },
        when=at(DAY, 16),
    )
    rows["refund_missing"] = refund(rows["mismatch"], "5.00", "re_2", when=at(DAY, 17))
    event(
        "evt_9",
        "refund.created",
        {"id": "re_stranger", "amount": 700, "currency": "eur", "status": "succeeded"},
        when=at(DAY, 18),
    )
    # Flagged for staff (created days earlier: listed whatever its day).
    rows["flagged"] = pay(
        second,
        10,
        "40.00",
        when=at(DAY - dt.timedelta(days=20), 9),
        state=Payment.State.FAILED,
        confirmed_at=None,
        needs_attention=True,
        failure_reason="amount mismatch: paid 45.00 EUR, expected 40.00 EUR",
    )
    # Another day, and another provider: in no bucket of this report.
    pay(first, 11, "40.00", when=at(DAY - dt.timedelta(days=1), 12))
    event(
        "evt_11",
        "payment_intent.succeeded",
        {"id": "pi_11", "amount_received": 4000, "currency": "eur"},
        when=at(DAY - dt.timedelta(days=1), 12),
    )
    rows["paytr"] = pay(first, 12, "1500.00", when=at(DAY, 10), provider="paytr")
    event(
        "GNB12",
        "callback",
        {
            "merchant_oid": "GNB12",
            "status": "success",
            "total_amount": "160000",
            "payment_amount": "150000",
            "currency": "TL",
        },
        when=at(DAY, 10),
        provider="paytr",
    )
    rows["paytr_refund"] = refund(rows["paytr"], "100.00", "GNB12-r1", when=at(DAY, 12))
    rows["paytr_missing"] = pay(second, 13, "800.00", when=at(DAY, 11), provider="paytr")
    event(
        "GNB14",
        "callback",
        {"merchant_oid": "GNB14", "status": "failed", "total_amount": "5000"},
        when=at(DAY, 12),
        provider="paytr",
    )
    return rows


def pks(rows) -> list[tuple[str, int | None, str]]:
    return [(row.kind, row.ours.pk if row.ours else None, row.fact.event.event_id if row.fact else "") for row in rows]


def test_each_row_lands_in_its_bucket(ledger):
    report = reconciliation(provider="stripe", first_day=DAY, last_day=DAY)
    assert pks(report.matched) == [
        ("payment", ledger["matched"].pk, "evt_1"),
        ("payment", ledger["edge"].pk, "evt_4"),
        ("refund", ledger["refund_matched"].pk, "evt_8"),
    ]
    assert pks(report.amount_mismatches) == [("payment", ledger["mismatch"].pk, "evt_2")]
    assert [(row.fact.amount, row.fact.currency) for row in report.amount_mismatches] == [(Decimal("25.00"), "EUR")]
    assert pks(report.ours_without_event) == [
        ("payment", ledger["missing"].pk, ""),
        ("refund", ledger["refund_missing"].pk, ""),
    ]
    assert pks(report.events_without_ours) == [
        ("payment", None, "evt_5"),
        ("payment", None, "evt_6"),
        ("refund", None, "evt_9"),
    ]
    assert [p.pk for p in report.needs_attention] == [ledger["flagged"].pk]
    assert report.refunds_without_messages == []


def test_the_next_day_sees_the_late_message_as_matched_elsewhere(ledger):
    report = reconciliation(
        provider="stripe", first_day=DAY + dt.timedelta(days=1), last_day=DAY + dt.timedelta(days=1)
    )
    # evt_4 was received that day, but names a payment confirmed the day before: it is no stranger.
    assert (report.matched, report.amount_mismatches, report.ours_without_event, report.events_without_ours) == (
        [],
        [],
        [],
        [],
    )


def test_paytr_compares_the_order_amount_and_lists_its_refunds_apart(ledger):
    report = reconciliation(provider="paytr", first_day=DAY, last_day=DAY)
    assert pks(report.matched) == [("payment", ledger["paytr"].pk, "GNB12")]
    assert [(row.fact.amount, row.fact.currency) for row in report.matched] == [(Decimal("1500.00"), "TRY")]
    assert pks(report.ours_without_event) == [("payment", ledger["paytr_missing"].pk, "")]
    assert report.events_without_ours == []  # the failed callback reports no money
    assert report.amount_mismatches == []
    assert [r.pk for r in report.refunds_without_messages] == [ledger["paytr_refund"].pk]
    assert report.needs_attention == []


def test_the_reconciliation_page_shows_the_buckets(admin_client, ledger):
    response = admin_client.get(URL, {"provider": "stripe", "first_day": "2026-11-10", "last_day": "2026-11-10"})
    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Amount mismatches (1)",
        "Ours without a provider message (2)",
        "Provider messages without ours (3)",
        "Matched (3)",
        "Payments that need attention (1)",
    ):
        assert heading in html
    assert "amount mismatch: paid 45.00 EUR, expected 40.00 EUR" in html
    assert EXPORT + "?provider=stripe&amp;first_day=2026-11-10&amp;last_day=2026-11-10" in html


def bucket_rows(html: str, code: str) -> list[list[str]]:
    """The cells of each row under the heading ``bucket-<code>``, whitespace between tags left out."""
    section = html[html.index(f'id="bucket-{code}"') :]
    section = section[section.index("<tbody>") : section.index("</tbody>")]
    section = re.sub(r">\s+<", "><", section)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", section)]


def test_each_bucket_lists_its_rows_with_both_sides(admin_client, ledger):
    html = admin_client.get(
        URL, {"provider": "stripe", "first_day": "2026-11-10", "last_day": "2026-11-10"}, HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    first, second = ledger["matched"].booking.reference, ledger["mismatch"].booking.reference
    assert bucket_rows(html, "amount_mismatch") == [
        ["Zahlung", second, "30.00 EUR", "pi_2", "payment_intent.succeeded evt_2", "25.00 EUR", "2026-11-10 11:00:00"]
    ]
    assert bucket_rows(html, "ours_without_event") == [
        ["Zahlung", first, "20.00 EUR", "pi_3", "", "", ""],
        ["Erstattung", second, "5.00 EUR", "re_2", "", "", ""],
    ]
    assert bucket_rows(html, "event_without_ours") == [
        ["Zahlung", "", "", "", "payment_intent.succeeded evt_5", "9.99 EUR", "2026-11-10 13:00:00"],
        ["Zahlung", "", "", "", "payment_intent.succeeded evt_6", "15.00 EUR", "2026-11-10 14:00:00"],
        ["Erstattung", "", "", "", "refund.created evt_9", "7.00 EUR", "2026-11-10 18:00:00"],
    ]
    assert bucket_rows(html, "matched") == [
        ["Zahlung", first, "40.00 EUR", "pi_1", "checkout.session.completed evt_1", "40.00 EUR", "2026-11-10 09:59:00"],
        ["Zahlung", second, "12.00 EUR", "pi_4", "payment_intent.succeeded evt_4", "12.00 EUR", "2026-11-11 00:00:00"],
        ["Erstattung", first, "10.00 EUR", "re_1", "charge.refunded evt_8", "10.00 EUR", "2026-11-10 16:00:00"],
    ]


def test_the_reconciliation_form_refuses_wrong_days(admin_client, db):
    response = admin_client.get(URL, {"provider": "stripe", "first_day": "2026-11-10", "last_day": "2026-11-09"})
    assert response.context["form"].errors == {"last_day": ["The last day is before the first."]}
    assert response.context["report"] is None
    response = admin_client.get(URL, {"provider": "stripe", "first_day": "2026-01-01", "last_day": "2026-11-09"})
    assert response.context["form"].errors == {"last_day": ["At most 92 days at a time."]}
    response = admin_client.get(URL, {"provider": "cash", "first_day": "x", "last_day": ""})
    assert sorted(response.context["form"].errors) == ["first_day", "last_day", "provider"]
    assert admin_client.get(URL).status_code == 200  # the empty form
    response = admin_client.get(EXPORT, {"provider": "stripe"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Choose a provider and the days to export."]
    assert list(audit_entries(action="export.csv")) == []


def test_the_export_is_the_report_as_csv_and_is_audited(admin_client, admin_user, ledger):
    query = {"provider": "stripe", "first_day": "2026-11-10", "last_day": "2026-11-10"}
    response = admin_client.get(EXPORT, query)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="reconciliation-stripe-20261110-20261110.csv"'
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:4] == ["bucket", "kind", "booking", "our_id"]
    body = [(r[0], r[1], r[3], r[4], r[8], r[10]) for r in rows[1:]]
    m = ledger
    assert body == [
        ("amount_mismatch", "payment", str(m["mismatch"].pk), "30.00", "evt_2", "25.00"),
        ("ours_without_event", "payment", str(m["missing"].pk), "20.00", "", ""),
        ("ours_without_event", "refund", str(m["refund_missing"].pk), "5.00", "", ""),
        ("event_without_ours", "payment", "", "", "evt_5", "9.99"),
        ("event_without_ours", "payment", "", "", "evt_6", "15.00"),
        ("event_without_ours", "refund", "", "", "evt_9", "7.00"),
        ("matched", "payment", str(m["matched"].pk), "40.00", "evt_1", "40.00"),
        ("matched", "payment", str(m["edge"].pk), "12.00", "evt_4", "12.00"),
        ("matched", "refund", str(m["refund_matched"].pk), "10.00", "evt_8", "10.00"),
        ("needs_attention", "payment", str(m["flagged"].pk), "40.00", "", ""),
    ]
    assert rows[1][2] == m["mismatch"].booking.reference
    assert rows[1][12] == "2026-11-10 11:00:00"
    [entry] = audit_entries(action="export.csv")
    assert (entry.actor, entry.target_repr) == (admin_user, "payments")
    assert entry.details == {"rows": 10, "source": "reconciliation", "filters": query}


def test_the_reconciliation_needs_its_view_permissions(client, django_user_model, db):
    user = django_user_model.objects.create_user("selin", password="x", is_staff=True)
    staff_login(client, user)
    query = {"provider": "stripe", "first_day": "2026-11-10", "last_day": "2026-11-10"}
    user.user_permissions.add(Permission.objects.get(codename="view_payment"))
    assert client.get(URL, query).status_code == 403
    assert client.get(EXPORT, query).status_code == 403
    assert "reconciliation_url" not in client.get("/admin/payments/payment/").context
    user.user_permissions.add(Permission.objects.get(codename="view_providerevent"))
    user = django_user_model.objects.get(pk=user.pk)  # permissions are cached on the user object
    staff_login(client, user)
    assert client.get(URL, query).status_code == 200
    assert client.get(EXPORT, query).status_code == 200
    assert client.get("/admin/payments/payment/").context["reconciliation_url"] == reverse(
        "admin:payments_payment_reconciliation"
    )
    assert list(audit_entries(action="export.csv").values_list("actor_label", flat=True)) == ["selin"]


def test_provider_messages_are_listed_read_only(admin_client, ledger):
    response = admin_client.get("/admin/payments/providerevent/?provider__exact=paytr")
    assert [e.event_id for e in response.context["cl"].result_list] == ["GNB14", "GNB12"]
    response = admin_client.get("/admin/payments/providerevent/?q=evt_9")
    assert [e.event_id for e in response.context["cl"].result_list] == ["evt_9"]
    # Stored but not applied by the worker yet: the operator's filter.
    ProviderEvent.objects.exclude(event_id="evt_9").update(processed_at=at(DAY, 11))
    response = admin_client.get("/admin/payments/providerevent/?processed_at__isempty=1")
    assert [e.event_id for e in response.context["cl"].result_list] == ["evt_9"]
    evt = ProviderEvent.objects.get(event_id="evt_1")
    assert admin_client.get(f"/admin/payments/providerevent/{evt.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/payments/providerevent/{evt.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ProviderEvent.objects.filter(pk=evt.pk).exists()


def test_the_reconciliation_reads_a_fixed_number_of_queries(admin_client, ledger, django_assert_max_num_queries):
    query = {"provider": "stripe", "first_day": "2026-11-10", "last_day": "2026-11-10"}
    with CaptureQueriesContext(connection) as before:
        admin_client.get(URL, query)
    booking = ledger["matched"].booking
    for n in range(100, 120):
        payment = pay(booking, n, "10.00", when=at(DAY, 8))
        refund(payment, "1.00", f"re_{n}", when=at(DAY, 9))
        event(
            f"evt_{n}",
            "payment_intent.succeeded",
            {"id": f"pi_{n}", "amount_received": 1000, "currency": "eur"},
            when=at(DAY, 8),
        )
    with django_assert_max_num_queries(len(before)):
        response = admin_client.get(URL, query)
    assert len(response.context["report"].matched) == 23
    assert len(response.context["report"].ours_without_event) == 22
