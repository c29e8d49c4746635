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

from gnb.core.ratelimit import Attempt, Limit, client_ip, rate_limit_attempt

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


def _limits(request: HttpRequest, flow: str, account: str) -> list[Limit]:
    flow_budget = budget(flow)
    limits = [Limit(f"{flow}:ip", client_ip(request), flow_budget.per_address, flow_budget.window_seconds)]
    account = account.strip().lower()
    if account:
        limits.append(Limit(f"{flow}:account", account, flow_budget.per_account, flow_budget.window_seconds))
    return limits


def throttle_attempt(request: HttpRequest, *, flow: str, account: str) -> Attempt:
    """Count one attempt of ``flow`` for this address and account, before anything is checked.

    The caller goes ahead only when ``attempt.allowed``; a flow that limits failures only (the password sign-in)
    refunds the attempt when it succeeds.
    """
    return rate_limit_attempt(_limits(request, flow, account))


def throttle_hit(request: HttpRequest, *, flow: str, account: str) -> int | None:
    """Count one attempt of ``flow`` for this address and account; the seconds to wait when either is used up."""
    return throttle_attempt(request, flow=flow, account=account).wait
