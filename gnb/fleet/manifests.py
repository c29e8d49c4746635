"""A trip's passenger manifest, as the driver carries it and an inspector asks for it: who drives which vehicle when
and where, and every passenger with nationality and document number (the Turkish passenger-list rule, U-ETDS).

One :class:`Manifest` is read from the trip (``gnb.fleet.selectors.trip_detail``) and written either as CSV (for
spreadsheets; every cell that a spreadsheet would run as a formula is quoted) or as an A4 PDF drawn like the booking
voucher (``gnb.notifications.vouchers``): DejaVu Sans so Turkish, Cyrillic and Arabic names print, traveller text
passed through the voucher's ``printable`` (control characters dropped, right-to-left runs in visual order, characters
the font lacks as "?"). Data still missing is printed as a marker that cannot be mistaken for a value.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, VAlign, XPos, YPos
from fpdf.fonts import FontFace, TTFFont

from gnb.bookings.reports import local_time
from gnb.core.typefaces import FONTS_DIR
from gnb.fleet.models import Trip
from gnb.fleet.selectors import trip_label
from gnb.notifications.operator import company_name
from gnb.notifications.vouchers import ALERT, BRAND, FONT, MARGIN, MUTED, printable

PAGE_WIDTH = 210.0  # A4 portrait, mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
LABEL_WIDTH = 45.0
# Seat, first name, last name, category, nationality, document, booking: 180 mm, the page's width inside its margins.
PASSENGER_COLUMNS = (10.0, 32.0, 32.0, 20.0, 22.0, 32.0, 32.0)
# A spreadsheet runs a cell that starts with one of these as a formula; names and documents come from the public.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def missing_marker() -> str:
    return _("MISSING")


def unassigned_marker() -> str:
    return _("NOT ASSIGNED")


@dataclass(frozen=True)
class ManifestPassenger:
    seat: int
    first_name: str
    last_name: str
    category: str
    nationality: str  # empty when the traveller has not given it yet
    document_number: str
    booking_reference: str


@dataclass(frozen=True)
class Manifest:
    company: str
    trip_id: int
    starts_at: str  # local date and time, "2030-05-01 14:30"
    route: str
    vehicle_plate: str  # empty when the trip has no vehicle yet
    vehicle_name: str
    driver_name: str  # empty when the trip has no driver yet
    driver_phone: str
    passengers: list[ManifestPassenger]
    # A tour's hotel pickups in the order the vehicle collects them: "07:15 Regnum Carya · lobby (GNB-7K3Q-9XPM)".
    pickups: tuple[str, ...] = ()

    @property
    def trip_label(self) -> str:
        return f"T{self.trip_id}"

    @property
    def missing_count(self) -> int:
        """Passengers whose nationality or document number is still missing."""
        return sum(1 for p in self.passengers if not (p.nationality and p.document_number))


def manifest_of(trip: Trip) -> Manifest:
    """The manifest of ``trip`` as read by ``gnb.fleet.selectors.trip_detail`` (no further query)."""
    riders = list(trip.riders.all())
    route = trip_label(trip)
    legs = [rider.leg for rider in riders if rider.leg is not None]
    if trip.kind == Trip.Kind.TRANSFER and legs:
        # The places the driver goes to, not just the zones.
        route = f"{legs[0].origin.name} → {legs[0].destination.name}"
    passengers: list[ManifestPassenger] = []
    for rider in riders:
        for passenger in rider.booking.passengers.all():
            passengers.append(
                ManifestPassenger(
                    seat=len(passengers) + 1,
                    first_name=passenger.first_name,
                    last_name=passenger.last_name,
                    category=str(passenger.get_category_display()),
                    nationality=passenger.nationality,
                    document_number=passenger.document_number,
                    booking_reference=rider.booking.reference,
                )
            )
    pickups = tuple(
        f"{local_time(b.pickup_at, '%H:%M')} {b.tour_pickup_text} ({b.reference})".strip()
        for b in sorted((r.booking for r in riders), key=lambda b: (b.pickup_at or trip.starts_at, b.pk))
        if trip.kind == Trip.Kind.TOUR and b.tour_pickup_text
    )
    vehicle, driver = trip.vehicle, trip.driver
    return Manifest(
        company=company_name(),
        trip_id=trip.pk,
        starts_at=local_time(trip.starts_at),
        route=route,
        vehicle_plate=vehicle.plate if vehicle else "",
        vehicle_name=f"{vehicle.make} {vehicle.model}" if vehicle else "",
        driver_name=driver.full_name if driver else "",
        driver_phone=driver.phone if driver else "",
        passengers=passengers,
        pickups=pickups,
    )


def manifest_filename(manifest: Manifest, extension: str) -> str:
    """``manifest-T12-20300501-1430.pdf``: the trip and its start, so a folder of manifests sorts by trip."""
    stamp = manifest.starts_at.replace("-", "").replace(":", "").replace(" ", "-")
    return f"manifest-{manifest.trip_label}-{stamp}.{extension}"


def _trip_rows(manifest: Manifest) -> list[tuple[str, str]]:
    vehicle = f"{manifest.vehicle_plate} · {manifest.vehicle_name}" if manifest.vehicle_plate else ""
    driver = f"{manifest.driver_name} · {manifest.driver_phone}" if manifest.driver_name else ""
    return [
        (_("Company"), manifest.company),
        (_("Trip"), manifest.trip_label),
        (_("Date and time"), manifest.starts_at),
        (_("Route"), manifest.route),
        (_("Vehicle"), vehicle or unassigned_marker()),
        (_("Driver"), driver or unassigned_marker()),
        *[(_("Pickup"), pickup) for pickup in manifest.pickups],
    ]


def _passenger_header() -> list[str]:
    return [
        _("Seat"),
        _("First name"),
        _("Last name"),
        _("Category"),
        _("Nationality"),
        _("Passport or ID number"),
        _("Booking"),
    ]


def _passenger_row(passenger: ManifestPassenger) -> list[str]:
    return [
        str(passenger.seat),
        passenger.first_name,
        passenger.last_name,
        passenger.category,
        passenger.nationality or missing_marker(),
        passenger.document_number or missing_marker(),
        passenger.booking_reference,
    ]


# --- CSV -------------------------------------------------------------------------------------------------------
def spreadsheet_safe(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would otherwise run it as a formula."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


def manifest_csv_rows(manifest: Manifest) -> list[list[str]]:
    """The CSV's rows: the trip as label/value pairs, an empty row, then the passengers under their header."""
    rows = [[label, value] for label, value in _trip_rows(manifest)]
    rows.append([])
    rows.append(_passenger_header())
    rows.extend(_passenger_row(passenger) for passenger in manifest.passengers)
    return [[spreadsheet_safe(cell) for cell in row] for row in rows]


