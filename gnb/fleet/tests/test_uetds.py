"""U-ETDS reporting through zeep against a local server that serves the service's WSDL and keeps every envelope."""

from __future__ import annotations

import datetime as dt
import time as real_time
import zoneinfo

import pytest
import time_machine

from gnb.bookings.models import Booking
from gnb.fleet.models import Trip, TripEvent
from gnb.fleet.services import SYSTEM, RideRef, fleet_assign, fleet_reassign, fleet_unassign, trip_no_show, trip_start
from gnb.fleet.uetds import registry
from gnb.fleet.uetds.client import Credentials, UetdsClient, proxies_forget
from gnb.fleet.uetds.reporting import backoff_minutes, trip_report, uetds_report_due
from gnb.ops.models import AlertState
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.fleet import at_the_pickup, make_drive_times, make_driver, make_vehicle
from gnb.testing.uetds import ACTION, uetds_server

IST = zoneinfo.ZoneInfo("Europe/Istanbul")
R = Trip.Reporting


@pytest.fixture
def uetds(settings):
    fake, server = uetds_server()
    with server:
        settings.GNB_UETDS_REPORTING = True
        settings.GNB_UETDS_WSDL_URL = server.url + "/uetdsarizi?wsdl"
        settings.GNB_UETDS_USERNAME = "gnb-ws"
        settings.GNB_UETDS_PASSWORD = "s3cret"
        settings.GNB_UETDS_TIMEOUT_SECONDS = 1
        yield fake
        proxies_forget()


def booked_trip(catalog, *, documents: bool = True, days: int = 1) -> Trip:
    """Two adults (Anna and John Smith) from Antalya Airport to Regnum Carya at 14:30 local, ``days`` ahead, with
    Mehmet Demir driving 07 GNB 101."""
    make_drive_times(catalog)
    driver = make_driver("Mehmet", "Demir", phone="+905321112233", identity_number="12345678901")
    vehicle = make_vehicle(catalog.sedan, plate="07 GNB 101")
    booking = place_transfer(transfer_request(pickup_at=future_local(days=days, hour=14, minute=30)))
    assert booking.status == Booking.Status.CONFIRMED
    if documents:
        for passenger, document in zip(booking.passengers.order_by("position"), ("P1234567", "P7654321"), strict=True):
            passenger.nationality, passenger.document_number = "GB", document
            passenger.save()
    leg = booking.legs.get()
    return fleet_assign(ride=RideRef(leg_id=leg.pk), driver_id=driver.pk, vehicle_id=vehicle.pk, actor=SYSTEM)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(IST)


def test_an_assigned_trip_is_reported_with_its_driver_group_and_every_passenger(catalog, uetds):
    trip = booked_trip(catalog)
    booking = trip.riders.get().booking
    start, end = local(trip.starts_at), local(trip.ends_at)

    reported = trip_report(trip_id=trip.pk)

    assert reported is not None
    assert uetds.operations() == ["seferEkle", "personelEkle", "seferGrupEkle", "yolcuEkle", "yolcuEkle"]
    assert [call.action for call in uetds.calls] == [ACTION + op for op in uetds.operations()]
    for call in uetds.calls:
        assert call.record("wsuser") == {"kullaniciAdi": "gnb-ws", "sifre": "s3cret"}
    sefer = uetds.of("seferEkle")[0]
    assert (start.hour, start.minute) == (14, 30)
    assert sefer.record("ariziSeferBilgileriInput") == {
        "aracPlaka": "07GNB101",
        "seferAciklama": "Antalya Airport → Belek",
        "hareketTarihi": f"{start:%Y-%m-%d}T14:30:00+03:00",
        "hareketSaati": "14:30",
        "aracTelefonu": "+905321112233",
        "firmaSeferNo": f"T{trip.pk}",
        "seferBitisTarihi": f"{end:%Y-%m-%dT%H:%M}:00+03:00",
        "seferBitisSaati": f"{end:%H:%M}",
    }
    # 45 minutes' drive plus the 30 minutes' turnaround.
    assert end - start == dt.timedelta(minutes=75)
    personel = uetds.of("personelEkle")[0]
    assert personel.field("uetdsSeferReferansNo") == "900001"
    assert personel.record("seferPersonelBilgileriInput") == {
        "turKodu": "1",
        "uyrukUlke": "TR",
        "tcKimlikPasaportNo": "12345678901",
        "cinsiyet": "E",
        "adi": "Mehmet",
        "soyadi": "Demir",
        "telefon": "+905321112233",
    }
    group = uetds.of("seferGrupEkle")[0]
    assert group.field("uetdsSeferReferansNo") == "900001"
    assert group.record("seferGrupBilgileriInput") == {
        "grupAciklama": "Anna Smith",
        "baslangicUlke": "TR",
        "baslangicYer": "Antalya Airport",
        "bitisUlke": "TR",
        "bitisYer": "Regnum Carya",
        "grupAdi": booking.reference,
    }
    passengers = [call.record("seferYolcuBilgileriInput") for call in uetds.of("yolcuEkle")]
    assert passengers == [
        {
            "uyrukUlke": "GB",
            "tcKimlikPasaportNo": "P1234567",
            "adi": "Anna",
            "soyadi": "Smith",
            "koltukNo": "1",
            "telefonNo": "+447911123456",
            "grupId": "71",
        },
        {
            "uyrukUlke": "GB",
            "tcKimlikPasaportNo": "P7654321",
            "adi": "John",
            "soyadi": "Smith",
            "koltukNo": "2",
            "grupId": "71",
        },
    ]
    assert [call.field("uetdsSeferReferansNo") for call in uetds.of("yolcuEkle")] == ["900001", "900001"]
    trip.refresh_from_db()
    assert (trip.reporting, trip.uetds_reference, trip.uetds_message, trip.uetds_attempts) == (
        R.REPORTED,
        900001,
        "",
        0,
    )
    assert trip.uetds_reported_at is not None
    assert list(trip.events.filter(action="uetds_reported").values_list("details", flat=True)) == [
        {"reference": 900001}
    ]
    # Reported once: the next run sends nothing.
    again = trip_report(trip_id=trip.pk)
    assert again is not None and again.reporting == R.REPORTED
    assert len(uetds.calls) == 5


