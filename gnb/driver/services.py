"""Writes of the drivers' app: devices signed in and ended, the emailed sign-in link, and the phone's commands
(a trip's status, cash taken) applied exactly once through the fleet's services."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gnb.accounts.selectors import user_by_email
from gnb.core.errors import Busy, DomainError, NotFound, ValidationFailed
from gnb.core.outbox import EmailKind, email_enqueue
from gnb.driver import selectors
from gnb.driver.models import DriverCommand, DriverDevice
from gnb.fleet import services as fleet
from gnb.fleet.models import Driver, Trip, TripEvent

logger = logging.getLogger(__name__)

# A device signed in stays signed in this long, unless the driver signs out or a dispatcher ends it.
DEVICE_LIFETIME = dt.timedelta(days=30)
T = Trip.Status

STEPS = {
    T.ON_THE_WAY.value: fleet.trip_start,
    T.ARRIVED.value: fleet.trip_arrive,
    T.PICKED_UP.value: fleet.trip_pick_up,
    T.COMPLETED.value: fleet.trip_complete,
}


# --- devices ----------------------------------------------------------------------------------------------
def driver_device_start(*, driver: Driver, user_agent: str, now: dt.datetime | None = None) -> DriverDevice:
    """A device signed in now: live for :data:`DEVICE_LIFETIME`."""
    now = now or timezone.now()
    device = DriverDevice.objects.create(
        driver=driver,
        label=selectors.device_label(user_agent),
        created_at=now,
        last_seen_at=now,
        expires_at=now + DEVICE_LIFETIME,
    )
    logger.info("driver device signed in", extra={"driver": driver.pk, "device": device.pk})
    return device


def driver_device_end(*, device_id: int, actor, reason: str, now: dt.datetime | None = None) -> DriverDevice:
    """End a device's session (the driver signed out, or a dispatcher ended it): its next request signs it out.
    Ending an ended device changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        device = DriverDevice.objects.select_for_update().filter(pk=device_id).first()
        if device is None:
            raise NotFound(_("Device not found."), field="device")
        if device.ended_at is None:
            device.ended_at = now
            device.ended_by = actor
            device.end_reason = reason.strip()[:200]
            device.save(update_fields=["ended_at", "ended_by", "end_reason"])
            logger.info("driver device ended", extra={"device": device.pk, "by": getattr(actor, "pk", None)})
    return device


def driver_device_seen(*, device: DriverDevice, now: dt.datetime | None = None) -> None:
    """Note that the device was used, at most every few minutes (not a write on every page)."""
    now = now or timezone.now()
    if now - device.last_seen_at >= dt.timedelta(minutes=5):
        DriverDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now


