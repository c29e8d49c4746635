"""A local stand-in for the U-ETDS SOAP service: serves a WSDL of the operations the reporting uses (types as the
Ministry's WSDL declares them, ``reference/uetds.md``), answers every call, and keeps each envelope it received so a
test reads what zeep sent, field by field."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeElementTree

from gnb.testing.servers import Received, RecordingHTTPServer

NS = "http://uetds.unetws.udhb.gov.tr/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
ACTION = NS + "uetdsytsarizi/"

# (operation, request parameters as (name, type, minOccurs, maxOccurs), answer type)
OPERATIONS: list[tuple[str, list[tuple[str, str, int, str]], str]] = [
    (
        "seferEkle",
        [
            ("wsuser", "tns:uetdsYtsUser", 1, "1"),
            ("ariziSeferBilgileriInput", "tns:uetdsAriziSeferBilgileriInput", 1, "1"),
        ],
        "tns:uetdsAriziSeferBildirSonuc",
    ),
    (
        "seferIptal",
        [
            ("wsuser", "tns:uetdsYtsUser", 1, "1"),
            ("uetdsSeferReferansNo", "xs:long", 1, "1"),
            ("iptalAciklama", "xs:string", 1, "1"),
        ],
        "tns:uetdsGenelIslemSonuc",
    ),
    (
        "personelEkle",
        [
            ("wsuser", "tns:uetdsYtsUser", 1, "1"),
            ("uetdsSeferReferansNo", "xs:long", 1, "1"),
            ("seferPersonelBilgileriInput", "tns:uetdsAriziSeferPersonelBilgileriInput", 1, "unbounded"),
        ],
        "tns:uetdsGenelIslemSonuc",
    ),
    (
        "seferGrupEkle",
        [
            ("wsuser", "tns:uetdsYtsUser", 1, "1"),
            ("uetdsSeferReferansNo", "xs:long", 1, "1"),
            ("seferGrupBilgileriInput", "tns:uetdsAriziGrupBilgileriInput", 1, "1"),
        ],
        "tns:uetdsAriziGrupIslemSonuc",
    ),
    (
        "yolcuEkle",
        [
            ("wsuser", "tns:uetdsYtsUser", 1, "1"),
            ("uetdsSeferReferansNo", "xs:long", 1, "1"),
            ("seferYolcuBilgileriInput", "tns:uetdsAriziSeferYolcuBilgileriInput", 1, "1"),
        ],
        "tns:uetdsAriziYolcuIslemSonuc",
    ),
    (
        "yolcuGelmeyenBildir",
        [
            ("wsuser", "tns:uetdsYtsUser", 1, "1"),
            ("uetdsSeferReferansNo", "xs:long", 1, "1"),
            ("gelmeyenYolcu", "tns:uetdsAriziYolcuGelmeyenInput", 1, "1"),
        ],
        "tns:uetdsGenelIslemSonuc",
    ),
]

# complex type → its sequence as (name, type, minOccurs, maxOccurs)
TYPES: dict[str, list[tuple[str, str, int, str]]] = {
    "uetdsYtsUser": [("kullaniciAdi", "xs:string", 1, "1"), ("sifre", "xs:string", 1, "1")],
    "uetdsAriziSeferBilgileriInput": [
        ("aracPlaka", "xs:string", 1, "1"),
        ("seferAciklama", "xs:string", 0, "1"),
        ("hareketTarihi", "xs:dateTime", 1, "1"),
        ("hareketSaati", "xs:string", 1, "1"),
        ("aracTelefonu", "xs:string", 0, "1"),
        ("firmaSeferNo", "xs:string", 1, "1"),
        ("seferBitisTarihi", "xs:dateTime", 1, "1"),
        ("seferBitisSaati", "xs:string", 1, "1"),
    ],
    "uetdsAriziSeferPersonelBilgileriInput": [
        ("turKodu", "xs:int", 1, "1"),
        ("uyrukUlke", "xs:string", 1, "1"),
        ("tcKimlikPasaportNo", "xs:string", 1, "1"),
        ("cinsiyet", "xs:string", 1, "1"),
        ("adi", "xs:string", 1, "1"),
        ("soyadi", "xs:string", 1, "1"),
        ("telefon", "xs:string", 0, "1"),
        ("adres", "xs:string", 0, "1"),
    ],
    # The Ministry's WSDL also asks for province and district codes (baslangicIl/Ilce, bitisIl/Ilce), which our
    # places do not carry yet; they are optional here (see docs/operations.md, "U-ETDS").
    "uetdsAriziGrupBilgileriInput": [
        ("grupAciklama", "xs:string", 1, "1"),
        ("baslangicUlke", "xs:string", 1, "1"),
        ("baslangicIl", "xs:long", 0, "1"),
        ("baslangicIlce", "xs:long", 0, "1"),
        ("baslangicYer", "xs:string", 0, "1"),
        ("bitisUlke", "xs:string", 1, "1"),
        ("bitisIl", "xs:long", 0, "1"),
        ("bitisIlce", "xs:long", 0, "1"),
        ("bitisYer", "xs:string", 1, "1"),
        ("grupAdi", "xs:string", 1, "1"),
    ],
    "uetdsAriziSeferYolcuBilgileriInput": [
        ("uyrukUlke", "xs:string", 1, "1"),
        ("tcKimlikPasaportNo", "xs:string", 1, "1"),
        ("cinsiyet", "xs:string", 0, "1"),
        ("adi", "xs:string", 1, "1"),
        ("soyadi", "xs:string", 1, "1"),
        ("koltukNo", "xs:string", 1, "1"),
        ("telefonNo", "xs:string", 0, "1"),
        ("grupId", "xs:long", 1, "1"),
    ],
    "uetdsAriziYolcuGelmeyenInput": [
        ("koltukNo", "xs:string", 1, "1"),
        ("yolcuTCKimlikPasaportNo", "xs:string", 1, "1"),
        ("aciklama", "xs:string", 0, "1"),
    ],
    "uetdsGenelIslemSonuc": [("sonucKodu", "xs:int", 1, "1"), ("sonucMesaji", "xs:string", 0, "1")],
    "uetdsAriziSeferBildirSonuc": [
        ("sonucKodu", "xs:int", 1, "1"),
        ("sonucMesaji", "xs:string", 0, "1"),
        ("uetdsSeferReferansNo", "xs:long", 0, "1"),
    ],
    "uetdsAriziGrupIslemSonuc": [
        ("sonucKodu", "xs:int", 1, "1"),
        ("sonucMesaji", "xs:string", 0, "1"),
        ("uetdsGrupRefNo", "xs:string", 0, "1"),
    ],
    "uetdsAriziYolcuIslemSonuc": [
        ("sonucKodu", "xs:int", 1, "1"),
        ("sonucMesaji", "xs:string", 0, "1"),
        ("uetdsYolcuRefNo", "xs:string", 0, "1"),
    ],
}


def _sequence(elements: list[tuple[str, str, int, str]]) -> str:
    return "".join(
        f'<xs:element name="{name}" type="{kind}" minOccurs="{low}" maxOccurs="{high}"/>'
        for name, kind, low, high in elements
    )


def wsdl(address: str) -> str:
    """The WSDL of the operations with ``address`` as the port's location."""
    types = "".join(
        f'<xs:complexType name="{name}"><xs:sequence>{_sequence(e)}</xs:sequence></xs:complexType>'
        for name, e in TYPES.items()
    )
    elements, messages, port_ops, binding_ops = [], [], [], []
    for operation, parameters, answer in OPERATIONS:
        elements.append(f'<xs:element name="{operation}" type="tns:{operation}"/>')
        elements.append(f'<xs:element name="{operation}Response" type="tns:{operation}Response"/>')
        types += (
            f'<xs:complexType name="{operation}"><xs:sequence>{_sequence(parameters)}</xs:sequence></xs:complexType>'
        )
        types += (
            f'<xs:complexType name="{operation}Response"><xs:sequence>'
            f'<xs:element name="return" type="{answer}" minOccurs="0"/></xs:sequence></xs:complexType>'
        )
    elements.append('<xs:element name="testMsj1" type="xs:string"/>')
    elements.append('<xs:element name="servisTestResponse" type="xs:string"/>')
    for operation, _parameters, _answer in OPERATIONS:
        messages.append(
            f'<message name="{operation}"><part name="parameters" element="tns:{operation}"/></message>'
            f'<message name="{operation}Response"><part name="parameters" element="tns:{operation}Response"/></message>'
        )
    messages.append(
        '<message name="servisTest"><part name="testMsj1" element="tns:testMsj1"/></message>'
        '<message name="servisTestResponse">'
        '<part name="servisTestResponse" element="tns:servisTestResponse"/></message>'
    )
    for operation in [op for op, _p, _a in OPERATIONS] + ["servisTest"]:
        port_ops.append(
            f'<operation name="{operation}"><input message="tns:{operation}"/>'
            f'<output message="tns:{operation}Response"/></operation>'
        )
        binding_ops.append(
            f'<operation name="{operation}"><soap:operation soapAction="{ACTION}{operation}"/>'
            '<input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"'
        f' xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{NS}" targetNamespace="{NS}"'
        f' name="{"UdhbUetdsAriziService"}">'
        f'<types><xs:schema targetNamespace="{NS}" version="1.0">{"".join(elements)}{types}</xs:schema></types>'
        f"{''.join(messages)}"
        f'<portType name="UdhbUetdsAriziService">{"".join(port_ops)}</portType>'
        '<binding name="UdhbUetdsAriziServicePortBinding" type="tns:UdhbUetdsAriziService">'
        '<soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>'
        f"{''.join(binding_ops)}</binding>"
        '<service name="UdhbUetdsAriziService"><port name="UdhbUetdsAriziServicePort"'
        f' binding="tns:UdhbUetdsAriziServicePortBinding"><soap:address location="{address}"/></port></service>'
        "</definitions>"
    )


