"""The fleet's back office: who opens which page, lists at a fixed number of queries, the forms applying the
validators field by field, and trips shown read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gnb.accounts.roles import DRIVER
from gnb.fleet.models import Driver, DriverShift, Trip, Vehicle
from gnb.fleet.services import SYSTEM as FLEET_SYSTEM
from gnb.fleet.services import RideRef, fleet_assign
from gnb.testing.bookings import place_sedan_transfer
from gnb.testing.fleet import in_a_year, make_drive_times, make_driver, make_vehicle
from gnb.testing.personas import persona, staff_login

TC_CHECKSUM = "This T.C. identity number is not valid: its check digits do not match; please check it."


def assigned_trip(catalog, *, days: int = 20, hour: int = 14) -> Trip:
    make_drive_times(catalog)
    booking = place_sedan_transfer(days=days, hour=hour)
    return fleet_assign(
        ride=RideRef(leg_id=booking.legs.get().pk),
        driver_id=make_driver().pk,
        vehicle_id=make_vehicle(catalog.sedan).pk,
        actor=FLEET_SYSTEM,
    )


# --- who opens what ----------------------------------------------------------------------------------------------
PAGES = ("driver", "vehicle", "zonedrivetime", "trip")


@pytest.mark.parametrize(
    ("persona_fixture", "addable"),
    [
        ("manager", {"driver", "vehicle", "zonedrivetime"}),
        ("dispatcher", set()),
        ("superadmin", {"driver", "vehicle", "zonedrivetime"}),
    ],
)
def test_each_role_opens_the_fleet_pages_it_may(request, client, catalog, persona_fixture, addable):
    trip = assigned_trip(catalog)
    staff_login(client, request.getfixturevalue(persona_fixture))
    rows = {"driver": trip.driver_id, "vehicle": trip.vehicle_id, "trip": trip.pk}
    for model in PAGES:
        assert client.get(reverse(f"admin:fleet_{model}_changelist")).status_code == 200, model
        expected_add = 200 if model in addable else 403
        assert client.get(reverse(f"admin:fleet_{model}_add")).status_code == expected_add, model
        if model in rows:
            assert client.get(reverse(f"admin:fleet_{model}_change", args=[rows[model]])).status_code == 200, model


def test_staff_without_fleet_rights_get_403_and_drivers_never_enter(client, catalog):
    trip = assigned_trip(catalog)
    clerk = get_user_model().objects.create_user(username="clerk", is_staff=True)
    staff_login(client, clerk)
    for model in PAGES:
        assert client.get(reverse(f"admin:fleet_{model}_changelist")).status_code == 403, model
    assert client.get(reverse("admin:fleet_trip_change", args=[trip.pk])).status_code == 403
    assert trip.driver is not None
    client.force_login(trip.driver.user)
    response = client.get(reverse("admin:fleet_driver_changelist"))
    assert (response.status_code, response["Location"]) == (302, "/admin/login/?next=/admin/fleet/driver/")


def test_a_dispatcher_sees_drivers_but_cannot_change_them(client, catalog, dispatcher):
    driver = make_driver()
    staff_login(client, dispatcher)
    page = client.get(reverse("admin:fleet_driver_change", args=[driver.pk]))
    assert (page.status_code, page.context["has_change_permission"]) == (200, False)
    posted = client.post(reverse("admin:fleet_driver_change", args=[driver.pk]), {"first_name": "Changed"})
    assert posted.status_code == 403
    assert Driver.objects.get(pk=driver.pk).first_name == "Mehmet"


# --- lists at a fixed cost ---------------------------------------------------------------------------------------
def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url", ["/admin/fleet/driver/", "/admin/fleet/vehicle/", "/admin/fleet/zonedrivetime/", "/admin/fleet/trip/"]
)
def test_lists_cost_the_same_number_of_queries_for_one_row_or_many(
    client, catalog, manager, url, django_assert_max_num_queries
):
    staff_login(client, manager)
    assigned_trip(catalog, days=20)
    few = queries_of(client, url)
    for day in range(21, 27):
        assigned_trip(catalog, days=day)
    with django_assert_max_num_queries(few):
        queries_of(client, url)
    with django_assert_max_num_queries(16):
        queries_of(client, url)


def test_the_driver_list_shows_languages_and_the_first_document_to_expire(client, catalog, manager):
    today = dt.date.today()
    soon = make_driver("Ali", "Demir", languages=["tr", "de"], src_expires_on=today + dt.timedelta(days=10))
    make_driver("Can", "Aydın", languages=["en"])
    staff_login(client, manager)
    page = client.get("/admin/fleet/driver/?expiring=30")
    assert [row.pk for row in page.context["cl"].result_list] == [soon.pk]
    html = page.content.decode()
    assert "TR, DE" in html
    assert f"<strong>SRC certificate {today + dt.timedelta(days=10)}</strong>" in html
    assert [row.pk for row in client.get("/admin/fleet/driver/?expiring=expired").context["cl"].result_list] == []


def test_the_vehicle_list_filters_by_expiring_documents(client, catalog, manager):
    today = dt.date.today()
    insured_briefly = make_vehicle(catalog.minivan, insurance_expires_on=today + dt.timedelta(days=10))
    expired = make_vehicle(catalog.sedan, inspection_expires_on=today - dt.timedelta(days=1))
    make_vehicle(catalog.sedan)
    staff_login(client, manager)
    listed = client.get("/admin/fleet/vehicle/?expiring=30").context["cl"].result_list
    assert {vehicle.pk for vehicle in listed} == {insured_briefly.pk, expired.pk}
    listed = client.get("/admin/fleet/vehicle/?expiring=expired").context["cl"].result_list
    assert [vehicle.pk for vehicle in listed] == [expired.pk]


# --- the forms apply the validators -----------------------------------------------------------------------------
def driver_form(user, **overrides) -> dict:
    data = {
        "user": user.pk,
        "first_name": "Hasan",
        "last_name": "Çelik",
        "phone": "+90 532 765 43 21",
        "languages": "tr, EN ru",
        "is_active": "on",
        "nationality": "tr",
        "identity_number": "10000000146",
        "sex": "E",
        "licence_number": "L-7",
        "licence_expires_on": in_a_year().isoformat(),
        "src_certificate_number": "SRC-7",
        "src_expires_on": in_a_year().isoformat(),
        "psychotechnical_expires_on": in_a_year().isoformat(),
        "notes": "",
        "shifts-TOTAL_FORMS": "1",
        "shifts-INITIAL_FORMS": "0",
        "shifts-0-weekday": "0",
        "shifts-0-starts_at": "08:00",
        "shifts-0-ends_at": "18:00",
        "time_off-TOTAL_FORMS": "0",
        "time_off-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_a_driver_added_in_the_back_office_is_stored_normalised(client, catalog, manager):
    user = persona(DRIVER, "hasan")
    staff_login(client, manager)
    response = client.post(reverse("admin:fleet_driver_add"), driver_form(user))
    assert response.status_code == 302, response.context["adminform"].form.errors
    driver = Driver.objects.get(user=user)
    assert (driver.phone, driver.nationality, driver.languages) == ("+905327654321", "TR", ["tr", "en", "ru"])
    assert [(s.weekday, s.starts_at, s.ends_at) for s in DriverShift.objects.filter(driver=driver)] == [
        (0, dt.time(8), dt.time(18))
    ]


def test_a_driver_with_a_bad_phone_tc_number_and_language_is_refused_field_by_field(client, catalog, manager):
    user = persona(DRIVER, "hasan")
    staff_login(client, manager)
    response = client.post(
        reverse("admin:fleet_driver_add"),
        driver_form(user, phone="0532 765", identity_number="10000000145", languages="tr, xx"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "phone": ["Enter the phone number with its country code, e.g. +90 532 123 45 67."],
        "identity_number": [TC_CHECKSUM],
        "languages": ["Unknown language code(s): xx. Use the two letters of ISO 639-1, e.g. tr, en, ru."],
    }
    assert not Driver.objects.exists()


def test_only_accounts_with_the_driver_role_can_be_a_driver(client, catalog, manager):
    staff_login(client, manager)
    response = client.post(reverse("admin:fleet_driver_add"), driver_form(manager))
    assert response.context["adminform"].form.errors == {
        "user": ["Select a valid choice. That choice is not one of the available choices."]
    }


def vehicle_form(catalog, **overrides) -> dict:
    data = {
        "plate": "07 abc 123",
        "vehicle_class": catalog.minivan.pk,
        "seats": "7",
        "luggage": "8",
        "is_active": "on",
        "make": "Volkswagen",
        "model": "Caravelle",
        "colour": "Silver",
        "year": "2022",
        "home_zone": "",
        "insurance_expires_on": in_a_year().isoformat(),
        "inspection_expires_on": in_a_year().isoformat(),
        "route_permit_expires_on": in_a_year().isoformat(),
        "notes": "",
    }
    data.update(overrides)
    return data


def test_a_vehicle_with_a_bad_plate_and_too_few_seats_is_refused_field_by_field(client, catalog, manager):
    staff_login(client, manager)
    response = client.post(reverse("admin:fleet_vehicle_add"), vehicle_form(catalog, plate="07 A 12", seats="6"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "plate": [
            "A Turkish plate has 1 letter and 4 digits, 2 letters and 3 or 4 digits, or 3 letters and 2 or 3 digits; "
            "“07 A 12” has 1 letter(s) and 2 digits."
        ],
        "seats": ["A Minivan carries 7 passengers: give it at least 7 seats."],
    }
    response = client.post(reverse("admin:fleet_vehicle_add"), vehicle_form(catalog))
    assert response.status_code == 302
    assert Vehicle.objects.get().plate == "07 ABC 123"


# --- trips are read-only ------------------------------------------------------------------------------------------
def test_a_trip_page_is_read_only_with_its_riders_and_history(client, catalog, dispatcher):
    trip = assigned_trip(catalog)
    staff_login(client, dispatcher)
    page = client.get(reverse("admin:fleet_trip_change", args=[trip.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    html = " ".join(page.content.decode().split())
    assert 'name="_save"' not in html
    booking = trip.riders.get().booking
    assert f'<a href="/admin/bookings/booking/{booking.pk}/change/">{booking.reference}</a>' in html
    assert "Anna Smith, John Smith" in html
    assert '<td class="field-action"> <p>assigned</p> </td>' in html
    posted = client.post(reverse("admin:fleet_trip_change", args=[trip.pk]), {"status": "completed"})
    assert posted.status_code == 403
    assert Trip.objects.get(pk=trip.pk).status == Trip.Status.ASSIGNED
    assert client.get(reverse("admin:fleet_trip_add")).status_code == 403
    assert client.get(reverse("admin:fleet_trip_delete", args=[trip.pk])).status_code == 403


def test_the_trip_list_links_the_dispatch_board_and_filters_by_day(client, catalog, dispatcher):
    tomorrow = assigned_trip(catalog, days=1)
    assigned_trip(catalog, days=5)
    staff_login(client, dispatcher)
    page = client.get("/admin/fleet/trip/?starts=tomorrow")
    assert f'href="{reverse("admin:fleet_board")}"' in page.content.decode()
    assert [trip.pk for trip in page.context["cl"].result_list] == [tomorrow.pk]
    # No action at all: trips are not deleted, and are changed only from the board.
    assert page.context["action_form"] is None
