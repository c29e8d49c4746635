"""Polling flights and checking them at booking.

Each round (``GNB_FLIGHT_POLL_INTERVAL_MINUTES``) links the airport pickups landing in the next 24 hours to one
:class:`~gnb.fleet.models.FlightWatch` per flight and day, then asks the provider about the watches that are due,
soonest landing first, each once however many bookings meet it. The calls of a day (bookings' checks included)
never pass ``GNB_FLIGHT_DAILY_QUOTA``, and a round spends at most its even share of what is left of the day's
quota. A 429 pauses every call for its Retry-After; a provider error backs off (doubling, per flight) and ends the
round; a malformed answer is recorded on the flight and alerted, never guessed at.
"""

from __future__ import annotations

import datetime as dt
import logging
import math

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone

from gnb.bookings.models import TransferLeg
from gnb.bookings.policies import FlightLookup
from gnb.bookings.services import FOLLOWS_LANDING, booking_flight_note
from gnb.core.alerts import alert_raise
from gnb.core.errors import DomainError
from gnb.fleet.flights import registry
from gnb.fleet.flights.base import FlightProvider, FlightProviderError, FlightStatus, QuotaExceeded, Status
from gnb.fleet.flights.services import leg_and_trip_follow_landing
from gnb.fleet.models import FlightProviderDay, FlightWatch, FlightWatchLeg

logger = logging.getLogger(__name__)

W = FlightWatch.Status
# Flights landing within this window are polled every round; those further out hourly (a delay announced hours
# ahead is announced again later, and the quota is better spent near the landing).
NEAR = dt.timedelta(hours=3)
FAR_POLL = dt.timedelta(hours=1)
AHEAD = dt.timedelta(hours=24)
# Landed flights are asked again for this long, until the touchdown time is known.
AFTER_LANDING = dt.timedelta(hours=1)
# A booking's check reuses what a poll or another check learnt this recently.
LOOKUP_FRESH = dt.timedelta(minutes=15)
MAX_BACKOFF_STEPS = 4
# A flight whose lookups failed this many times in a row raises flights.provider_down.
PROVIDER_DOWN_AFTER = 3


# --- the day's quota -----------------------------------------------------------------------------------------
def _usage(now: dt.datetime) -> FlightProviderDay:
    return FlightProviderDay.objects.get_or_create(day=now.astimezone(dt.UTC).date())[0]


def _paused(now: dt.datetime) -> bool:
    return FlightProviderDay.objects.filter(paused_until__gt=now).exists()


def _take_call(now: dt.datetime) -> bool:
    """Count one provider call against today's quota; False (and nothing counted) when it is spent."""
    usage = _usage(now)
    taken = FlightProviderDay.objects.filter(pk=usage.pk, calls__lt=settings.GNB_FLIGHT_DAILY_QUOTA).update(
        calls=F("calls") + 1
    )
    return bool(taken)


def _pause(now: dt.datetime, seconds: int) -> None:
    usage = _usage(now)
    FlightProviderDay.objects.filter(pk=usage.pk).update(paused_until=now + dt.timedelta(seconds=seconds))


