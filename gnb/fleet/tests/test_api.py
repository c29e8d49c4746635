"""The fleet API: drivers' trips, manifests, status moves and cash; the dispatchers' day and assignments; who may
call what (no token 401, customer 403, another driver's trip 404, staff without the permission 403)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from gnb.accounts.api_tokens import token_issue
from gnb.bookings.models import Booking, Passenger, TransferLeg
from gnb.bookings.quotes import ExtraRequest
from gnb.fleet import services
from gnb.fleet.evidence import local_time_text, no_show_allowed_from
from gnb.fleet.models import Trip, TripEvent
from gnb.fleet.rules import LOCAL
from gnb.fleet.services import Actor, RideRef
from gnb.payments.models import Payment
from gnb.testing.bookings import place_berg_tour, place_sedan_transfer, place_transfer_to_the_airport_in
from gnb.testing.fleet import at_the_pickup, make_drive_times, make_driver, make_vehicle
from gnb.testing.personas import authenticator_code, authenticator_enrol, persona

pytestmark = pytest.mark.django_db

T = Trip.Status


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_issue(user=user).access_token}"}


@pytest.fixture
def fleet(catalog):
    make_drive_times(catalog)  # 45 minutes between zones, a turnaround of 30
    return catalog


@pytest.fixture
def dispatch_user(db):
    """A dispatcher holding the fleet's view and change permissions on trips."""
    user = persona("dispatcher", "dilek")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="fleet", codename__endswith="_trip"))
    return get_user_model().objects.get(pk=user.pk)  # a fresh permission cache


@pytest.fixture
def setup(fleet, dispatch_user):
    """Ayşe drives Anna's sedan transfer in two days (cash, 40.00 EUR); Kemal is another driver."""
    booking = place_sedan_transfer(days=2, hour=14, extras=(ExtraRequest("child_seat", 1),))
    ayse, kemal = make_driver("Ayşe", "Kaya"), make_driver("Kemal", "Öz")
    sedan = make_vehicle(fleet.sedan, plate="07 ABC 123", colour="White")
    trip = services.fleet_assign(
        ride=RideRef(leg_id=booking.legs.get().pk),
        driver_id=ayse.pk,
        vehicle_id=sedan.pk,
        actor=Actor.for_user(dispatch_user),
    )
    return {"booking": booking, "ayse": ayse, "kemal": kemal, "sedan": sedan, "trip": trip}


def post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", headers=headers)


# --- who may call -------------------------------------------------------------------------------------------
def test_driver_operations_need_a_token(client, setup):
    trip = setup["trip"]
    for response in (
        client.get("/api/v1/driver/trips"),
        client.get(f"/api/v1/driver/trips/{trip.pk}"),
        post(client, f"/api/v1/driver/trips/{trip.pk}/status", {"status": "on_the_way"}),
        post(client, f"/api/v1/driver/trips/{trip.pk}/cash", {"booking": "GNB-AAAA-AAAA", "amount": "1.00"}),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    assert Trip.objects.get(pk=trip.pk).status == T.ASSIGNED


def test_a_customer_is_not_a_driver(client, setup):
    customer = persona("customer", "anna")
    response = client.get("/api/v1/driver/trips", headers=bearer(customer))
    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "forbidden",
            "message": "This is for drivers; this account has no driver record.",
            "fields": [],
        }
    }
    response = post(
        client, f"/api/v1/driver/trips/{setup['trip'].pk}/status", {"status": "on_the_way"}, **bearer(customer)
    )
    assert response.status_code == 403


def test_another_drivers_trip_is_not_found(client, setup):
    trip, kemal = setup["trip"], setup["kemal"]
    auth = bearer(kemal.user)
    not_found = {"error": {"code": "not_found", "message": "Trip not found.", "fields": []}}
    assert client.get(f"/api/v1/driver/trips/{trip.pk}", headers=auth).json() == not_found
    response = post(client, f"/api/v1/driver/trips/{trip.pk}/status", {"status": "on_the_way"}, **auth)
    assert (response.status_code, response.json()) == (404, not_found)
    response = post(
        client, f"/api/v1/driver/trips/{trip.pk}/cash", {"booking": setup["booking"].reference, "amount": "5"}, **auth
    )
    assert response.status_code == 404
    assert (
        client.get("/api/v1/driver/trips", headers=auth, query_params={"from": "2000-01-01", "to": "2000-01-02"}).json()
        == []
    )
    assert client.get("/api/v1/driver/trips/999999", headers=auth).status_code == 404
    assert Trip.objects.get(pk=trip.pk).status == T.ASSIGNED
    assert not Payment.objects.exists()


