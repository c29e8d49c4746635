"""Limits on the website's sign-in and account flows (ASVS V2.2.1): per account and per address, in the cache.

Each flow has its own budget, kept apart from the others, so exhausting one (say, password guesses) never blocks
another (the sign-in link by email, which lets the real owner in from a fresh device while password sign-in for
their account is throttled). "Per account" is the normalised email address, or the booking reference of a
manage-booking lookup; "per address" is the client address (:func:`gnb.core.ratelimit.client_ip`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from gnb.core.ratelimit import client_ip, rate_limit_hit, rate_limit_peek

LOGIN = "login"
PASSWORD_RESET = "password-reset"  # noqa: S105 (a flow name, not a password)
SIGN_UP = "sign-up"
VERIFY_RESEND = "verify-resend"
MANAGE_LOOKUP = "manage-lookup"
SIGN_IN_LINK = "sign-in-link"
FLOWS = (LOGIN, PASSWORD_RESET, SIGN_UP, VERIFY_RESEND, MANAGE_LOOKUP, SIGN_IN_LINK)


@dataclass(frozen=True)
class Budget:
    per_account: int
    per_address: int
    window_seconds: int


def budget(flow: str) -> Budget:
    """The limits of ``flow``, from the settings (read each time, so tests and operators can change them)."""
    if flow == SIGN_IN_LINK:
        return Budget(
            settings.GNB_SIGNIN_LINK_LIMIT_PER_ACCOUNT,
            settings.GNB_SIGNIN_LINK_LIMIT_PER_IP,
            settings.GNB_AUTH_LIMIT_WINDOW_SECONDS,
        )
    return Budget(
        settings.GNB_AUTH_LIMIT_PER_ACCOUNT, settings.GNB_AUTH_LIMIT_PER_IP, settings.GNB_AUTH_LIMIT_WINDOW_SECONDS
    )


def _scopes(request: HttpRequest, flow: str, account: str) -> list[tuple[str, str, int]]:
    limits = budget(flow)
    scopes = [(f"{flow}:ip", client_ip(request), limits.per_address)]
    account = account.strip().lower()
    if account:
        scopes.append((f"{flow}:account", account, limits.per_account))
    return scopes


def throttle_hit(request: HttpRequest, *, flow: str, account: str) -> int | None:
    """Count one attempt of ``flow`` for this address and account; the seconds to wait when either is used up.

    Both counters move on every attempt, so an attacker spreading guesses over many addresses still meets the
    account's limit, and one address trying many accounts meets its own.
    """
    limits = budget(flow)
    waits = [
        rate_limit_hit(scope=scope, identity=identity, limit=limit, window_seconds=limits.window_seconds)
        for scope, identity, limit in _scopes(request, flow, account)
    ]
    blocked = [wait for wait in waits if wait is not None]
    return max(blocked) if blocked else None


def throttle_blocked(request: HttpRequest, *, flow: str, account: str) -> int | None:
    """The seconds to wait when this address or account has used up ``flow``'s budget; None otherwise (uncounted)."""
    limits = budget(flow)
    waits = [
        rate_limit_peek(scope=scope, identity=identity, limit=limit, window_seconds=limits.window_seconds)
        for scope, identity, limit in _scopes(request, flow, account)
    ]
    blocked = [wait for wait in waits if wait is not None]
    return max(blocked) if blocked else None