def test_a_refusal_marks_the_trip_refused_and_alerts_the_staff(catalog, uetds):
    trip = booked_trip(catalog)
    uetds.refuse["seferEkle"] = (1, "Araç plakası sistemde kayıtlı değil")

    trip_report(trip_id=trip.pk)

    trip.refresh_from_db()
    assert (trip.reporting, trip.uetds_reference, trip.uetds_message) == (
        R.REFUSED,
        None,
        "seferEkle: 1 Araç plakası sistemde kayıtlı değil",
    )
    assert uetds.operations() == ["seferEkle"]
    alert = AlertState.objects.get(key=f"uetds.refused.T{trip.pk}")
    assert (alert.status, alert.title) == ("firing", f"U-ETDS refused trip T{trip.pk}")
    assert "seferEkle: 1 Araç plakası sistemde kayıtlı değil" in alert.detail
    # A refused trip is not sent again unchanged.
    with time_machine.travel(local(trip.starts_at) - dt.timedelta(hours=3), tick=False):
        uetds_report_due()
    assert uetds.operations() == ["seferEkle"]


def test_a_refused_passenger_keeps_the_reference_so_a_corrected_trip_withdraws_it_first(catalog, uetds):
    trip = booked_trip(catalog)
    uetds.refuse["yolcuEkle"] = (12, "Pasaport numarası geçersiz")

    trip_report(trip_id=trip.pk)

    trip.refresh_from_db()
    assert (trip.reporting, trip.uetds_reference) == (R.REFUSED, 900001)
    assert trip.uetds_message == "yolcuEkle: 12 Pasaport numarası geçersiz"
    other = make_driver("Ali", "Kaya")
    fleet_reassign(trip_id=trip.pk, driver_id=other.pk, vehicle_id=trip.vehicle_id, actor=SYSTEM)
    assert Trip.objects.get(pk=trip.pk).reporting == R.NOT_REPORTED

    trip_report(trip_id=trip.pk)

    assert uetds.operations()[4:6] == ["seferIptal", "seferEkle"]
    assert uetds.of("seferIptal")[0].field("uetdsSeferReferansNo") == "900001"
    trip.refresh_from_db()
    assert (trip.reporting, trip.uetds_reference) == (R.REPORTED, 900002)


