"""A small client of the U-ETDS SOAP service ("UdhbUetdsAriziService", SOAP 1.1 document/literal) over zeep.

Only the operations the reporting needs: ``seferEkle``, ``seferIptal``, ``personelEkle``, ``seferGrupEkle``,
``yolcuEkle``, ``yolcuGelmeyenBildir`` and ``servisTest``. Every call carries ``wsuser`` (the operator's web-service
user). An answer whose ``sonucKodu`` is not 0 is the Ministry refusing what was sent (:class:`UetdsRefused`, not worth
repeating unchanged); a network error, a timeout or a SOAP fault is the service being unavailable
(:class:`UetdsUnavailable`, worth trying again later).

The WSDL is fetched on the first call, not at start (a deploy must not depend on a ministry server), and kept for
the life of the process.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

import requests
import zeep
import zeep.exceptions
from zeep.proxy import ServiceProxy

logger = logging.getLogger(__name__)

SERVICE_NAME = "UdhbUetdsAriziService"
PORT_NAME = "UdhbUetdsAriziServicePort"
WSDL_URLS = {
    "test": "https://servis.turkiye.gov.tr/services/g2g/kdgm/test/uetdsarizi?wsdl",
    "production": "https://servis.turkiye.gov.tr/services/g2g/kdgm/uetdsarizi?wsdl",
}


class UetdsError(Exception):
    """Anything that kept a U-ETDS call from succeeding."""

    retryable = False


class UetdsRefused(UetdsError):
    """The service answered and refused: ``code`` is its ``sonucKodu`` (None when zeep refused to send data that
    does not fit the WSDL), ``message`` its ``sonucMesaji``."""

    def __init__(self, *, operation: str, code: int | None, message: str) -> None:
        self.operation = operation
        self.code = code
        self.message = message
        super().__init__(f"{operation}: {code} {message}" if code is not None else f"{operation}: {message}")


class UetdsUnavailable(UetdsError):
    """The service could not be reached or did not answer properly: try again later."""

    retryable = True

    def __init__(self, *, operation: str, reason: str) -> None:
        self.operation = operation
        self.reason = reason
        super().__init__(f"{operation}: {reason}")


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    def wsuser(self) -> dict[str, str]:
        return {"kullaniciAdi": self.username, "sifre": self.password}


@dataclass(frozen=True)
class TripInput:
    """``ariziSeferBilgileriInput``: one vehicle run. ``starts_at``/``ends_at`` are sent in local time."""

    plate: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    vehicle_phone: str
    company_trip_number: str


@dataclass(frozen=True)
class StaffInput:
    """``seferPersonelBilgileriInput``; ``role_code`` is the Ministry's ``turKodu``."""

    role_code: int
    nationality: str
    document_number: str
    sex: str
    first_name: str
    last_name: str
    phone: str = ""


@dataclass(frozen=True)
class GroupInput:
    """``seferGrupBilgileriInput``: the passengers of one booking with where they get on and off."""

    name: str
    description: str
    start_country: str
    start_place: str
    end_country: str
    end_place: str


@dataclass(frozen=True)
class PassengerInput:
    """``seferYolcuBilgileriInput``; ``sex`` and ``phone`` are optional and left out when empty."""

    nationality: str
    document_number: str
    first_name: str
    last_name: str
    seat: int
    group_id: int
    sex: str = ""
    phone: str = ""


@dataclass(frozen=True)
class NoShowInput:
    """``gelmeyenYolcu``: a passenger who did not travel, by seat and document number."""

    seat: int
    document_number: str
    note: str = ""


_proxies: dict[tuple[str, int], ServiceProxy] = {}
_proxies_lock = threading.Lock()


def _proxy(wsdl_url: str, timeout: int) -> ServiceProxy:
    """The service proxy for ``wsdl_url``, reading the WSDL the first time it is needed in this process."""
    key = (wsdl_url, timeout)
    with _proxies_lock:
        proxy = _proxies.get(key)
        if proxy is None:
            transport = zeep.Transport(session=requests.Session(), timeout=timeout, operation_timeout=timeout)
            client = zeep.Client(wsdl_url, transport=transport)
            proxy = client.bind(SERVICE_NAME, PORT_NAME)
            _proxies[key] = proxy
        return proxy