def test_a_driver_with_a_verified_address_signs_in_at_auth_token(client, fleet):
    ayse = make_driver("Ayşe")
    ayse.user.set_password("sürücü-parola-2026")
    ayse.user.email_verified_at = timezone.now()
    ayse.user.save()
    response = post(client, "/api/v1/auth/token", {"username": ayse.user.username, "password": "sürücü-parola-2026"})
    assert response.status_code == 200
    access = response.json()["access_token"]
    trips = client.get("/api/v1/driver/trips", headers={"Authorization": f"Bearer {access}"})
    assert (trips.status_code, trips.json()) == (200, [])


def test_staff_without_the_fleet_permission_get_403(client, setup):
    plain_staff = get_user_model().objects.create_user(username="stafi", is_staff=True)
    for response in (
        client.get("/api/v1/dispatch/trips", headers=bearer(plain_staff)),
        post(client, f"/api/v1/dispatch/trips/{setup['trip'].pk}/unassign", {"reason": "x"}, **bearer(plain_staff)),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/dispatch/trips").status_code == 401
    # A driver is no dispatcher.
    assert client.get("/api/v1/dispatch/trips", headers=bearer(setup["ayse"].user)).status_code == 403
    assert Trip.objects.get(pk=setup["trip"].pk).status == T.ASSIGNED


# --- the driver's trips -------------------------------------------------------------------------------------
def test_my_trips_in_a_date_range(client, setup, fleet):
    booking, trip, ayse = setup["booking"], setup["trip"], setup["ayse"]
    pickup = trip.starts_at.astimezone(dt.timezone(dt.timedelta(hours=3)))
    day = pickup.date().isoformat()
    response = client.get("/api/v1/driver/trips", headers=bearer(ayse.user), query_params={"from": day, "to": day})
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": trip.pk,
            "kind": "transfer",
            "status": "assigned",
            "pickup_at": pickup.isoformat(),
            "busy_until": (pickup + dt.timedelta(minutes=75)).isoformat(),
            "route": "Antalya Airport → Belek",
            "origin": "Antalya Airport",
            "destination": "Regnum Carya",
            "vehicle_plate": "07 ABC 123",
            "passengers": 2,
            "luggage": 0,
            "bookings": [
                {
                    "reference": booking.reference,
                    "lead_name": "Anna Smith",
                    "payment_method": "cash",
                    "flight_number": "TK2412",
                    "flight_arrival_at": pickup.isoformat(),
                    "flight_departure_at": None,
                    "cash_to_collect": {"amount": "45.00", "currency": "EUR"},
                }
            ],
        }
    ]
    assert pickup.isoformat().endswith("+03:00")


def test_the_default_range_is_today_and_tomorrow(client, setup):
    # The trip is in two days: outside today and tomorrow.
    assert client.get("/api/v1/driver/trips", headers=bearer(setup["ayse"].user)).json() == []


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-07-01", "to": "2026-07-15"}, "to", "At most 14 days at a time."),
        ({"from": "2026-07-02", "to": "2026-07-01"}, "to", "The last day comes before the first."),
        ({"from": "2026"}, "from", "Value error, Enter a date as YYYY-MM-DD."),
        (
            {"from": "01/07/2026"},
            "from",
            "Input should be a valid date or datetime, invalid character in year",
        ),
    ],
)
def test_a_bad_range_names_its_field(client, setup, params, field, message):
    response = client.get("/api/v1/driver/trips", headers=bearer(setup["ayse"].user), query_params=params)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [{"field": field, "message": message}]


