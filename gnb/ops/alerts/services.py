"""Raising and resolving alerts: one message when an incident starts, one when it ends, per channel.

Each incident is one ``AlertState`` row per key, changed only under ``select_for_update``:

* the first ``alert_raise`` creates the row (a unique key, so concurrent first raises create one row) and queues a
  "fired" delivery in the same transaction (the task queue is rows of this database: both commit or neither);
* further raises only count (``fire_count``, ``last_fired_at``) until ``ALERT_REPEAT_MINUTES`` have passed since the
  last message, then one reminder goes out;
* ``alert_resolve`` of a firing incident queues one "resolved" delivery; raising it again later starts a new incident.

Deliveries are tasks taking the row's pk and the event. ``notified_at`` is when the last "fired" message (first or
reminder) was queued and ``resolved_at`` names the "resolved" one; each channel records in
``external_ref[channel][event]`` the message it delivered, so running a delivery twice sends nothing twice, and a
channel that failed with a transient error (``external_ref[channel]["retry"]``) is retried by the next raise or
resolve of the same incident. A permanent error is logged and recorded, not retried.

When the database itself cannot be reached, nothing can be recorded or queued; ``alert_raise`` then sends straight to
the channels, at most once per repeat window per key (counted in the cache).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from gnb.ops.alerts.base import EVENTS, AlertMessage, ChannelError, Event
from gnb.ops.alerts.registry import enabled_channels
from gnb.ops.models import AlertState

logger = logging.getLogger(__name__)

SEVERITIES = ("info", "warning", "error", "critical")
# The alert raised by gnb.ops.logging.ErrorBurstHandler when ERROR log records come too fast.
ERROR_BURST_KEY = "errors.burst"
ERROR_BURST_TITLE = "Burst of errors"
# A delivery claims the incident while it talks to the channels; a claim older than this belongs to a worker that
# died mid-delivery and is ignored.
CLAIM_SECONDS = 120
_CLAIM = "_claim"


def _check_arguments(key: str, title: str, severity: str = "error") -> None:
    if not key or len(key) > 100:
        raise ValueError(f"alert key must be 1 to 100 characters, got {key!r}")
    if not title:
        raise ValueError("alert title must not be empty")
    if severity not in SEVERITIES:
        raise ValueError(f"alert severity must be one of {', '.join(SEVERITIES)}, got {severity!r}")


def _marker(state: AlertState, event: Event) -> str | None:
    """What identifies the message about ``event`` for the incident as it is now; None when there is none to send."""
    if event == "fired":
        # notified_at moves only when a fired message (or a reminder) is due, so it names that message.
        return f"fired:{state.notified_at.isoformat()}" if state.notified_at else None
    if state.status == AlertState.Status.RESOLVED and state.resolved_at:
        return f"resolved:{state.resolved_at.isoformat()}"
    return None  # the incident fired again before this resolved message went out: it no longer applies


def _pending_channels(state: AlertState, event: Event) -> list[str]:
    """Channels whose delivery of the current ``event`` message failed for now (a queued delivery is not pending:
    counting it would queue a second task for every raise while the first waits for the worker)."""
    marker = _marker(state, event)
    if marker is None:
        return []
    return [name for name, ref in state.external_ref.items() if isinstance(ref, dict) and ref.get("retry") == marker]


# The task that delivers one incident message (gnb.ops.alerts.tasks.alert_deliver, which runs
# alert_deliver_run below); registered by OpsConfig.ready, as the tasks module imports this one.
_delivery_task: list[Any] = []


def alert_delivery_task_register(task: Any) -> None:
    """Name the task that delivers an incident's messages (called once, from ``OpsConfig.ready``)."""
    _delivery_task[:] = [task]


def _enqueue_delivery(state: AlertState, event: Event) -> None:
    # In the transaction that records the incident (the queue is rows of the same database): both commit or
    # neither, and a process that dies right after the commit has queued the message. A queue that cannot take it
    # fails the savepoint of _raise_recorded / alert_resolve, which log it and leave the caller's work alone.
    [task] = _delivery_task
    task.enqueue(alert_id=state.pk, event=event)


def _locked(key: str) -> AlertState | None:
    return AlertState.objects.select_for_update().filter(key=key).first()