def driver_device_language_set(*, device: DriverDevice, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed([("language", _("Choose one of the languages offered."))])
    DriverDevice.objects.filter(pk=device.pk).update(language=language)
    device.language = language


def driver_sign_in_link_request(*, email: str) -> None:
    """Email a one-time sign-in link (15 minutes) for the drivers' app to the active driver holding ``email``, if
    any; the caller answers the same either way."""
    user = user_by_email(email=email)
    if user is None or not user.is_active or selectors.active_driver(user) is None:
        return
    with transaction.atomic():
        email_enqueue(kind=EmailKind.DRIVER_SIGN_IN_LINK, user_id=user.pk)


# --- commands from the phone, exactly once ------------------------------------------------------------------
@dataclass(frozen=True)
class CommandResult:
    outcome: str
    replay: bool
    message: str
    http_status: int
    trip_status: str
    trip_status_label: str

    @property
    def applied(self) -> bool:
        return self.outcome == DriverCommand.Outcome.APPLIED


class CommandRefused(DomainError):
    code = "refused"
    status = 409


def _result(command: DriverCommand, *, replay: bool) -> CommandResult:
    trip = Trip.objects.only("status").get(pk=command.trip_id)
    return CommandResult(
        outcome=command.outcome,
        replay=replay,
        message=command.message,
        http_status=command.http_status,
        trip_status=trip.status,
        trip_status_label=str(trip.get_status_display()),
    )


def _at(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _what_changed(trip: Trip, *, driver: Driver, expected_status: str) -> str | None:
    """Why a press made on a page showing ``expected_status`` no longer fits the trip, or None when it still does."""
    if trip.status == T.RELEASED:
        last = TripEvent.objects.filter(trip=trip).order_by("-created_at", "-pk").first()
        if last is not None and last.action == "unassigned":
            return _("The dispatcher took this trip off you at %(time)s.") % {"time": _at(last.created_at)}
        return _("This trip was cancelled.")
    if trip.driver_id != driver.pk:
        moved = TripEvent.objects.filter(trip=trip, action="reassigned").order_by("-created_at", "-pk").first()
        if moved is not None:
            return _("The dispatcher gave this trip to another driver at %(time)s.") % {"time": _at(moved.created_at)}
        return _("This trip is no longer yours.")
    if expected_status and trip.status != expected_status:
        return _("This trip is already %(status)s.") % {"status": str(trip.get_status_display()).lower()}
    return None


def _apply(*, driver: Driver, kind: str, trip: Trip, payload: dict[str, Any], photo) -> str:
    """Call the fleet's service for one command; the message to show. A refusal raises a DomainError."""
    actor = fleet.Actor.for_user(driver.user)
    if kind == DriverCommand.Kind.CASH:
        booking_id = payload["booking_id"]
        payment = fleet.trip_cash_collect(
            trip_id=trip.pk, booking_id=booking_id, amount=Decimal(payload["amount"]), actor_user=driver.user
        )
        return _("Cash recorded: %(amount)s %(currency)s.") % {"amount": payment.amount, "currency": payment.currency}
    status = payload["status"]
    position = None
    if payload.get("latitude") is not None and payload.get("longitude") is not None:
        position = fleet.Position(
            Decimal(payload["latitude"]), Decimal(payload["longitude"]), payload.get("accuracy_m")
        )
    if status == T.NO_SHOW:
        # The photo is evidence the no-show service may ask for; passed only when there is one.
        extra: dict[str, Any] = {"photo": photo} if photo is not None else {}
        fleet.trip_no_show(trip_id=trip.pk, actor=actor, reason=payload.get("reason", ""), position=position, **extra)
    else:
        STEPS[status](trip_id=trip.pk, actor=actor, position=position)
    return _("Saved: %(status)s.") % {"status": T(status).label}


def driver_command_apply(
    *,
    driver: Driver,
    key: str,
    kind: str,
    trip_id: int,
    payload: dict[str, Any],
    photo=None,
) -> CommandResult:
    """Apply one press from the phone exactly once.

    In one transaction: the command row is inserted first, under its unique (driver, key); a key already stored
    answers with the stored outcome (a replay, however often the phone sends it, even concurrently: the second
    insert waits for the first transaction and then fails). Then the trip is checked against what the page showed
    (still this driver's, still in ``payload["expected_status"]``) and the fleet's service runs in a savepoint; a
    refusal is stored with its message, so a replay gets the same refusal. The row and the fleet's change commit
    together. A lock not free in time (``Busy``) stores nothing: the phone retries with the same key.

    The caller makes sure the trip is, or was, this driver's (:func:`gnb.driver.selectors.trip_of_driver_ever`).
    """
    if kind not in DriverCommand.Kind.values:
        raise ValueError(f"unknown command kind {kind!r}")
    with transaction.atomic():
        try:
            with transaction.atomic():
                command = DriverCommand.objects.create(
                    driver=driver,
                    key=key,
                    kind=kind,
                    trip_id=trip_id,
                    payload=payload,
                    outcome=DriverCommand.Outcome.APPLIED,
                    http_status=200,
                )
        except IntegrityError:
            stored = DriverCommand.objects.filter(driver=driver, key=key).first()
            if stored is None:  # pragma: no cover - the unique key is the only constraint an insert can break
                raise
            return _result(stored, replay=True)
        trip = Trip.objects.get(pk=trip_id)
        try:
            changed = _what_changed(trip, driver=driver, expected_status=payload.get("expected_status", ""))
            if changed is not None:
                raise CommandRefused(changed)
            with transaction.atomic():
                message = _apply(driver=driver, kind=kind, trip=trip, payload=payload, photo=photo)
                # The fleet's service held the trip's lock from its check on: still this driver's, now for certain.
                if Trip.objects.filter(pk=trip_id).values_list("driver_id", flat=True).first() != driver.pk:
                    raise CommandRefused(
                        _what_changed(Trip.objects.get(pk=trip_id), driver=driver, expected_status="")
                        or _("This trip is no longer yours.")
                    )
        except Busy:
            raise
        except DomainError as error:
            command.outcome = DriverCommand.Outcome.REFUSED
            command.http_status = 409 if error.status in (404, 409) else error.status
            command.message = error.message[:500]
        else:
            command.message = message[:500]
        command.save(update_fields=["outcome", "http_status", "message"])
        logger.info(
            "driver command",
            extra={"driver": driver.pk, "trip": trip_id, "kind": kind, "outcome": command.outcome},
        )
        return _result(command, replay=False)
