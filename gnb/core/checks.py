"""Deployment checks of the shared infrastructure (``manage.py check --deploy``); registered in ``CoreConfig.ready``.

They look only at settings, never at a live service, and are deploy-only: development and the test run use local
memory on purpose, and ``manage.py check`` (``make lint``) stays clean there.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Warning as CheckWarning

# Cache backends whose counters live in one process (or nowhere): rate limits and lockouts kept in them hold per
# web process, so N gunicorn workers let N times the attempts through.
PER_PROCESS_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)
CACHE_PER_PROCESS = "gnb.W001"


def shared_cache_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when the default cache is not shared by every process (no ``REDIS_URL``)."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        CheckWarning(
            f"The default cache is {backend.rsplit('.', 1)[-1]}, kept inside each process: every web process counts "
            "rate limits and sign-in lockouts on its own, so the limits are multiplied by the number of processes.",
            hint="Set REDIS_URL to a Redis that every web process and the worker reach (docs/environment.md).",
            id=CACHE_PER_PROCESS,
        )
    ]
