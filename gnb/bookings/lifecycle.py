"""The booking lifecycle: the one place where a booking's status changes.

Every status change, whoever asks for it (staff and travellers through :mod:`gnb.bookings.services`, payments when
money arrives or is given back, the scheduler when an unpaid hold runs out), goes through :func:`transition`: it is
guarded by :func:`gnb.bookings.policies.can_transition` (and, for the steps of a trip, by its start time) and recorded
as a ``BookingEvent`` with who, when, from, to and why.

The caller holds the booking's row lock (:func:`locked_booking`, inside its transaction) and takes any other locks
after it, in the order booking, then payment, then refund. What a change sets off (emails, refunds) stays with the
caller, which knows why the change happened; the rule that decides whether it may happen lives only here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.bookings import policies
from gnb.bookings.models import Booking, BookingEvent
from gnb.core.errors import InvalidTransition, NotFound
from gnb.core.locking import lock_rows, lock_timeout_as_busy

logger = logging.getLogger(__name__)

S = Booking.Status


# Called with (booking, from_status, event) after every status change, inside its transaction and under the
# booking's lock. Apps above bookings register here (gnb.fleet frees a cancelled booking's trips) so that a change
# made anywhere (a traveller cancelling, an unpaid hold expiring) carries what follows in the same commit, without
# bookings knowing those apps.
StatusListener = Callable[[Booking, str, BookingEvent], None]
_status_listeners: list[StatusListener] = []


def status_listener_register(listener: StatusListener) -> None:
    """Have ``listener`` called after every status change (once per function, from an ``AppConfig.ready``)."""
    if listener not in _status_listeners:
        _status_listeners.append(listener)


# Called with (booking, event) after a booking's details changed (``booking_update_details``: flights, pickup
# points, names, contact), in its transaction; ``event.details["changes"]`` names what changed. gnb.fleet tells the
# driver of the ride.
DetailsListener = Callable[[Booking, BookingEvent], None]
_details_listeners: list[DetailsListener] = []


def details_listener_register(listener: DetailsListener) -> None:
    """Have ``listener`` called after every change of a booking's details (once per function)."""
    if listener not in _details_listeners:
        _details_listeners.append(listener)


def details_changed(booking: Booking, event: BookingEvent) -> None:
    """Tell the registered listeners that ``booking``'s details changed as ``event`` records."""
    for listener in _details_listeners:
        listener(booking, event)


def locked_booking(booking_id: int) -> Booking:
    """The booking with its row locked (call inside a transaction), or ``NotFound``."""
    rows = lock_rows(Booking.objects.filter(pk=booking_id))
    if not rows:
        raise NotFound(_("Booking not found."))
    return rows[0]


def guard(booking: Booking, to_status: str, *, now: dt.datetime, by_hand: bool = False) -> None:
    """Raise ``InvalidTransition`` unless ``booking`` may move to ``to_status`` at ``now`` (``by_hand``: asked for
    by a person as a bare status change, which some moves never are: see ``policies.MOVES``)."""
    labels = dict(S.choices)
    if to_status not in labels:
        raise InvalidTransition(_("Unknown status “%(status)s”.") % {"status": to_status}, field="status")
    names = {"from": labels[booking.status], "to": labels[to_status]}
    if not policies.can_transition(booking.status, to_status):
        raise InvalidTransition(_("A booking in status “%(from)s” cannot move to “%(to)s”.") % names, field="status")
    if by_hand and not policies.can_transition(booking.status, to_status, by_hand=True):
        raise InvalidTransition(
            _(
                "A booking in status “%(from)s” moves to “%(to)s” only through dispatch or payments "
                "(e.g. by taking the driver off its trip on the dispatch board), not by hand."
            )
            % names,
            field="status",
        )
    if to_status in policies.NEEDS_START and now < booking.starts_at:
        raise InvalidTransition(_("This can only be recorded once the pickup time has passed."), field="status")


def staff_moves(booking: Booking, *, now: dt.datetime | None = None) -> frozenset[str]:
    """The statuses staff may move ``booking`` to by hand now: what :func:`guard` would let through."""
    now = now or timezone.now()
    allowed = set()
    for to_status in policies.TRANSITIONS.get(booking.status, frozenset()):
        try:
            guard(booking, to_status, now=now, by_hand=True)
        except InvalidTransition:
            continue
        allowed.add(to_status)
    return frozenset(allowed)


def transition(
    booking: Booking,
    *,
    to_status: str,
    actor_label: str,
    actor_id: int | None = None,
    reason: str = "",
    details: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
    by_hand: bool = False,
) -> BookingEvent:
    """Move a locked ``booking`` to ``to_status`` if the lifecycle allows it, save it and record the step.

    ``changes`` are further fields set and saved with the status (a cancellation's time and fee); ``actor_label``
    and ``actor_id`` say who asked (a user, or a party such as ``traveller``, ``system`` or a payment provider);
    ``by_hand``: a person asked for the bare status change, so only the moves staff may make are allowed.
    Returns the ``BookingEvent`` written.
    """
    now = now or timezone.now()
    guard(booking, to_status, now=now, by_hand=by_hand)
    from_status = booking.status
    booking.status = to_status
    for name, value in (changes or {}).items():
        setattr(booking, name, value)
    booking.save(update_fields=["status", *(changes or {}), "updated_at"])
    event = BookingEvent.objects.create(
        booking=booking,
        created_at=now,
        kind=BookingEvent.Kind.STATUS,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor_id,
        actor_label=actor_label,
        reason=reason[:500],
        details=dict(details or {}),
    )
    for listener in _status_listeners:
        listener(booking, from_status, event)
    return event


def holds_expire(*, now: dt.datetime | None = None, on_expire: Callable[[Booking], None] | None = None) -> int:
    """Expire card bookings whose hold is over and still unpaid; return how many expired.

    Each booking is expired in its own short transaction under its row lock, and only if it still waits for
    payment: a payment confirmed first wins, and one confirmed after finds the booking expired (and is refunded by
    payments). ``on_expire`` runs under the booking's lock just before the status changes, in the same transaction:
    payments closes the booking's open payment attempts there. Seats and coupon uses are counted from live
    bookings, so they are free as soon as the status changes.
    """
    now = now or timezone.now()
    due = list(
        Booking.objects.filter(status=S.PENDING_PAYMENT, hold_expires_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    expired = 0
    for booking_id in due:
        with transaction.atomic(), lock_timeout_as_busy():
            booking = locked_booking(booking_id)
            if booking.status != S.PENDING_PAYMENT or not booking.hold_expires_at:
                continue
            if booking.hold_expires_at > now:
                continue
            if on_expire is not None:
                on_expire(booking)
            transition(
                booking,
                to_status=S.EXPIRED,
                actor_label="system",
                reason="Unpaid hold expired",
                details={"hold_expires_at": booking.hold_expires_at.isoformat()},
            )
            expired += 1
    if expired:
        logger.info("holds expired", extra={"count": expired})
    return expired
