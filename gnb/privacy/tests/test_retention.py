"""The retention run: travellers past the limit lose their personal data, the money trail stays, and a traveller
with a trip ahead is untouched. Time moves with time-machine, as it will in production."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from gnb.accounts.customers import ANONYMOUS_EMAIL, ANONYMOUS_NAME
from gnb.bookings.models import Booking, IdempotencyKey
from gnb.core.models import AuditEntry
from gnb.notifications.models import ContactMessage, SentEmail
from gnb.payments.models import Payment
from gnb.payments.services import payment_record_cash
from gnb.privacy.selectors import retention_cutoff
from gnb.privacy.services import privacy_retention_run
from gnb.testing.bookings import place_sedan_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def travellers(catalog, dispatcher, settings):
    """Anna travelled once, in 20 days, and paid cash. Bob travels in 20 days too, and again much later."""
    settings.GNB_PRIVACY_RETENTION_MONTHS = 24
    anna = place_sedan_transfer(days=20, email="Anna@Example.com")
    payment_record_cash(booking_id=anna.pk, amount=anna.total, actor=dispatcher)
    SentEmail.objects.create(booking=anna, kind="privacy-test", recipient="anna@example.com")
    IdempotencyKey.objects.create(scope="ip:203.0.113.7", key="anna-key", request_hash="0" * 64, booking=anna)
    bob_old = place_sedan_transfer(days=20, lead="Bob Jones", email="bob@example.com", last_names=("Jones", "Jones"))
    bob_next = place_sedan_transfer(days=21, lead="Bob Jones", email="bob@example.com", last_names=("Jones", "Jones"))
    # Bob's next trip is 25 months ahead: still to come when Anna's data is due.
    later = bob_next.starts_at + dt.timedelta(days=25 * 31)
    Booking.objects.filter(pk=bob_next.pk).update(starts_at=later)
    bob_next.legs.update(pickup_at=later)
    return anna, bob_old, bob_next


def _after_limit(booking: Booking) -> dt.datetime:
    # The first moment whose 24-months-earlier cutoff is after the trip, plus a day.
    moment = booking.starts_at + dt.timedelta(days=2 * 365 - 5)
    while retention_cutoff(now=moment, months=24) <= booking.starts_at:
        moment += dt.timedelta(days=1)
    return moment + dt.timedelta(days=1)


def test_a_traveller_past_the_limit_is_anonymised_and_the_money_trail_kept(travellers):
    anna, bob_old, bob_next = travellers
    anna.passengers.update(nationality="GB", document_number="123456789")
    before = Booking.objects.get(pk=anna.pk)
    payments_before = list(Payment.objects.filter(booking=anna).values("amount", "currency", "state", "created_at"))

    with time_machine.travel(_after_limit(anna), tick=False):
        report = privacy_retention_run()

    assert (report.travellers, report.bookings, report.passengers, report.dry_run) == (1, 1, 2, False)
    after = Booking.objects.get(pk=anna.pk)
    assert (after.lead_name, after.lead_email, after.lead_phone, after.notes) == (
        ANONYMOUS_NAME,
        ANONYMOUS_EMAIL,
        "",
        "",
    )
    assert [(p.first_name, p.last_name) for p in after.passengers.order_by("position")] == [
        ("Anonymised", "1"),
        ("Anonymised", "2"),
    ]
    # Passport numbers go with the names.
    assert set(after.passengers.values_list("nationality", "document_number")) == {("", "")}
    assert set(SentEmail.objects.filter(booking=anna).values_list("recipient", flat=True)) == {ANONYMOUS_EMAIL}
    assert not IdempotencyKey.objects.filter(booking=anna).exists()
    # The money trail: amounts, currency, dates and payments are exactly as they were.
    assert (after.total, after.currency, after.total_base, after.created_at, after.starts_at) == (
        before.total,
        before.currency,
        before.total_base,
        before.created_at,
        before.starts_at,
    )
    assert after.total == Decimal("40.00")
    assert list(Payment.objects.filter(booking=anna).values("amount", "currency", "state", "created_at")) == (
        payments_before
    )
    assert len(payments_before) == 1
    # Bob has a trip ahead: neither of his bookings is touched.
    for booking in (bob_old, bob_next):
        kept = Booking.objects.get(pk=booking.pk)
        assert (kept.lead_name, kept.lead_email) == ("Bob Jones", "bob@example.com")
        assert sorted(kept.passengers.values_list("last_name", flat=True)) == ["Jones", "Jones"]
    entry = AuditEntry.objects.get(action="privacy.retention")
    assert entry.details["bookings"] == 1 and entry.details["travellers"] == 1


def test_the_run_is_safe_twice_and_waits_for_the_limit(travellers):
    anna, _bob_old, _bob_next = travellers
    with time_machine.travel(_after_limit(anna) - dt.timedelta(days=2), tick=False):
        assert privacy_retention_run().bookings == 0
    with time_machine.travel(_after_limit(anna), tick=False):
        assert privacy_retention_run().bookings == 1
        assert privacy_retention_run().bookings == 0
    assert AuditEntry.objects.filter(action="privacy.retention").count() == 1


def test_the_dry_run_changes_nothing_and_reports_exact_counts(travellers):
    anna, bob_old, _bob_next = travellers
    ContactMessage.objects.create(name="Old Question", email="old@example.com", message="Hello", language="en")
    with time_machine.travel(_after_limit(anna), tick=False):
        out = StringIO()
        call_command("privacy_retention", "--dry-run", stdout=out)
    cutoff = retention_cutoff(now=_after_limit(anna), months=24).astimezone(dt.UTC)
    assert out.getvalue().splitlines() == [
        f"Retention 24 months: last trip before {cutoff:%Y-%m-%d %H:%M} UTC",
        "Would anonymise: travellers 1",
        "Would anonymise: bookings 1",
        "Would anonymise: passengers 2",
        "Would delete: contact messages 1",
        "Would delete: no-show photos 0",
    ]
    assert Booking.objects.get(pk=anna.pk).lead_email == "anna@example.com"
    assert ContactMessage.objects.count() == 1
    assert not AuditEntry.objects.filter(action="privacy.retention").exists()

    with time_machine.travel(_after_limit(anna), tick=False):
        out = StringIO()
        call_command("privacy_retention", stdout=out)
    assert out.getvalue().splitlines()[1:] == [
        "Anonymised: travellers 1",
        "Anonymised: bookings 1",
        "Anonymised: passengers 2",
        "Deleted: contact messages 1",
        "Deleted: no-show photos 0",
    ]
    assert ContactMessage.objects.count() == 0
    assert Booking.objects.get(pk=bob_old.pk).lead_email == "bob@example.com"


def test_a_booking_of_an_active_account_is_left_to_the_account(travellers, customer):
    anna, _bob_old, _bob_next = travellers
    Booking.objects.filter(pk=anna.pk).update(customer=customer)
    with time_machine.travel(_after_limit(anna), tick=False):
        assert privacy_retention_run().bookings == 0
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    with time_machine.travel(_after_limit(anna), tick=False):
        assert privacy_retention_run().bookings == 1


def test_the_retention_runs_daily():
    from gnb.ops.schedule import JOBS
    from gnb.privacy.tasks import privacy_retention

    assert [(job.cron, job.kwargs) for job in JOBS if job.task is privacy_retention] == [("50 3 * * *", {})]


def test_the_cutoff_is_whole_calendar_months_back():
    utc = dt.UTC
    assert retention_cutoff(now=dt.datetime(2026, 12, 6, 3, 50, tzinfo=utc), months=24) == dt.datetime(
        2024, 12, 6, 3, 50, tzinfo=utc
    )
    assert retention_cutoff(now=dt.datetime(2026, 3, 31, tzinfo=utc), months=1) == dt.datetime(2026, 2, 28, tzinfo=utc)
    assert retention_cutoff(now=dt.datetime(2026, 2, 28, tzinfo=utc), months=24) == dt.datetime(2024, 2, 28, tzinfo=utc)
    assert retention_cutoff(now=dt.datetime(2026, 1, 15, tzinfo=utc), months=13) == dt.datetime(
        2024, 12, 15, tzinfo=utc
    )
