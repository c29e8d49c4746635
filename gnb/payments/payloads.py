"""Verified provider messages made storable (DESIGN.md §6.6: stored sanitised, never a 500 on every retry).

PostgreSQL refuses the NUL character in text and in jsonb (the JSON escape ``\\u0000`` included), and a lone UTF-16
surrogate (``\\ud800``: valid JSON, not valid Unicode text); SQLite takes both, so only production would turn such a
message into a 500 that the provider repeats for days while the payment waits. Nesting is bounded too: no provider
message is more than a few levels deep, and a deeper one would only exhaust the stack where it is encoded, stored or
read back.

Identifiers (an event id, PayTR's ``merchant_oid``) are not cleaned here: one that needs cleaning names nothing of
ours, and the webhook refuses it instead.
"""

from __future__ import annotations

import re
from typing import Any

# Far deeper than any Stripe event or PayTR form, far below Python's recursion limit.
MAX_DEPTH = 64
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class PayloadTooDeep(ValueError):
    """The message nests objects and arrays deeper than allowed (``MAX_DEPTH`` levels unless told otherwise)."""


def text_clean(value: str) -> str:
    """``value`` without NUL characters, each lone surrogate replaced by U+FFFD (the replacement character)."""
    return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))


def payload_clean(value: Any, *, max_depth: int = MAX_DEPTH) -> Any:
    """A copy of a parsed JSON value with every string, dictionary keys included, passed through ``text_clean``.

    Raises ``PayloadTooDeep`` when objects and arrays nest more than ``max_depth`` levels.
    """
    return _clean(value, max_depth)


def _clean(value: Any, depth_left: int) -> Any:
    if isinstance(value, str):
        return text_clean(value)
    if isinstance(value, dict | list):
        if depth_left <= 0:
            raise PayloadTooDeep
        if isinstance(value, dict):
            return {
                text_clean(key) if isinstance(key, str) else key: _clean(item, depth_left - 1)
                for key, item in value.items()
            }
        return [_clean(item, depth_left - 1) for item in value]
    return value