def test_a_timeout_and_a_500_are_retried_with_backoff_until_the_report_goes_through(catalog, uetds):
    trip = booked_trip(catalog)
    first = local(trip.starts_at) - dt.timedelta(hours=5)
    uetds.delay_seconds["seferEkle"] = 1.5

    with time_machine.travel(first, tick=False):
        assert uetds_report_due() == {R.NOT_REPORTED: 1, "alerts": 0}
    trip.refresh_from_db()
    assert (trip.reporting, trip.uetds_attempts, trip.uetds_next_attempt_at) == (
        R.NOT_REPORTED,
        1,
        first + dt.timedelta(minutes=1),
    )
    assert trip.uetds_message == "seferEkle: no answer within 1 s"
    # The stand-in is still answering the call the client gave up on: let it finish before the next answer is set,
    # so that the late answer cannot take the 500 meant for the retry.
    uetds.delay_seconds.pop("seferEkle", None)
    real_time.sleep(1.0)

    # Not before its time.
    with time_machine.travel(first + dt.timedelta(seconds=59), tick=False):
        uetds_report_due()
    assert uetds.operations() == ["seferEkle"]

    uetds.fail_http["seferEkle"] = 500
    second = first + dt.timedelta(minutes=1)
    with time_machine.travel(second, tick=False):
        uetds_report_due()
    trip.refresh_from_db()
    assert (trip.uetds_attempts, trip.uetds_next_attempt_at) == (2, second + dt.timedelta(minutes=2))
    assert trip.uetds_message.startswith("seferEkle: SOAP fault")

    third = second + dt.timedelta(minutes=2)
    with time_machine.travel(third, tick=False):
        assert uetds_report_due() == {R.REPORTED: 1, "alerts": 0}
    trip.refresh_from_db()
    # The call the client gave up on was still answered with 900001 on the server: the report is the third call's.
    assert (trip.reporting, trip.uetds_reference, trip.uetds_attempts, trip.uetds_next_attempt_at) == (
        R.REPORTED,
        900002,
        0,
        None,
    )
    assert trip.uetds_reported_at == third
    assert uetds.operations() == ["seferEkle"] * 3 + ["personelEkle", "seferGrupEkle", "yolcuEkle", "yolcuEkle"]


