"""The base of every request schema (bodies and query strings), and the one error shape every error answer has."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from ninja import Schema
from pydantic import Field, field_validator


class InputSchema(Schema):
    """Text may not contain NUL characters: PostgreSQL can neither store nor compare them."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_null_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(gettext("Null characters are not allowed."))
        return value


class ErrorField(Schema):
    field: str = Field(description="The input at fault, as the client sent it, e.g. `passengers.1.last_name`")
    message: str


class ErrorBody(Schema):
    code: str = Field(description="Stable machine code, e.g. `validation_error`, `not_found`, `sold_out`, `busy`")
    message: str = Field(description="For people, in the language the request asked for (Accept-Language)")
    fields: list[ErrorField] = Field(description="Every input at fault; empty when no single input is")


class ErrorOut(Schema):
    """The shape of every error answer."""

    error: ErrorBody


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an endpoint documents, each in the one error shape.

    ``response={200: PlaceOut, **error_responses(404, 422)}``
    """
    return dict.fromkeys(statuses, ErrorOut)