def proxies_forget() -> None:
    """Drop the WSDLs read so far (the next call reads its WSDL again)."""
    with _proxies_lock:
        _proxies.clear()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class UetdsClient:
    """The U-ETDS operations the reporting uses, each returning what the service answered on success."""

    def __init__(self, *, wsdl_url: str, credentials: Credentials, timeout_seconds: int) -> None:
        self.wsdl_url = wsdl_url
        self.credentials = credentials
        self.timeout_seconds = timeout_seconds

    # --- plumbing -------------------------------------------------------------------------------------------
    def _call(self, operation: str, *values: Any, **arguments: Any) -> Any:
        try:
            service = _proxy(self.wsdl_url, self.timeout_seconds)
            answer = getattr(service, operation)(*values, **arguments)
        except zeep.exceptions.Fault as error:
            raise UetdsUnavailable(operation=operation, reason=f"SOAP fault: {error.message}") from error
        except zeep.exceptions.TransportError as error:
            raise UetdsUnavailable(operation=operation, reason=f"HTTP {error.status_code}") from error
        except requests.Timeout as error:
            raise UetdsUnavailable(operation=operation, reason=f"no answer within {self.timeout_seconds} s") from error
        except requests.RequestException as error:
            raise UetdsUnavailable(operation=operation, reason=type(error).__name__) from error
        except (zeep.exceptions.XMLSyntaxError, zeep.exceptions.XMLParseError) as error:
            raise UetdsUnavailable(operation=operation, reason=f"unreadable answer: {error}") from error
        except zeep.exceptions.ValidationError as error:
            # What we would send does not fit the service's WSDL: sending it again will not help.
            raise UetdsRefused(operation=operation, code=None, message=str(error)) from error
        logger.info("uetds call", extra={"operation": operation})
        return answer

    def _checked(self, operation: str, **arguments: Any) -> Any:
        """Call ``operation`` with ``wsuser`` and turn a ``sonucKodu`` other than 0 into :class:`UetdsRefused`."""
        answer = self._call(operation, wsuser=self.credentials.wsuser(), **arguments)
        code = getattr(answer, "sonucKodu", None)
        if code is None:
            raise UetdsUnavailable(operation=operation, reason="answer without sonucKodu")
        if int(code) != 0:
            raise UetdsRefused(operation=operation, code=int(code), message=_text(answer.sonucMesaji))
        return answer

    # --- operations -------------------------------------------------------------------------------------------
    def service_test(self, message: str) -> str:
        """``servisTest``: the service echoes ``message`` (no credentials needed)."""
        # A bare (unwrapped) operation: the message is the whole body.
        return _text(self._call("servisTest", message))

    def trip_add(self, trip: TripInput) -> int:
        """``seferEkle``: report a trip; returns its ``uetdsSeferReferansNo``."""
        answer = self._checked(
            "seferEkle",
            ariziSeferBilgileriInput={
                "aracPlaka": trip.plate,
                "seferAciklama": trip.description,
                "hareketTarihi": trip.starts_at,
                "hareketSaati": trip.starts_at.strftime("%H:%M"),
                "aracTelefonu": trip.vehicle_phone or None,
                "firmaSeferNo": trip.company_trip_number,
                "seferBitisTarihi": trip.ends_at,
                "seferBitisSaati": trip.ends_at.strftime("%H:%M"),
            },
        )
        if answer.uetdsSeferReferansNo is None:
            raise UetdsUnavailable(operation="seferEkle", reason="answer without uetdsSeferReferansNo")
        return int(answer.uetdsSeferReferansNo)

    def trip_cancel(self, *, reference: int, reason: str) -> None:
        """``seferIptal``: withdraw a reported trip."""
        self._checked("seferIptal", uetdsSeferReferansNo=reference, iptalAciklama=reason)

    def staff_add(self, *, reference: int, staff: list[StaffInput]) -> None:
        """``personelEkle``: the crew of a reported trip."""
        self._checked(
            "personelEkle",
            uetdsSeferReferansNo=reference,
            seferPersonelBilgileriInput=[
                {
                    "turKodu": member.role_code,
                    "uyrukUlke": member.nationality,
                    "tcKimlikPasaportNo": member.document_number,
                    "cinsiyet": member.sex,
                    "adi": member.first_name,
                    "soyadi": member.last_name,
                    "telefon": member.phone or None,
                }
                for member in staff
            ],
        )

    def group_add(self, *, reference: int, group: GroupInput) -> int:
        """``seferGrupEkle``: a group of passengers of a reported trip; returns the group's id for ``yolcuEkle``."""
        answer = self._checked(
            "seferGrupEkle",
            uetdsSeferReferansNo=reference,
            seferGrupBilgileriInput={
                "grupAciklama": group.description,
                "baslangicUlke": group.start_country,
                "baslangicYer": group.start_place,
                "bitisUlke": group.end_country,
                "bitisYer": group.end_place,
                "grupAdi": group.name,
            },
        )
        try:
            return int(answer.uetdsGrupRefNo)
        except (TypeError, ValueError) as error:
            raise UetdsUnavailable(operation="seferGrupEkle", reason="answer without a group number") from error

    def passenger_add(self, *, reference: int, passenger: PassengerInput) -> str:
        """``yolcuEkle``: one passenger of a reported trip; returns the passenger's U-ETDS reference."""
        answer = self._checked(
            "yolcuEkle",
            uetdsSeferReferansNo=reference,
            seferYolcuBilgileriInput={
                "uyrukUlke": passenger.nationality,
                "tcKimlikPasaportNo": passenger.document_number,
                "cinsiyet": passenger.sex or None,
                "adi": passenger.first_name,
                "soyadi": passenger.last_name,
                "koltukNo": str(passenger.seat),
                "telefonNo": passenger.phone or None,
                "grupId": passenger.group_id,
            },
        )
        return _text(answer.uetdsYolcuRefNo)

    def no_show_report(self, *, reference: int, no_show: NoShowInput) -> None:
        """``yolcuGelmeyenBildir``: a passenger of a reported trip who did not travel."""
        self._checked(
            "yolcuGelmeyenBildir",
            uetdsSeferReferansNo=reference,
            gelmeyenYolcu={
                "koltukNo": str(no_show.seat),
                "yolcuTCKimlikPasaportNo": no_show.document_number,
                "aciklama": no_show.note or None,
            },
        )