def _raise_recorded(*, key: str, title: str, detail: str, severity: str, now: dt.datetime) -> None:
    repeat_after = dt.timedelta(minutes=settings.ALERT_REPEAT_MINUTES)
    with transaction.atomic():
        state = _locked(key)
        if state is None:
            try:
                with transaction.atomic():
                    state = AlertState.objects.create(
                        key=key,
                        title=title[:200],
                        detail=detail,
                        severity=severity,
                        first_fired_at=now,
                        last_fired_at=now,
                        notified_at=now,
                    )
            except IntegrityError:
                # Another process created it first; its transaction has committed by now (the insert waited on
                # the unique index), so lock that row and count this raise as a repeat.
                state = _locked(key)
                if state is None:
                    raise
            else:
                logger.warning("alert fired: %s (%s)", key, title)
                _enqueue_delivery(state, "fired")
                return
        state.title, state.detail, state.severity = title[:200], detail, severity
        if state.status == AlertState.Status.RESOLVED:
            state.status = AlertState.Status.FIRING
            state.fire_count = 1
            state.first_fired_at = state.last_fired_at = state.notified_at = now
            state.resolved_at = None
            logger.warning("alert fired again: %s (%s)", key, title)
            event_due = True
        else:
            state.fire_count += 1
            state.last_fired_at = now
            event_due = state.notified_at is None or now - state.notified_at >= repeat_after
            if event_due:
                state.notified_at = now
                logger.warning("alert still firing: %s (%s), %d times", key, title, state.fire_count)
            else:
                # Within the repeat window: only count, unless a channel still misses the last message.
                event_due = bool(_pending_channels(state, "fired"))
        state.save()
        if event_due:
            _enqueue_delivery(state, "fired")


def alert_raise(*, key: str, title: str, detail: str = "", severity: str = "error") -> None:
    """Record that the incident ``key`` is happening; the first raise (and one per repeat window) notifies.

    ``key`` is stable per kind of incident (``backup.failed``, ``health.ready``), ``title`` is the one-line summary,
    ``detail`` the text below it, ``severity`` one of info, warning, error or critical. Never raises for delivery or
    database trouble (the caller is usually already handling a failure); it logs it instead.
    """
    _check_arguments(key, title, severity)
    now = timezone.now()
    try:
        _raise_recorded(key=key, title=title, detail=detail, severity=severity, now=now)
    except (OperationalError, InterfaceError) as exc:
        if _database_reachable():
            logger.error("alert %s could not be recorded: %s", key, exc)
            return
        try:
            # Nothing can be recorded, so the cache stands in for AlertState: one direct message per repeat window.
            first = cache.add(_direct_key(key), True, timeout=settings.ALERT_REPEAT_MINUTES * 60)
        except Exception as cache_exc:
            logger.error("alert %s: cache unavailable too: %s", key, cache_exc)
            first = True
        logger.error("alert %s: database unreachable (%s)%s", key, exc, ", sending directly" if first else "")
        if first:
            _send_without_database(key=key, title=title, detail=detail, severity=severity, event="fired", now=now)
    except DatabaseError as exc:
        logger.error("alert %s could not be recorded: %s", key, exc)


def alert_resolve(*, key: str, title: str) -> None:
    """Record that the incident ``key`` is over; notifies once if it was firing, else does nothing.

    The resolved message repeats the incident's stored title so it pairs with the fired one; ``title`` is used when
    the incident was only announced directly (while the database was down) and has no row.
    """
    _check_arguments(key, title)
    now = timezone.now()
    try:
        # A plain read first: health checks resolve on every success, and almost always nothing is firing.
        current = AlertState.objects.filter(key=key).first()
        if current is None:
            _resolve_direct_announcement(key=key, title=title, now=now)
            return
        if current.status == AlertState.Status.RESOLVED and not _pending_channels(current, "resolved"):
            return
        with transaction.atomic():
            state = _locked(key)
            if state is None:
                return
            if state.status == AlertState.Status.FIRING:
                state.status = AlertState.Status.RESOLVED
                state.resolved_at = now
                state.save(update_fields=["status", "resolved_at"])
                logger.info("alert resolved: %s (%s)", key, state.title)
                _enqueue_delivery(state, "resolved")
            elif _pending_channels(state, "resolved"):
                _enqueue_delivery(state, "resolved")
    except (OperationalError, InterfaceError) as exc:
        if _database_reachable():
            logger.error("alert %s could not be resolved: %s", key, exc)
        else:
            _resolve_direct_announcement(key=key, title=title, now=now)
    except DatabaseError as exc:
        logger.error("alert %s could not be resolved: %s", key, exc)