def round_budget(now: dt.datetime) -> int:
    """The calls this round may make: what is left of today's quota shared evenly over today's rounds still to
    come (this one included)."""
    left = settings.GNB_FLIGHT_DAILY_QUOTA - _usage(now).calls
    if left <= 0:
        return 0
    utc = now.astimezone(dt.UTC)
    midnight = dt.datetime.combine(utc.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    interval = settings.GNB_FLIGHT_POLL_INTERVAL_MINUTES * 60
    rounds = max(1, math.ceil((midnight - utc).total_seconds() / interval))
    return math.ceil(left / rounds)


# --- reading the provider's answer ----------------------------------------------------------------------------
def _pick(legs: list[FlightStatus], iata: str) -> FlightStatus | None:
    """The leg landing at ``iata``; else the first leg (to say where the flight does land); None for none."""
    return next((leg for leg in legs if leg.arrival_iata == iata), legs[0] if legs else None)


def _lookup(provider: FlightProvider, number: str, day: dt.date, now: dt.datetime) -> list[FlightStatus] | None:
    """The provider's legs, or None when it could not be asked (quota spent, paused, down)."""
    if _paused(now) or not _take_call(now):
        logger.warning("flight lookup skipped: provider quota spent or paused", extra={"flight": number})
        return None
    try:
        return provider.flight_legs(number=number, date=day)
    except QuotaExceeded as exc:
        _pause(now, exc.retry_after)
        logger.warning("flight lookup refused: %s", exc.message, extra={"flight": number})
    except FlightProviderError as exc:
        logger.warning("flight lookup failed: %s", exc.message, extra={"flight": number, "permanent": exc.permanent})
    return None


def flight_lookup_for_booking(number: str, day: dt.date, airport_iata: str) -> FlightLookup | None:
    """The booking checks' flight lookup (registered with bookings' policies): None when tracking is off.

    A provider that cannot answer leaves the flight unchecked: the booking is accepted, the flight's watch says
    "not checked" with the reason, and the polling looks again before the landing.
    """
    provider = registry.get()
    if provider is None:
        return None
    now = timezone.now()
    watch = FlightWatch.objects.filter(number=number, date=day).first()
    if (
        watch is not None
        and watch.arrival_iata == airport_iata
        and watch.status not in (W.UNCHECKED, W.NOT_FOUND, W.ELSEWHERE)
        and watch.last_checked_at
        and now - watch.last_checked_at < LOOKUP_FRESH
    ):
        return FlightLookup(checked=True, found=True)
    # A flight refused a minute ago is refused again without a call: a traveller correcting other fields, or
    # someone trying numbers, must not spend the day's quota.
    refused_key = f"flights:refused:{number}:{day.isoformat()}:{airport_iata}"
    refused = cache.get(refused_key)
    if refused is not None:
        return FlightLookup(checked=True, found=refused[0], lands_at_iata=refused[1], lands_at_name=refused[2])
    legs = _lookup(provider, number, day, now)
    if legs is None:
        FlightWatch.objects.get_or_create(
            number=number,
            date=day,
            defaults={
                "arrival_iata": airport_iata,
                "last_error": "Not checked at booking: the provider could not be asked",
            },
        )
        logger.warning("flight accepted unchecked", extra={"flight": number, "date": day.isoformat()})
        return FlightLookup(checked=False)
    leg = _pick(legs, airport_iata)
    if leg is None or leg.arrival_iata != airport_iata:
        answer = (leg is not None, leg.arrival_iata if leg else "", leg.arrival_name if leg else "")
        cache.set(refused_key, answer, int(LOOKUP_FRESH.total_seconds()))
        return FlightLookup(checked=True, found=answer[0], lands_at_iata=answer[1], lands_at_name=answer[2])
    watch, _created = FlightWatch.objects.get_or_create(
        number=number, date=day, defaults={"arrival_iata": airport_iata}
    )
    _record_status(watch, leg, now=now)
    return FlightLookup(checked=True, found=True, lands_at_iata=leg.arrival_iata, lands_at_name=leg.arrival_name)


# --- the polling round ----------------------------------------------------------------------------------------
def _link_legs(now: dt.datetime) -> int:
    """Give every airport pickup landing soon its flight's watch (created on first sight); returns how many."""
    legs = (
        TransferLeg.objects.filter(
            origin__kind="airport",
            booking__status__in=FOLLOWS_LANDING,
            flight_arrival_at__gte=now - AFTER_LANDING,
            flight_arrival_at__lte=now + AHEAD,
            flight_watch_link__isnull=True,
        )
        .exclude(flight_number="")
        .select_related("origin")
    )
    linked = 0
    for leg in legs:
        assert leg.flight_arrival_at is not None
        day = timezone.localtime(leg.flight_arrival_at, leg.origin.tzinfo).date()
        watch, _created = FlightWatch.objects.get_or_create(
            number=leg.flight_number, date=day, defaults={"arrival_iata": leg.origin.iata_code or ""}
        )
        _link, created = FlightWatchLeg.objects.get_or_create(leg=leg, defaults={"watch": watch})
        linked += created
    return linked


def due_watches(now: dt.datetime) -> list[FlightWatch]:
    """Watches to ask about now, soonest landing first: not final, due, and met by a ride still ahead."""
    return list(
        FlightWatch.objects.filter(
            final=False,
            legs__leg__booking__status__in=FOLLOWS_LANDING,
            legs__leg__flight_arrival_at__gte=now - AFTER_LANDING,
            legs__leg__flight_arrival_at__lte=now + AHEAD,
        )
        .exclude(next_check_at__gt=now)
        .annotate(first_landing=Min("legs__leg__flight_arrival_at"))
        .order_by("first_landing", "pk")
        .distinct()
    )


def _next_check(watch: FlightWatch, now: dt.datetime) -> dt.datetime:
    interval = dt.timedelta(minutes=settings.GNB_FLIGHT_POLL_INTERVAL_MINUTES)
    landing = watch.landing
    if landing is not None and landing - now > NEAR:
        return now + max(interval, FAR_POLL)
    return now + interval


def _record_status(watch: FlightWatch, leg: FlightStatus, *, now: dt.datetime) -> None:
    watch.status = leg.status.value
    watch.departure_iata = leg.departure_iata[:3]
    watch.scheduled_landing = leg.scheduled_landing
    watch.estimated_landing = leg.estimated_landing
    watch.actual_landing = leg.actual_landing
    watch.last_checked_at = now
    watch.consecutive_errors = 0
    watch.last_error = ""
    watch.next_check_at = _next_check(watch, now)
    watch.save()


def _record_error(watch: FlightWatch, error: FlightProviderError, *, now: dt.datetime) -> None:
    watch.consecutive_errors += 1
    watch.last_error = error.message[:500]
    interval = dt.timedelta(minutes=settings.GNB_FLIGHT_POLL_INTERVAL_MINUTES)
    if error.permanent:
        watch.next_check_at = now + max(interval, FAR_POLL)
    else:
        watch.next_check_at = now + interval * 2 ** min(watch.consecutive_errors, MAX_BACKOFF_STEPS)
    watch.save(update_fields=["consecutive_errors", "last_error", "next_check_at"])


def _tell_dispatcher(watch: FlightWatch, *, what: str, title: str, detail: str) -> None:
    """Alert the dispatcher once per flight and kind, and record it on the history of every booking it meets."""
    links = FlightWatchLeg.objects.filter(watch=watch, leg__booking__status__in=FOLLOWS_LANDING).select_related(
        "leg__booking"
    )
    references = []
    for link in links:
        booking = link.leg.booking
        references.append(booking.reference)
        booking_flight_note(booking_id=booking.pk, reason=title, details={"flight": watch.number, "status": what})
    alert_raise(
        key=f"flight.{what}.{watch.pk}",
        title=title,
        detail=f"{detail}\nBookings: {', '.join(references) or '-'}. Nothing was cancelled automatically.",
        severity="warning",
    )


def _apply(watch: FlightWatch, legs: list[FlightStatus], now: dt.datetime) -> int:
    """Record what the provider said and make the rides follow it; returns how many legs moved."""
    leg = _pick(legs, watch.arrival_iata)
    before = watch.status
    if leg is None or leg.arrival_iata != watch.arrival_iata:
        watch.status = W.NOT_FOUND if leg is None else W.ELSEWHERE
        watch.last_checked_at, watch.next_check_at = (
            now,
            now + max(dt.timedelta(minutes=settings.GNB_FLIGHT_POLL_INTERVAL_MINUTES), FAR_POLL),
        )
        watch.save()
        if before != watch.status:
            where = "" if leg is None else f"; it lands at {leg.arrival_name} ({leg.arrival_iata})"
            _tell_dispatcher(
                watch,
                what=watch.status,
                title=f"Flight {watch.number} on {watch.date:%d %b} does not land at {watch.arrival_iata}{where}",
                detail="Check the flight with the traveller.",
            )
        return 0
    with transaction.atomic():
        _record_status(watch, leg, now=now)
        if leg.status in (Status.CANCELLED, Status.DIVERTED):
            watch.final = True
            watch.save(update_fields=["final"])
            if before != watch.status:
                _tell_dispatcher(
                    watch,
                    what=leg.status.value,
                    title=f"Flight {watch.number} on {watch.date:%d %b} is {leg.status.value}",
                    detail="Call the travellers and decide on their pickups.",
                )
            return 0
    moved, behind = 0, False
    for link in FlightWatchLeg.objects.filter(watch=watch).select_related("watch"):
        try:
            followed = leg_and_trip_follow_landing(link=link, landing_at=leg.landing, now=now)
        except DomainError as exc:
            # A booking or trip locked by someone else right now (or changed under us): the next round tries again,
            # as the leg still differs from the flight.
            logger.warning("leg %s did not follow flight %s: %s", link.leg_id, watch.number, exc)
            behind = True
            continue
        moved += followed is not None
    if leg.status == Status.LANDED and leg.actual_landing is not None and not behind:
        FlightWatch.objects.filter(pk=watch.pk).update(final=True)
    return moved


def flights_poll(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One polling round (the scheduler's task); safe to run twice. Returns what it did."""
    provider = registry.get()
    if provider is None:
        return {"off": 1}
    now = now or timezone.now()
    counts = {"linked": _link_legs(now), "polled": 0, "moved": 0, "errors": 0, "skipped": 0}
    due = due_watches(now)
    budget = 0 if _paused(now) else round_budget(now)
    counts["skipped"] = max(0, len(due) - budget)
    if counts["skipped"]:
        logger.warning("flight polling: %d flights wait for the next round (quota)", counts["skipped"])
    for watch in due[:budget]:
        if not _take_call(now):
            counts["skipped"] += 1
            break
        counts["polled"] += 1
        try:
            legs = provider.flight_legs(number=watch.number, date=watch.date)
        except QuotaExceeded as exc:
            _pause(now, exc.retry_after)
            _record_error(watch, exc, now=now)
            counts["errors"] += 1
            logger.warning("flight polling paused %ss: %s", exc.retry_after, exc.message)
            break
        except FlightProviderError as exc:
            _record_error(watch, exc, now=now)
            counts["errors"] += 1
            if exc.permanent:
                alert_raise(
                    key="flights.provider",
                    title="Flight provider answered something we cannot read",
                    detail=f"{watch.number} on {watch.date}: {exc.message}",
                    severity="error",
                )
                continue
            logger.warning("flight polling stopped for this round: %s", exc.message)
            if watch.consecutive_errors >= PROVIDER_DOWN_AFTER:
                alert_raise(
                    key="flights.provider_down",
                    title="Flight provider unreachable: pickups do not follow the planes",
                    detail=f"{watch.number} on {watch.date}: {exc.message} ({watch.consecutive_errors} times in a row)",
                    severity="error",
                )
            break
        counts["moved"] += _apply(watch, legs, now)
    logger.info("flight polling round", extra=counts)
    return counts