def test_the_manifest(client, setup):
    booking, trip = setup["booking"], setup["trip"]
    Passenger.objects.filter(pk=booking.passengers.order_by("position").first().pk).update(
        nationality="GB", document_number="123456789"
    )
    response = client.get(f"/api/v1/driver/trips/{trip.pk}", headers=bearer(setup["ayse"].user))
    assert response.status_code == 200
    body = response.json()
    assert body["driver"] == {"id": setup["ayse"].pk, "name": "Ayşe Kaya", "phone": setup["ayse"].phone}
    assert body["vehicle"]["plate"] == "07 ABC 123"
    assert body["vehicle"]["colour"] == "White"
    (entry,) = body["manifest"]
    assert entry["reference"] == booking.reference
    assert (entry["lead_name"], entry["lead_phone"], entry["language"]) == ("Anna Smith", "+447911123456", "en")
    assert entry["extras"] == [{"code": "child_seat", "name": "Child seat", "quantity": 1}]
    assert entry["pickup"]["name"] == "Antalya Airport"
    assert Decimal(entry["pickup"]["latitude"]) == booking.legs.get().origin.latitude
    assert entry["dropoff"]["name"] == "Regnum Carya"
    assert entry["passengers"] == [
        {"first_name": "Anna", "last_name": "Smith", "category": "adult", "nationality": "GB", "has_document": True},
        {"first_name": "John", "last_name": "Smith", "category": "adult", "nationality": "", "has_document": False},
    ]
    assert "123456789" not in response.content.decode()


# --- status moves -------------------------------------------------------------------------------------------
def move(client, trip, user, status, **body):
    return post(client, f"/api/v1/driver/trips/{trip.pk}/status", {"status": status, **body}, **bearer(user))


def at_pickup(trip: Trip):
    """Picked up and no-show are recorded once the pickup time has passed."""
    return time_machine.travel(trip.starts_at + dt.timedelta(minutes=5), tick=True)


def test_each_step_moves_the_trip_and_the_booking(client, setup):
    trip, user, booking = setup["trip"], setup["ayse"].user, setup["booking"]
    with at_pickup(trip):
        expected = [
            ("on_the_way", "on_the_way", Booking.Status.ON_THE_WAY),
            ("arrived", "arrived", Booking.Status.ON_THE_WAY),
            ("picked_up", "picked_up", Booking.Status.PICKED_UP),
            ("completed", "completed", Booking.Status.COMPLETED),
        ]
        for step, trip_status, booking_status in expected:
            response = move(client, trip, user, step, latitude="36.898700", longitude="30.800500", accuracy_m=12)
            assert response.status_code == 200, response.json()
            assert response.json()["status"] == trip_status
            booking.refresh_from_db()
            assert booking.status == booking_status
        events = TripEvent.objects.filter(trip=trip).exclude(action="assigned").order_by("pk")
        assert [(e.action, e.actor_id, e.latitude, e.longitude, e.accuracy_m) for e in events] == [
            (step, user.pk, Decimal("36.898700"), Decimal("30.800500"), 12) for step, _, _ in expected
        ]


def test_a_no_show_needs_a_reason_the_waiting_time_and_the_position_at_the_pickup(client, setup):
    trip, user = setup["trip"], setup["ayse"].user
    here = at_the_pickup(trip)
    there = {"latitude": str(here.latitude), "longitude": str(here.longitude), "accuracy_m": 12}
    allowed_from = no_show_allowed_from(trip)
    with at_pickup(trip):
        assert move(client, trip, user, "on_the_way").status_code == 200
        response = move(client, trip, user, "no_show", **there)
        assert response.status_code == 422
        assert response.json()["error"]["fields"] == [
            {"field": "reason", "message": "Say what happened (how long you waited, where)."}
        ]
    with time_machine.travel(allowed_from - dt.timedelta(minutes=1), tick=False):
        response = move(client, trip, user, "no_show", reason="Nobody came.", **there)
        assert response.status_code == 409
        assert response.json()["error"]["message"] == (
            f"A no-show can be marked from {local_time_text(allowed_from, trip)}, when the travellers have had "
            "time to come."
        )
    with time_machine.travel(allowed_from, tick=False):
        response = move(client, trip, user, "no_show", reason="Waited 60 minutes at gate B.")
        assert response.status_code == 422
        assert response.json()["error"]["fields"] == [
            {
                "field": "position",
                "message": "A no-show needs evidence: your position within 150 m of the pickup place, or a photo "
                "of the name sign.",
            }
        ]
        response = move(client, trip, user, "no_show", reason="Waited 60 minutes at gate B.", **there)
        assert (response.status_code, response.json()["status"]) == (200, "no_show")
        setup["booking"].refresh_from_db()
        assert setup["booking"].status == Booking.Status.NO_SHOW


