"""The back office as tests see it: the messages a page shows, the routes of the URL configuration, and every
back-office page that takes no argument."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

CHANGELIST = "/admin/bookings/booking/"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def url_routes(patterns, prefix: str = "", params: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every route under ``patterns`` as written, with the names of the parameters it takes."""
    for pattern in patterns:
        own = _parameters(pattern.pattern)
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from url_routes(pattern.url_patterns, route, params + own)
        elif isinstance(pattern, URLPattern):
            yield route, params + own


def _parameters(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return tuple(pattern.regex.groupindex)
    return ()


def admin_pages_without_arguments() -> list[str]:
    """Every back-office page that takes no parameter (lists, add pages, the dashboard …), except login and
    logout, the two-factor setup and the request for an emailed sign-in link, which must open without a verified
    session."""
    skip = {
        "admin/login/",
        "admin/logout/",
        "admin/two-factor/setup/",
        "admin/sign-in-link/",
        "admin/password_change/done/",
    }
    return sorted(
        "/" + route
        for route, params in url_routes(get_resolver().url_patterns)
        if route.startswith("admin/") and not params and route not in skip and not route.startswith("admin/^")
    )
