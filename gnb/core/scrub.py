"""The scrubber that keeps personal data and secrets out of logs, Sentry events and the audit log.

In core because the audit log (``gnb.core.audit``) scrubs what it stores with it; ``gnb.ops.monitoring`` (Sentry) and
``gnb.ops.logging`` (log lines) use it from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

FILTERED = "[Filtered]"

# Dictionary keys whose value is a secret wherever they appear (matched as substrings of the normalised key, so
# ``HTTP_AUTHORIZATION``, ``X-Manage-Token`` and ``stripe_secret_key`` are all caught).
_SECRET_KEY_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "api_key",
    "apikey",
    "private_key",
    "access_key",
    "session",
    "csrf",
    "signature",
    "dsn",
)
# Keys that hold a person's name, contact or card details (exact names: ``name`` as a substring would hit
# ``task_name`` and ``file_name``).
_PERSONAL_KEYS = frozenset(
    {
        "name",
        "first_name",
        "last_name",
        "full_name",
        "lead_name",
        "passenger_name",
        "driver_name",
        "email",
        "lead_email",
        "phone",
        "lead_phone",
        "username",
        "card",
        "card_number",
        "cc_number",
        "pan",
        "cvc",
        "cvv",
        "iban",
        "ip_address",
    }
)

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# 13-19 digits, optionally grouped by spaces or dashes; letters or digits on either side mean it is part of a longer
# token (a hex id, a UUID), not a card number.
_CARD_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])")
# International numbers as the project stores them (E.164, ``+90 532 123 45 67``) or dialled with ``00``.
_PHONE = re.compile(r"(?<![0-9A-Za-z])(?:\+|00)[1-9](?:[ ().-]{0,2}\d){6,14}(?![0-9A-Za-z])")
_BEARER = re.compile(r"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
# ``password=…`` in query strings, cookie headers and messages; the value stops at a separator or a quote so a JSON
# or repr around it stays intact.
_KEY_VALUE = re.compile(
    r"(?P<key>[A-Za-z0-9_-]*(?:password|passwd|secret|token|api_key|apikey|session|csrf|signature)[A-Za-z0-9_-]*)"
    r"(?P<sep>=|:\s*)(?P<value>[^&\s\"',;)}\]]+)",
    re.IGNORECASE,
)
# API credentials written anywhere (gnb/accounts): a partner key keeps its prefix, which names the key without
# opening it; refresh tokens and JWTs go whole.
_API_KEY = re.compile(r"\b(gnb_[0-9a-f]{10}_)[A-Za-z0-9_-]+")
_API_TOKEN = re.compile(r"\bgnbr_[A-Za-z0-9_-]+|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# The manage link carries the booking's secret token in its path: /manage/<reference>/<token>/...
# A route pattern (``/manage/{reference}/{token}/``, Sentry's transaction name) is left as it is.
_MANAGE_PATH = re.compile(r"(/manage/[^/\s'\"]+/)(?!\{)[^/\s'\"?#]+")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _replace_card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    # Only Luhn-valid runs are card numbers; booking amounts, timestamps and ids stay readable.
    return "[card]" if 13 <= len(digits) <= 19 and _luhn_valid(digits) else match.group(0)


def scrub_text(text: str) -> str:
    """Replace card numbers, phone numbers, emails, bearer tokens, ``secret=…`` pairs and manage tokens in ``text``."""
    if not text:
        return text
    text = _MANAGE_PATH.sub(rf"\1{FILTERED}", text)
    text = _BEARER.sub(rf"\1 {FILTERED}", text)
    text = _API_KEY.sub(rf"\1{FILTERED}", text)
    text = _API_TOKEN.sub(FILTERED, text)
    text = _KEY_VALUE.sub(rf"\g<key>\g<sep>{FILTERED}", text)
    text = _EMAIL.sub("[email]", text)
    # Cards before phones: a card number never starts with "+", and the card check is the stricter of the two.
    text = _CARD_CANDIDATE.sub(_replace_card, text)
    return _PHONE.sub("[phone]", text)


def is_sensitive_key(key: object) -> bool:
    """Whether a mapping key names a secret or a person's data, so its whole value must go."""
    if not isinstance(key, str):
        return False
    normalised = key.strip().lower().replace("-", "_")
    if normalised.startswith("http_"):  # WSGI environ names: HTTP_AUTHORIZATION, HTTP_COOKIE, HTTP_X_MANAGE_TOKEN
        normalised = normalised[5:]
    return normalised in _PERSONAL_KEYS or any(part in normalised for part in _SECRET_KEY_PARTS)


def scrub_data(value: Any, *, by_key: bool = True, depth: int = 0) -> Any:
    """A copy of ``value`` with sensitive keys blanked (when ``by_key``) and every string passed through scrub_text."""
    if depth > 20:  # Sentry already trims deep structures; this only guards against cycles in hand-made data.
        return value
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {
            key: FILTERED if by_key and is_sensitive_key(key) else scrub_data(item, by_key=by_key, depth=depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(scrub_data(item, by_key=by_key, depth=depth + 1) for item in value)
    return value
