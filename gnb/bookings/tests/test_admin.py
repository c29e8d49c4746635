"""The back office: every page renders, lists cost a fixed number of queries, actions go through the services."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gnb.bookings import lifecycle, policies, services
from gnb.bookings.models import Booking, BookingEvent, GroupQuoteRequest, IdempotencyKey
from gnb.bookings.orders import FlightInput
from gnb.bookings.quotes import ExtraRequest, currency_rates
from gnb.catalog.models import Season
from gnb.notifications.models import ContactMessage, SentEmail
from gnb.notifications.services import booking_email_send
from gnb.payments.services.offline import payment_record_cash
from gnb.testing.admin import messages_of
from gnb.testing.bookings import place_a_day_of_rides, transfer_request
from gnb.testing.bookings import place_berg_tour as place_tour
from gnb.testing.bookings import place_past_sedan_transfer as place_past_transfer
from gnb.testing.bookings import place_sedan_transfer as place_transfer
from gnb.testing.bookings import place_transfer as place_full_transfer
from gnb.testing.catalog import IST, future_local, seats_for_children

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
        "GroupQuoteRequest",
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
    GroupQuoteRequest.objects.create(
        origin=catalog.ayt,
        destination=catalog.belek_hotel,
        pickup_at=transfer.starts_at,
        adults=20,
        name="Olga",
        email="olga@example.com",
        phone="+79123456789",
        language="ru",
    )
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
    # Each cell's text without its tags (the route and payment carry a title).
    cells = [re.sub(r"<[^>]+>", "", cell.split(">", 1)[1]).strip() for cell in row.split("<td")[1:]]
    assert (
        cells
        == [
            booking.starts_at.astimezone(IST).strftime("%d.%m %H:%M"),
            "AYT → Regnum Carya",
            "2 / 0 / 0",
            "-",  # no extras
            f"TK2412 {local(booking.starts_at)[-5:]}",
            "Sedan",
            "Confirmed",
            "Cash · Unpaid",
        ]
    )
    assert 'title="Cash to the driver: 34.00 GBP"' in row
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
    assert listed("?status__exact=confirmed") == [tomorrow.reference, tour.reference, later.reference]  # next first


def test_booking_changelist_query_count_does_not_grow(admin_client, catalog, django_assert_max_num_queries):
    for day in range(3):
        place_transfer(days=10 + day)
    place_tour(catalog)
    place_past_transfer()  # the list reads rides ahead, then those already started: both in one set of queries
    with CaptureQueriesContext(connection) as three:
        assert admin_client.get(CHANGELIST).status_code == 200
    for day in range(27):
        place_transfer(days=13 + day)
    place_tour(catalog)
    # (One of them: the second factor the session passed, read by django-otp's middleware on every admin page;
    # others the legs, the extras shown as marks, and the tours, places, classes and extras they name, each read
    # once.)
    with django_assert_max_num_queries(13), CaptureQueriesContext(connection) as thirty:
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 33
    assert len(thirty) == len(three)


def test_a_page_of_rides_ahead_and_already_started_reads_their_legs_places_and_extras_once(
    admin_client, catalog, monkeypatch
):
    monkeypatch.setattr(admin.site._registry[Booking], "list_per_page", 5)
    for day in range(7):
        place_transfer(days=10 + day, extras=(ExtraRequest("child_seat", 1),))
    for _ in range(3):
        place_past_transfer()

    def page(number: int) -> tuple[list[str], int]:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(CHANGELIST, {"p": number})
        return [booking.reference for booking in response.context["cl"].result_list], len(queries)

    (ahead_only, one_run), (both, two_runs) = page(1), page(2)
    assert len(ahead_only) == 5 and len(both) == 5
    # The second page reads the rest of the rides ahead and the first of those already started: one more query
    # for the second run's rows, and the legs, places and extras of all five in one query each, as on the first.
    assert two_runs == one_run + 1


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
    # The lifecycle buttons offered are those staff may take from the status now: an assigned ride ahead can only be
    # cancelled (back to confirmed is dispatch's move; completed and no-show wait for the pickup time).
    assert [step.action for step in response.context["lifecycle_actions"]] == ["cancel_bookings"]
    # The "History" button leads to the booking's own history section on this page, not Django's empty log.
    assert '<a href="#events-group" class="historylink">History</a>' in html
    assert reverse("admin:bookings_booking_history", args=[booking.pk]) not in html
    response = admin_client.post(url, {"total": "1.00", "status": "completed", "lead_name": "Mallory"})
    assert response.status_code == 403
    booking.refresh_from_db()
    assert (booking.total, booking.status, booking.lead_name) == (Decimal("50.00"), "assigned", "Anna Smith")


def test_the_admins_history_page_leads_to_the_bookings_own_history(admin_client, catalog):
    booking = place_transfer()
    response = admin_client.get(reverse("admin:bookings_booking_history", args=[booking.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:bookings_booking_change", args=[booking.pk]) + "#events-group"
    assert admin_client.get(reverse("admin:bookings_booking_history", args=[booking.pk + 999])).status_code == 404


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


def test_an_assigned_booking_is_not_confirmed_by_hand_and_is_not_offered_confirm(admin_client, admin_user, catalog):
    booking = place_transfer(days=5)
    services.booking_transition(booking_id=booking.pk, to_status="assigned", actor=services.Actor("dispatch"))
    response = run_action(admin_client, "confirm_bookings", [booking])
    assert messages_of(response) == [
        f"{booking.reference} not changed: A booking in status “Driver assigned” moves to “Confirmed” only through "
        "dispatch or payments (e.g. by taking the driver off its trip on the dispatch board), not by hand."
    ]
    booking.refresh_from_db()
    assert booking.status == "assigned"
    assert booking.events.count() == 2
    # A list of assigned bookings offers only what staff may do from there: no "Confirm".
    listed = admin_client.get(CHANGELIST, {"status__exact": "assigned"})
    offered = [value for value, _label in listed.context["action_form"].fields["action"].choices if value]
    assert offered == ["cancel_bookings", "complete_bookings", "no_show_bookings", "export_csv"]
    pending = admin_client.get(CHANGELIST, {"status__exact": "pending_payment"})
    offered = [value for value, _label in pending.context["action_form"].fields["action"].choices if value]
    assert offered == ["confirm_bookings", "cancel_bookings", "export_csv"]


def test_what_staff_may_do_by_hand_is_a_part_of_the_lifecycle_and_dispatch_still_unassigns(catalog):
    booking = place_transfer(days=5)
    assert policies.can_transition("assigned", "confirmed")
    assert not policies.can_transition("assigned", "confirmed", by_hand=True)
    for from_status, moves in policies.MOVES.items():
        for to_status in moves:
            assert policies.can_transition(from_status, to_status)
    services.booking_transition(booking_id=booking.pk, to_status="assigned", actor=services.Actor("dispatch"))
    booking.refresh_from_db()
    assert lifecycle.staff_moves(booking) == {"cancelled"}
    assert lifecycle.staff_moves(booking, now=booking.starts_at) == {"cancelled", "completed", "no_show"}
    # The system's own move (dispatch taking the driver off) is still made.
    services.booking_transition(booking_id=booking.pk, to_status="confirmed", actor=services.Actor("dispatch"))
    booking.refresh_from_db()
    assert booking.status == "confirmed"


@pytest.mark.parametrize(
    "query",
    ["PC1234", "pc1234", "Regnum", "Arrivals gate 3", "Hans", "Müller", "+447911", "anna@example", "berg"],
)
def test_the_bookings_list_is_searched_by_flight_place_point_names_phone_and_email(admin_client, catalog, query):
    wanted = place_transfer(days=4, last_names=("Müller", "Müller"), lead="Hans Müller", email="anna@example.com")
    other = place_transfer(days=5, lead="Ece Kaya", email="ece@example.net")
    leg = wanted.legs.get()
    leg.flight_number = "PC1234"
    leg.pickup_point = "Arrivals gate 3"
    leg.save()
    other.lead_phone = "+905321234567"
    other.save()
    other.legs.update(flight_number="TK2412")
    response = admin_client.get(CHANGELIST, {"q": query})
    found = [booking.reference for booking in response.context["cl"].result_list]
    if query == "Regnum":  # both ride to the same hotel
        assert sorted(found) == sorted([wanted.reference, other.reference])
    elif query == "berg":  # no such place or name
        assert found == []
    else:
        assert found == [wanted.reference]


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
    "phone,passengers,currency,total,total_eur,placed_at,landing,pickup_point,luggage,extras,notes,payment_method,"
    "balance\r\n"
)


def csv_line(booking: Booking, *, status: str = "confirmed", lead: str = "Anna Smith") -> str:
    balance = "0.00" if status == "cancelled" else booking.total
    return (
        f"{booking.reference},transfer,{status},unpaid,{local(booking.starts_at)},"
        f"Antalya Airport (AYT) → Regnum Carya,2,0,0,Sedan,TK2412,{lead},anna@example.com,+447911123456,"
        f"Anna Smith; John Smith,{booking.currency},{booking.total},{booking.total_base},"
        f"{local(booking.created_at)},{local(booking.starts_at)},,0,,,cash,{balance}\r\n"
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
    # A name can no longer hold "=" or "(" (gnb.bookings.names), but rows written before that rule, notes and
    # pickup points still can: the export never trusts its cells.
    booking = place_transfer()
    Booking.objects.filter(pk=booking.pk).update(lead_name="=HYPERLINK(1)")
    booking.refresh_from_db()
    response = run_action(admin_client, "export_csv", [booking])
    assert b"".join(response.streaming_content).decode() == HEADER + csv_line(booking, lead="'=HYPERLINK(1)")


def test_csv_export_carries_what_a_dispatcher_needs_formula_safe(admin_client, admin_user, catalog):
    seats_for_children(catalog)
    pickup = future_local(days=6, hour=9, minute=0)
    family = place_full_transfer(
        transfer_request(
            origin="regnum-carya",
            destination="ayt",
            pickup_at=pickup,
            children=1,
            infants=1,
            luggage=4,
            extras=(ExtraRequest("child_seat", 1), ExtraRequest("baby_seat", 1)),
        ),
        vehicle_class="minivan",
        pickup_point="+Lobby, by the fountain",
        notes="=2+3 surfboards",
        flight=FlightInput(),
    )
    payment_record_cash(booking_id=family.pk, amount="20.00", actor=admin_user)
    card = place_full_transfer(
        transfer_request(pickup_at=future_local(days=6, hour=11, minute=0)),
        payment_method="card",
        flight=FlightInput("PC 1234", future_local(days=6, hour=10, minute=25)),
    )
    response = run_action(admin_client, "export_csv", [family, card])
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))
    wanted = ("landing", "pickup_point", "luggage", "extras", "notes", "payment_method", "balance")
    assert [tuple(row[name] for name in wanted) for row in rows] == [
        (
            "",
            "'+Lobby, by the fountain",
            "4",
            "1 × Child seat; 1 × Baby seat",
            "'=2+3 surfboards",
            "cash",
            f"{family.total - Decimal('20.00'):.2f}",  # less the cash recorded
        ),
        (local(card.legs.get().flight_arrival_at), "", "0", "", "", "card", f"{card.total:.2f}"),
    ]


# --- the list at 200 rides a day ----------------------------------------------------------------------------
def test_the_list_shows_a_busy_day_on_one_page_in_a_constant_number_of_queries(admin_client, catalog):
    few = place_a_day_of_rides(catalog, count=3)
    with CaptureQueriesContext(connection) as three:
        assert admin_client.get(CHANGELIST).status_code == 200
    place_a_day_of_rides(catalog, count=197, days=3)
    with CaptureQueriesContext(connection) as two_hundred:
        response = admin_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 200  # one page
    assert len(two_hundred) == len(three)
    html = response.content.decode()
    # Extras as short marks with their names in the title; airports by their code; the flight with its landing.
    assert '<abbr class="gnb-extra" title="1 × Child seat">CS</abbr>' in html
    assert '<abbr class="gnb-extra" title="1 × Baby seat">BS</abbr>' in html
    assert (
        '<span class="gnb-route" title="Antalya Airport (AYT) → Regnum Carya"><span class="gnb-place">AYT</span> → '
        '<span class="gnb-place">Regnum Carya</span></span>'
    ) in html
    assert f"TK2000 {local(few[0].legs.get().flight_arrival_at)[-5:]}" in html
    assert "Cash · Unpaid" in html and "Card · Unpaid" in html


def test_the_list_starts_with_the_next_pickup_then_those_already_started(admin_client, catalog):
    past = place_past_transfer()
    later = place_transfer(days=9)
    next_one = place_transfer(days=2)
    response = admin_client.get(CHANGELIST)
    assert [b.reference for b in response.context["cl"].result_list] == [
        next_one.reference,
        later.reference,
        past.reference,
    ]


def test_the_today_tomorrow_switch_filters_the_list_by_pickup_day_and_keeps_the_search(admin_client, catalog):
    tomorrow = place_transfer(days=1, hour=20)
    place_transfer(days=3)
    response = admin_client.get(CHANGELIST, {"q": "Smith", "p": "1"})
    links = [(str(link.label), link.url, link.current) for link in response.context["day_switch"]]
    assert links == [
        ("All days", "?q=Smith", True),
        ("Today", "?q=Smith&starts=today", False),
        ("Tomorrow", "?q=Smith&starts=tomorrow", False),
    ]
    response = admin_client.get(CHANGELIST + links[2][1])
    assert [b.reference for b in response.context["cl"].result_list] == [tomorrow.reference]
    assert [link.current for link in response.context["day_switch"]] == [False, False, True]
    assert '<a href="?q=Smith&amp;starts=tomorrow" aria-current="page">Tomorrow</a>' in response.content.decode()


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
