"""Planning a window of rides and applying the plan, in full or in part, through the fleet services.

``dispatch_propose`` reads the problem (``gnb.fleet.planning.from_db``), lets the solver work on it outside any
transaction (it may take seconds and holds no lock), then stores the plan as a proposal in one transaction.
``dispatch_apply`` applies chosen items one by one, each in its own transaction: the ride's rows are locked in the
services' order, its fingerprint is compared with the one taken when the plan was made, and only an unchanged ride
is assigned (``fleet_assign``) or moved (``fleet_reassign``). A ride that changed meanwhile (given a driver by hand,
cancelled, another pickup time) is skipped with the reason and left as it is; a refusal of the services is reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gnb.bookings.models import Booking, TransferLeg
from gnb.bookings.services import Actor
from gnb.core.errors import DomainError, NotFound, ValidationFailed
from gnb.core.locking import lock_rows, lock_timeout_as_busy
from gnb.fleet import selectors, services
from gnb.fleet.models import DispatchProposal, DispatchProposalItem, Driver, Trip, TripBooking, Vehicle
from gnb.fleet.planning import from_db, solver
from gnb.fleet.planning.problem import Busy, Plan, Problem, totals

logger = logging.getLogger(__name__)

Outcome = DispatchProposalItem.Outcome
# The longest window one proposal plans: the board offers a day or the next 36 hours.
LONGEST_WINDOW = dt.timedelta(hours=48)


@dataclass(frozen=True)
class ItemResult:
    """What applying one item did: ``outcome`` applied, skipped or refused, and why."""

    item_id: int
    ride_key: str
    outcome: str
    message: str
    trip_id: int | None = None


# --- proposing --------------------------------------------------------------------------------------------------
def dispatch_propose(
    *,
    start: dt.datetime,
    end: dt.datetime,
    allow_moves: bool = False,
    actor: Actor,
    now: dt.datetime | None = None,
) -> DispatchProposal:
    """Plan the rides waiting in ``[start, end)`` (and, with ``allow_moves``, the assigned trips that have not
    started) and keep the plan as a proposal; nothing is assigned until it is applied."""
    now = now or timezone.now()
    errors = []
    if start.tzinfo is None or end.tzinfo is None:
        errors.append(("start", _("Give the window's start and end with their time zone.")))
    elif end <= start:
        errors.append(("end", _("The window must end after it starts.")))
    elif end - start > LONGEST_WINDOW:
        errors.append(("end", _("A plan covers at most 48 hours.")))
    if errors:
        raise ValidationFailed(errors)

    problem, context = from_db.problem_for_window(start=start, end=end, allow_moves=allow_moves, now=now)
    plan, seconds = _solve(problem)
    if context.movable:
        # A trip the plan leaves with nobody keeps its own driver and vehicle (a plan never unassigns): plan again
        # with those trips where they are, so that no change clashes with them.
        kept = [key for key in plan.unassigned if key in context.movable]
        if kept:
            problem = _keep_in_place(problem, [context.movable[key] for key in kept])
            plan, more = _solve(problem)
            seconds += more
    jobs = {job.key: job for job in problem.jobs}
    figures = totals(problem, plan)
    with transaction.atomic():
        proposal = DispatchProposal.objects.create(
            starts_at=start,
            ends_at=end,
            allow_moves=allow_moves,
            created_by_id=actor.user_id,
            created_by_label=actor.label,
            created_at=now,
            solver=plan.solver[:40],
            solve_seconds=Decimal(f"{seconds:.2f}"),
            totals={
                "rides": len(context.rides),
                "covered": sum(1 for a in plan.assignments if a.job_key in context.rides),
                "waiting": sum(1 for key in plan.unassigned if key in context.rides) + len(context.not_plannable),
                "not_plannable": len(context.not_plannable),
                "movable": len(context.movable),
                "empty_driving_minutes": figures.empty_driving_minutes,
                "hours_per_driver": {str(k): round(v, 2) for k, v in figures.hours_per_driver.items()},
                "hours_spread": figures.hours_spread,
                "language_misses": figures.language_misses,
            },
        )
        items = []
        for assignment in plan.assignments:
            key = assignment.job_key
            kind, pk = from_db.parse_key(key)
            if kind == "trip":
                trip = context.movable[key]
                if (trip.driver_id, trip.vehicle_id) == (assignment.driver_id, assignment.vehicle_id):
                    continue  # stays as it is: not a change
            items.append(
                DispatchProposalItem(
                    proposal=proposal,
                    ride_key=key,
                    leg_id=pk if kind == "leg" else None,
                    departure_id=pk if kind == "departure" else None,
                    trip_id=pk if kind == "trip" else None,
                    starts_at=jobs[key].starts_at,
                    driver_id=assignment.driver_id,
                    vehicle_id=assignment.vehicle_id,
                    fingerprint=context.fingerprints[key],
                )
            )
        DispatchProposalItem.objects.bulk_create(items)
    logger.info(
        "dispatch proposal",
        extra={"proposal": proposal.pk, "items": len(items), "solver": plan.solver, "seconds": round(seconds, 2)},
    )
    return proposal


def _solve(problem: Problem) -> tuple[Plan, float]:
    began = time.monotonic()
    plan = solver.plan_solver(problem)  # within GNB_DISPATCH_TIME_LIMIT_SECONDS
    return plan, time.monotonic() - began


def _keep_in_place(problem: Problem, trips: list[Trip]) -> Problem:
    """``problem`` with ``trips`` no longer jobs but fixed on their own driver and vehicle."""
    keys = {from_db.trip_key(trip.pk) for trip in trips}
    by_driver = {trip.driver_id: trip for trip in trips}
    by_vehicle = {trip.vehicle_id: trip for trip in trips}

    def busy(trip: Trip) -> Busy:
        return Busy(trip.starts_at, trip.ends_at, trip.origin_zone_id, trip.destination_zone_id, trip.pk)

    drivers = tuple(
        dataclasses.replace(d, fixed=d.fixed + tuple(busy(t) for t in trips if t.driver_id == d.driver_id))
        if d.driver_id in by_driver
        else d
        for d in problem.drivers
    )
    vehicles = tuple(
        dataclasses.replace(v, fixed=v.fixed + tuple(busy(t) for t in trips if t.vehicle_id == v.vehicle_id))
        if v.vehicle_id in by_vehicle
        else v
        for v in problem.vehicles
    )
    return dataclasses.replace(
        problem,
        jobs=tuple(job for job in problem.jobs if job.key not in keys),
        drivers=drivers,
        vehicles=vehicles,
    )


# --- applying ---------------------------------------------------------------------------------------------------
def dispatch_apply(
    *,
    proposal_id: int,
    item_ids: list[int] | None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> list[ItemResult]:
    """Apply the chosen items of a proposal (``None``: every item not applied yet), each on its own: moves first,
    then rides by pickup. Items decided before are reported as they were, never applied twice."""
    proposal = DispatchProposal.objects.filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(_("Proposal not found."), field="proposal")
    items = list(proposal.items.all())
    if item_ids is not None:
        known = {item.pk for item in items}
        unknown = sorted(set(item_ids) - known)
        if unknown:
            raise ValidationFailed(
                [
                    (
                        "items",
                        _("Not changes of this proposal: %(ids)s.") % {"ids": ", ".join(map(str, unknown[:10]))},
                    )
                ]
            )
        chosen = set(item_ids)
        items = [item for item in items if item.pk in chosen]
    items.sort(key=lambda item: (not item.is_move, item.starts_at, item.pk))
    results = [_apply_item(proposal, item, actor=actor, now=now) for item in items]
    pending = DispatchProposalItem.objects.filter(proposal=proposal, outcome=Outcome.PENDING).count()
    status = DispatchProposal.Status.DONE if pending == 0 else DispatchProposal.Status.PARTLY_APPLIED
    if any(r.outcome for r in results):
        DispatchProposal.objects.filter(pk=proposal.pk).update(status=status)
    return results


def _apply_item(
    proposal: DispatchProposal, item: DispatchProposalItem, *, actor: Actor, now: dt.datetime | None
) -> ItemResult:
    if item.outcome:
        return ItemResult(item.pk, item.ride_key, item.outcome, item.message, item.result_trip_id)
    moment = now or timezone.now()
    try:
        with transaction.atomic(), lock_timeout_as_busy():
            _lock_ride(item)
            current = from_db.current_fingerprint(item.ride_key)
            if current != item.fingerprint:
                reason = _what_changed(item, current)
                _decide(item, Outcome.SKIPPED, reason, None, moment)
                return ItemResult(item.pk, item.ride_key, Outcome.SKIPPED, reason, None)
            if item.trip_id is not None:
                trip = services.fleet_reassign(
                    trip_id=item.trip_id,
                    driver_id=item.driver_id,
                    vehicle_id=item.vehicle_id,
                    actor=actor,
                    reason=_("Plan P%(proposal)s") % {"proposal": proposal.pk},
                    now=now,
                )
            else:
                ride = services.RideRef(leg_id=item.leg_id, departure_id=item.departure_id)
                trip = services.fleet_assign(
                    ride=ride, driver_id=item.driver_id, vehicle_id=item.vehicle_id, actor=actor, now=now
                )
            message = _("Trip T%(trip)s.") % {"trip": trip.pk}
            _decide(item, Outcome.APPLIED, message, trip.pk, moment)
            return ItemResult(item.pk, item.ride_key, Outcome.APPLIED, message, trip.pk)
    except DomainError as error:
        # The services' word (a rule, a conflict with a trip made meanwhile, a lock not free in time): nothing of
        # this item was written; the refusal is.
        _decide(item, Outcome.REFUSED, error.message, None, moment)
        return ItemResult(item.pk, item.ride_key, Outcome.REFUSED, error.message, None)


def _decide(item: DispatchProposalItem, outcome: str, message: str, trip_id: int | None, at: dt.datetime) -> None:
    item.outcome, item.message, item.result_trip_id, item.applied_at = outcome, message[:500], trip_id, at
    item.save(update_fields=["outcome", "message", "result_trip", "applied_at"])


def _lock_ride(item: DispatchProposalItem) -> None:
    """Lock the ride's bookings (and a moved trip), in the services' order, so that nobody changes it between the
    check of its fingerprint and its assignment."""
    booking_ids: list[int]
    if item.leg_id is not None:
        booking_ids = list(TransferLeg.objects.filter(pk=item.leg_id).values_list("booking_id", flat=True))
    elif item.departure_id is not None:
        booking_ids = list(
            Booking.objects.filter(tour_departure_id=item.departure_id, status__in=selectors.ASSIGNABLE).values_list(
                "pk", flat=True
            )
        )
    else:
        assert item.trip_id is not None  # an item is a leg, a departure or a trip (its constraint)
        booking_ids = list(TripBooking.objects.filter(trip_id=item.trip_id).values_list("booking_id", flat=True))
    lock_rows(Booking.objects.filter(pk__in=booking_ids))
    if item.trip_id is not None:
        lock_rows(Trip.objects.filter(pk=item.trip_id))


def _what_changed(item: DispatchProposalItem, current: dict[str, Any] | None) -> str:
    """Why a ride is not what it was when the plan was made, in the dispatcher's words."""
    before = item.fingerprint
    if current is None:
        return _("The ride no longer exists.")
    if item.trip_id is not None:
        if current["status"] != before["status"]:
            status = dict(Trip.Status.choices).get(current["status"], current["status"])
            return _("The trip is %(status)s now.") % {"status": str(status).lower()}
        if (current["driver"], current["vehicle"]) != (before["driver"], before["vehicle"]):
            return _("The trip was given another driver or vehicle since the plan was made.")
        if current["range"] != before["range"]:
            return _("The trip's time changed since the plan was made.")
        return _("The trip's passengers changed since the plan was made.")
    statuses = {b["id"]: b["status"] for b in current["bookings"]}
    for booking in before["bookings"]:
        status = statuses.get(booking["id"])
        if status is not None and status != "assignable":
            label = dict(Booking.Status.choices).get(status, status)
            return _("The booking is %(status)s now.") % {"status": str(label).lower()}
    if item.leg_id is not None and not current["waiting"]:
        return _("The ride was given a driver since the plan was made.")
    if item.departure_id is not None and [b["id"] for b in current["bookings"]] != [
        b["id"] for b in before["bookings"]
    ]:
        return _("The departure's waiting bookings changed since the plan was made (seated, cancelled or added).")
    if current["pickup_at"] != before["pickup_at"]:
        return _("The pickup time changed since the plan was made.")
    return _("The ride's route, party or vehicle class changed since the plan was made.")


