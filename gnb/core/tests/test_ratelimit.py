"""Rate-limit counters and the client address they count by."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from gnb.core.ratelimit import Limit, client_ip, rate_limit_attempt, rate_limit_hit


def test_the_limit_allows_then_refuses_with_the_seconds_left():
    results = [rate_limit_hit(scope="t", identity="1.2.3.4", limit=3, window_seconds=60) for _ in range(4)]
    assert results[:3] == [None, None, None]
    assert 1 <= results[3] <= 60
    assert rate_limit_hit(scope="t", identity="5.6.7.8", limit=3, window_seconds=60) is None


def test_an_attempt_is_counted_before_it_is_checked_and_a_refund_gives_it_back():
    anna = [Limit("p", "anna", 2, 900)]
    first, second = rate_limit_attempt(anna), rate_limit_attempt(anna)
    assert (first.allowed, second.allowed) == (True, True)
    third = rate_limit_attempt(anna)
    assert not third.allowed and 899 <= third.wait <= 900
    first.refund()
    second.refund()
    third.refund()
    assert rate_limit_attempt(anna).allowed
    assert rate_limit_attempt([Limit("p", "bob", 2, 900)]).allowed


def test_an_attempt_is_refused_when_any_of_its_limits_is_used_up():
    address = Limit("a", "203.0.113.9", 1, 60)
    assert rate_limit_attempt([address, Limit("u", "anna", 5, 60)]).allowed
    refused = rate_limit_attempt([address, Limit("u", "bob", 5, 60)])
    assert not refused.allowed and 1 <= refused.wait <= 60
    # Both counters moved: bob's account has one attempt on it although the address refused it.
    for _attempt in range(4):
        assert rate_limit_attempt([Limit("u", "bob", 5, 60)]).allowed
    assert not rate_limit_attempt([Limit("u", "bob", 5, 60)]).allowed


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
