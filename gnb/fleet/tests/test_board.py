"""The dispatch board: what one exact day shows (rides waiting, drivers' days, the reasons a driver or vehicle does
not fit, the U-ETDS flag), its query budget at 3 and 300 rides, and its pages: assign, refusals, change,
unassign, bulk assign, permissions and a bad day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gnb.bookings.models import Booking, Passenger
from gnb.bookings.quotes import ExtraRequest
from gnb.bookings.services import SYSTEM, FlightInput, booking_cancel
from gnb.catalog.models import TourDeparture
from gnb.fleet import board as board_selector
from gnb.fleet import selectors, services
from gnb.fleet.board_views import parse_day
from gnb.fleet.models import DriverTimeOff, Trip, ZoneDriveTime
from gnb.fleet.services import Actor, RideRef
from gnb.testing.admin import messages_of
from gnb.testing.bookings import place_tour, place_transfer, transfer_request
from gnb.testing.catalog import IST, future_local
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle
from gnb.testing.personas import staff_login

pytestmark = pytest.mark.django_db

DAYS_AHEAD = 5
BOARD = "/admin/fleet/trip/board/"
ASSIGN = "/admin/fleet/trip/board/assign/"
BULK = "/admin/fleet/trip/board/bulk-assign/"


def at(hour: int, minute: int = 0, *, days: int = DAYS_AHEAD) -> dt.datetime:
    return future_local(days=days, hour=hour, minute=minute).replace(tzinfo=IST)


def the_day() -> dt.date:
    return at(12).date()


def short(day: dt.date) -> str:
    return day.strftime("%m/%d/%Y")  # English SHORT_DATE_FORMAT


def with_documents(booking: Booking) -> None:
    Passenger.objects.filter(booking=booking).update(nationality="GB", document_number="P1234567")


def leg_key(booking: Booking) -> str:
    return f"leg-{booking.legs.get().pk}"


def options_of(board: board_selector.Board, ride: board_selector.WaitingRide) -> board_selector.Options:
    options = board.options_for_waiting(ride)
    assert options is not None
    return options


@pytest.fixture
def office(client, dispatcher):
    staff_login(client, dispatcher)
    return client


@pytest.fixture
def day(catalog, dispatcher):
    """An exact day five days ahead.

    Rides: 09:00 AYT → Belek for two adults with a child seat (passports missing); 11:00 AYT → Lara for four in a
    minivan (passports in), already given to Ayşe and the minivan; a Perge & Aspendos departure at 10:00 with two
    parties (three and two people, passports in). Drivers: Ayşe (all day), Burak (on leave that day), Cem (works
    14:00–22:00), Deniz (licence expired the day before). Vehicles: a sedan, a minivan and a sedan whose insurance
    expired.
    """
    make_drive_times(catalog)  # 45 minutes between zones, plus the 30-minute turnaround
    belek = place_transfer(
        transfer_request(
            pickup_at=future_local(days=DAYS_AHEAD, hour=9, minute=0), extras=[ExtraRequest("child_seat", 1)]
        )
    )
    lara = place_transfer(
        transfer_request(
            destination="titanic-lara", pickup_at=future_local(days=DAYS_AHEAD, hour=11, minute=0), adults=4, luggage=4
        ),
        vehicle_class="minivan",
    )
    with_documents(lara)
    departure = TourDeparture.objects.create(tour=catalog.tour, starts_at=at(10), capacity=20)
    families = [place_tour(departure, adults=2, children=1), place_tour(departure, adults=2)]
    for family in families:
        with_documents(family)
    ayse = make_driver("Ayşe", "Demir")
    burak = make_driver("Burak", "Kaya")
    DriverTimeOff.objects.create(driver=burak, starts_on=the_day(), ends_on=the_day(), reason="Annual leave")
    weekday = the_day().weekday()
    cem = make_driver("Cem", "Arslan", shifts=((weekday, dt.time(14), dt.time(22)),))
    deniz = make_driver("Deniz", "Şahin", licence_expires_on=the_day() - dt.timedelta(days=1))
    sedan = make_vehicle(catalog.sedan, "07 ABC 101")
    minivan = make_vehicle(catalog.minivan, "07 ABC 202")
    old_sedan = make_vehicle(catalog.sedan, "07 ABC 303", insurance_expires_on=the_day() - dt.timedelta(days=2))
    trip = services.fleet_assign(
        ride=RideRef(leg_id=lara.legs.get().pk),
        driver_id=ayse.pk,
        vehicle_id=minivan.pk,
        actor=Actor.for_user(dispatcher),
    )
    return dict(
        catalog=catalog,
        belek=belek,
        lara=lara,
        departure=departure,
        families=families,
        ayse=ayse,
        burak=burak,
        cem=cem,
        deniz=deniz,
        sedan=sedan,
        minivan=minivan,
        old_sedan=old_sedan,
        trip=trip,
    )


# --- the selector -------------------------------------------------------------------------------------------
def test_the_day_shows_waiting_rides_first_by_pickup_with_their_facts(day):
    board = board_selector.board_day(day=the_day())

    belek, departure = board.waiting
    assert [ride.key for ride in board.waiting] == [leg_key(day["belek"]), f"departure-{day['departure'].pk}"]
    assert (belek.references, belek.pickup_at, belek.flight_number, belek.flight_lands_at) == (
        [day["belek"].reference],
        at(9),
        "TK2412",
        at(8, 30),
    )
    assert (belek.adults, belek.children, belek.infants, belek.luggage) == (2, 0, 0, 0)
    assert [(line.name, line.quantity) for line in belek.extras] == [("Child seat", 1)]
    assert (belek.pickup_place, belek.pickup_zone, belek.destination) == (
        "Antalya Airport",
        "Antalya Airport",
        "Regnum Carya (Belek)",
    )
    assert (belek.booked_class, belek.lead_name, belek.language) == ("Sedan", "Anna Smith", "en")
    assert (belek.unreportable, belek.missing_documents) == (True, 2)
    assert belek.ride is not None
    assert (belek.ride.starts_at, belek.ride.ends_at) == (at(9), at(10, 15))

    assert departure.references == [family.reference for family in day["families"]]
    # The 10:00 departure's vehicle sets off for the first hotel (Belek, collected 45 minutes before).
    assert (departure.adults, departure.children, departure.pickup_at, departure.destination) == (
        4,
        1,
        at(9, 15),
        "Perge & Aspendos",
    )
    assert departure.pickup_place == "Regnum Carya"  # both families at the same hotel, named once
    assert (departure.pickup_zone, departure.unreportable) == ("Belek, Lara", False)
    assert departure.ride is not None and departure.smallest_party_ride is not None
    assert (departure.ride.passengers, departure.smallest_party_ride.passengers) == (5, 2)


def test_every_active_driver_is_a_row_with_trips_gaps_or_time_off(day):
    board = board_selector.board_day(day=the_day())

    rows = {row.driver.first_name: row for row in board.drivers}
    assert list(rows) == ["Ayşe", "Burak", "Cem", "Deniz"]
    ayse = rows["Ayşe"]
    assert ayse.shifts == [
        (board_selector.day_start(the_day()), board_selector.day_start(the_day() + dt.timedelta(days=1)))
    ]
    assert [block.trip.pk for block in ayse.trips] == [day["trip"].pk]
    block = ayse.trips[0]
    assert (block.label, block.references, block.unreportable) == (
        "Antalya Airport → Lara",
        [day["lara"].reference],
        False,
    )
    assert [(gap.starts_at, gap.ends_at) for gap in ayse.gaps] == [
        (board_selector.day_start(the_day()), at(11)),
        (at(12, 15), board_selector.day_start(the_day() + dt.timedelta(days=1))),
    ]
    assert [type(item).__name__ for item in ayse.timeline] == ["Gap", "TripBlock", "Gap"]
    assert rows["Burak"].off is not None
    assert (rows["Burak"].off.reason, rows["Burak"].shifts, rows["Burak"].gaps) == ("Annual leave", [], [])
    assert rows["Cem"].shifts == [(at(14), at(22))]
    assert [(gap.starts_at, gap.ends_at) for gap in rows["Cem"].gaps] == [(at(14), at(22))]
    assert board.trip_count == 1


def test_the_assign_options_say_who_fits_and_why_the_others_do_not(day):
    board = board_selector.board_day(day=the_day())
    options = options_of(board, board.waiting[0])  # 09:00 AYT → Belek, a sedan for two

    assert [option.label for option in options.fitting_drivers] == ["Ayşe Demir"]
    assert {option.label: [r.code for r in option.refusals] for option in options.other_drivers} == {
        "Burak Kaya": ["driver_off"],
        "Cem Arslan": ["driver_off_shift"],
        "Deniz Şahin": ["driver_document_expired"],
    }
    reasons = {option.label: option.reasons for option in options.other_drivers}
    assert reasons["Burak Kaya"] == f"Burak Kaya is off from {short(the_day())} to {short(the_day())}."
    assert reasons["Cem Arslan"] == "Cem Arslan does not work at 09:00 on that day."
    yesterday = short(the_day() - dt.timedelta(days=1))
    assert reasons["Deniz Şahin"] == f"Deniz Şahin's driving licence expires on {yesterday}, before this trip."
    assert [option.pk for option in options.fitting_vehicles] == [day["sedan"].pk, day["minivan"].pk]
    (old,) = options.other_vehicles
    assert (old.pk, [r.code for r in old.refusals]) == (day["old_sedan"].pk, ["vehicle_document_expired"])


def test_a_busy_driver_and_a_small_vehicle_are_refused_with_the_trip_in_the_way(day):
    board = board_selector.board_day(day=the_day())
    tour = board.waiting[1]  # 10:00–18:30, five people
    options = options_of(board, tour)

    ayse = next(option for option in options.drivers if option.label == "Ayşe Demir")
    trip = day["trip"]
    assert [(r.code, r.conflicting_trip_id) for r in ayse.refusals] == [("driver_busy", trip.pk)]
    assert ayse.reasons == f"Ayşe Demir is on trip T{trip.pk} (Antalya Airport → Lara, 11:00–12:15) at that time."
    vehicles = {option.pk: option for option in options.vehicles}
    sedan = vehicles[day["sedan"].pk]
    # Three seats for five: it still takes the party of two, and another vehicle takes the rest.
    assert ([r.code for r in sedan.refusals], sedan.partial, sedan.fits) == (["vehicle_seats"], True, True)
    minivan = vehicles[day["minivan"].pk]
    assert ([r.code for r in minivan.refusals], minivan.fits) == (["vehicle_busy"], False)


def test_a_changed_trip_is_checked_against_everything_but_itself(day):
    board = board_selector.board_day(day=the_day())
    trip = day["trip"]
    options = board.options_for(selectors.trip_ride(trip_id=trip.pk), excluding_trip_id=trip.pk)

    assert [option.label for option in options.fitting_drivers] == ["Ayşe Demir"]
    assert [option.pk for option in options.fitting_vehicles] == [day["minivan"].pk]
    refused = {option.pk: [r.code for r in option.refusals] for option in options.other_vehicles}
    # The traveller booked a minivan for four: a sedan is smaller.
    assert refused == {
        day["sedan"].pk: ["vehicle_class", "vehicle_seats", "vehicle_luggage"],
        day["old_sedan"].pk: ["vehicle_document_expired", "vehicle_class", "vehicle_seats", "vehicle_luggage"],
    }


def test_a_ride_on_a_route_with_no_drive_time_says_so(day, catalog):
    place_transfer(
        transfer_request(destination="titanic-lara", pickup_at=future_local(days=DAYS_AHEAD, hour=7, minute=0))
    )
    ZoneDriveTime.objects.filter(origin=catalog.airport_zone, destination=catalog.lara).delete()
    ZoneDriveTime.objects.filter(origin=catalog.lara, destination=catalog.airport_zone).delete()

    first = board_selector.board_day(day=the_day()).waiting[0]

    assert (first.pickup_at, first.ride) == (at(7), None)
    assert first.problem == "No drive time is kept from Antalya Airport to Lara; add it under Fleet › Drive times."


def test_cancelled_and_unpaid_rides_and_other_days_are_not_waiting(day):
    place_transfer(transfer_request(pickup_at=future_local(days=DAYS_AHEAD + 1, hour=9)))  # the day after
    cancelled = place_transfer(transfer_request(pickup_at=future_local(days=DAYS_AHEAD, hour=8)))
    booking_cancel(booking_id=cancelled.pk, actor=SYSTEM, reason="Test")
    unpaid = place_transfer(transfer_request(pickup_at=future_local(days=DAYS_AHEAD, hour=8)), payment_method="card")
    assert unpaid.status == Booking.Status.PENDING_PAYMENT

    keys = [ride.key for ride in board_selector.board_day(day=the_day()).waiting]

    assert keys == [leg_key(day["belek"]), f"departure-{day['departure'].pk}"]


# --- the query budget ---------------------------------------------------------------------------------------
def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BOARD, {"day": the_day().isoformat()})
    assert response.status_code == 200
    return len(queries)


def test_the_board_page_reads_a_fixed_number_of_queries_at_3_and_300_rides(
    office, catalog, dispatcher, django_assert_max_num_queries
):
    make_drive_times(catalog)
    drivers = [make_driver(f"Driver{n:02d}") for n in range(40)]
    vehicles = [make_vehicle(catalog.sedan, f"07 QQ {100 + n}") for n in range(40)]
    actor = Actor.for_user(dispatcher)

    def place(count: int, start: int) -> list[Booking]:
        # Every 40 rides start 90 minutes later: a driver's 75-minute trips never overlap.
        return [
            place_transfer(
                transfer_request(
                    pickup_at=future_local(days=DAYS_AHEAD, hour=6) + dt.timedelta(minutes=90 * (n // 40)),
                    extras=[ExtraRequest("child_seat", 1)] if n % 3 == 0 else [],
                )
            )
            for n in range(start, start + count)
        ]

    few = place(2, 0)
    departure = TourDeparture.objects.create(tour=catalog.tour, starts_at=at(10), capacity=20)
    place_tour(departure, adults=2)  # the third ride: a tour departure's party
    services.fleet_assign(
        ride=RideRef(leg_id=few[0].legs.get().pk), driver_id=drivers[0].pk, vehicle_id=vehicles[0].pk, actor=actor
    )
    with django_assert_max_num_queries(15):
        at_three = _board_queries(office)

    many = few + place(297, 2)
    for n, booking in enumerate(many[1:240], start=1):
        services.fleet_assign(
            ride=RideRef(leg_id=booking.legs.get().pk),
            driver_id=drivers[n % 40].pk,
            vehicle_id=vehicles[n % 40].pk,
            actor=actor,
        )
    with django_assert_max_num_queries(15):
        at_three_hundred = _board_queries(office)
    board = board_selector.board_day(day=the_day())
    assert (len(board.waiting), board.trip_count) == (60, 240)
    assert at_three_hundred == at_three


# --- the pages ------------------------------------------------------------------------------------------------
def test_the_board_page_lists_the_day(office, day):
    response = office.get(BOARD, {"day": the_day().isoformat()})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="{leg_key(day["belek"])}"' in html
    assert f'id="trip-{day["trip"].pk}"' in html
    assert f'href="{ASSIGN}?ride={leg_key(day["belek"])}&amp;day={the_day().isoformat()}"' in html
    assert f'href="/admin/fleet/trip/{day["trip"].pk}/manifest.pdf"' in html
    assert f'href="/admin/fleet/trip/{day["trip"].pk}/manifest.csv"' in html
    assert "Child seat × 1" in html
    assert '<span class="fleet-flag">Off: Annual leave</span>' in html
    previous = (the_day() - dt.timedelta(days=1)).isoformat()
    assert f'href="{BOARD}?day={previous}" rel="prev"' in html
    assert 'src="/static/fleet/board.js"' in html


def test_assigning_from_the_form_makes_the_trip_and_returns_to_the_board(office, day):
    key = leg_key(day["belek"])
    page = office.get(ASSIGN, {"ride": key, "day": the_day().isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<option value="{day["ayse"].pk}">Ayşe Demir</option>' in html
    assert f'value="{day["burak"].pk}" disabled> <strong>Burak Kaya</strong>' in html

    response = office.post(
        ASSIGN,
        {"ride": key, "driver": day["ayse"].pk, "vehicle": day["sedan"].pk, "day": the_day().isoformat()},
    )

    trip = Trip.objects.get(riders__leg__booking=day["belek"])
    assert (trip.driver, trip.vehicle, trip.status) == (day["ayse"], day["sedan"], Trip.Status.ASSIGNED)
    assert response.status_code == 302
    assert response["Location"] == f"{BOARD}?day={the_day().isoformat()}#trip-{trip.pk}"
    after = office.get(response["Location"])
    assert messages_of(after) == [f"Trip T{trip.pk} at 09:00: Ayşe Demir, 07 ABC 101 for {day['belek'].reference}."]
    day["belek"].refresh_from_db()
    assert day["belek"].status == Booking.Status.ASSIGNED


def test_a_refused_assignment_shows_the_reason_and_the_trip_in_the_way(office, day):
    late = place_transfer(transfer_request(pickup_at=future_local(days=DAYS_AHEAD, hour=11, minute=30)))
    trip = day["trip"]

    response = office.post(
        ASSIGN,
        {"ride": leg_key(late), "driver": day["ayse"].pk, "vehicle": day["sedan"].pk, "day": the_day().isoformat()},
        follow=True,
    )

    assert response.redirect_chain == [(f"{BOARD}?day={the_day().isoformat()}#{leg_key(late)}", 302)]
    assert messages_of(response) == [
        f"Assignment refused: Ayşe Demir is on trip T{trip.pk} (Antalya Airport → Lara, 11:00–12:15) at that time. "
        f'<a href="{BOARD}?day={the_day().isoformat()}#trip-{trip.pk}">See trip T{trip.pk} on the board.</a>'
    ]
    assert not Trip.objects.filter(riders__leg__booking=late).exists()


def test_a_form_without_a_driver_or_with_a_bad_ride_is_refused_by_name(office, day):
    response = office.post(ASSIGN, {"ride": "leg-x", "day": the_day().isoformat()}, follow=True)
    assert messages_of(response) == ["Nothing assigned: Ride: Enter a valid value."]
    response = office.post(ASSIGN, {"ride": leg_key(day["belek"]), "day": the_day().isoformat()}, follow=True)
    assert messages_of(response) == ["Nothing assigned: Choose a driver and a vehicle."]


def test_the_assign_page_of_a_ride_no_longer_waiting_goes_back_to_the_board(office, day):
    response = office.get(ASSIGN, {"ride": leg_key(day["lara"]), "day": the_day().isoformat()}, follow=True)
    assert response.redirect_chain == [(f"{BOARD}?day={the_day().isoformat()}", 302)]
    assert messages_of(response) == [board_selector.no_ride_message()]


def test_unassigning_asks_why_and_the_ride_waits_again(office, day):
    trip = day["trip"]
    url = reverse("admin:fleet_board_unassign", args=[trip.pk])
    assert office.get(url).status_code == 200
    empty = office.post(url, {"reason": ""})
    assert empty.status_code == 200
    assert "Say why the trip is unassigned (it goes into its history)." in empty.content.decode()
    trip.refresh_from_db()
    assert trip.status == Trip.Status.ASSIGNED

    response = office.post(url, {"reason": "Flight delayed to tomorrow"})

    assert response["Location"] == f"{BOARD}?day={the_day().isoformat()}"
    trip.refresh_from_db()
    assert trip.status == Trip.Status.RELEASED
    assert trip.events.get(action="unassigned").reason == "Flight delayed to tomorrow"
    day["lara"].refresh_from_db()
    assert day["lara"].status == Booking.Status.CONFIRMED
    keys = [ride.key for ride in board_selector.board_day(day=the_day()).waiting]
    assert leg_key(day["lara"]) in keys


def test_reassigning_gives_the_trip_another_driver(office, day, catalog):
    trip = day["trip"]
    spare = make_driver("Emre", "Koç")
    url = reverse("admin:fleet_board_reassign", args=[trip.pk])
    page = office.get(url)
    assert page.status_code == 200
    assert f'<option value="{day["ayse"].pk}" selected>Ayşe Demir</option>' in page.content.decode()

    response = office.post(url, {"driver": spare.pk, "vehicle": day["minivan"].pk, "reason": "Ayşe is ill"})

    assert response["Location"] == f"{BOARD}?day={the_day().isoformat()}#trip-{trip.pk}"
    trip.refresh_from_db()
    assert (trip.driver, trip.vehicle) == (spare, day["minivan"])
    assert trip.events.get(action="reassigned").reason == "Ayşe is ill"


def test_bulk_assign_assigns_each_ride_and_reports_the_refused_one(office, day):
    again = place_transfer(transfer_request(pickup_at=future_local(days=DAYS_AHEAD, hour=9, minute=30)))
    later = place_transfer(transfer_request(pickup_at=future_local(days=DAYS_AHEAD, hour=13)))

    response = office.post(
        BULK,
        {
            "ride": [leg_key(day["belek"]), leg_key(again), leg_key(later)],
            "driver": day["ayse"].pk,
            "vehicle": day["sedan"].pk,
            "day": the_day().isoformat(),
        },
        follow=True,
    )

    first = Trip.objects.get(riders__leg__booking=day["belek"])
    third = Trip.objects.get(riders__leg__booking=later)
    assert not Trip.objects.filter(riders__leg__booking=again).exists()
    assert response.redirect_chain == [(f"{BOARD}?day={the_day().isoformat()}", 302)]
    assert messages_of(response) == [
        f"Ride {again.reference} refused: Ayşe Demir is on trip T{first.pk} (Antalya Airport → Belek, 09:00–10:15) "
        f"at that time. 07 ABC 101 is on trip T{first.pk} (Antalya Airport → Belek, 09:00–10:15) at that time. "
        f'<a href="{BOARD}?day={the_day().isoformat()}#trip-{first.pk}">See trip T{first.pk} on the board.</a>',
        f"Assigned 2 of 3 rides: T{first.pk}, T{third.pk}.",
    ]


def test_bulk_assign_without_rides_says_so(office, day):
    response = office.post(
        BULK, {"driver": day["ayse"].pk, "vehicle": day["sedan"].pk, "day": the_day().isoformat()}, follow=True
    )
    assert messages_of(response) == ["Nothing assigned: Rides: Tick at least one ride to assign."]


def test_a_bad_day_is_a_clear_message(office, day):
    response = office.get(BOARD, {"day": "2025-13-45"})
    assert response.status_code == 400
    today = board_selector.local_today().isoformat()
    assert response.context["day_error"] == (
        f"“2025-13-45” is not a day: give the day as YYYY-MM-DD, for example {today}."
    )
    assert parse_day("") == (board_selector.local_today(), "")


def test_without_the_trip_permissions_the_board_is_refused(client, day, dispatcher):
    staff = get_user_model().objects.create_user(username="clerk", password=None, is_staff=True)
    staff_login(client, staff)
    assert client.get(BOARD).status_code == 403
    assert client.post(ASSIGN, {"ride": leg_key(day["belek"])}).status_code == 403
    anonymous = client.__class__()
    response = anonymous.get(BOARD)
    assert (response.status_code, response["Location"]) == (302, f"/admin/login/?next={BOARD}")


def test_viewing_without_the_right_to_dispatch_shows_no_forms(client, day):
    viewer = get_user_model().objects.create_user(username="viewer", password=None, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_trip", content_type__app_label="fleet"))
    staff_login(client, viewer)
    response = client.get(BOARD, {"day": the_day().isoformat()})
    assert response.status_code == 200
    assert ASSIGN not in response.content.decode()
    assert client.get(ASSIGN, {"ride": leg_key(day["belek"])}).status_code == 403
    url = reverse("admin:fleet_board_unassign", args=[day["trip"].pk])
    assert client.post(url, {"reason": "x"}).status_code == 403


def test_a_drop_off_row_shows_when_the_flight_departs(office, catalog):
    make_drive_times(catalog)
    pickup = at(9).replace(tzinfo=None)
    request = transfer_request(origin="regnum-carya", destination="ayt", pickup_at=pickup)
    booking = place_transfer(request, flight=FlightInput("PC2010", departure_at=pickup.replace(hour=12)))
    (ride,) = board_selector.board_day(day=the_day()).waiting
    assert (ride.flight_number, ride.flight_lands_at, ride.flight_departs_at) == ("PC2010", None, at(12))
    html = office.get(BOARD, {"day": the_day().isoformat()}).content.decode()
    assert f'id="{leg_key(booking)}"' in html
    assert "PC2010<br>departs 12:00" in html
