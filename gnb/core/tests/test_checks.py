"""The deployment check of the shared cache: rate limits hold across web processes only with a shared cache."""

from __future__ import annotations

from django.core.checks import WARNING

from gnb.core.checks import shared_cache_check
from gnb.testing.caches import LOCAL_MEMORY, REDIS


def test_a_cache_kept_in_each_process_is_a_warning_naming_redis_url(settings):
    settings.CACHES = LOCAL_MEMORY
    [warning] = shared_cache_check()
    assert (warning.id, warning.level) == ("gnb.W001", WARNING)
    assert warning.msg == (
        "The default cache is LocMemCache, kept inside each process: every web process counts rate limits and "
        "sign-in lockouts on its own, so the limits are multiplied by the number of processes."
    )
    assert warning.hint == "Set REDIS_URL to a Redis that every web process and the worker reach (docs/environment.md)."


def test_no_cache_at_all_is_the_same_warning(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert [warning.id for warning in shared_cache_check()] == ["gnb.W001"]


def test_redis_shared_by_every_process_passes(settings):
    settings.CACHES = REDIS
    assert shared_cache_check() == []
