"""The interface every flight-status provider implements, and what it answers.

A provider looks up one flight by its number and date and answers every leg it found, parsed into
:class:`FlightStatus` rows with aware UTC times. It never writes our rows: :mod:`gnb.fleet.flights.tracking` decides
what a status means for the pickups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    ON_TIME = "on_time"
    DELAYED = "delayed"
    LANDED = "landed"
    CANCELLED = "cancelled"
    DIVERTED = "diverted"
    UNKNOWN = "unknown"


class FlightProviderError(Exception):
    """A lookup failed. ``permanent``: asking again the same way cannot help (a malformed answer, a refused key);
    otherwise it may (a timeout, the provider's 5xx)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class QuotaExceeded(FlightProviderError):
    """The provider refused for the rate or the plan's quota (HTTP 429); ``retry_after`` seconds before asking."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, permanent=False)
        self.retry_after = retry_after


@dataclass(frozen=True)
class FlightStatus:
    """One leg of a flight as the provider knows it. Times are aware, in UTC; None when the provider has none."""

    number: str  # without spaces, upper case: "TK2412"
    date: dt.date  # the date it was looked up for (the landing's local date)
    arrival_iata: str
    arrival_name: str
    departure_iata: str
    scheduled_landing: dt.datetime
    estimated_landing: dt.datetime | None
    actual_landing: dt.datetime | None
    status: Status

    @property
    def landing(self) -> dt.datetime:
        """The best known landing: actual, else estimated, else scheduled."""
        return self.actual_landing or self.estimated_landing or self.scheduled_landing


class FlightProvider:
    """One source of flight statuses. Subclasses set ``code`` and implement :meth:`flight_legs`."""

    code: str = ""

    def flight_legs(self, *, number: str, date: dt.date) -> list[FlightStatus]:
        """Every leg of flight ``number`` on ``date`` (local date); an empty list when there is no such flight.
        Raises :class:`FlightProviderError` (or :class:`QuotaExceeded`) when the provider cannot answer."""
        raise NotImplementedError
