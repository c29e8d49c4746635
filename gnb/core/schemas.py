"""The base of every request schema (bodies and query strings), and the one error shape every error answer has."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.forms import DateTimeField
from django.utils.translation import gettext
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError


class OutputSchema(BaseModel):
    """An answer's shape, read from the attributes of what the endpoint returns (a dict, a dataclass).

    Plain pydantic, where that is all an answer needs: ninja's ``Schema`` hands every nested object to pydantic
    through a Python getter (``DjangoGetter``, for model managers and files), which was a fifth of a quote's CPU.
    An answer read from model instances (their managers, ``resolve_`` methods) stays a ``Schema``.
    """

    model_config = ConfigDict(from_attributes=True)


class InputSchema(Schema):
    """Fields come from a JSON object, and text may not contain NUL characters (PostgreSQL can neither store nor
    compare them)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        # Ninja's Schema reads fields as attributes of whatever it is given (its own validator, which runs first,
        # wraps the input in a DjangoGetter), so without this `null`, `[]` or `5` would pass as an object whose
        # optional fields are all left out: an empty cancel, an empty flight.
        given = value._obj if isinstance(value, DjangoGetter) else value
        if isinstance(given, dict | cls):
            return value
        raise PydanticCustomError("dict_type", "Input should be an object")

    @field_validator("*", mode="after")
    @classmethod
    def _no_null_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(gettext("Null characters are not allowed."))
        return value


def _is_number(value: Any) -> bool:
    if isinstance(value, int | float):
        return True
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _not_a_number(value: Any) -> Any:
    if _is_number(value):
        # Django's own message, translated in every language the site speaks.
        raise ValueError(str(DateTimeField.default_error_messages["invalid"]))
    return value


# A date and time given as text (ISO 8601, the document's `date-time`). Pydantic would also read a number, or text
# that is one, as seconds since 1970: `to=2026` would quietly mean a moment in 1970, so numbers are refused.
DateTimeIn = Annotated[dt.datetime, BeforeValidator(_not_a_number)]


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
