"""The back office: every page renders, lists cost a fixed number of queries, actions go through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gnb.bookings import services
from gnb.bookings.models import Booking, BookingEvent, IdempotencyKey
from gnb.bookings.quotes import ExtraRequest, currency_rates
from gnb.catalog.models import Season
from gnb.notifications.models import ContactMessage, SentEmail
from gnb.notifications.services import booking_email_send
from gnb.testing.admin import messages_of
from gnb.testing.bookings import place_berg_tour as place_tour
from gnb.testing.bookings import place_past_sedan_transfer as place_past_transfer
from gnb.testing.bookings import place_sedan_transfer as place_transfer
from gnb.testing.catalog import IST, future_local

CHANGELIST = "/admin/bookings/booking/"


def run_action(client, action: str, bookings, **extra):
    """Post an action as the changelist's form does, and follow the redirect to the page showing its messages."""
    data = {"action": action, "index": 0, "_selected_action": [b.pk for b in bookings], **extra}
    return client.post(CHANGELIST, data, follow=True)


def local(value: dt.datetime) -> str:
    return value.astimezone(IST).strftime("%Y-%m-%d %H:%M")


# --- every page -------------------------------------------------------------------------------------------
def test_every_changelist_and_change_page_renders(admin_client, catalog):
    transfer = place_transfer(coupon="WELCOME10", extras=(ExtraRequest("child_seat", 1),))
    booking_email_send(booking_id=transfer.pk, kind="confirmation")
    place_tour(catalog)
    services.booking_place_idempotent(
        key="key-1", scope="website", fingerprint="f" * 64, place=lambda: place_transfer(days=21)
    )
    assert SentEmail.objects.filter(booking=transfer).count() == 1
    assert IdempotencyKey.objects.count() == 1

    ours = [
        model for model in admin.site._registry if model._meta.app_label in {"catalog", "bookings", "notifications"}
    ]
    assert sorted(model.__name__ for model in ours) == [
        "Booking",
        "BookingEvent",
        "BookingExtra",
        "ContactMessage",
        "Coupon",
        "CouponRedemption",
        "Currency",
        "Extra",
        "Fare",
        "IdempotencyKey",
        "Passenger",
        "Place",
        "Season",
        "SentEmail",
        "Tour",
        "TourDeparture",
        "TransferLeg",
        "VehicleClass",
        "Zone",
    ]
    ContactMessage.objects.create(name="Olga", email="olga@example.com", message="Baby seats?", language="en")
    Season.objects.create(
        name="Summer", starts_on=dt.date(2030, 6, 1), ends_on=dt.date(2030, 8, 31), fare_adjustment_percent=10
    )
    for model in ours:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = admin_client.get(changelist)
        assert response.status_code == 200, changelist
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, opts.model_name
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        response = admin_client.get(change)
        assert response.status_code == 200, change
        if opts.app_label == "catalog":
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert admin_client.get(add).status_code == 200, add


