"""The integration registry for trip reporting: which reporter is in use, or None when reporting is off.

Only U-ETDS exists; the reporting code depends on :class:`TripReporter`, not on the SOAP client, so tests and a
future second authority plug in here.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings

from gnb.fleet.uetds.client import (
    WSDL_URLS,
    Credentials,
    GroupInput,
    NoShowInput,
    PassengerInput,
    StaffInput,
    TripInput,
    UetdsClient,
)


class TripReporter(Protocol):
    """What reporting a trip needs from the authority's service. Failures raise
    :class:`gnb.fleet.uetds.client.UetdsRefused` (permanent) or :class:`~gnb.fleet.uetds.client.UetdsUnavailable`
    (try again later)."""

    def trip_add(self, trip: TripInput) -> int: ...

    def trip_cancel(self, *, reference: int, reason: str) -> None: ...

    def staff_add(self, *, reference: int, staff: list[StaffInput]) -> None: ...

    def group_add(self, *, reference: int, group: GroupInput) -> int: ...

    def passenger_add(self, *, reference: int, passenger: PassengerInput) -> str: ...

    def no_show_report(self, *, reference: int, no_show: NoShowInput) -> None: ...


def wsdl_url() -> str:
    """``GNB_UETDS_WSDL_URL`` when set, else the Ministry's address for ``GNB_UETDS_ENVIRONMENT``."""
    return settings.GNB_UETDS_WSDL_URL or WSDL_URLS[settings.GNB_UETDS_ENVIRONMENT]


def reporter() -> TripReporter | None:
    """The U-ETDS reporter built from the settings, or None when ``GNB_UETDS_REPORTING`` is off."""
    if not settings.GNB_UETDS_REPORTING:
        return None
    return UetdsClient(
        wsdl_url=wsdl_url(),
        credentials=Credentials(settings.GNB_UETDS_USERNAME, settings.GNB_UETDS_PASSWORD),
        timeout_seconds=settings.GNB_UETDS_TIMEOUT_SECONDS,
    )