def manifest_csv(manifest: Manifest) -> str:
    """The manifest as CSV text, with a byte-order mark so spreadsheet programs read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(manifest_csv_rows(manifest))
    return "\ufeff" + buffer.getvalue()


# --- PDF -------------------------------------------------------------------------------------------------------
class _ManifestPDF(FPDF):
    def __init__(self, manifest: Manifest) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.manifest = manifest
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=20)
        self.add_font(FONT, "", FONTS_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS_DIR / "DejaVuSans-Bold.ttf")
        self.glyphs = frozenset.intersection(
            *(frozenset(font.cmap) for font in self.fonts.values() if isinstance(font, TTFFont))
        )

    def printable(self, value: str) -> str:
        return printable(value, self.glyphs)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        line = _("Manifest of trip %(trip)s · page %(page)s of %(pages)s") % {
            "trip": self.manifest.trip_label,
            "page": self.page_no(),
            "pages": "{nb}",
        }
        self.cell(0, 5, self.printable(f"{self.manifest.company} · {line}"), align=Align.C)


def manifest_pdf(manifest: Manifest) -> bytes:
    """The manifest as an A4 PDF in the active language: the trip, then one table row per passenger."""
    pdf = _ManifestPDF(manifest)
    pdf.set_title(pdf.printable(_("Passenger manifest of trip %(trip)s") % {"trip": manifest.trip_label}))
    pdf.set_author(pdf.printable(manifest.company))
    pdf.set_lang(translation.get_language() or "en")
    pdf.add_page()

    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, PAGE_WIDTH, 20, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(MARGIN, 5)
    pdf.set_font(FONT, "B", 16)
    pdf.cell(CONTENT_WIDTH / 2, 10, pdf.printable(manifest.company))
    pdf.set_font(FONT, "", 13)
    pdf.cell(CONTENT_WIDTH / 2, 10, pdf.printable(_("Passenger manifest")), align=Align.R)
    pdf.set_xy(MARGIN, 26)

    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", 10)
    not_assigned = unassigned_marker()
    with pdf.table(
        width=CONTENT_WIDTH,
        col_widths=(LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH),
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.NONE,
        text_align=(Align.L, Align.L),
        v_align=VAlign.T,
        line_height=5.0,
        padding=(0.6, 1.0),
    ) as table:
        for label, value in _trip_rows(manifest):
            row = table.row()
            row.cell(pdf.printable(label), style=FontFace(color=MUTED))
            row.cell(
                pdf.printable(value), style=FontFace(emphasis="BOLD", color=ALERT if value == not_assigned else None)
            )

    pdf.ln(4)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*BRAND)
    heading = _("Passengers (%(count)s)") % {"count": len(manifest.passengers)}
    pdf.cell(CONTENT_WIDTH, 6, pdf.printable(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", 8.5)
    missing = missing_marker()
    with pdf.table(
        width=CONTENT_WIDTH,
        col_widths=PASSENGER_COLUMNS,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 238, 242)),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        v_align=VAlign.T,
        line_height=4.6,
        padding=(0.8, 1.0),
        repeat_headings=1,
    ) as table:
        header = table.row()
        for title in _passenger_header():
            header.cell(pdf.printable(title))
        for passenger in manifest.passengers:
            row = table.row()
            for cell in _passenger_row(passenger):
                style = FontFace(emphasis="BOLD", color=ALERT) if cell == missing else None
                row.cell(pdf.printable(cell), style=style)
    if manifest.missing_count:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 9.5)
        pdf.set_text_color(*ALERT)
        warning = _(
            "%(count)s passenger(s) still without nationality or document number: the trip cannot be reported to "
            "U-ETDS until they are given."
        ) % {"count": manifest.missing_count}
        pdf.multi_cell(CONTENT_WIDTH, 5, pdf.printable(warning), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
