"""A trip's passenger manifest: exact CSV rows (formula-safe, missing data marked), a PDF that prints Turkish,
Cyrillic and Arabic names, and the back-office pages that serve them to whoever may see trips."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from gnb.bookings.models import Passenger
from gnb.bookings.orders import PassengerInput
from gnb.core.models import AuditEntry
from gnb.fleet.manifests import manifest_csv, manifest_of, manifest_pdf
from gnb.fleet.models import Trip
from gnb.fleet.selectors import trip_detail
from gnb.fleet.services import SYSTEM as FLEET_SYSTEM
from gnb.fleet.services import RideRef, fleet_assign
from gnb.testing.bookings import place_transfer, transfer_request
from gnb.testing.catalog import IST
from gnb.testing.fleet import make_drive_times, make_driver, make_vehicle
from gnb.testing.pdf import read_pages
from gnb.testing.personas import staff_login

HEADER = ["Seat", "First name", "Last name", "Category", "Nationality", "Passport or ID number", "Booking"]


def trip_with(catalog, party: list[tuple[str, str, str, str]], *, with_driver: bool = True) -> Trip:
    """A sedan trip from Antalya Airport to Belek whose passengers are ``(first, last, nationality, document)``."""
    make_drive_times(catalog)
    booking = place_transfer(
        transfer_request(adults=len(party)),
        passengers=[PassengerInput("Anna", "Smith", "adult") for _party in party],
        payment_method="cash",
    )
    # The names are written as stored, past the booking rules: the manifest must also be safe with rows kept from
    # before a rule (a formula-like name) or changed at the database.
    for position, (first, last, nationality, document) in enumerate(party, start=1):
        Passenger.objects.filter(booking=booking, position=position).update(
            first_name=first, last_name=last, nationality=nationality, document_number=document
        )
    driver = make_driver("Mehmet", "Kaya", phone="+905321112233") if with_driver else None
    vehicle = make_vehicle(catalog.sedan, plate="07 GNB 123", make="Mercedes-Benz", model="E 220")
    return fleet_assign(
        ride=RideRef(leg_id=booking.legs.get().pk),
        driver_id=driver.pk if driver else None,
        vehicle_id=vehicle.pk,
        actor=FLEET_SYSTEM,
    )


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def pickup_text(trip: Trip) -> str:
    return trip.starts_at.astimezone(IST).strftime("%Y-%m-%d %H:%M")


PARTY = [
    ("Ayşe", "Yılmaz", "TR", "10000000146"),
    ('=HYPERLINK("http://evil")', "Петров", "", ""),
    ("Olga", "-Smith", "UA", ""),
]


def test_the_csv_lists_the_trip_and_every_passenger_with_missing_data_marked(catalog):
    trip = trip_with(catalog, PARTY)
    reference = trip.riders.get().booking.reference
    assert csv_rows(manifest_csv(manifest_of(trip_detail(trip_id=trip.pk)))) == [
        ["Company", "GNB Transfer"],
        ["Trip", f"T{trip.pk}"],
        ["Date and time", pickup_text(trip)],
        ["Route", "Antalya Airport → Regnum Carya"],
        ["Vehicle", "07 GNB 123 · Mercedes-Benz E 220"],
        ["Driver", "Mehmet Kaya · +905321112233"],
        [],
        HEADER,
        ["1", "Ayşe", "Yılmaz", "Adult", "TR", "10000000146", reference],
        # A spreadsheet would run these cells: they are quoted with an apostrophe.
        ["2", '\'=HYPERLINK("http://evil")', "Петров", "Adult", "MISSING", "MISSING", reference],
        ["3", "Olga", "'-Smith", "Adult", "UA", "MISSING", reference],
    ]


def test_a_trip_without_a_driver_says_so(catalog):
    trip = trip_with(catalog, PARTY[:1], with_driver=False)
    rows = csv_rows(manifest_csv(manifest_of(trip_detail(trip_id=trip.pk))))
    assert rows[4:6] == [["Vehicle", "07 GNB 123 · Mercedes-Benz E 220"], ["Driver", "NOT ASSIGNED"]]


def test_reading_the_manifest_costs_a_fixed_number_of_queries(catalog, django_assert_num_queries):
    trip = trip_with(catalog, PARTY)
    # The trip with driver, vehicle and zones; riders with booking and leg places; the passengers.
    with django_assert_num_queries(3):
        manifest = manifest_of(trip_detail(trip_id=trip.pk))
    assert [p.last_name for p in manifest.passengers] == ["Yılmaz", "Петров", "-Smith"]


def test_the_pdf_prints_turkish_cyrillic_and_arabic_names(catalog):
    party = [*PARTY[:2], ("محمد", "Öztürk", "EG", "A1234567")]
    trip = trip_with(catalog, party)
    reference = trip.riders.get().booking.reference
    data = manifest_pdf(manifest_of(trip_detail(trip_id=trip.pk)))
    assert data.startswith(b"%PDF-")
    [page] = read_pages(data)
    for text in [
        "GNB Transfer",
        "Passenger manifest",
        f"T{trip.pk}",
        pickup_text(trip),
        "Antalya Airport → Regnum Carya",
        "07 GNB 123 · Mercedes-Benz E 220",
        "Mehmet Kaya · +905321112233",
        "Passengers (3)",
        "Ayşe",
        "Yılmaz",
        "10000000146",
        "Петров",
        # Laid out left to right like the voucher: the Arabic name in visual order, its letters unjoined.
        "محمد"[::-1],
        "Öztürk",
        "A1234567",
        reference,
    ]:
        assert text in page.text, text
    assert page.text.count("MISSING") == 2
    # The warning wraps onto a second line.
    assert (
        "1 passenger(s) still without nationality or document number: the trip cannot be reported to U-ETDS "
        f"until they are given. GNB Transfer · Manifest of trip T{trip.pk} · page 1 of"
    ) in " ".join(page.text)


# --- the back-office pages ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona_fixture", ["dispatcher", "manager"])
def test_staff_who_see_trips_download_the_manifest_and_it_is_audited(request, client, catalog, persona_fixture):
    user = request.getfixturevalue(persona_fixture)
    trip = trip_with(catalog, PARTY)
    staff_login(client, user)
    pdf = client.get(reverse("admin:fleet_trip_manifest_pdf", args=[trip.pk]))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    stamp = trip.starts_at.astimezone(IST).strftime("%Y%m%d-%H%M")
    assert pdf["Content-Disposition"] == f'inline; filename="manifest-T{trip.pk}-{stamp}.pdf"'
    assert pdf.content.startswith(b"%PDF-")
    answer = client.get(reverse("admin:fleet_trip_manifest_csv", args=[trip.pk]))
    assert (answer.status_code, answer["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert answer["Content-Disposition"] == f'attachment; filename="manifest-T{trip.pk}-{stamp}.csv"'
    assert csv_rows(answer.content.decode())[1] == ["Trip", f"T{trip.pk}"]
    entries = AuditEntry.objects.filter(target_id=str(trip.pk), actor=user).order_by("pk")
    assert [(e.action, e.details) for e in entries] == [
        ("export.pdf", {"rows": 3, "source": "manifest"}),
        ("export.csv", {"rows": 3, "source": "manifest"}),
    ]


def test_the_manifest_urls_are_under_the_trip_admin():
    assert reverse("admin:fleet_trip_manifest_pdf", args=[7]) == "/admin/fleet/trip/7/manifest.pdf"
    assert reverse("admin:fleet_trip_manifest_csv", args=[7]) == "/admin/fleet/trip/7/manifest.csv"


def test_staff_without_the_trip_permission_get_403_and_an_unknown_trip_404(client, catalog, dispatcher):
    trip = trip_with(catalog, PARTY)
    clerk = get_user_model().objects.create_user(username="clerk", is_staff=True)
    staff_login(client, clerk)
    assert client.get(reverse("admin:fleet_trip_manifest_pdf", args=[trip.pk])).status_code == 403
    assert client.get(reverse("admin:fleet_trip_manifest_csv", args=[trip.pk])).status_code == 403
    staff_login(client, dispatcher)
    assert client.get(reverse("admin:fleet_trip_manifest_pdf", args=[trip.pk + 1000])).status_code == 404
    assert client.get(reverse("admin:fleet_trip_manifest_csv", args=[trip.pk + 1000])).status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()


def test_the_trip_page_links_its_manifest(client, catalog, dispatcher):
    trip = trip_with(catalog, PARTY)
    staff_login(client, dispatcher)
    page = client.get(reverse("admin:fleet_trip_change", args=[trip.pk])).content.decode()
    assert f'href="/admin/fleet/trip/{trip.pk}/manifest.pdf"' in page
    assert f'href="/admin/fleet/trip/{trip.pk}/manifest.csv"' in page
