"""The booking voucher: one A4 PDF the traveller shows the driver, with every detail and a QR code of the manage link.

Drawn with fpdf2 in DejaVu Sans (bundled in ``fonts/``, licence beside it): the PDF core fonts are Latin-1 only,
and Turkish, Polish, Russian and Ukrainian names need more. Right-to-left languages are the exception: Arabic letters
must be joined into their contextual forms by a shaping engine, and fpdf2's (``set_text_shaping``) needs the
uharfbuzz package, which this project does not install. Without it Arabic prints as separate letters in the wrong
order, so an Arabic booking's voucher is labelled in English (its email stays in Arabic, where the mail client
shapes the text). Text typed by travellers is printed whatever it contains: a right-to-left run is put in reading
order, and a character the font lacks (most emoji) becomes "?", so no name can break or blank the voucher.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.bidi import BidiParagraph
from fpdf.enums import Align, TableBordersLayout, TextDirection, VAlign, XPos, YPos
from fpdf.fonts import FontFace, TTFFont

from gnb.bookings.models import Booking
from gnb.notifications.itinerary import booking_itinerary, cancellation_policy_text, local_datetime_text, money_text
from gnb.notifications.operator import company_address, company_name, operator_contact_text
from gnb.website.links import booking_manage_url

# fpdf2 subsets the fonts with fontTools, which logs a dozen INFO lines per voucher; they say nothing to operators.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
MARGIN = 15.0  # mm
PAGE_WIDTH = 210.0  # A4 portrait, mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
LABEL_WIDTH = 40.0
BRAND = (11, 92, 122)  # the colour of the emails' header
MUTED = (91, 107, 122)
ALERT = (176, 32, 32)

# The QR code, top right of the first page: 40 mm is scanned easily from a printout or another phone's screen.
QR_SIZE = 40.0
QR_X = PAGE_WIDTH - MARGIN - QR_SIZE
QR_Y = 27.0
QR_ERROR_LEVEL = "m"  # 15 % of the code may be smudged or folded and it still scans
UNSUPPORTED = "?"
# Statuses in which the voucher no longer entitles anyone to a ride: its status is printed in red.
ENDED = frozenset({Booking.Status.CANCELLED, Booking.Status.EXPIRED, Booking.Status.REFUNDED})


@dataclass(frozen=True)
class Rect:
    """A filled rectangle on the page, in millimetres from the top-left corner."""

    x: float
    y: float
    width: float
    height: float


def voucher_language(booking: Booking) -> str:
    """The language the voucher is labelled in: the booking's, or English for a right-to-left language.

    Right-to-left scripts need the uharfbuzz shaping engine (see the module docstring), which is not installed.
    """
    if translation.get_language_info(booking.language)["bidi"]:
        return "en"
    return booking.language


def voucher_filename(booking: Booking) -> str:
    """``GNB-XXXX-XXXX.pdf``: the reference is what the traveller looks for among their files."""
    return f"{booking.reference}.pdf"


def qr_module_rects(url: str, *, x: float = QR_X, y: float = QR_Y, size: float = QR_SIZE) -> list[Rect]:
    """The filled rectangles that draw the QR code of ``url`` in the ``size`` square at (``x``, ``y``).

    The code is drawn as vector rectangles, one per horizontal run of dark modules, so it stays sharp at any zoom
    and print size. The square includes the quiet zone the QR standard asks for (4 modules on every side).
    """
    qr = segno.make(url, error=QR_ERROR_LEVEL)
    border = 4
    rows = qr.matrix
    module = size / (len(rows) + 2 * border)
    rects = []
    for row_index, row in enumerate(rows):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            rects.append(
                Rect(
                    x=x + (border + start) * module,
                    y=y + (border + row_index) * module,
                    width=(column - start) * module,
                    height=module,
                )
            )
    return rects


def printable(text: str, glyphs: set[int] | frozenset[int]) -> str:
    """``text`` as it can be drawn with a font that has ``glyphs`` (code points), line breaks kept.

    Characters are composed first (a typed "s" + cedilla becomes "ş"), control and formatting characters are
    dropped, a line with right-to-left letters is put in visual order (fpdf2's own bidi algorithm, which needs no
    shaping engine; the letters stay unjoined), and any run of characters the font lacks becomes one "?".
    """
    lines = []
    for line in unicodedata.normalize("NFC", text).replace("\t", " ").splitlines():
        line = "".join(char for char in line if unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn"})
        if any(unicodedata.bidirectional(char) in {"R", "AL"} for char in line):
            # The voucher is laid out left to right, so the line is too; only its right-to-left runs turn round.
            line = BidiParagraph(text=line, base_direction=TextDirection.LTR).get_reordered_string()
        out: list[str] = []
        for char in line:
            if ord(char) in glyphs:
                out.append(char)
            elif not out or out[-1] != UNSUPPORTED:
                out.append(UNSUPPORTED)
        lines.append("".join(out))
    return "\n".join(lines)


class _VoucherPDF(FPDF):
    """An A4 page in DejaVu Sans with a footer naming the booking on every page."""

    def __init__(self, reference: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.reference = reference
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=20)
        self.add_font(FONT, "", FONTS_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS_DIR / "DejaVuSans-Bold.ttf")
        # A character is drawn only if both weights have it, so any text may be set bold or not.
        self.glyphs = frozenset.intersection(
            *(frozenset(font.cmap) for font in self.fonts.values() if isinstance(font, TTFFont))
        )

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        page = _("booking %(reference)s · page %(page)s of %(pages)s") % {
            "reference": self.reference,
            "page": self.page_no(),
            "pages": "{nb}",
        }
        text = " · ".join(part for part in (company_name(), company_address(), page) if part)
        self.cell(0, 5, printable(text, self.glyphs), align=Align.C)


class _Voucher:
    """Lays out one booking's voucher, top to bottom."""

    def __init__(self, booking: Booking, manage_url: str) -> None:
        self.booking = booking
        self.manage_url = manage_url
        self.pdf = _VoucherPDF(booking.reference)

    def text(self, value: object) -> str:
        return printable(str(value), self.pdf.glyphs)

    def render(self) -> bytes:
        pdf = self.pdf
        pdf.set_title(self.text(_("Booking voucher %(reference)s") % {"reference": self.booking.reference}))
        pdf.set_author(self.text(company_name()))
        pdf.set_lang(translation.get_language())
        pdf.add_page()
        self.draw_header()
        self.draw_trip()
        self.draw_passengers()
        self.draw_price()
        self.draw_notes()
        self.draw_policy()
        return bytes(pdf.output())

    # --- blocks ---------------------------------------------------------------------------------------------
    def draw_header(self) -> None:
        """Company and title on a band; the reference, status and lead traveller beside the QR code."""
        pdf, booking = self.pdf, self.booking
        pdf.set_fill_color(*BRAND)
        pdf.rect(0, 0, PAGE_WIDTH, 20, style="F")
        pdf.set_text_color(255, 255, 255)
        pdf.set_xy(MARGIN, 5)
        pdf.set_font(FONT, "B", 18)
        pdf.cell(CONTENT_WIDTH / 2, 10, self.text(company_name()))
        pdf.set_font(FONT, "", 13)
        pdf.cell(CONTENT_WIDTH / 2, 10, self.text(_("Booking voucher")), align=Align.R)

        self.draw_qr()

        text_width = QR_X - MARGIN - 4
        pdf.set_xy(MARGIN, QR_Y)
        pdf.set_text_color(*MUTED)
        pdf.set_font(FONT, "", 8.5)
        pdf.cell(text_width, 4.5, self.text(_("Booking reference")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "B", 26)
        pdf.cell(text_width, 12, booking.reference, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "B", 12)
        if booking.status in ENDED:
            pdf.set_text_color(*ALERT)
        status = _("Status") + ": " + booking.get_status_display()
        pdf.cell(text_width, 7, self.text(status), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "", 9.5)
        lead = "\n".join(
            (
                _("Lead traveller") + ": " + booking.lead_name,
                _("Phone") + ": " + booking.lead_phone,
                _("Email") + ": " + booking.lead_email,
            )
        )
        pdf.multi_cell(text_width, 5, self.text(lead), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), QR_Y + QR_SIZE + 7))

    def draw_qr(self) -> None:
        pdf = self.pdf
        pdf.set_fill_color(0, 0, 0)
        for rect in qr_module_rects(self.manage_url):
            pdf.rect(rect.x, rect.y, rect.width, rect.height, style="F")
        pdf.link(QR_X, QR_Y, QR_SIZE, QR_SIZE, self.manage_url)
        pdf.set_xy(QR_X - 5, QR_Y + QR_SIZE)
        pdf.set_font(FONT, "", 7)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(QR_SIZE + 10, 3.2, self.text(_("Scan to view, change or cancel")), align=Align.C)

    def draw_trip(self) -> None:
        booking = self.booking
        rows: list[tuple[str, str]] = []
        for item in booking_itinerary(booking):
            if booking.kind == Booking.Kind.TOUR:
                rows.append((_("Tour"), item.title))
                rows.append((_("Departure"), item.starts_text))
                rows.append((_("Pickup point"), item.pickup_point or _("To be confirmed by the operator")))
                continue
            rows.append((_("Ride %(number)s") % {"number": item.key}, item.title))
            rows.append((_("Pickup"), item.starts_text))
            if item.flight_number:
                flight = _("%(flight)s, lands %(time)s") % {
                    "flight": item.flight_number,
                    "time": item.flight_arrival_text,
                }
                rows.append((_("Flight"), flight))
            if item.pickup_point:
                rows.append((_("Pickup point"), item.pickup_point))
        if booking.vehicle_class is not None:
            rows.append((_("Vehicle"), booking.vehicle_class.name))
            rows.append((_("Luggage"), str(booking.luggage)))
        extras = [f"{item.quantity} × {item.extra.name}" for item in booking.extras.all()]
        if extras:
            rows.append((_("Extras"), ", ".join(extras)))
        self.section(_("Your trip"), rows)

    def draw_passengers(self) -> None:
        """Two passengers a line, so a party of twelve still fits on the first page."""
        names = [
            f"{index}. {passenger.first_name} {passenger.last_name} ({passenger.get_category_display()})"
            for index, passenger in enumerate(self.booking.passengers.all(), start=1)
        ]
        rows = [(names[i], names[i + 1] if i + 1 < len(names) else "") for i in range(0, len(names), 2)]
        self.section(_("Passengers"), rows, widths=(CONTENT_WIDTH / 2, CONTENT_WIDTH / 2), muted_labels=False)

    def draw_price(self) -> None:
        booking = self.booking
        rows = []
        for line in booking.price_breakdown.get("lines", []):
            label = line["label"] + (f" × {line['quantity']}" if line.get("quantity", 1) > 1 else "")
            rows.append((label, money_text(line["amount"], booking.currency)))
        total_row = len(rows)
        rows.append((_("Total"), money_text(booking.total, booking.currency)))
        payment = f"{booking.get_payment_method_display()} · {booking.get_payment_state_display()}"
        rows.append((_("Payment"), payment))
        if booking.cancellation_fee:
            rows.append((_("Cancellation fee"), money_text(booking.cancellation_fee, booking.currency)))
        self.section(
            _("Price"),
            rows,
            widths=(110.0, CONTENT_WIDTH - 110.0),
            bold_rows={total_row},
            muted_labels=False,
            align_values=Align.R,
        )

    def draw_notes(self) -> None:
        if self.booking.notes:
            self.section(_("Notes"), [(self.booking.notes, "")], widths=(CONTENT_WIDTH, 0.0))

    def draw_policy(self) -> None:
        """The cancellation policy (or when it was cancelled), how to reach us, and the manage link as text."""
        booking = self.booking
        if booking.cancelled_at is not None:
            policy = _("This booking was cancelled on %(date)s.") % {
                "date": local_datetime_text(booking.cancelled_at, settings.TIME_ZONE)
            }
        else:
            policy = cancellation_policy_text(booking)
        help_text = _(
            "Show this voucher to your driver, printed or on your phone. Questions or changes: %(contact)s; "
            "please quote your booking reference."
        ) % {"contact": operator_contact_text()}
        self.section(_("Good to know"), [(policy, ""), (help_text, "")], widths=(CONTENT_WIDTH, 0.0))
        pdf = self.pdf
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*BRAND)
        pdf.multi_cell(
            CONTENT_WIDTH, 4.5, self.text(_("View, change or cancel your booking") + ":"), new_x=XPos.LMARGIN
        )
        pdf.multi_cell(CONTENT_WIDTH, 4.5, self.manage_url, link=self.manage_url, new_x=XPos.LMARGIN)

    # --- drawing helpers ------------------------------------------------------------------------------------
    def section(
        self,
        title: str,
        rows: list[tuple[str, str]],
        *,
        widths: tuple[float, float] = (LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH),
        bold_rows: set[int] | frozenset[int] = frozenset(),
        muted_labels: bool = True,
        align_values: Align = Align.L,
    ) -> None:
        """A heading and a two-column table of (label, value) rows; with a value width of 0, one text column."""
        pdf = self.pdf
        # Keep a heading with its first rows: start a new page when fewer than 25 mm are left.
        if pdf.get_y() > pdf.h - pdf.b_margin - 25:
            pdf.add_page()
        pdf.ln(1.5)
        pdf.set_font(FONT, "B", 10.5)
        pdf.set_text_color(*BRAND)
        pdf.cell(CONTENT_WIDTH, 6, self.text(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*BRAND)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + CONTENT_WIDTH, pdf.get_y())
        pdf.ln(0.8)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "", 9.5)
        single_column = widths[1] == 0
        with pdf.table(
            width=CONTENT_WIDTH,
            col_widths=(CONTENT_WIDTH,) if single_column else widths,
            first_row_as_headings=False,
            borders_layout=TableBordersLayout.NONE,
            text_align=Align.L if single_column else (Align.L, align_values),
            v_align=VAlign.T,
            line_height=4.6,
            padding=(0.5, 1.0),
        ) as table:
            for index, (label, value) in enumerate(rows):
                style = FontFace(emphasis="BOLD") if index in bold_rows else None
                row = table.row(style=style)
                if single_column:
                    row.cell(self.text(label))
                else:
                    label_style = style or (FontFace(color=MUTED) if muted_labels else None)
                    row.cell(self.text(label), style=label_style)
                    row.cell(self.text(value))


def booking_voucher_pdf(booking: Booking) -> bytes:
    """The booking's voucher as PDF bytes, in the booking's language (English for Arabic, see ``voucher_language``).

    ``booking`` should come from ``booking_detail`` or ``booking_for_manage_token`` (details prefetched).
    """
    manage_url = booking_manage_url(booking)
    with translation.override(voucher_language(booking)):
        return _Voucher(booking, manage_url).render()
