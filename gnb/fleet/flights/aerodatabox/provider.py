"""AeroDataBox (on RapidAPI): ``GET /flights/number/{number}/{date}`` answers a JSON list of the flight's legs.

Documented fields read here: ``number``, ``status`` (Unknown, Expected, EnRoute, CheckIn, Boarding, GateClosed,
Departed, Delayed, Approaching, Arrived, Canceled, Diverted, CanceledUncertain), ``departure.airport.iata``,
``arrival.airport.iata``/``name``/``municipalityName``, and the arrival's times ``scheduledTime``, ``revisedTime``,
``predictedTime`` and ``runwayTime``, each ``{"utc": "2026-08-12 11:05Z", "local": "2026-08-12 14:05+03:00"}``.
An answer with nothing found is HTTP 204 (or 404). Every field that is there but malformed raises a permanent
:class:`FlightProviderError` naming it: a wrong landing time must never move a pickup.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any
from urllib.parse import quote

import urllib3
from django.conf import settings

from gnb.fleet.flights.base import FlightProvider, FlightProviderError, FlightStatus, QuotaExceeded, Status

logger = logging.getLogger(__name__)

BASE_URL = "https://aerodatabox.p.rapidapi.com"
HOST = "aerodatabox.p.rapidapi.com"
# A delay the provider has not named as such still counts as one past this many minutes.
DELAYED_AFTER_MINUTES = 15
STATUSES: dict[str, Status] = {
    "Unknown": Status.UNKNOWN,
    "Expected": Status.ON_TIME,
    "EnRoute": Status.ON_TIME,
    "CheckIn": Status.ON_TIME,
    "Boarding": Status.ON_TIME,
    "GateClosed": Status.ON_TIME,
    "Departed": Status.ON_TIME,
    "Approaching": Status.ON_TIME,
    "Delayed": Status.DELAYED,
    "Arrived": Status.LANDED,
    "Canceled": Status.CANCELLED,
    "CanceledUncertain": Status.CANCELLED,
    "Diverted": Status.DIVERTED,
}
DEFAULT_RETRY_AFTER_SECONDS = 60


def _field(data: Any, path: str) -> Any:
    """The value at a dotted ``path`` of the answer, or None when any part is absent or null."""
    value = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _moment(text: Any, *, field: str) -> dt.datetime:
    if not isinstance(text, str):
        raise FlightProviderError(f"AeroDataBox answered {field}={text!r}, not a time", permanent=True)
    value = text.strip().replace("Z", "+00:00")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FlightProviderError(f"AeroDataBox answered {field}={text!r}, not a time", permanent=True) from None
    if moment.tzinfo is None:
        raise FlightProviderError(f"AeroDataBox answered {field}={text!r} without its UTC offset", permanent=True)
    return moment.astimezone(dt.UTC)


def _time(leg: dict[str, Any], name: str, *, index: int, required: bool = False) -> dt.datetime | None:
    """``arrival.<name>`` as an aware UTC datetime: from ``utc``, or ``local`` with its offset; both given must
    name the same moment."""
    field = f"[{index}].arrival.{name}"
    value = _field(leg, f"arrival.{name}")
    if value is None:
        if required:
            raise FlightProviderError(f"AeroDataBox answered no {field}", permanent=True)
        return None
    if not isinstance(value, dict):
        raise FlightProviderError(f"AeroDataBox answered {field}={value!r}, not a time object", permanent=True)
    utc = _moment(value["utc"], field=f"{field}.utc") if value.get("utc") is not None else None
    local = _moment(value["local"], field=f"{field}.local") if value.get("local") is not None else None
    if utc is None and local is None:
        raise FlightProviderError(f"AeroDataBox answered {field} with neither utc nor local", permanent=True)
    if utc is not None and local is not None and utc != local:
        raise FlightProviderError(
            f"AeroDataBox answered {field} with utc {value['utc']!r} and local {value['local']!r}, which differ",
            permanent=True,
        )
    return utc or local


def _text(leg: dict[str, Any], path: str, *, index: int, required: bool) -> str:
    value = _field(leg, path)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise FlightProviderError(f"AeroDataBox answered [{index}].{path}={value!r}", permanent=True)
    return value.strip()


def parse_legs(data: Any, *, date: dt.date) -> list[FlightStatus]:
    """The legs of an answer body (already decoded JSON)."""
    if not isinstance(data, list):
        raise FlightProviderError(
            f"AeroDataBox answered a {type(data).__name__}, not a list of flights", permanent=True
        )
    legs = []
    for index, leg in enumerate(data):
        if not isinstance(leg, dict):
            raise FlightProviderError(f"AeroDataBox answered [{index}]={leg!r}, not a flight", permanent=True)
        raw_status = leg.get("status")
        if raw_status not in STATUSES:
            raise FlightProviderError(f"AeroDataBox answered [{index}].status={raw_status!r}", permanent=True)
        status = STATUSES[raw_status]
        scheduled = _time(leg, "scheduledTime", index=index, required=True)
        assert scheduled is not None
        revised = _time(leg, "revisedTime", index=index)
        predicted = _time(leg, "predictedTime", index=index)
        runway = _time(leg, "runwayTime", index=index)
        # After the landing, the revised time is the landing the airport recorded; the runway time is the touchdown.
        actual = (runway or revised) if status == Status.LANDED else None
        estimated = revised or predicted
        if (
            status == Status.ON_TIME
            and estimated
            and estimated - scheduled > dt.timedelta(minutes=DELAYED_AFTER_MINUTES)
        ):
            status = Status.DELAYED
        iata = _text(leg, "arrival.airport.iata", index=index, required=True).upper()
        name = _text(leg, "arrival.airport.municipalityName", index=index, required=False) or _text(
            leg, "arrival.airport.name", index=index, required=False
        )
        legs.append(
            FlightStatus(
                number=_text(leg, "number", index=index, required=True).replace(" ", "").upper(),
                date=date,
                arrival_iata=iata,
                arrival_name=name or iata,
                departure_iata=_text(leg, "departure.airport.iata", index=index, required=False).upper(),
                scheduled_landing=scheduled,
                estimated_landing=estimated,
                actual_landing=actual,
                status=status,
            )
        )
    return legs


def _retry_after(value: str | None) -> int:
    try:
        return max(1, int(value or ""))
    except ValueError:
        return DEFAULT_RETRY_AFTER_SECONDS


class AeroDataBoxProvider(FlightProvider):
    code = "aerodatabox"

    def __init__(self) -> None:
        self.base_url = settings.GNB_FLIGHT_API_BASE_URL or BASE_URL
        self.api_key = settings.GNB_FLIGHT_API_KEY
        timeout = settings.GNB_FLIGHT_TIMEOUT_SECONDS
        # No automatic retries: the polling round decides when to ask again (and each call costs quota).
        self.http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=False)

    def flight_legs(self, *, number: str, date: dt.date) -> list[FlightStatus]:
        url = f"{self.base_url}/flights/number/{quote(number, safe='')}/{date.isoformat()}"
        try:
            response = self.http.request(
                "GET",
                url,
                fields={"withAircraftImage": "false", "withLocation": "false"},
                headers={"X-RapidAPI-Key": self.api_key, "X-RapidAPI-Host": HOST, "Accept": "application/json"},
            )
        except urllib3.exceptions.HTTPError as exc:
            raise FlightProviderError(f"AeroDataBox could not be reached: {exc}", permanent=False) from exc
        status = response.status
        if status in (204, 404):
            return []
        if status == 429:
            raise QuotaExceeded(
                "AeroDataBox refused: too many requests (HTTP 429)",
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            raise FlightProviderError(f"AeroDataBox failed with HTTP {status}", permanent=False)
        if status != 200:
            # 401/403: a wrong or unsubscribed key; 400: a request it does not take. Asking again will not help.
            raise FlightProviderError(f"AeroDataBox refused with HTTP {status}", permanent=True)
        try:
            data = json.loads(response.data or b"null")
        except ValueError:
            raise FlightProviderError("AeroDataBox answered a body that is not JSON", permanent=True) from None
        return parse_legs(data, date=date)