@dataclass
class Call:
    """One SOAP call received: the operation, its SOAPAction header and the body's parameters."""

    operation: str
    action: str
    body: ElementTree.Element

    def field(self, path: str) -> str | None:
        """The text at ``path`` below the operation's element (``"ariziSeferBilgileriInput/aracPlaka"``), None when
        the element was not sent."""
        found = self.body.find(path)
        return None if found is None else (found.text or "")

    def all(self, path: str) -> list[ElementTree.Element]:
        return self.body.findall(path)

    def record(self, path: str) -> dict[str, str]:
        """The children of the element at ``path`` as ``{name: text}`` (only those sent)."""
        found = self.body.find(path)
        assert found is not None, f"{path} not sent"
        return {child.tag: child.text or "" for child in found}


Answer = tuple[int, str]  # sonucKodu, sonucMesaji


@dataclass
class UetdsFake:
    """Answers like the U-ETDS service: trip references from 900001, group numbers from 71, success unless a test
    sets ``refuse[operation] = (code, message)``, ``fail_http[operation] = status`` (a plain 500 page, as a proxy in
    front of it would send) or ``delay_seconds[operation]`` (to provoke the client's timeout). Each rule applies to
    the next call of that operation only when ``once`` is set."""

    calls: list[Call] = field(default_factory=list)
    refuse: dict[str, Answer] = field(default_factory=dict)
    fail_http: dict[str, int] = field(default_factory=dict)
    delay_seconds: dict[str, float] = field(default_factory=dict)
    once: bool = True
    address: str = ""
    wsdl_reads: int = 0
    _trip_numbers: itertools.count = field(default_factory=lambda: itertools.count(900001))
    _group_numbers: itertools.count = field(default_factory=lambda: itertools.count(71))
    _passenger_numbers: itertools.count = field(default_factory=lambda: itertools.count(5001))

    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def of(self, operation: str) -> list[Call]:
        return [call for call in self.calls if call.operation == operation]

    def _take(self, rules: dict, operation: str):
        if operation not in rules:
            return None
        return rules.pop(operation) if self.once else rules[operation]

    def __call__(self, received: Received) -> tuple[int, dict[str, str], bytes]:
        if received.method == "GET":
            self.wsdl_reads += 1
            return 200, {"Content-Type": "text/xml; charset=utf-8"}, wsdl(self.address).encode()
        envelope = SafeElementTree.fromstring(received.body)
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        assert body is not None and len(body), "a SOAP body with one operation"
        element = body[0]
        operation = element.tag.removeprefix(f"{{{NS}}}")
        if operation == "testMsj1":
            operation = "servisTest"
        self.calls.append(Call(operation, received.headers.get("soapaction", "").strip('"'), element))
        delay = self._take(self.delay_seconds, operation)
        if delay:
            time.sleep(delay)
        status = self._take(self.fail_http, operation)
        if status:
            return status, {"Content-Type": "text/html"}, b"<html><body>Service Unavailable</body></html>"
        if operation == "servisTest":
            return 200, _xml(), _envelope(f"<tns:servisTestResponse>{element.text or ''}</tns:servisTestResponse>")
        code, message = self._take(self.refuse, operation) or (0, "İşlem başarılı")
        extra = ""
        if code == 0 and operation == "seferEkle":
            extra = f"<uetdsSeferReferansNo>{next(self._trip_numbers)}</uetdsSeferReferansNo>"
        elif code == 0 and operation == "seferGrupEkle":
            extra = f"<uetdsGrupRefNo>{next(self._group_numbers)}</uetdsGrupRefNo>"
        elif code == 0 and operation == "yolcuEkle":
            extra = f"<uetdsYolcuRefNo>{next(self._passenger_numbers)}</uetdsYolcuRefNo>"
        answer = (
            f"<tns:{operation}Response><return><sonucKodu>{code}</sonucKodu>"
            f"<sonucMesaji>{message}</sonucMesaji>{extra}</return></tns:{operation}Response>"
        )
        return 200, _xml(), _envelope(answer)


def _xml() -> dict[str, str]:
    return {"Content-Type": "text/xml; charset=utf-8"}


def _envelope(content: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="{SOAP_ENV}" xmlns:tns="{NS}">'
        f"<S:Body>{content}</S:Body></S:Envelope>"
    ).encode()


def uetds_server() -> tuple[UetdsFake, RecordingHTTPServer]:
    """A started-on-enter local U-ETDS server; its WSDL is at ``server.url + "/uetdsarizi?wsdl"``."""
    fake = UetdsFake()
    server = RecordingHTTPServer(fake)
    fake.address = server.url + "/uetdsarizi"
    return fake, server
