"""The operations dashboard and the report selectors behind it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gnb.bookings import reports, services
from gnb.bookings.models import TransferLeg
from gnb.bookings.orders import TransferOrder
from gnb.bookings.quotes import TransferQuoteRequest
from gnb.catalog.models import Place
from gnb.testing.bookings import place_berg_tour as place_tour
from gnb.testing.bookings import place_sedan_transfer as place_transfer
from gnb.testing.catalog import IST, future_local

DASHBOARD = "/admin/bookings/booking/dashboard/"


def test_dashboard_shows_tomorrows_transfer_and_exact_revenue(admin_client, catalog):
    tomorrow = place_transfer(days=1, hour=9)
    later = place_transfer(days=20, currency="GBP")  # 34.00 GBP, 40.00 EUR
    cancelled = place_transfer(days=21)
    services.booking_cancel(booking_id=cancelled.pk, actor=services.SYSTEM, reason="Test")
    tour = place_tour(catalog)  # 2 × 45.00 + 25.00

    response = admin_client.get(DASHBOARD)
    assert response.status_code == 200
    today = reports.local_today()
    today_due, tomorrow_due = response.context["due"]
    assert (today_due.day, today_due.legs) == (today, [])
    assert tomorrow_due.day == today + dt.timedelta(days=1)
    assert [(ride.reference, ride.sequence) for ride in tomorrow_due.legs] == [(tomorrow.reference, 1)]

    # Four bookings placed today; the cancelled one brings no revenue: 40.00 + 40.00 + 115.00.
    assert response.context["sales"][-1] == reports.DaySales(today, 4, Decimal("195.00"))
    assert [day.bookings for day in response.context["sales"][:-1]] == [0] * 29
    assert response.context["revenue_total"] == Decimal("195.00")
    assert response.context["bookings_total"] == 4

    html = response.content.decode()
    assert '<span id="revenue-total">195.00 EUR</span>' in html
    assert f'<tr id="sales-{today:%Y-%m-%d}"><td>{today:%Y-%m-%d}</td><td class="gnb-number">4</td>' in html
    assert f"<title>{today:%Y-%m-%d}: 195.00 EUR</title>" in html
    assert f"<title>{today:%Y-%m-%d}: 4 bookings</title>" in html
    row = html[html.index(f">{tomorrow.reference}</a>") :]
    row = row[: row.index("</tr>")]
    assert "Antalya Airport (AYT) → Regnum Carya" in row
    assert "<td>09:30</td>" in html[html.index('id="due-1"') : html.index(f">{tomorrow.reference}</a>")]
    assert "<td>2 / 0 / 0</td>" in row and "<td>Sedan</td>" in row and "<td>Confirmed</td>" in row
    assert "<td>TK2412 · 09:30</td>" in row
    assert later.reference not in html and tour.reference not in html


def test_dashboard_tour_occupancy(admin_client, catalog):
    place_tour(catalog, adults=2, children=1)
    place_tour(catalog, adults=1, children=0)
    response = admin_client.get(DASHBOARD)
    assert [(d.pk, d.seats_taken, d.capacity) for d in response.context["departures"]] == [
        (catalog.departure.pk, 4, 20)
    ]
    assert '<td class="gnb-number">4 / 20</td>' in response.content.decode()


def test_dashboard_query_count_does_not_grow(admin_client, catalog, django_assert_max_num_queries):
    place_transfer(days=1)
    place_tour(catalog)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(DASHBOARD).status_code == 200
    for day in range(10):
        place_transfer(days=1, hour=8 + day)
        place_tour(catalog, adults=1, children=0)
    # Session, user, the second factor the session passed, then the page's own reads: sales, the rides, their
    # places, their vehicle classes, the tour departures.
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as many:
        response = admin_client.get(DASHBOARD)
    assert len(response.context["due"][1].legs) == 11
    assert len(many) == len(few)


def test_dashboard_is_linked_from_the_admin_index(admin_client, db):
    response = admin_client.get(reverse("admin:index"))
    assert f'href="{DASHBOARD}"' in response.content.decode()


# --- selectors --------------------------------------------------------------------------------------------
ZERO, FORTY = Decimal("0.00"), Decimal("40.00")


@pytest.mark.parametrize(
    ("placed_at", "expected"),
    [
        # 20:30 UTC is 23:30 in Istanbul: still the 1st there.
        (dt.datetime(2030, 6, 1, 20, 30, tzinfo=dt.UTC), [(0, ZERO), (1, FORTY), (0, ZERO)]),
        # 21:30 UTC is 00:30 on the 2nd in Istanbul.
        (dt.datetime(2030, 6, 1, 21, 30, tzinfo=dt.UTC), [(0, ZERO), (0, ZERO), (1, FORTY)]),
    ],
)
def test_daily_sales_counts_istanbul_days(catalog, placed_at, expected):
    with time_machine.travel(placed_at, tick=False):
        place_transfer(days=5)
    sales = reports.daily_sales(last_day=dt.date(2030, 6, 2), days=3)
    days = [dt.date(2030, 5, 31), dt.date(2030, 6, 1), dt.date(2030, 6, 2)]
    assert sales == [
        reports.DaySales(day, count, revenue) for day, (count, revenue) in zip(days, expected, strict=True)
    ]


def test_transfers_due_lists_legs_on_the_day_they_are_driven(catalog):
    outbound_day = future_local(days=3).date()
    booking = services.booking_place_transfer(
        order=TransferOrder(
            quote_request=TransferQuoteRequest(
                origin="ayt",
                destination="regnum-carya",
                pickup_at=future_local(days=3, hour=23, minute=30),
                return_pickup_at=future_local(days=4, hour=10),
                adults=1,
            ),
            vehicle_class="sedan",
            contact=services.Contact("Anna Smith", "anna@example.com", "+44 7911 123456"),
            passengers=[services.PassengerInput("Anna", "Smith", "adult")],
            flight=services.FlightInput("TK2412", future_local(days=3, hour=23)),
        )
    )
    cancelled = place_transfer(days=4)
    services.booking_cancel(booking_id=cancelled.pk, actor=services.SYSTEM, reason="Test")
    days = reports.transfers_due(first_day=outbound_day, days=2)
    assert [(day.day, [(ride.booking_id, ride.sequence) for ride in day.legs]) for day in days] == [
        (outbound_day, [(booking.pk, 1)]),
        (outbound_day + dt.timedelta(days=1), [(booking.pk, 2)]),
    ]


def test_chart_coordinates_ignore_the_staff_members_locale(admin_client, catalog):
    place_transfer(days=3)
    response = admin_client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    # German writes 3,6; an SVG coordinate must stay 3.6 whatever the language.
    assert '<rect class="gnb-bar" x="3.6" y="158.0" width="16.8" height="0.0">' in html
    assert '<rect class="gnb-bar" x="699.6" y="16.0" width="16.8" height="142.0">' in html


def test_a_return_ride_row_names_its_flight_and_escapes_the_places(admin_client, catalog):
    # The outbound ride is tonight at 23:30, which the 3-hour lead time allows only until 20:30: the clock is held
    # at noon, so the test means the same whenever it runs.
    noon = dt.datetime.combine(future_local(days=0).date(), dt.time(12), tzinfo=IST)
    with time_machine.travel(noon, tick=False):
        Place.objects.filter(slug="regnum-carya").update(name="Regnum <Carya> & Spa")
        booking = services.booking_place_transfer(
            order=TransferOrder(
                quote_request=TransferQuoteRequest(
                    origin="ayt",
                    destination="regnum-carya",
                    pickup_at=future_local(days=0, hour=23, minute=30),
                    return_pickup_at=future_local(days=1, hour=10),
                    adults=2,
                    children=1,
                ),
                vehicle_class="sedan",
                contact=services.Contact("Anna Smith", "anna@example.com", "+44 7911 123456"),
                passengers=[
                    services.PassengerInput("Anna", "Smith", "adult"),
                    services.PassengerInput("Ben", "Smith", "adult"),
                    services.PassengerInput("Cleo", "Smith", "child"),
                ],
                flight=services.FlightInput("TK2412", future_local(days=0, hour=23)),
            )
        )
        TransferLeg.objects.filter(booking=booking, sequence=2).update(
            flight_number="TK2413", flight_departure_at=future_local(days=1, hour=13, minute=5).replace(tzinfo=IST)
        )
        html = admin_client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="de").content.decode()
        tomorrow = re.sub(r">\s+<", "><", html[html.index('id="due-1"') :])
        row = tomorrow[tomorrow.index("<tr><td>") :]
        row = row[: row.index("</tr>") + 5]
        assert row == (
            f'<tr><td>10:30</td><td><a href="/admin/bookings/booking/{booking.pk}/change/">{booking.reference}</a>'
            " (Rückfahrt)</td><td>Regnum &lt;Carya&gt; &amp; Spa → Antalya Airport (AYT)</td><td>2 / 1 / 0</td>"
            "<td>Sedan</td><td>Bestätigt</td><td>TK2413 · startet 13:05</td></tr>"
        )
