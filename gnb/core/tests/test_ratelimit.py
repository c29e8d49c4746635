"""Rate-limit counters and the client address they count by."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from gnb.core.ratelimit import client_ip, rate_limit_hit, rate_limit_peek


def test_the_limit_allows_then_refuses_with_the_seconds_left():
    results = [rate_limit_hit(scope="t", identity="1.2.3.4", limit=3, window_seconds=60) for _ in range(4)]
    assert results[:3] == [None, None, None]
    assert 1 <= results[3] <= 60
    assert rate_limit_hit(scope="t", identity="5.6.7.8", limit=3, window_seconds=60) is None


def test_peeking_reads_the_count_without_adding_to_it():
    def peek():
        return rate_limit_peek(scope="p", identity="anna", limit=2, window_seconds=900)

    assert peek() is None
    assert rate_limit_hit(scope="p", identity="anna", limit=2, window_seconds=900) is None
    assert [peek(), peek(), peek()] == [None, None, None]
    assert rate_limit_hit(scope="p", identity="anna", limit=2, window_seconds=900) is None
    assert 899 <= peek() <= 900
    assert rate_limit_peek(scope="p", identity="bob", limit=2, window_seconds=900) is None


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no proxy trusted: the header is the client's own words
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the left entry was written by the client
        (2, "198.51.100.1, 203.0.113.9", "198.51.100.1"),
        (2, "203.0.113.9", "10.0.0.2"),  # fewer entries than proxies: not through them, take the socket
    ],
)
def test_client_address_behind_trusted_proxies(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
