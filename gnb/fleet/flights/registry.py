"""The explicit list of flight providers; ``GNB_FLIGHT_PROVIDER`` chooses one (empty: flight tracking is off)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from gnb.fleet.flights.base import FlightProvider

PROVIDERS: dict[str, str] = {
    "aerodatabox": "gnb.fleet.flights.aerodatabox.provider.AeroDataBoxProvider",
}


def enabled() -> bool:
    return bool(settings.GNB_FLIGHT_PROVIDER)


def get() -> FlightProvider | None:
    """The configured provider, built from the current settings; None when flight tracking is off."""
    code = settings.GNB_FLIGHT_PROVIDER
    if not code:
        return None
    if code not in PROVIDERS:
        raise KeyError(f"unknown flight provider {code!r}")
    provider: FlightProvider = import_string(PROVIDERS[code])()
    return provider
