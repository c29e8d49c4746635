"""The base of every request schema (bodies and query strings): rules that hold for any text a client sends."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from ninja import Schema
from pydantic import field_validator


class InputSchema(Schema):
    """Text may not contain NUL characters: PostgreSQL can neither store nor compare them."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_null_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(gettext("Null characters are not allowed."))
        return value