def form_data(response) -> dict:
    """The POST a browser would send back from an admin change page, unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(item) for item in value]
            elif isinstance(value, dt.datetime):
                shown = timezone.localtime(value)  # as the page shows it, in the current time zone
                data[f"{bound.html_name}_0"] = shown.strftime("%Y-%m-%d")
                data[f"{bound.html_name}_1"] = shown.strftime("%H:%M:%S")
            else:
                data[bound.html_name] = "on" if value is True else str(value)
    return data


def test_tour_departures_are_edited_inline_with_seats_taken(admin_client, catalog):
    place_tour(catalog)
    url = reverse("admin:catalog_tour_change", args=[catalog.tour.pk])
    response = admin_client.get(url)
    inline = response.context["inline_admin_formsets"][0]
    assert [form.instance.seats_taken for form in inline.formset.forms if form.instance.pk] == [3]
    data = form_data(response)
    data["departures-0-capacity"] = "25"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    starts_at = catalog.departure.starts_at
    catalog.departure.refresh_from_db()
    assert (catalog.departure.capacity, catalog.departure.starts_at) == (25, starts_at)


def test_service_written_rows_cannot_be_added_edited_or_deleted(admin_client, catalog):
    booking = place_transfer()
    event = booking.events.get()
    assert admin_client.get("/admin/bookings/bookingevent/add/").status_code == 403
    response = admin_client.post(f"/admin/bookings/bookingevent/{event.pk}/change/", {"reason": "edited"})
    assert response.status_code == 403
    assert admin_client.post(f"/admin/bookings/booking/{booking.pk}/delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.reason == "Booking placed"
    assert Booking.objects.filter(pk=booking.pk).exists()


# --- booking list -----------------------------------------------------------------------------------------
def test_booking_changelist_columns(admin_client, catalog):
    booking = place_transfer(currency="GBP")
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index(f">{booking.reference}</a>") :]
    row = row[: row.index("</tr>")]
    cells = [cell.split(">", 1)[1].split("<", 1)[0] for cell in row.split("<td")[1:]]
    assert cells == [
        local(booking.starts_at),
        "Antalya Airport (AYT) → Regnum Carya",
        "2 / 0 / 0",
        "Sedan",
        "Confirmed",
        "Unpaid",
        "34.00 GBP",
    ]
    assert booking.manage_token not in html


def test_booking_changelist_search_and_filters(admin_client, catalog):
    tomorrow = place_transfer(days=1, last_names=("Yılmaz", "Kaya"), lead="Ayşe Yılmaz", email="ayse@example.com")
    later = place_transfer(days=20)
    tour = place_tour(catalog)

    def listed(query: str) -> list[str]:
        response = admin_client.get(CHANGELIST + query)
        assert response.status_code == 200
        return [booking.reference for booking in response.context["cl"].result_list]

    assert listed("?q=Kaya") == [tomorrow.reference]
    assert listed("?q=anna@example.com") == [later.reference]
    assert listed(f"?q={later.reference.lower()}") == [later.reference]
    assert listed("?starts=tomorrow") == [tomorrow.reference]
    assert listed("?kind__exact=tour") == [tour.reference]
    assert listed(f"?vehicle_class__id__exact={catalog.sedan.pk}&starts=week") == [tomorrow.reference]
    assert listed("?status__exact=confirmed") == [later.reference, tour.reference, tomorrow.reference]


def test_booking_changelist_query_count_does_not_grow(admin_client, catalog, django_assert_max_num_queries):
    for day in range(3):
        place_transfer(days=10 + day)
    with CaptureQueriesContext(connection) as three:
        assert admin_client.get(CHANGELIST).status_code == 200
    for day in range(27):
        place_transfer(days=13 + day)
    place_tour(catalog)
    # (One of them: the second factor the session passed, read by django-otp's middleware on every admin page.)
    with django_assert_max_num_queries(9), CaptureQueriesContext(connection) as thirty:
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 31
    assert len(thirty) == len(three)


def test_no_changelist_query_count_grows_with_its_rows(admin_client, catalog):
    def place_one_of_each(day: int) -> None:
        booking = place_transfer(days=3 + day, coupon="WELCOME10", extras=(ExtraRequest("child_seat", 1),))
        booking_email_send(booking_id=booking.pk, kind="confirmation")
        place_tour(catalog, adults=1, children=0)
        services.booking_place_idempotent(
            key=f"key-{day}", scope="website", fingerprint="f" * 64, place=lambda: place_transfer(days=30 + day)
        )

    place_one_of_each(0)
    urls = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if model._meta.app_label in {"catalog", "bookings", "notifications"}
    ]

    def counts() -> dict[str, int]:
        result = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert admin_client.get(url).status_code == 200, url
            result[url] = len(queries)
        return result

    few = counts()
    for day in range(1, 7):
        place_one_of_each(day)
    assert counts() == few


# --- change page ------------------------------------------------------------------------------------------
def test_booking_change_page_is_read_only_with_history(admin_client, admin_user, catalog):
    booking = place_transfer(extras=(ExtraRequest("child_seat", 2),))
    services.booking_transition(
        booking_id=booking.pk, to_status="assigned", actor=services.Actor.for_user(admin_user), reason="Driver Ali"
    )
    url = reverse("admin:bookings_booking_change", args=[booking.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert booking.reference in html
    assert "Driver Ali" in html and "Confirmed → Driver assigned" in html
    assert "Child seat" in html and "TK2412" in html
    assert response.context["adminform"].form.fields == {}
    assert [formset.formset.prefix for formset in response.context["inline_admin_formsets"]] == [
        "legs",
        "passengers",
        "extras",
        "events",
    ]
    # The lifecycle buttons offered are those the status allows.
    assert [step.action for step in response.context["lifecycle_actions"]] == [
        "confirm_bookings",
        "cancel_bookings",
        "complete_bookings",
        "no_show_bookings",
    ]
    response = admin_client.post(url, {"total": "1.00", "status": "completed", "lead_name": "Mallory"})
    assert response.status_code == 403
    booking.refresh_from_db()
    assert (booking.total, booking.status, booking.lead_name) == (Decimal("50.00"), "assigned", "Anna Smith")


# --- lifecycle actions ------------------------------------------------------------------------------------
def test_confirm_action_confirms_through_the_service(admin_client, admin_user, catalog):
    booking = place_transfer(payment_method="card")
    assert booking.status == "pending_payment"
    response = run_action(admin_client, "confirm_bookings", [booking])
    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert messages_of(response) == [f"Confirmed: {booking.reference}"]
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    event = booking.events.order_by("pk").last()
    assert (event.kind, event.from_status, event.to_status, event.actor, event.actor_label) == (
        "status",
        "pending_payment",
        "confirmed",
        admin_user,
        "admin",
    )


@pytest.mark.parametrize(("action", "status"), [("complete_bookings", "completed"), ("no_show_bookings", "no_show")])
def test_complete_and_no_show_actions(admin_client, admin_user, catalog, action, status):
    first, second = place_past_transfer(), place_past_transfer()
    response = run_action(admin_client, action, [first, second])
    label = {"completed": "Marked completed", "no_show": "Marked no-show"}[status]
    assert messages_of(response) == [f"{label}: {first.reference}, {second.reference}"]
    for booking in (first, second):
        booking.refresh_from_db()
        assert booking.status == status
        event = booking.events.order_by("pk").last()
        assert (event.from_status, event.to_status, event.actor) == ("confirmed", status, admin_user)


def test_refused_transitions_are_reported_and_change_nothing(admin_client, catalog):
    pending = place_transfer(payment_method="card")
    cancelled = place_transfer(days=21)
    services.booking_cancel(booking_id=cancelled.pk, actor=services.SYSTEM, reason="Test")
    events_before = BookingEvent.objects.filter(booking=cancelled).count()

    response = run_action(admin_client, "confirm_bookings", [pending, cancelled])
    assert messages_of(response) == [
        f"Confirmed: {pending.reference}",
        f"{cancelled.reference} not changed: A booking in status “Cancelled” cannot move to “Confirmed”.",
    ]
    cancelled.refresh_from_db()
    assert cancelled.status == "cancelled"
    assert BookingEvent.objects.filter(booking=cancelled).count() == events_before

    future = place_transfer(days=5)
    response = run_action(admin_client, "complete_bookings", [future])
    assert messages_of(response) == [
        f"{future.reference} not changed: This can only be recorded once the pickup time has passed."
    ]
    future.refresh_from_db()
    assert future.status == "confirmed"
    assert future.events.count() == 1


def test_cancel_asks_for_a_reason_then_cancels(admin_client, admin_user, catalog):
    first, second = place_transfer(days=5), place_transfer(days=6)
    response = run_action(admin_client, "cancel_bookings", [first, second])
    assert response.status_code == 200
    assert [b.reference for b in response.context["bookings"]] == [first.reference, second.reference]
    assert Booking.objects.filter(status="cancelled").count() == 0

    response = run_action(
        admin_client, "cancel_bookings", [first, second], apply="1", reason="Hotel closed for repairs"
    )
    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert messages_of(response) == [f"Cancelled: {first.reference}, {second.reference}"]
    for booking in (first, second):
        booking.refresh_from_db()
        assert (booking.status, booking.cancellation_fee) == ("cancelled", Decimal("0.00"))
        event = booking.events.order_by("pk").last()
        assert (event.from_status, event.to_status, event.reason, event.actor) == (
            "confirmed",
            "cancelled",
            "Hotel closed for repairs",
            admin_user,
        )


def test_cancel_without_a_reason_is_refused(admin_client, catalog):
    booking = place_transfer(days=5)
    response = run_action(admin_client, "cancel_bookings", [booking], apply="1", reason="   ")
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["Give a reason for cancelling."]}
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert booking.events.count() == 1


def test_action_from_the_change_page_returns_to_it(admin_client, catalog):
    booking = place_transfer(payment_method="card")
    response = run_action(admin_client, "confirm_bookings", [booking], _from_change=str(booking.pk))
    assert response.redirect_chain == [(reverse("admin:bookings_booking_change", args=[booking.pk]), 302)]
    assert messages_of(response) == [f"Confirmed: {booking.reference}"]
    booking.refresh_from_db()
    assert booking.status == "confirmed"


# --- CSV export -------------------------------------------------------------------------------------------
HEADER = (
    "\ufeffreference,kind,status,payment,starts_at,route,adults,children,infants,vehicle,flight,lead_name,email,"
    "phone,passengers,currency,total,total_eur,placed_at\r\n"
)


def csv_line(booking: Booking, *, status: str = "confirmed", lead: str = "Anna Smith") -> str:
    return (
        f"{booking.reference},transfer,{status},unpaid,{local(booking.starts_at)},"
        f"Antalya Airport (AYT) → Regnum Carya,2,0,0,Sedan,TK2412,{lead},anna@example.com,+447911123456,"
        f"Anna Smith; John Smith,{booking.currency},{booking.total},{booking.total_base},"
        f"{local(booking.created_at)}\r\n"
    )


def test_csv_export_of_the_selection(admin_client, catalog):
    gbp = place_transfer(days=3, currency="GBP")
    eur = place_transfer(days=2)
    place_transfer(days=4)  # not selected
    response = run_action(admin_client, "export_csv", [gbp, eur])
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    content = b"".join(response.streaming_content).decode()
    assert content == HEADER + csv_line(eur) + csv_line(gbp)
    assert ",GBP,34.00,40.00," in csv_line(gbp)


def test_csv_export_of_the_filtered_list(admin_client, catalog):
    kept = place_transfer(days=3)
    dropped = place_transfer(days=4)
    services.booking_cancel(booking_id=dropped.pk, actor=services.SYSTEM, reason="Test")
    response = admin_client.get(reverse("admin:bookings_booking_export") + "?status__exact=cancelled&q=Smith")
    assert response.status_code == 200
    dropped.refresh_from_db()
    assert b"".join(response.streaming_content).decode() == HEADER + csv_line(dropped, status="cancelled")
    assert kept.reference not in csv_line(dropped)


def test_csv_export_neutralises_spreadsheet_formulas(admin_client, catalog):
    booking = place_transfer(lead="=HYPERLINK(1)")
    response = run_action(admin_client, "export_csv", [booking])
    assert b"".join(response.streaming_content).decode() == HEADER + csv_line(booking, lead="'=HYPERLINK(1)")


# --- placing a booking from the back office ---------------------------------------------------------------
def transfer_form(catalog, **overrides) -> dict:
    pickup = future_local(days=15)
    data = {
        "origin": catalog.ayt.pk,
        "destination": catalog.belek_hotel.pk,
        "pickup_at_0": pickup.strftime("%Y-%m-%d"),
        "pickup_at_1": "14:30",
        "return_pickup_at_0": "",
        "return_pickup_at_1": "",
        "adults": "2",
        "children": "1",
        "infants": "0",
        "luggage": "2",
        "vehicle_class": "sedan",
        "flight_number": "tk 2412",
        "flight_arrival_at_0": pickup.strftime("%Y-%m-%d"),
        "flight_arrival_at_1": "14:00",
        "pickup_point": "",
        "return_flight_number": "",
        "return_flight_arrival_at_0": "",
        "return_flight_arrival_at_1": "",
        "return_pickup_point": "",
        "extra_child_seat": "1",
        "extra_meet_greet": "0",
        "lead_name": "Olga Ivanova",
        "lead_email": "olga@example.com",
        "lead_phone": "+7 912 345 67 89",
        "language": "ru",
        "currency": "EUR",
        "payment_method": "cash",
        "coupon": "",
        "notes": "Phoned in",
        "passengers-TOTAL_FORMS": "4",
        "passengers-INITIAL_FORMS": "0",
        "passengers-MIN_NUM_FORMS": "0",
        "passengers-MAX_NUM_FORMS": "50",
        "passengers-0-first_name": "Olga",
        "passengers-0-last_name": "Ivanova",
        "passengers-0-category": "adult",
        "passengers-1-first_name": "Ivan",
        "passengers-1-last_name": "Ivanov",
        "passengers-1-category": "adult",
        "passengers-2-first_name": "Sasha",
        "passengers-2-last_name": "Ivanova",
        "passengers-2-category": "child",
        "passengers-3-first_name": "",
        "passengers-3-last_name": "",
        "passengers-3-category": "adult",
    }
    return {**data, **overrides}


def test_add_booking_page_replaces_the_model_form(admin_client, catalog):
    response = admin_client.get(reverse("admin:bookings_booking_add"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="vehicle_class"' in html and 'name="passengers-0-last_name"' in html
    assert 'name="total"' not in html and 'name="status"' not in html
    assert len(response.context["passengers"].forms) == 6
    assert (
        admin_client.get(reverse("admin:bookings_booking_add") + "?rows=12").context["passengers"].total_form_count()
        == 12
    )


def test_place_a_transfer_from_the_back_office(admin_client, admin_user, catalog):
    # A price in the request is ignored: the form has no such field and the server prices the booking.
    response = admin_client.post(
        reverse("admin:bookings_booking_add"), transfer_form(catalog, total="1.00"), follow=True
    )
    booking = Booking.objects.get()
    assert response.redirect_chain == [(reverse("admin:bookings_booking_change", args=[booking.pk]), 302)]
    assert messages_of(response) == [f"Booking {booking.reference} placed: 45.00 EUR."]
    assert (booking.total, booking.total_base, booking.currency, booking.status) == (
        Decimal("45.00"),
        Decimal("45.00"),
        "EUR",
        "confirmed",
    )
    assert [(line["code"], line["amount"]) for line in booking.price_breakdown["lines"]] == [
        ("fare", "40.00"),
        ("extra:child_seat", "5.00"),
    ]
    assert (booking.lead_name, booking.lead_phone, booking.language, booking.notes) == (
        "Olga Ivanova",
        "+79123456789",
        "ru",
        "Phoned in",
    )
    assert [(p.first_name, p.last_name, p.category) for p in booking.passengers.order_by("position")] == [
        ("Olga", "Ivanova", "adult"),
        ("Ivan", "Ivanov", "adult"),
        ("Sasha", "Ivanova", "child"),
    ]
    leg = booking.legs.get()
    pickup = future_local(days=15)
    assert leg.pickup_at == pickup.replace(tzinfo=IST)
    assert (leg.flight_number, leg.flight_arrival_at) == ("TK2412", pickup.replace(hour=14, minute=0, tzinfo=IST))
    assert [(e.quantity, e.total) for e in booking.extras.all()] == [(1, Decimal("5.00"))]
    event = booking.events.get()
    assert (event.kind, event.actor, event.actor_label) == ("created", admin_user, "admin")


def test_place_a_transfer_with_a_missing_last_name_shows_the_error(admin_client, catalog):
    response = admin_client.post(
        reverse("admin:bookings_booking_add"), transfer_form(catalog, **{"passengers-1-last_name": ""})
    )
    assert response.status_code == 200
    assert Booking.objects.count() == 0
    rows = response.context["passengers"].forms
    assert rows[1].errors == {"last_name": ["Every passenger's first and last name is required."]}
    assert [row.errors for row in (rows[0], rows[2], rows[3])] == [{}, {}, {}]
    assert messages_of(response) == ["The booking was not placed. Please correct the errors below."]
    assert "Every passenger&#x27;s first and last name is required." in response.content.decode()


def test_place_a_transfer_reports_every_field_the_service_refuses(admin_client, catalog):
    data = transfer_form(
        catalog,
        # Errors come in the booking's language; English here, as the staff member reads it.
        **{"flight_number": "", "lead_phone": "12", "lead_email": "nope", "adults": "3", "language": "en"},
    )
    response = admin_client.post(reverse("admin:bookings_booking_add"), data)
    assert response.status_code == 200
    assert Booking.objects.count() == 0
    form = response.context["form"]
    assert {k: list(v) for k, v in form.errors.items()} == {
        "vehicle_class": ["This vehicle is not available for this trip or party size."],
        "lead_email": ["Enter a valid email address."],
        "lead_phone": ["Enter the phone number with its country code, e.g. +90 532 123 45 67."],
        "flight_number": ["A flight number is required for an airport pickup."],
    }
    assert response.context["passenger_errors"] == [
        "Give the name of every passenger: 3 adults, 1 children, 0 infants."
    ]


def test_place_a_tour_from_the_back_office(admin_client, admin_user, catalog):
    data = {
        "departure": catalog.departure.pk,
        "pickup_place": catalog.belek_hotel.pk,
        "pickup_point": "lobby",
        "adults": "2",
        "children": "1",
        "infants": "0",
        "lead_name": "Eva Berg",
        "lead_email": "eva@example.com",
        "lead_phone": "+49 151 23456789",
        "language": "de",
        "currency": "EUR",
        "payment_method": "card",
        "coupon": "welcome10",
        "notes": "",
        "passengers-TOTAL_FORMS": "3",
        "passengers-INITIAL_FORMS": "0",
        "passengers-0-first_name": "Eva",
        "passengers-0-last_name": "Berg",
        "passengers-0-category": "adult",
        "passengers-1-first_name": "Jan",
        "passengers-1-last_name": "Berg",
        "passengers-1-category": "adult",
        "passengers-2-first_name": "Lena",
        "passengers-2-last_name": "Berg",
        "passengers-2-category": "child",
    }
    assert admin_client.get(reverse("admin:bookings_booking_add_tour")).status_code == 200
    response = admin_client.post(reverse("admin:bookings_booking_add_tour"), data)
    assert response.status_code == 302
    booking = Booking.objects.get()
    # 2 × 45.00 + 25.00 = 115.00, less 10 % with WELCOME10.
    assert (booking.kind, booking.total, booking.status, booking.coupon) == (
        "tour",
        Decimal("103.50"),
        "pending_payment",
        catalog.coupon,
    )
    assert booking.tour_departure == catalog.departure
    assert (booking.pickup_place, booking.pickup_point) == (catalog.belek_hotel, "lobby")
    assert booking.events.get().actor == admin_user


def test_the_back_office_refuses_a_tour_pickup_outside_the_tours_zones(admin_client, catalog):
    data = {
        "departure": catalog.departure.pk,
        "pickup_place": catalog.ayt.pk,  # the airport zone is not one of the tour's pickup zones
        "adults": "1",
        "children": "0",
        "infants": "0",
        "lead_name": "Eva Berg",
        "lead_email": "eva@example.com",
        "lead_phone": "+49 151 23456789",
        "language": "de",
        "currency": "EUR",
        "payment_method": "cash",
        "coupon": "",
        "notes": "",
        "passengers-TOTAL_FORMS": "1",
        "passengers-INITIAL_FORMS": "0",
        "passengers-0-first_name": "Eva",
        "passengers-0-last_name": "Berg",
        "passengers-0-category": "adult",
    }
    response = admin_client.post(reverse("admin:bookings_booking_add_tour"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["pickup_place"] == [
        "Antalya Airport is outside this tour's pickup area; choose a hotel in Belek, Lara."
    ]
    assert not Booking.objects.exists()


def test_a_rate_changed_in_the_back_office_prices_the_next_quote(admin_client, catalog):
    assert currency_rates()["GBP"] == Decimal("0.850000")  # now cached
    response = admin_client.post(
        "/admin/catalog/currency/GBP/change/",
        {
            "code": "GBP",
            "name": "Pound sterling",
            "symbol": "£",
            "rate": "0.900000",
            "sort_order": "0",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    assert currency_rates()["GBP"] == Decimal("0.900000")
