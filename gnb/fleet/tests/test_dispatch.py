"""Planning the day: the problem read from the database is what the board shows; a proposal applied in full or in
part assigns through the fleet services, and a ride that changed since the plan was made is skipped with the
reason and keeps what the dispatcher gave it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gnb.accounts.api_tokens import token_issue
from gnb.bookings.models import Booking
from gnb.bookings.services import booking_cancel
from gnb.core.errors import NotFound, ValidationFailed
from gnb.fleet import board as board_selector
from gnb.fleet import dispatch, services
from gnb.fleet.models import DispatchProposal, DispatchProposalItem, Trip, TripEvent
from gnb.fleet.planning import from_db
from gnb.fleet.planning.problem import Busy
from gnb.fleet.services import Actor, RideRef
from gnb.fleet.tests import test_board
from gnb.fleet.tests.test_board import at, the_day
from gnb.testing.admin import messages_of
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.fleet import make_driver, make_vehicle
from gnb.testing.personas import staff_login

pytestmark = pytest.mark.django_db

Outcome = DispatchProposalItem.Outcome
# The board's exact day (rides, drivers on leave or off shift, expired documents), planned here.
day = test_board.day


@pytest.fixture(autouse=True)
def quick_solver(settings):
    settings.GNB_DISPATCH_TIME_LIMIT_SECONDS = 1


def window() -> tuple[dt.datetime, dt.datetime]:
    start = board_selector.day_start(the_day())
    return start, start + dt.timedelta(days=1)


def propose(dispatcher, *, allow_moves: bool = False) -> DispatchProposal:
    start, end = window()
    return dispatch.dispatch_propose(start=start, end=end, allow_moves=allow_moves, actor=Actor.for_user(dispatcher))


def item_of(proposal: DispatchProposal, key: str) -> DispatchProposalItem:
    return proposal.items.get(ride_key=key)


def belek_key(day) -> str:
    return from_db.leg_key(day["belek"].legs.get().pk)


# --- the problem ------------------------------------------------------------------------------------------------
def test_the_problem_of_a_day_is_what_the_board_shows(day):
    board = board_selector.board_day(day=the_day())
    problem, context = from_db.problem_for_window(start=window()[0], end=window()[1])

    assert [job.key for job in problem.jobs] == [
        from_db.leg_key(r.leg_id) if r.leg_id else from_db.departure_key(r.departure_id) for r in board.waiting
    ]
    for job, ride in zip(problem.jobs, board.waiting, strict=True):
        assert ride.ride is not None
        assert (job.starts_at, job.ends_at, job.passengers, job.luggage, job.booked_class_id) == (
            ride.ride.starts_at,
            ride.ride.ends_at,
            ride.ride.passengers,
            ride.ride.luggage,
            ride.ride.booked_class_id,
        )
    assert context.not_plannable == []
    assert problem.jobs[0].language == day["belek"].language


def test_drivers_bring_their_shifts_time_off_documents_and_trips(day):
    problem, _context = from_db.problem_for_window(start=window()[0], end=window()[1])
    drivers = {info.driver_id: info for info in problem.drivers}
    midnight = board_selector.day_start(the_day())

    assert (midnight, midnight + dt.timedelta(days=1)) in drivers[day["ayse"].pk].shifts
    assert not [s for s in drivers[day["burak"].pk].shifts if s[0].date() == the_day()]  # on leave that day
    assert drivers[day["cem"].pk].shifts == ((at(14), at(22)),)
    assert drivers[day["deniz"].pk].documents_valid_until == the_day() - dt.timedelta(days=1)
    trip = day["trip"]
    busy = Busy(trip.starts_at, trip.ends_at, trip.origin_zone_id, trip.destination_zone_id, trip.pk)
    assert drivers[day["ayse"].pk].fixed == (busy,)
    vehicles = {info.vehicle_id: info for info in problem.vehicles}
    assert vehicles[day["minivan"].pk].fixed == (busy,)
    assert vehicles[day["old_sedan"].pk].documents_valid_until == the_day() - dt.timedelta(days=2)


def test_class_rules_are_those_of_the_assign_form(day, catalog):
    problem, _context = from_db.problem_for_window(start=window()[0], end=window()[1])

    sedan, minivan, minibus = catalog.sedan.pk, catalog.minivan.pk, catalog.minibus.pk
    assert problem.class_may_carry[sedan] == {sedan, minivan, minibus}
    assert problem.class_may_carry[minivan] == {minivan, minibus}
    assert problem.class_may_carry[None] == {sedan, minivan, minibus}


def test_with_moves_allowed_a_trip_not_started_is_a_job_instead_of_fixed(day):
    problem, context = from_db.problem_for_window(start=window()[0], end=window()[1], allow_moves=True)

    key = from_db.trip_key(day["trip"].pk)
    assert key in [job.key for job in problem.jobs]
    assert context.movable[key] == day["trip"]
    assert {info.driver_id: info for info in problem.drivers}[day["ayse"].pk].fixed == ()


# --- proposing and applying -----------------------------------------------------------------------------------
def test_the_plan_of_the_day_gives_the_transfer_to_the_only_driver_and_car_that_fit(day, dispatcher):
    proposal = propose(dispatcher)

    (item,) = proposal.items.all()
    # Ayşe is the only driver at 09:00; the sedan, or the minivan she has at 11:00, is free then.
    assert (item.ride_key, item.driver, item.outcome) == (belek_key(day), day["ayse"], "")
    assert item.vehicle in (day["sedan"], day["minivan"])
    assert (proposal.totals["rides"], proposal.totals["covered"], proposal.totals["waiting"]) == (2, 1, 1)
    assert (proposal.created_by, proposal.status) == (dispatcher, DispatchProposal.Status.PROPOSED)
    assert not Trip.objects.filter(riders__leg=day["belek"].legs.get()).exists()  # nothing assigned yet


def test_applying_assigns_through_the_services_with_the_dispatcher_as_actor(day, dispatcher):
    proposal = propose(dispatcher)

    (result,) = dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=None, actor=Actor.for_user(dispatcher))

    assert result.outcome == Outcome.APPLIED
    trip = Trip.objects.get(pk=result.trip_id)
    planned = proposal.items.get().vehicle
    assert (trip.driver, trip.vehicle, trip.status) == (day["ayse"], planned, Trip.Status.ASSIGNED)
    assert list(TripEvent.objects.filter(trip=trip).values_list("action", "actor")) == [("assigned", dispatcher.pk)]
    assert Booking.objects.get(pk=day["belek"].pk).status == Booking.Status.ASSIGNED
    item = proposal.items.get()
    assert (item.outcome, item.result_trip, item.applied_at is not None) == (Outcome.APPLIED, trip, True)
    proposal.refresh_from_db()
    assert proposal.status == DispatchProposal.Status.DONE


def test_a_ride_assigned_by_hand_after_the_plan_is_skipped_and_keeps_the_dispatchers_choice(day, dispatcher):
    proposal = propose(dispatcher)
    planned = proposal.items.get().vehicle
    other = day["minivan"] if planned == day["sedan"] else day["sedan"]
    by_hand = services.fleet_assign(
        ride=RideRef(leg_id=day["belek"].legs.get().pk),
        driver_id=day["ayse"].pk,
        vehicle_id=other.pk,
        actor=Actor.for_user(dispatcher),
    )

    (result,) = dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=None, actor=Actor.for_user(dispatcher))

    assert (result.outcome, result.message) == (
        Outcome.SKIPPED,
        "The ride was given a driver since the plan was made.",
    )
    by_hand.refresh_from_db()
    assert (by_hand.vehicle, by_hand.status) == (other, Trip.Status.ASSIGNED)
    assert list(Trip.objects.filter(riders__leg=day["belek"].legs.get())) == [by_hand]


def test_a_cancelled_booking_is_skipped(day, dispatcher):
    proposal = propose(dispatcher)
    booking_cancel(booking_id=day["belek"].pk, actor=services.SYSTEM, reason="Flight cancelled")

    (result,) = dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=None, actor=Actor.for_user(dispatcher))

    assert (result.outcome, result.message) == (Outcome.SKIPPED, "The booking is cancelled now.")
    assert not Trip.objects.exclude(status=Trip.Status.RELEASED).filter(riders__booking=day["belek"]).exists()


def test_a_new_pickup_time_is_skipped(day, dispatcher):
    proposal = propose(dispatcher)
    leg = day["belek"].legs.get()
    leg.pickup_at += dt.timedelta(minutes=20)
    leg.save(update_fields=["pickup_at"])

    (result,) = dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=None, actor=Actor.for_user(dispatcher))

    assert (result.outcome, result.message) == (Outcome.SKIPPED, "The pickup time changed since the plan was made.")


def test_a_refusal_of_the_services_is_reported_and_nothing_written(day, dispatcher):
    proposal = propose(dispatcher)
    vehicle = proposal.items.get().vehicle
    vehicle.insurance_expires_on = the_day() - dt.timedelta(days=1)
    vehicle.save(update_fields=["insurance_expires_on"])

    (result,) = dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=None, actor=Actor.for_user(dispatcher))

    assert result.outcome == Outcome.REFUSED
    assert f"{vehicle.plate}'s insurance expires on" in result.message
    assert not Trip.objects.filter(riders__leg=day["belek"].legs.get()).exists()


def test_a_partial_apply_applies_only_the_chosen_items_and_the_rest_later(day, dispatcher):
    evening = place_transfer(transfer_request(pickup_at=future_local(days=5, hour=16, minute=0)))
    proposal = propose(dispatcher)
    evening_item = item_of(proposal, from_db.leg_key(evening.legs.get().pk))
    morning_item = item_of(proposal, belek_key(day))

    (result,) = dispatch.dispatch_apply(
        proposal_id=proposal.pk, item_ids=[evening_item.pk], actor=Actor.for_user(dispatcher)
    )

    assert (result.item_id, result.outcome) == (evening_item.pk, Outcome.APPLIED)
    morning_item.refresh_from_db()
    assert morning_item.outcome == Outcome.PENDING
    assert not Trip.objects.filter(riders__leg=day["belek"].legs.get()).exists()
    proposal.refresh_from_db()
    assert proposal.status == DispatchProposal.Status.PARTLY_APPLIED

    results = dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=None, actor=Actor.for_user(dispatcher))

    assert [(r.item_id, r.outcome) for r in results] == [
        (morning_item.pk, Outcome.APPLIED),
        (evening_item.pk, Outcome.APPLIED),  # reported as it was, not applied twice
    ]
    assert Trip.objects.filter(riders__leg=evening.legs.get()).count() == 1


def test_items_of_another_proposal_or_a_missing_proposal_are_refused_by_name(day, dispatcher):
    proposal = propose(dispatcher)
    with pytest.raises(ValidationFailed) as error:
        dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=[999999], actor=Actor.for_user(dispatcher))
    assert (error.value.field, error.value.message) == ("items", "Not changes of this proposal: 999999.")
    with pytest.raises(NotFound):
        dispatch.dispatch_apply(proposal_id=999999, item_ids=None, actor=Actor.for_user(dispatcher))


def test_a_window_that_ends_before_it_starts_or_is_too_long_is_refused(dispatcher):
    start = board_selector.day_start(dt.date(2030, 6, 1))
    actor = Actor.for_user(dispatcher)
    with pytest.raises(ValidationFailed) as error:
        dispatch.dispatch_propose(start=start, end=start, actor=actor)
    assert (error.value.field, error.value.message) == ("end", "The window must end after it starts.")
    with pytest.raises(ValidationFailed) as error:
        dispatch.dispatch_propose(start=start, end=start + dt.timedelta(hours=49), actor=actor)
    assert (error.value.field, error.value.message) == ("end", "A plan covers at most 48 hours.")


def move_item(proposal: DispatchProposal, trip: Trip, driver) -> DispatchProposalItem:
    """A move as the planner proposes one: the trip to ``driver``, in its own vehicle."""
    trip = Trip.objects.prefetch_related("riders").get(pk=trip.pk)
    return DispatchProposalItem.objects.create(
        proposal=proposal,
        ride_key=from_db.trip_key(trip.pk),
        trip=trip,
        starts_at=trip.starts_at,
        driver=driver,
        vehicle_id=trip.vehicle_id,
        fingerprint=from_db.trip_fingerprint(trip),
    )


def test_a_move_gives_the_trip_its_new_driver_with_the_plan_in_its_history(day, dispatcher):
    proposal = propose(dispatcher, allow_moves=True)
    emre = make_driver("Emre", "Öztürk")
    item = move_item(proposal, day["trip"], emre)

    (result,) = dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=[item.pk], actor=Actor.for_user(dispatcher))

    assert (result.outcome, result.trip_id) == (Outcome.APPLIED, day["trip"].pk)
    trip = Trip.objects.get(pk=day["trip"].pk)
    assert (trip.driver, trip.vehicle) == (emre, day["minivan"])
    event = TripEvent.objects.filter(trip=trip).latest("pk")
    assert (event.action, event.actor, event.reason) == ("reassigned", dispatcher, f"Plan P{proposal.pk}")


def test_a_move_of_a_trip_changed_by_hand_is_skipped(day, dispatcher):
    proposal = propose(dispatcher, allow_moves=True)
    item = move_item(proposal, day["trip"], make_driver("Emre", "Öztürk"))
    services.fleet_unassign(trip_id=day["trip"].pk, actor=Actor.for_user(dispatcher), reason="Changed by hand")

    (result,) = dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=[item.pk], actor=Actor.for_user(dispatcher))

    assert (result.outcome, result.message) == (Outcome.SKIPPED, "The trip is released now.")
    trip = Trip.objects.get(pk=day["trip"].pk)
    assert (trip.status, trip.driver) == (Trip.Status.RELEASED, day["ayse"])


def test_a_proposal_with_moves_applies_without_a_refusal(day, dispatcher):
    proposal = propose(dispatcher, allow_moves=True)

    results = dispatch.dispatch_apply(proposal_id=proposal.pk, item_ids=None, actor=Actor.for_user(dispatcher))

    assert [r.outcome for r in results] == [Outcome.APPLIED] * proposal.items.count()


# --- the pages --------------------------------------------------------------------------------------------------
PLAN = "/admin/fleet/trip/board/plan/"


@pytest.fixture
def office(client, dispatcher):
    staff_login(client, dispatcher)
    return client


def test_the_board_offers_to_plan_the_day(office, day):
    html = office.get("/admin/fleet/trip/board/", {"day": the_day().isoformat()}).content.decode()

    assert f'<form method="post" action="{PLAN}" class="fleet-plan" id="fleet-plan">' in html
    assert '<input type="checkbox" name="allow_moves" value="on">' in html  # off unless ticked


def test_planning_shows_the_proposal_and_applying_the_ticked_changes_reports_each(office, day, dispatcher):
    response = office.post(PLAN, {"day": the_day().isoformat(), "window": "day"})

    proposal = DispatchProposal.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"{PLAN}{proposal.pk}/")
    assert (proposal.starts_at, proposal.ends_at, proposal.allow_moves) == (*window(), False)
    page = office.get(response["Location"])
    html = page.content.decode()
    item = proposal.items.get()
    assert f'<input type="checkbox" name="item" value="{item.pk}" id="tick-{item.pk}" checked' in html
    assert day["belek"].reference in html
    assert "Ayşe Demir" in html and item.vehicle.plate in html
    assert "<dd>1 / 2</dd>" in html  # rides covered

    applied = office.post(f"{PLAN}{proposal.pk}/apply/", {"item": [str(item.pk)]}, follow=True)

    assert messages_of(applied) == ["Applied 1, skipped 0, refused 0."]
    item.refresh_from_db()
    assert f'<span class="fleet-outcome-applied"><strong>Applied</strong>: Trip T{item.result_trip_id}.</span>' in (
        applied.content.decode()
    )
    assert 'name="item"' not in applied.content.decode()  # nothing left to apply


def test_a_skipped_change_is_shown_with_its_reason(office, day, dispatcher):
    proposal = propose(dispatcher)
    booking_cancel(booking_id=day["belek"].pk, actor=services.SYSTEM, reason="Flight cancelled")
    item = proposal.items.get()

    response = office.post(f"{PLAN}{proposal.pk}/apply/", {"item": [str(item.pk)]}, follow=True)

    assert messages_of(response) == ["Applied 0, skipped 1, refused 0. Each change below says why."]
    assert "<strong>Skipped</strong>: The booking is cancelled now." in response.content.decode()


def test_applying_nothing_or_a_bad_item_says_so(office, day, dispatcher):
    proposal = propose(dispatcher)
    url = f"{PLAN}{proposal.pk}/apply/"
    assert messages_of(office.post(url, {}, follow=True)) == ["Tick at least one change to apply."]
    assert messages_of(office.post(url, {"item": ["x1"]}, follow=True)) == ["Not changes of this proposal: x1."]
    assert messages_of(office.post(url, {"item": ["999999"]}, follow=True)) == ["Not changes of this proposal: 999999."]
    assert proposal.items.get().outcome == Outcome.PENDING


def test_a_bad_plan_form_names_the_field(office, day):
    response = office.post(PLAN, {"day": "tomorrow", "window": "week"}, follow=True)

    assert messages_of(response) == [
        "Nothing planned: Day: Enter a valid date. "
        "Plan: Select a valid choice. week is not one of the available choices."
    ]
    assert not DispatchProposal.objects.exists()


def test_the_proposal_page_reads_a_fixed_number_of_queries(office, day, dispatcher, catalog, django_assert_num_queries):
    proposal = propose(dispatcher)
    with CaptureQueriesContext(connection) as few:
        assert office.get(f"{PLAN}{proposal.pk}/").status_code == 200

    for hour in (13, 14, 15, 16, 17, 18):
        place_transfer(transfer_request(pickup_at=future_local(days=5, hour=hour, minute=0)))
    for n in range(4):
        make_driver(f"Extra{n}")
        make_vehicle(catalog.sedan, f"07 PP {100 + n}")
    bigger = propose(dispatcher, allow_moves=True)
    assert bigger.items.count() > proposal.items.count()
    with django_assert_num_queries(len(few.captured_queries)):
        assert office.get(f"{PLAN}{bigger.pk}/").status_code == 200


def test_planning_and_applying_need_the_right_to_assign(client, day, dispatcher):
    proposal = propose(dispatcher)
    viewer = get_user_model().objects.create_user(username="viewer", password=None, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_trip", content_type__app_label="fleet"))
    staff_login(client, viewer)

    assert "fleet-plan" not in client.get("/admin/fleet/trip/board/", {"day": the_day().isoformat()}).content.decode()
    assert client.post(PLAN, {"day": the_day().isoformat(), "window": "day"}).status_code == 403
    assert client.get(f"{PLAN}{proposal.pk}/").status_code == 403
    assert client.post(f"{PLAN}{proposal.pk}/apply/", {"item": ["1"]}).status_code == 403
    assert proposal.items.get().outcome == Outcome.PENDING


# --- the API ----------------------------------------------------------------------------------------------------
API = "/api/v1/dispatch/proposals"


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_issue(user=user).access_token}"}


def api_post(client, url, body, user):
    return client.post(url, body, content_type="application/json", headers=bearer(user))


def test_the_api_proposes_lists_and_applies_chosen_changes(client, day, dispatcher):
    response = api_post(client, API, {"start": f"{the_day().isoformat()}T00:00", "hours": 24}, dispatcher)

    assert response.status_code == 201, response.content
    body = response.json()
    proposal = DispatchProposal.objects.get()
    item = proposal.items.get()
    assert (body["id"], body["status"], body["allow_moves"], body["created_by"]) == (
        proposal.pk,
        "proposed",
        False,
        dispatcher.username,
    )
    assert dt.datetime.fromisoformat(body["starts_at"]) == window()[0]
    assert [(i["id"], i["ride"], i["driver"], i["outcome"]) for i in body["items"]] == [
        (item.pk, belek_key(day), day["ayse"].pk, "")
    ]
    assert (body["totals"]["covered"], body["totals"]["waiting"]) == (1, 1)
    listed = client.get(API, headers=bearer(dispatcher)).json()
    assert [p["id"] for p in listed] == [proposal.pk]

    applied = api_post(client, f"{API}/{proposal.pk}/apply", {"items": [item.pk]}, dispatcher)

    assert applied.status_code == 200
    item.refresh_from_db()
    assert applied.json() == {
        "results": [
            {
                "item": item.pk,
                "ride": belek_key(day),
                "outcome": "applied",
                "message": f"Trip T{item.result_trip_id}.",
                "trip": item.result_trip_id,
            }
        ]
    }
    again = client.get(f"{API}/{proposal.pk}", headers=bearer(dispatcher)).json()
    assert (again["status"], again["items"][0]["outcome"]) == ("done", "applied")


def test_the_api_names_the_bad_field_and_refuses_those_without_the_right(client, day, dispatcher):
    response = api_post(client, API, {"start": f"{the_day().isoformat()}T00:00", "hours": 49}, dispatcher)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "hours"
    proposal = propose(dispatcher)
    unknown = api_post(client, f"{API}/{proposal.pk}/apply", {"items": [999999]}, dispatcher)
    assert (unknown.status_code, unknown.json()["error"]["message"]) == (422, "Not changes of this proposal: 999999.")
    assert client.get(f"{API}/999999", headers=bearer(dispatcher)).status_code == 404

    assert client.get(API).status_code == 401
    driver = day["ayse"].user
    assert client.get(f"{API}/{proposal.pk}", headers=bearer(driver)).status_code == 403
    assert api_post(client, f"{API}/{proposal.pk}/apply", {}, driver).status_code == 403
    assert proposal.items.get().outcome == Outcome.PENDING