def test_a_move_out_of_order_is_refused_with_its_reason(client, setup):
    trip = setup["trip"]
    response = move(client, trip, setup["ayse"].user, "picked_up")
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "invalid_transition",
            "message": f"Trip T{trip.pk} is assigned; it cannot be marked picked up.",
            "fields": [{"field": "status", "message": f"Trip T{trip.pk} is assigned; it cannot be marked picked up."}],
        }
    }
    assert Trip.objects.get(pk=trip.pk).status == T.ASSIGNED


def test_a_repeat_with_the_same_idempotency_key_answers_the_trip_once_moved(client, setup):
    trip, user = setup["trip"], setup["ayse"].user
    url, headers = f"/api/v1/driver/trips/{trip.pk}/status", {**bearer(user), "Idempotency-Key": "k1"}
    first = post(client, url, {"status": "on_the_way"}, **headers)
    assert first.status_code == 200
    again = post(client, url, {"status": "on_the_way"}, **headers)
    assert (again.status_code, again.json()) == (200, first.json())
    assert TripEvent.objects.filter(trip=trip, action="on_the_way").count() == 1
    # Without the key the same step again is a stale button, not a retry.
    assert move(client, trip, user, "on_the_way").status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "flying"}, "status"),
        ({"status": "arrived", "latitude": "91"}, "latitude"),
        ({"status": "arrived", "latitude": "36.9"}, "body"),
        ({"status": "arrived", "accuracy_m": "12"}, "accuracy_m"),
        ({"status": "arrived", "reason": "x" * 501}, "reason"),
        ({}, "status"),
    ],
)
def test_a_bad_status_body_names_its_field(client, setup, body, field):
    response = post(client, f"/api/v1/driver/trips/{setup['trip'].pk}/status", body, **bearer(setup["ayse"].user))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field
    assert Trip.objects.get(pk=setup["trip"].pk).status == T.ASSIGNED


# --- cash -------------------------------------------------------------------------------------------------
def test_cash_collected_is_a_payment(client, setup):
    trip, user, booking = setup["trip"], setup["ayse"].user, setup["booking"]
    url = f"/api/v1/driver/trips/{trip.pk}/cash"
    early = post(client, url, {"booking": booking.reference, "amount": "40.00"}, **bearer(user))
    assert early.status_code == 409
    assert early.json()["error"]["message"] == "Cash is recorded once the trip has started."
    move(client, trip, user, "on_the_way")

    response = post(client, url, {"booking": booking.reference.lower(), "amount": "40.00"}, **bearer(user))

    assert response.status_code == 201
    assert response.json() == {
        "booking": booking.reference,
        "collected": {"amount": "40.00", "currency": "EUR"},
        "cash_to_collect": {"amount": "5.00", "currency": "EUR"},
    }
    payment = Payment.objects.get(booking=booking)
    assert (payment.provider, payment.state, payment.amount, payment.recorded_by) == (
        "cash",
        "confirmed",
        Decimal("40.00"),
        user,
    )
    assert isinstance(payment.amount, Decimal)
    too_much = post(client, url, {"booking": booking.reference, "amount": "5.01"}, **bearer(user))
    assert too_much.status_code == 422
    assert too_much.json()["error"]["fields"] == [{"field": "amount", "message": "At most 5.00 EUR is due."}]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"booking": "GNB-ZZZZ-ZZZZ", "amount": "1.00"}, 404, "booking"),
        ({"booking": "GNB-ZZZZ-ZZZZ", "amount": "-1"}, 422, "amount"),
        ({"booking": "GNB-ZZZZ-ZZZZ", "amount": "1.001"}, 422, "amount"),
        ({"amount": "1.00"}, 422, "booking"),
    ],
)
def test_bad_cash_names_its_field(client, setup, body, status, field):
    move(client, setup["trip"], setup["ayse"].user, "on_the_way")
    response = post(client, f"/api/v1/driver/trips/{setup['trip'].pk}/cash", body, **bearer(setup["ayse"].user))
    assert response.status_code == status
    assert response.json()["error"]["fields"][0]["field"] == field
    assert not Payment.objects.exists()