# --- reading a proposal -----------------------------------------------------------------------------------------
@dataclass
class ProposalRow:
    """One change of a proposal as its page shows it."""

    item: DispatchProposalItem
    references: list[str]
    label: str
    passengers: int
    luggage: int
    languages: str
    # A move: who and what had the trip when the plan was made.
    moved_from_driver: str = ""
    moved_from_vehicle: str = ""
    # Where the trip it made or changed is on the board (filled in by the view).
    trip_url: str = ""

    @property
    def party_text(self) -> str:
        people = ngettext("%(count)s passenger", "%(count)s passengers", self.passengers) % {"count": self.passengers}
        bags = ngettext("%(count)s bag", "%(count)s bags", self.luggage) % {"count": self.luggage}
        return f"{people} · {bags}"


@dataclass
class ProposalPage:
    proposal: DispatchProposal
    rows: list[ProposalRow]
    # Driver's name → busy hours in the window with the plan (fixed trips and planned ones).
    hours: list[tuple[str, float]]

    @property
    def pending(self) -> list[ProposalRow]:
        return [row for row in self.rows if not row.item.outcome]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.item.outcome == outcome)


def proposal_page(*, proposal_id: int) -> ProposalPage:
    """A proposal with its changes, their rides, drivers and vehicles, in a fixed number of queries."""
    proposal = DispatchProposal.objects.filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(_("Proposal not found."), field="proposal")
    items = list(
        proposal.items.select_related(
            "driver",
            "vehicle__vehicle_class",
            "leg__origin",
            "leg__destination",
            "departure__tour",
            "trip__origin_zone",
            "trip__destination_zone",
            "trip__departure__tour",
        ).order_by("starts_at", "pk")
    )
    booking_ids = {b for item in items for b in _booking_ids(item)}
    bookings = {
        row[0]: row
        for row in Booking.objects.filter(pk__in=booking_ids).values_list(
            "pk", "reference", "adults", "children", "infants", "luggage", "language"
        )
    }
    driver_ids = {int(k) for k in proposal.totals.get("hours_per_driver", {})}
    driver_ids |= {item.fingerprint.get("driver") for item in items if item.is_move} - {None}
    vehicle_ids = {item.fingerprint.get("vehicle") for item in items if item.is_move} - {None}
    drivers = {d.pk: d.full_name for d in Driver.objects.filter(pk__in=driver_ids).only("first_name", "last_name")}
    plates = dict(Vehicle.objects.filter(pk__in=vehicle_ids).values_list("pk", "plate"))
    rows = []
    for item in items:
        party = [bookings[b] for b in _booking_ids(item) if b in bookings]
        row = ProposalRow(
            item=item,
            references=[b[1] for b in party],
            label=_ride_label(item),
            passengers=sum(b[2] + b[3] + b[4] for b in party),
            luggage=sum(b[5] for b in party),
            languages=" ".join(sorted({b[6] for b in party})),
        )
        if item.is_move:
            row.moved_from_driver = drivers.get(item.fingerprint.get("driver"), "")
            row.moved_from_vehicle = plates.get(item.fingerprint.get("vehicle"), "")
        rows.append(row)
    hours = sorted(
        ((drivers.get(int(k), k), v) for k, v in proposal.totals.get("hours_per_driver", {}).items()),
        key=lambda pair: (-pair[1], str(pair[0])),
    )
    return ProposalPage(proposal=proposal, rows=rows, hours=[(str(name), value) for name, value in hours])


def _booking_ids(item: DispatchProposalItem) -> list[int]:
    bookings = item.fingerprint.get("bookings", [])
    return [b if isinstance(b, int) else b["id"] for b in bookings]


def _ride_label(item: DispatchProposalItem) -> str:
    if item.leg is not None:
        return f"{item.leg.origin.name} → {item.leg.destination.name}"
    if item.departure is not None:
        return item.departure.tour.name
    assert item.trip is not None
    return selectors.trip_label(item.trip)
