"""``generate_load_data``: valid rows on PostgreSQL, reconciled money, clear refusals; the bookings list over them
never counts the whole table and pages in the same order as its CASE ordering."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.admin.views.main import ORDER_VAR
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Case, F, Q, Sum, Value, When
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from gnb.bookings.models import Booking, Passenger, TransferLeg
from gnb.ops.loadgen import GENERATOR_LABEL
from gnb.payments.models import Payment, Refund

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the generator writes with COPY")


def generate(count: int, *extra: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("generate_load_data", "--bookings", str(count), "--force", "--batch-size", "700", *extra, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_refuses_debug_off_without_force(catalog):
    with override_settings(DEBUG=False), pytest.raises(CommandError, match=r"DEBUG is off.*--force"):
        call_command("generate_load_data", "--bookings", "10")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bookings", "0"], r"--bookings must be at least 1 \(got 0\)"),
        (["--bookings", "ten"], r"expected a whole number, got 'ten'"),
        (["--bookings", "5", "--years", "0"], r"--years must be between 1 and 20 \(got 0\)"),
        (["--bookings", "5", "--batch-size", "-1"], r"--batch-size must be at least 1 \(got -1\)"),
    ],
)
def test_input_errors_name_the_option(catalog, args, message):
    if connection.vendor != "postgresql" and "ten" not in args:
        pytest.skip("checked after the database check, which refuses SQLite first")
    with pytest.raises(CommandError, match=message):
        call_command("generate_load_data", *args, "--force")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_refuses_sqlite_with_the_reason(catalog):
    with pytest.raises(CommandError, match="PostgreSQL's COPY; this database is sqlite"):
        call_command("generate_load_data", "--bookings", "10", "--force")


@on_postgres
@pytest.mark.django_db
def test_refuses_a_database_without_catalogue():
    with pytest.raises(CommandError, match=r"run `manage\.py load_demo` first"):
        call_command("generate_load_data", "--bookings", "10", "--force")


@on_postgres
@pytest.mark.django_db
def test_generated_history_is_valid_and_reconciles(catalog):
    output = generate(2000, "--seed", "7")
    assert "2,000/2,000 bookings" in output and "rows/s" in output
    assert Booking.objects.count() == 2000

    # The model's own validation on a sample, as a form or the admin would run it.
    for booking in Booking.objects.order_by("?")[:40]:
        booking.full_clean()
    for leg in TransferLeg.objects.order_by("?")[:40]:
        leg.full_clean()
    for passenger in Passenger.objects.order_by("?")[:40]:
        passenger.full_clean()
    for payment in Payment.objects.order_by("?")[:40]:
        payment.full_clean()

    statuses = set(Booking.objects.values_list("status", flat=True))
    assert {"completed", "cancelled", "no_show", "confirmed"} <= statuses
    assert set(Booking.objects.values_list("payment_method", flat=True)) == {"cash", "card"}
    assert Refund.objects.exists()
    with_account = Booking.objects.filter(customer__isnull=False)
    assert with_account.exists()
    assert not with_account.exclude(lead_email=F("customer__email")).exists()

    # One passenger row per seat.
    seats = Booking.objects.aggregate(total=Sum(F("adults") + F("children") + F("infants")))["total"]
    assert Passenger.objects.count() == seats

    # Money: confirmed payments minus succeeded refunds give each booking's payment state.
    paid = dict(
        Payment.objects.filter(state="confirmed")
        .values("booking")
        .annotate(s=Sum("amount"))
        .values_list("booking", "s")
    )
    refunded = dict(
        Refund.objects.filter(state="succeeded")
        .values("payment__booking")
        .annotate(s=Sum("amount"))
        .values_list("payment__booking", "s")
    )
    zero = Decimal("0")
    for booking in Booking.objects.only("pk", "total", "payment_state", "cancellation_fee"):
        net = paid.get(booking.pk, zero) - refunded.get(booking.pk, zero)
        if booking.payment_state == "paid":
            assert net == booking.total, booking.reference
        elif booking.payment_state == "refunded":
            assert paid.get(booking.pk) and net == zero, booking.reference
        elif booking.payment_state == "partially_refunded":
            assert net == booking.cancellation_fee and zero < net < booking.total, booking.reference
        else:
            assert net == zero, booking.reference

    # Tours: no departure sold past its capacity.
    from gnb.catalog.models import TourDeparture

    for departure in TourDeparture.objects.filter(bookings__isnull=False).distinct():
        taken = departure.bookings.aggregate(s=Sum(F("adults") + F("children") + F("infants")))["s"]
        assert taken <= departure.capacity

    # Generated once: a second run needs --append, which adds to it.
    with pytest.raises(CommandError, match="already holds generated bookings: pass --append"):
        generate(10)
    generate(10, "--append")
    assert Booking.objects.count() == 2010
    assert Booking.objects.filter(events__actor_label=GENERATOR_LABEL).distinct().count() == 2010


@on_postgres
@pytest.mark.django_db
def test_bookings_list_never_counts_the_whole_table(catalog, admin_client):
    generate(450, "--seed", "3")
    url = "/admin/bookings/booking/"
    now = timezone.now()
    expected = list(
        Booking.objects.order_by(
            Case(When(Q(starts_at__gte=now), then=Value(0)), default=Value(1)).asc(),
            Case(When(Q(starts_at__gte=now), then=F("starts_at"))).asc(),
            F("starts_at").desc(),
            "-pk",
        ).values_list("reference", flat=True)
    )
    shown: list[str] = []
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url, {"p": page})
        assert response.status_code == 200
        counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        assert counts, "the list counts (capped)"
        for sql in counts:
            assert re.search(r"\bLIMIT \d+\b", sql), f"an uncapped count: {sql}"
        assert not any("DISTINCT DATE_TRUNC" in q["sql"].upper() for q in queries.captured_queries)
        shown += [booking.reference for booking in response.context["cl"].result_list]
    # Page after page, the two index runs give exactly the CASE ordering's rows.
    assert shown == expected

    # A column's own ordering still pages (capped count, no CASE).
    response = admin_client.get(url, {ORDER_VAR: "2"})
    assert response.status_code == 200


@on_postgres
@pytest.mark.django_db
def test_search_finds_by_each_field_without_distinct(catalog, admin_client):
    generate(300, "--seed", "5")
    booking = Booking.objects.filter(kind="transfer", legs__flight_number__gt="").order_by("pk").first()
    leg = booking.legs.exclude(flight_number="").first()
    passenger = booking.passengers.order_by("position").last()
    for term in (
        booking.reference,
        booking.reference.lower()[4:],
        booking.lead_email,
        booking.lead_phone,
        leg.flight_number,
        f"{passenger.last_name} {booking.reference[-4:]}",
    ):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/admin/bookings/booking/", {"q": term})
        found = [row.reference for row in response.context["cl"].result_list]
        assert booking.reference in found, term
        assert not any("SELECT DISTINCT" in q["sql"] for q in queries.captured_queries)
    response = admin_client.get("/admin/bookings/booking/", {"q": "nobody-is-called-this"})
    assert list(response.context["cl"].result_list) == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/payments/payment/", "/admin/payments/refund/", "/admin/bookings/booking/"])
def test_money_and_booking_lists_count_with_a_limit(admin_client, url):
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(url).status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts
    assert all(re.search(r"\bLIMIT \d+\b", sql) for sql in counts), counts
