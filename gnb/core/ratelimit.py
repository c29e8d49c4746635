"""Fixed-window counters in the cache, for limiting how often one client may try something.

The cache is local memory by default and Redis in production (``REDIS_URL``), so limits hold across web processes
there. A window starts at the first attempt; ``add`` then ``incr`` keep the count right under concurrent hits.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, identity: str) -> str:
    # Identities may be emails or addresses: hash them so keys are short, safe for any cache and hold no PII.
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def rate_limit_hit(*, scope: str, identity: str, limit: int, window_seconds: int) -> int | None:
    """Count one attempt; return None when allowed, or the seconds to wait when ``limit`` is already used up."""
    key = _key(scope, identity)
    now = int(time.time())
    cache.add(key, [now, 0], window_seconds)
    started, _count = cache.get(key, [now, 0])
    count_key = f"{key}:n:{started}"
    cache.add(count_key, 0, window_seconds)
    try:
        count = cache.incr(count_key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(count_key, 1, window_seconds)
        count = 1
    if count > limit:
        return max(1, started + window_seconds - now)
    return None


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


def rate_limit_peek(*, scope: str, identity: str, limit: int, window_seconds: int) -> int | None:
    """Like :func:`rate_limit_hit` without counting: None while fewer than ``limit`` attempts were counted in the
    current window, else the seconds until it ends.

    For limits that count failures only: peek before trying, ``rate_limit_hit`` after a failure (concurrent
    failures may overshoot the limit by their number, no more).
    """
    key = _key(scope, identity)
    window = cache.get(key)
    if window is None:
        return None
    started, _count = window
    if cache.get(f"{key}:n:{started}", 0) < limit:
        return None
    return max(1, started + window_seconds - int(time.time()))
