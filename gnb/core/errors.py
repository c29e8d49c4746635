"""Domain errors raised by services and turned into one error shape by the API and into form errors by views.

Each error carries a stable machine ``code``, a human ``message`` and, where one input is at fault, the ``field``
that names it (dotted path as the API client sent it, e.g. ``passengers.1.last_name``).
"""

from __future__ import annotations


class DomainError(Exception):
    code = "invalid"
    status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ValidationFailed(DomainError):
    """One or more inputs are wrong; ``errors`` lists every one of them, not just the first."""

    code = "validation_error"

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        first_field, first_message = errors[0]
        super().__init__(first_message, field=first_field)


class NotFound(DomainError):
    code = "not_found"
    status = 404


class SoldOut(DomainError):
    code = "sold_out"
    status = 409


class Busy(DomainError):
    """A lock could not be taken in time: nothing was written and the client may retry."""

    code = "busy"
    status = 503


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    status = 409


class Unauthenticated(DomainError):
    """No valid credentials: a missing, expired, revoked or forged token or key. Answered with
    ``WWW-Authenticate: Bearer``."""

    code = "unauthenticated"
    status = 401


class Forbidden(DomainError):
    """Valid credentials that do not allow this (an API key without the scope, a key where a user is needed)."""

    code = "forbidden"
    status = 403


class Throttled(DomainError):
    """Too many requests from one client in a window; ``retry_after`` is the seconds until the window ends."""

    code = "too_many_requests"
    status = 429

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after
