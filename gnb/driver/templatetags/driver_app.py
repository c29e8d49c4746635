"""What the trip page needs to move on by itself while the phone has no signal: every step's form, each shown for
the statuses it follows (``data-when``), so a press queued in the outbox can show the next step's buttons at once;
and a fresh key for each form that the view does not key itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import template

from gnb.driver import selectors
from gnb.fleet.models import Trip

register = template.Library()
T = Trip.Status


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    when: str  # the statuses this step follows, space-separated (the form's data-when)
    shown: bool  # allowed from the trip's status now


@register.simple_tag
def trip_steps(trip: Trip) -> list[Step]:
    """The trip's steps in their order, each with the statuses it may follow (the selectors' NEXT_STEPS); none once
    the trip is over."""
    if trip.status not in selectors.NEXT_STEPS:
        return []
    labels = dict(T.choices)
    steps = []
    for status in (T.ON_THE_WAY, T.ARRIVED, T.PICKED_UP, T.COMPLETED):
        follows = [before for before, nexts in selectors.NEXT_STEPS.items() if status in nexts]
        steps.append(Step(status, str(labels[status]), " ".join(follows), trip.status in follows))
    return steps


@register.simple_tag
def when_started() -> str:
    """The statuses in which cash may be recorded (data-when of the cash forms)."""
    return " ".join(selectors.CASH_FROM)


@register.simple_tag
def when_no_show() -> str:
    return " ".join(selectors.NO_SHOW_FROM)


@register.simple_tag
def press_key() -> str:
    """A key for one press: the same press sent twice (a double tap, a retry) carries it, and the server applies it
    once."""
    return str(uuid.uuid4())


@register.simple_tag
def cash_rides(page: selectors.TripPage) -> list[selectors.Ride]:
    """The rides with cash to collect, whatever the trip's status: their forms are in the page from the start and
    shown once the trip has started (also when it started in the outbox, without signal)."""
    return [ride for ride in page.rides if ride.cash_due is not None and ride.cash_due.amount > 0]


@register.simple_tag
def status_label(status: str) -> str:
    """The translated name of a trip status (the page shows it when a press of that step waits in the outbox)."""
    return str(dict(T.choices)[status])
