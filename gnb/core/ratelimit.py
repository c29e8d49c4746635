"""Fixed-window counters in the cache, for limiting how often one client may try something.

The cache is local memory by default and Redis in production (``REDIS_URL``), so limits hold across web processes
there. A window starts at the first attempt; ``add`` then ``incr`` keep the count right under concurrent hits.

Every attempt is counted *before* it is checked (increment, then compare): of any number of simultaneous attempts at
most ``limit`` get a count within the limit, so at most ``limit`` are ever checked. A limit meant for failures only
(a wrong password) gives the slot back when the attempt succeeds (:meth:`Attempt.refund`); counting only after a
failure would let every attempt that starts before the first failure is counted through.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, identity: str) -> str:
    # Identities may be emails or addresses: hash them so keys are short, safe for any cache and hold no PII.
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` attempts per ``window_seconds`` for one ``identity`` in ``scope``."""

    scope: str
    identity: str
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: ``wait`` is the seconds to wait when it is over a limit, None when it may go ahead."""

    counters: tuple[str, ...]
    wait: int | None

    @property
    def allowed(self) -> bool:
        return self.wait is None

    def refund(self) -> None:
        """Give the counted slots back (the attempt succeeded, and only failures are meant to be limited).

        Counters whose window has ended since are gone and stay gone: a refund never reaches the next window.
        """
        for counter in self.counters:
            with contextlib.suppress(ValueError):  # the window expired meanwhile
                cache.decr(counter)


def _count(limit: Limit, now: int) -> tuple[str, int | None]:
    key = _key(limit.scope, limit.identity)
    cache.add(key, [now, 0], limit.window_seconds)
    started, _count = cache.get(key, [now, 0])
    counter = f"{key}:n:{started}"
    cache.add(counter, 0, limit.window_seconds)
    try:
        count = cache.incr(counter)
    except ValueError:  # expired between add and incr: a new window
        cache.set(counter, 1, limit.window_seconds)
        count = 1
    if count > limit.limit:
        return counter, max(1, started + limit.window_seconds - now)
    return counter, None


def rate_limit_attempt(limits: Iterable[Limit]) -> Attempt:
    """Count one attempt against every one of ``limits``; it may go ahead only when it is within all of them.

    Every counter moves on every attempt, so an attacker spreading guesses over many addresses still meets the
    account's limit, and one address trying many accounts meets its own.
    """
    now = int(time.time())
    counted = [_count(limit, now) for limit in limits]
    waits = [wait for _counter, wait in counted if wait is not None]
    return Attempt(counters=tuple(counter for counter, _wait in counted), wait=max(waits) if waits else None)


def rate_limit_hit(*, scope: str, identity: str, limit: int, window_seconds: int) -> int | None:
    """Count one attempt; return None when allowed, or the seconds to wait when ``limit`` is already used up."""
    return rate_limit_attempt([Limit(scope, identity, limit, window_seconds)]).wait


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind ``TRUSTED_PROXY_HOPS`` proxies the address the outermost of them
    saw, read from X-Forwarded-For.

    Each proxy appends the address it received the request from, so with N trusted proxies the client is the N-th
    entry from the right; entries further left were written by the client and are never believed. Gunicorn leaves
    REMOTE_ADDR as the proxy's own address, which would put every visitor in one rate-limit bucket.
    """
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or "unknown"
