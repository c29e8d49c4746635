"""Signed, expiring, single-use links: email verification, sign-in by email (customers and staff) and email change.

A link carries the account's id, an optional value (the new address of an email change) and a fingerprint of the
account state the link is meant to change, signed with ``SECRET_KEY`` and a salt per purpose
(:mod:`django.core.signing`, with its timestamp for the expiry). Using a link changes that state (the address gets
verified, ``last_login`` moves, the address changes), so the fingerprint no longer matches and the same link is
refused the second time: nothing has to be stored to make a link single-use. Password reset links use Django's
own token generator (``django.contrib.auth.tokens.default_token_generator``), which works the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

VERIFY_EMAIL = "verify-email"
SIGN_IN = "sign-in"
CHANGE_EMAIL = "change-email"
# Staff sign in to the back office with it when their password sign-in is throttled; it still asks for the code.
STAFF_SIGN_IN = "staff-sign-in"
# Drivers sign in to their phone app (gnb.driver) with it instead of the password.
DRIVER_SIGN_IN = "driver-sign-in"

# How long each link works, in seconds.
MAX_AGE = {
    VERIFY_EMAIL: 3 * 24 * 3600,
    SIGN_IN: 15 * 60,
    CHANGE_EMAIL: 24 * 3600,
    STAFF_SIGN_IN: 15 * 60,
    DRIVER_SIGN_IN: 15 * 60,
}


class InvalidLink(Exception):
    """The link is malformed, tampered with, expired, already used or for an account that no longer exists."""


@dataclass(frozen=True)
class LinkPayload:
    user: Any
    value: str


def _state(user, purpose: str, value: str) -> str:
    """What a link of ``purpose`` depends on: once any of it changes, the link stops working."""
    stamp = "" if user.last_login is None else user.last_login.isoformat()
    verified = "" if user.email_verified_at is None else user.email_verified_at.isoformat()
    if purpose == VERIFY_EMAIL:
        parts = [user.email.lower(), verified]
    elif purpose in (SIGN_IN, STAFF_SIGN_IN, DRIVER_SIGN_IN):
        parts = [user.email.lower(), user.password, stamp, str(user.is_active)]
    elif purpose == CHANGE_EMAIL:
        parts = [user.email.lower(), user.password, value.lower()]
    else:  # pragma: no cover - a programming error, not an input
        raise ValueError(f"unknown link purpose {purpose!r}")
    return salted_hmac(f"gnb.accounts.link.{purpose}", "\x1f".join([str(user.pk), *parts])).hexdigest()[:32]


def link_token_make(*, user, purpose: str, value: str = "") -> str:
    """A URL-safe token for ``user`` and ``purpose``; ``value`` travels with it, signed (the new address)."""
    return signing.dumps({"u": user.pk, "v": value, "s": _state(user, purpose, value)}, salt=f"gnb.accounts.{purpose}")


def link_token_check(*, token: str, purpose: str) -> LinkPayload:
    """The account and value of a valid, unexpired, unused link of ``purpose``; :class:`InvalidLink` otherwise."""
    try:
        data = signing.loads(token, salt=f"gnb.accounts.{purpose}", max_age=MAX_AGE[purpose])
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        raise InvalidLink(purpose) from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("v"), str):
        raise InvalidLink(purpose)
    user = get_user_model()._default_manager.filter(pk=data["u"], is_active=True).first()
    if user is None or not constant_time_compare(str(data.get("s", "")), _state(user, purpose, data["v"])):
        raise InvalidLink(purpose)
    return LinkPayload(user=user, value=data["v"])