# --- delivery ---------------------------------------------------------------------------------------------


def _message(state: AlertState, event: Event) -> AlertMessage:
    return AlertMessage(
        key=state.key,
        event=event,
        title=state.title,
        detail=state.detail,
        severity=state.severity,
        fire_count=state.fire_count,
        first_fired_at=state.first_fired_at,
        last_fired_at=state.last_fired_at,
        resolved_at=state.resolved_at,
        site_url=settings.SITE_URL,
        # notified_at moves past first_fired_at only when a reminder is due (see _raise_recorded).
        reminder=event == "fired" and state.notified_at is not None and state.notified_at > state.first_fired_at,
    )


def alert_deliver_run(*, alert_id: int, event: str) -> dict[str, str]:
    """Send the incident's ``event`` message to every enabled channel that has not had it; safe to run twice.

    Returns what happened per channel: ``sent``, ``failed`` (permanent, logged, not retried) or ``retry``
    (transient; the next raise or resolve of the incident queues another delivery).
    """
    if event not in EVENTS:
        raise ValueError(f"alert event must be fired or resolved, got {event!r}")
    typed_event: Event = "fired" if event == "fired" else "resolved"
    now = timezone.now()
    channels = enabled_channels()
    # Claim under the row lock, send outside it: slow network calls must not hold a database lock.
    with transaction.atomic():
        state = AlertState.objects.select_for_update().filter(pk=alert_id).first()
        if state is None:
            return {}
        marker = _marker(state, typed_event)
        due = [c for c in channels if marker and state.external_ref.get(c.name, {}).get(typed_event) != marker]
        if not due:
            return {}
        claim = state.external_ref.get(_CLAIM) or {}
        if claim.get("marker") == marker and dt.datetime.fromisoformat(claim["at"]) > now - dt.timedelta(
            seconds=CLAIM_SECONDS
        ):
            logger.info("alert %s: %s delivery already in progress", state.key, typed_event)
            return {}
        state.external_ref[_CLAIM] = {"marker": marker, "at": now.isoformat()}
        state.save(update_fields=["external_ref"])
        message = _message(state, typed_event)
        refs = {channel.name: dict(state.external_ref.get(channel.name, {})) for channel in due}

    outcomes: dict[str, str] = {}
    new_refs: dict[str, dict[str, Any]] = {}
    for channel in due:
        ref = refs[channel.name]
        try:
            new_ref = dict(channel.send(message, ref))
        except ChannelError as exc:
            if exc.permanent:
                logger.error("alert %s: %s refused the %s message: %s", state.key, channel.name, typed_event, exc)
                failed = {name: value for name, value in ref.items() if name != "retry"}
                new_refs[channel.name] = {**failed, typed_event: marker, "error": str(exc)[:300]}
                outcomes[channel.name] = "failed"
            else:
                logger.warning("alert %s: %s failed for now, will retry: %s", state.key, channel.name, exc)
                new_refs[channel.name] = {**ref, "retry": marker}
                outcomes[channel.name] = "retry"
            continue
        except Exception:
            # A bug or an unexpected library error: log it with its traceback and retry next time.
            logger.exception("alert %s: %s failed unexpectedly", state.key, channel.name)
            new_refs[channel.name] = {**ref, "retry": marker}
            outcomes[channel.name] = "retry"
            continue
        new_ref.pop("error", None)
        new_ref.pop("retry", None)
        new_refs[channel.name] = {**new_ref, typed_event: marker}
        outcomes[channel.name] = "sent"

    with transaction.atomic():
        state = AlertState.objects.select_for_update().get(pk=alert_id)
        state.external_ref.update(new_refs)
        if (state.external_ref.get(_CLAIM) or {}).get("marker") == marker:
            del state.external_ref[_CLAIM]
        state.save(update_fields=["external_ref"])
    logger.info("alert %s: %s message %s", state.key, typed_event, outcomes)
    return outcomes


# --- when the database is down ----------------------------------------------------------------------------


def _database_reachable() -> bool:
    if connection.in_atomic_block:
        # Cannot reconnect inside the caller's transaction; a broken transaction is the caller's problem to report.
        return True
    try:
        connection.close()
        connection.ensure_connection()
    except DatabaseError:
        return False
    return True