# --- dispatch -------------------------------------------------------------------------------------------------
def test_the_dispatch_day_lists_trips_and_rides_waiting(client, setup, fleet, dispatch_user):
    trip = setup["trip"]
    waiting = place_sedan_transfer(days=2, hour=9, lead="Olga Petrova", email="olga@example.com")
    day = trip.starts_at.astimezone(dt.timezone(dt.timedelta(hours=3))).date().isoformat()
    response = client.get("/api/v1/dispatch/trips", headers=bearer(dispatch_user), query_params={"day": day})
    assert response.status_code == 200
    body = response.json()
    assert body["day"] == day
    assert [(t["id"], t["driver"]["name"], t["vehicle"]["plate"], t["missing_documents"]) for t in body["trips"]] == [
        (trip.pk, "Ayşe Kaya", "07 ABC 123", 2)
    ]
    assert [
        (r["kind"], r["leg"], r["references"], r["vehicle_class"], r["missing_documents"], r["problem"])
        for r in body["unassigned"]
    ] == [("transfer", waiting.legs.get().pk, [waiting.reference], "Sedan", 2, "")]


def test_dispatch_assigns_and_refuses_a_busy_driver(client, setup, fleet, dispatch_user):
    ayse, auth = setup["ayse"], bearer(dispatch_user)
    clash = place_sedan_transfer(days=2, hour=14, lead="Olga Petrova", email="olga@example.com")
    other_car = make_vehicle(fleet.sedan, plate="07 DEF 456")

    response = post(
        client,
        "/api/v1/dispatch/assign",
        {"leg": clash.legs.get().pk, "driver": ayse.pk, "vehicle": other_car.pk},
        **auth,
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "driver_busy"
    assert error["message"].startswith(
        f"Ayşe Kaya is on trip T{setup['trip'].pk} (Antalya Airport → Belek, 14:30–15:45)"
    )
    assert error["fields"][0]["field"] == "driver"

    response = post(
        client,
        "/api/v1/dispatch/assign",
        {"leg": clash.legs.get().pk, "driver": setup["kemal"].pk, "vehicle": other_car.pk},
        **auth,
    )
    assert response.status_code == 201
    created = Trip.objects.get(pk=response.json()["id"])
    assert (created.driver, created.vehicle) == (setup["kemal"], other_car)
    clash.refresh_from_db()
    assert clash.status == Booking.Status.ASSIGNED
    again = post(
        client,
        "/api/v1/dispatch/assign",
        {"leg": clash.legs.get().pk, "driver": setup["kemal"].pk, "vehicle": other_car.pk},
        **auth,
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_assigned")


def test_dispatch_assigns_a_tour_departure(client, fleet, dispatch_user):
    booking = place_berg_tour(fleet)
    minibus = make_vehicle(fleet.minibus, plate="07 TUR 07")
    response = post(
        client,
        "/api/v1/dispatch/assign",
        {"departure": fleet.departure.pk, "driver": make_driver("Emre").pk, "vehicle": minibus.pk},
        **bearer(dispatch_user),
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["bookings"][0]["reference"]) == ("tour", booking.reference)


def test_dispatch_reassigns_and_unassigns(client, setup, fleet, dispatch_user):
    trip, auth = setup["trip"], bearer(dispatch_user)
    url = f"/api/v1/dispatch/trips/{trip.pk}"
    response = post(client, f"{url}/reassign", {"driver": setup["kemal"].pk, "vehicle": setup["sedan"].pk}, **auth)
    assert (response.status_code, response.json()["driver"]["name"]) == (200, "Kemal Öz")

    response = post(client, f"{url}/unassign", {"reason": "Flight cancelled"}, **auth)
    assert response.status_code == 204
    trip.refresh_from_db()
    assert trip.status == T.RELEASED
    setup["booking"].refresh_from_db()
    assert setup["booking"].status == Booking.Status.CONFIRMED
    assert TripEvent.objects.filter(trip=trip, action="unassigned").get().reason == "Flight cancelled"
    # A released trip is gone for dispatch and for its former driver.
    assert post(client, f"{url}/unassign", {"reason": ""}, **auth).status_code == 404
    assert client.get(f"/api/v1/driver/trips/{trip.pk}", headers=bearer(setup["kemal"].user)).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"driver": 1, "vehicle": 1}, "body"),
        ({"leg": 1, "departure": 1, "driver": 1}, "body"),
        ({"leg": "1", "driver": 1}, "leg"),
        ({"leg": 0, "driver": 1}, "leg"),
        ({"leg": 1, "driver": True}, "driver"),
    ],
)
def test_a_bad_assign_body_names_its_field(client, setup, dispatch_user, body, field):
    response = post(client, "/api/v1/dispatch/assign", body, **bearer(dispatch_user))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field
    assert Trip.objects.count() == 1