def test_the_backoff_doubles_up_to_thirty_minutes():
    assert [backoff_minutes(attempts) for attempts in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_failure_after_the_trip_was_added_withdraws_the_half_report_on_the_next_attempt(catalog, uetds):
    trip = booked_trip(catalog)
    uetds.fail_http["seferGrupEkle"] = 503

    trip_report(trip_id=trip.pk)
    trip.refresh_from_db()
    assert (trip.reporting, trip.uetds_reference, trip.uetds_attempts) == (R.STALE, 900001, 1)

    trip_report(trip_id=trip.pk)
    trip.refresh_from_db()
    assert uetds.operations()[3:5] == ["seferIptal", "seferEkle"]
    assert (trip.reporting, trip.uetds_reference, trip.uetds_attempts) == (R.REPORTED, 900002, 0)


def test_a_trip_changed_after_its_report_is_withdrawn_and_reported_again(catalog, uetds):
    trip = booked_trip(catalog)
    trip_report(trip_id=trip.pk)
    other = make_driver("Ali", "Kaya", phone="+905559998877", identity_number="98765432109")
    fleet_reassign(trip_id=trip.pk, driver_id=other.pk, vehicle_id=trip.vehicle_id, actor=SYSTEM)
    assert Trip.objects.get(pk=trip.pk).reporting == R.STALE

    with time_machine.travel(local(trip.starts_at) - dt.timedelta(hours=3), tick=False):
        uetds_report_due()

    again = uetds.operations()[5:]
    assert again == ["seferIptal", "seferEkle", "personelEkle", "seferGrupEkle", "yolcuEkle", "yolcuEkle"]
    withdrawal = uetds.of("seferIptal")[0]
    assert (withdrawal.field("uetdsSeferReferansNo"), withdrawal.field("iptalAciklama")) == (
        "900001",
        "Sefer bilgileri değişti, yeniden bildiriliyor",
    )
    staff = uetds.of("personelEkle")[1].record("seferPersonelBilgileriInput")
    assert (staff["adi"], staff["soyadi"], staff["tcKimlikPasaportNo"], staff["telefon"]) == (
        "Ali",
        "Kaya",
        "98765432109",
        "+905559998877",
    )
    assert uetds.of("seferEkle")[1].record("ariziSeferBilgileriInput")["aracTelefonu"] == "+905559998877"
    trip.refresh_from_db()
    assert (trip.reporting, trip.uetds_reference) == (R.REPORTED, 900002)


def test_a_trip_released_after_its_report_is_cancelled(catalog, uetds):
    trip = booked_trip(catalog)
    trip_report(trip_id=trip.pk)
    fleet_unassign(trip_id=trip.pk, actor=SYSTEM, reason="Customer changed plans")
    assert Trip.objects.get(pk=trip.pk).reporting == R.CANCEL_DUE

    assert uetds_report_due() == {R.CANCELLED: 1, "alerts": 0}

    cancel = uetds.of("seferIptal")
    assert [(c.field("uetdsSeferReferansNo"), c.field("iptalAciklama")) for c in cancel] == [
        ("900001", "Sefer iptal edildi")
    ]
    assert cancel[0].record("wsuser") == {"kullaniciAdi": "gnb-ws", "sifre": "s3cret"}
    trip.refresh_from_db()
    assert (trip.reporting, trip.uetds_reference) == (R.CANCELLED, None)
    assert trip.events.filter(action="uetds_cancelled").count() == 1
    uetds_report_due()
    assert len(uetds.of("seferIptal")) == 1


def test_a_no_show_reports_each_passenger_as_not_travelled_once(catalog, uetds):
    trip = booked_trip(catalog)
    trip_report(trip_id=trip.pk)
    with time_machine.travel(local(trip.starts_at) + dt.timedelta(minutes=60), tick=False):
        trip_start(trip_id=trip.pk, actor=SYSTEM)
        trip_no_show(
            trip_id=trip.pk, actor=SYSTEM, reason="Waited 60 minutes at arrivals", position=at_the_pickup(trip)
        )
        uetds_report_due()

    no_shows = uetds.of("yolcuGelmeyenBildir")
    assert [call.field("uetdsSeferReferansNo") for call in no_shows] == ["900001", "900001"]
    assert [call.record("gelmeyenYolcu") for call in no_shows] == [
        {"koltukNo": "1", "yolcuTCKimlikPasaportNo": "P1234567", "aciklama": "Yolcu gelmedi"},
        {"koltukNo": "2", "yolcuTCKimlikPasaportNo": "P7654321", "aciklama": "Yolcu gelmedi"},
    ]
    event = TripEvent.objects.get(trip=trip, action="uetds_no_show")
    assert event.details == {"reference": 900001, "seats": [1, 2]}
    uetds_report_due()
    assert len(uetds.of("yolcuGelmeyenBildir")) == 2


def test_reporting_off_does_nothing(catalog, uetds, settings):
    settings.GNB_UETDS_REPORTING = False
    trip = booked_trip(catalog)

    assert registry.reporter() is None
    assert uetds_report_due() == {}
    assert trip_report(trip_id=trip.pk) is None

    assert uetds.calls == []
    assert Trip.objects.get(pk=trip.pk).reporting == R.NOT_REPORTED
    assert not AlertState.objects.filter(key__startswith="uetds.").exists()


def test_a_trip_within_two_hours_still_unreported_raises_an_alert_naming_what_is_missing(catalog, uetds):
    trip = booked_trip(catalog, documents=False)
    booking = trip.riders.get().booking
    anna = booking.passengers.get(position=1)
    anna.nationality, anna.document_number = "GB", "P1234567"
    anna.save()
    start = local(trip.starts_at)

    with time_machine.travel(start - dt.timedelta(hours=3), tick=False):
        assert uetds_report_due() == {R.NOT_REPORTED: 1, "alerts": 0}
    assert not AlertState.objects.filter(key=f"uetds.unreported.T{trip.pk}").exists()

    with time_machine.travel(start - dt.timedelta(minutes=90), tick=False):
        assert uetds_report_due() == {R.NOT_REPORTED: 1, "alerts": 1}

    assert uetds.calls == []
    alert = AlertState.objects.get(key=f"uetds.unreported.T{trip.pk}")
    assert alert.title == f"Trip T{trip.pk} at 14:30 is not reported to U-ETDS"
    assert alert.detail == (
        f"T{trip.pk} Antalya Airport → Belek, {start:%Y-%m-%d} 14:30: "
        "nationality or passport/ID number missing for John Smith"
    )


def test_the_wsdl_address_follows_the_environment_unless_given(settings):
    settings.GNB_UETDS_WSDL_URL = ""
    settings.GNB_UETDS_ENVIRONMENT = "test"
    assert registry.wsdl_url() == "https://servis.turkiye.gov.tr/services/g2g/kdgm/test/uetdsarizi?wsdl"
    settings.GNB_UETDS_ENVIRONMENT = "production"
    assert registry.wsdl_url() == "https://servis.turkiye.gov.tr/services/g2g/kdgm/uetdsarizi?wsdl"
    settings.GNB_UETDS_WSDL_URL = "https://uetds.example/ws?wsdl"
    assert registry.wsdl_url() == "https://uetds.example/ws?wsdl"


def test_the_wsdl_is_read_on_first_use_and_kept(uetds, settings):
    client = UetdsClient(
        wsdl_url=settings.GNB_UETDS_WSDL_URL, credentials=Credentials("gnb-ws", "s3cret"), timeout_seconds=1
    )
    assert uetds.wsdl_reads == 0

    assert client.service_test("merhaba") == "merhaba"
    assert client.service_test("tekrar") == "tekrar"

    assert [call.operation for call in uetds.calls] == ["servisTest", "servisTest"]
    assert uetds.wsdl_reads == 1