def _direct_key(key: str) -> str:
    return f"alerts:direct:{key}"


def _send_without_database(*, key: str, title: str, detail: str, severity: str, event: Event, now: dt.datetime) -> None:
    message = AlertMessage(
        key=key,
        event=event,
        title=title,
        detail=detail,
        severity=severity,
        fire_count=1,
        first_fired_at=now,
        last_fired_at=now,
        resolved_at=now if event == "resolved" else None,
        site_url=settings.SITE_URL,
    )
    for channel in enabled_channels():
        try:
            channel.send(message, {})
        except Exception as exc:  # nowhere to record a retry; the next raise after the window tries again
            logger.error("alert %s: %s could not send directly: %s", key, channel.name, exc)


def _resolve_direct_announcement(*, key: str, title: str, now: dt.datetime) -> None:
    try:
        announced = cache.get(_direct_key(key))
        if announced:
            cache.delete(_direct_key(key))
    except Exception as exc:
        logger.error("alert %s: cache unavailable: %s", key, exc)
        return
    if announced:
        _send_without_database(key=key, title=title, detail="", severity="info", event="resolved", now=now)


# --- helpers for checks that run repeatedly ----------------------------------------------------------------


def alert_on_consecutive_failures(*, key: str, title: str, ok: bool, threshold: int) -> None:
    """Raise ``key`` when a check has failed ``threshold`` times in a row; resolve it on the next success.

    Call it after every run of the check. The count lives in the cache (shared through Redis in production), so it
    survives between requests but one failure between successes never alerts. While the failures go on, the alert is
    raised again every ``threshold`` failures, which keeps its count current and sends a reminder after the repeat
    window.
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    counter = f"alerts:consecutive:{key}"
    if ok:
        previous = cache.get(counter, 0)
        if previous:
            cache.delete(counter)
        if previous >= threshold:
            alert_resolve(key=key, title=title)
        return
    cache.add(counter, 0, timeout=None)
    failures = cache.incr(counter)
    if failures >= threshold and failures % threshold == 0:
        alert_raise(key=key, title=title, detail=f"Failed {failures} times in a row.")


def _burst_counter(key: str, bucket: int) -> str:
    return f"alerts:burst:{key}:{bucket}"


def alert_on_burst(*, key: str, title: str, threshold: int, window_seconds: int) -> int:
    """Count one event for ``key``; raise the alert when ``threshold`` events fall in one ``window_seconds`` window.

    Windows are fixed slices of time (cheap: one cache increment per event). The alert is raised once per window that
    reaches the threshold, and resolved by the first event of a later window when the window before it stayed below
    the threshold (or by ``alert_burst_settle``, which the daily self-check calls). Returns the count in this window.
    """
    if threshold < 1 or window_seconds < 1:
        raise ValueError("threshold and window_seconds must be at least 1")
    bucket = int(timezone.now().timestamp()) // window_seconds
    counter = _burst_counter(key, bucket)
    # Two windows' lifetime: the previous window's count is read to decide whether the burst is over.
    cache.add(counter, 0, timeout=window_seconds * 2 + 60)
    count = cache.incr(counter)
    if count == threshold:
        cache.set(f"alerts:burst-firing:{key}", True, timeout=None)
        alert_raise(
            key=key,
            title=title,
            detail=f"{threshold} events within {window_seconds} seconds.",
            severity="error",
        )
    elif count == 1:
        alert_burst_settle(key=key, title=title, threshold=threshold, window_seconds=window_seconds, now_bucket=bucket)
    return count


def alert_burst_settle(
    *, key: str, title: str, threshold: int, window_seconds: int, now_bucket: int | None = None
) -> bool:
    """Resolve a burst alert whose previous window stayed below ``threshold``; returns whether it resolved it."""
    if not cache.get(f"alerts:burst-firing:{key}"):
        return False
    bucket = now_bucket if now_bucket is not None else int(timezone.now().timestamp()) // window_seconds
    if (cache.get(_burst_counter(key, bucket - 1)) or 0) >= threshold or (
        cache.get(_burst_counter(key, bucket)) or 0
    ) >= threshold:
        return False
    cache.delete(f"alerts:burst-firing:{key}")
    alert_resolve(key=key, title=title)
    return True