def test_assigning_neither_a_driver_nor_a_vehicle_names_the_driver(client, setup, dispatch_user):
    waiting = place_sedan_transfer(days=3)
    response = post(client, "/api/v1/dispatch/assign", {"leg": waiting.legs.get().pk}, **bearer(dispatch_user))
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [{"field": "driver", "message": "Choose a driver or a vehicle."}]


def test_a_dispatcher_signs_in_with_the_authenticator_code_and_reads_the_day(client, setup, fleet):
    password = "a long dispatcher passphrase 2026"
    dispatcher = persona("dispatcher", "deniz", password=password)
    device, _codes = authenticator_enrol(dispatcher)
    signed_in = post(
        client,
        "/api/v1/auth/token",
        {"username": "deniz", "password": password, "otp_code": authenticator_code(device, steps_ahead=1)},
    )
    assert signed_in.status_code == 200, signed_in.content
    day = setup["trip"].starts_at.astimezone(LOCAL).date().isoformat()

    answer = client.get(
        f"/api/v1/dispatch/trips?day={day}", headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    )

    assert answer.status_code == 200, answer.content
    assert [trip["id"] for trip in answer.json()["trips"]] == [setup["trip"].pk]


def test_a_drop_offs_departure_flight_reaches_the_driver(client, fleet, dispatch_user):
    booking = place_transfer_to_the_airport_in(hours=48)
    leg = booking.legs.get()
    departs = leg.pickup_at + dt.timedelta(hours=3)
    TransferLeg.objects.filter(pk=leg.pk).update(flight_number="PC2010", flight_departure_at=departs)
    ayse = make_driver("Ayşe", "Kaya")
    trip = services.fleet_assign(
        ride=RideRef(leg_id=leg.pk), driver_id=ayse.pk, vehicle_id=None, actor=Actor.for_user(dispatch_user)
    )
    day = timezone.localtime(leg.pickup_at, LOCAL).date().isoformat()
    listed = client.get("/api/v1/driver/trips", {"from": day, "to": day}, headers=bearer(ayse.user)).json()
    (ride,) = listed[0]["bookings"]
    assert (ride["flight_number"], ride["flight_arrival_at"]) == ("PC2010", None)
    assert dt.datetime.fromisoformat(ride["flight_departure_at"]) == departs
    (entry,) = client.get(f"/api/v1/driver/trips/{trip.pk}", headers=bearer(ayse.user)).json()["manifest"]
    assert dt.datetime.fromisoformat(entry["flight_departure_at"]) == departs
    assert dt.datetime.fromisoformat(entry["pickup_at"]) == leg.pickup_at


def test_a_tour_manifest_gives_each_bookings_hotel_pickup_time(client, fleet, dispatch_user):
    booking = place_berg_tour(fleet)
    assert booking.pickup_at is not None and booking.pickup_at < fleet.departure.starts_at
    minibus = make_vehicle(fleet.minibus, plate="07 TUR 07")
    emre = make_driver("Emre")
    body = {"departure": fleet.departure.pk, "driver": emre.pk, "vehicle": minibus.pk}
    trip_id = post(client, "/api/v1/dispatch/assign", body, **bearer(dispatch_user)).json()["id"]
    (entry,) = client.get(f"/api/v1/driver/trips/{trip_id}", headers=bearer(emre.user)).json()["manifest"]
    assert entry["pickup"]["name"] == "Regnum Carya"
    assert dt.datetime.fromisoformat(entry["pickup_at"]) == booking.pickup_at
    assert entry["flight_departure_at"] is None
