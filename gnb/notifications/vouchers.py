"""The booking voucher: one A4 PDF the traveller shows the driver, with every detail and a QR code of the manage link.

Drawn with fpdf2 in DejaVu Sans (``gnb.core.typefaces``): the PDF core fonts are Latin-1 only, and Turkish, Polish,
Russian, Ukrainian, Greek and Arabic need more. Names are accepted only in letters this font draws
(``gnb.bookings.names``), so every traveller's name prints as typed. A right-to-left voucher (Arabic) goes through
fpdf2's text shaping (HarfBuzz, via the uharfbuzz package), which joins Arabic letters into their contextual forms and
puts every line in visual order with the Unicode bidirectional algorithm. It is laid out right to left: labels on the
right, the QR code on the left, and every Latin part of a line (names, phone, email, reference, flight, amounts) set in
an isolate so it keeps its own order ("+905321234567", not "905321234567+"), as ``<bdi>`` and ``dir="ltr"`` do on the
website. Left-to-right vouchers are drawn without shaping: their scripts need no joining, and shaped text is written
glyph by glyph, several times larger; an Arabic name typed into one is put in visual order, its letters unjoined.
Other text typed by travellers (notes, pickup points) is printed whatever it contains: control and formatting
characters are dropped (a typed right-to-left override cannot turn a line round), and a character the font lacks (most
emoji) becomes "?", so no text can break or blank the voucher.
"""

from __future__ import annotations

import copy
import logging
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

import segno
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fontTools import subset as font_subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.bidi import BidiParagraph
from fpdf.enums import Align, TableBordersLayout, TextDirection, VAlign, XPos, YPos
from fpdf.fonts import FontFace, SubsetMap, TTFFont

from gnb.bookings.models import Booking
from gnb.core.links import booking_manage_url
from gnb.core.typefaces import BOLD, REGULAR, printable_code_points
from gnb.notifications.itinerary import booking_itinerary, cancellation_policy_text, local_datetime_text, money_text
from gnb.notifications.operator import company_address, company_name, operator_contact_text

# fpdf2 subsets the fonts with fontTools, which logs a dozen INFO lines per voucher; they say nothing to operators.
logging.getLogger("fontTools").setLevel(logging.WARNING)

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
# Unicode isolates: the text between LRI (or FSI) and PDI is laid out on its own, left to right (or in the direction
# of its first letter), and counts as one neutral character for the line around it. HarfBuzz draws them as nothing.
LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"
# The scripts a left-to-right voucher is written in (Latin, Greek, Cyrillic, with their accents, punctuation,
# currency signs, letter-like symbols and arrows): the glyphs of the smaller font that most vouchers embed from.
COMMON_CODE_POINT_RANGES = (
    (0x0020, 0x024F),
    (0x0300, 0x036F),
    (0x0370, 0x03FF),
    (0x0400, 0x052F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x214F),
    (0x2190, 0x21FF),
)
# Statuses in which the voucher no longer entitles anyone to a ride: its status is printed in red.
ENDED = frozenset({Booking.Status.CANCELLED, Booking.Status.EXPIRED, Booking.Status.REFUNDED})


@dataclass(frozen=True)
class Rect:
    """A filled rectangle on the page, in millimetres from the top-left corner."""

    x: float
    y: float
    width: float
    height: float


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


def printable(text: str, glyphs: set[int] | frozenset[int], *, shaped: bool = False) -> str:
    """``text`` as it can be drawn with a font that has ``glyphs`` (code points), line breaks kept.

    Characters are composed first (a typed "s" + cedilla becomes "ş"), control and formatting characters are
    dropped (bidirectional overrides and isolates among them: the voucher sets its own), and any run of characters
    the font lacks becomes one "?". For ``shaped`` text the order stays logical (fpdf2's shaping puts each line in
    visual order); otherwise a line with right-to-left letters is put in visual order here (fpdf2's bidi algorithm,
    which needs no shaping engine; the letters stay unjoined).
    """
    lines = []
    for line in unicodedata.normalize("NFC", text).replace("\t", " ").splitlines():
        line = "".join(char for char in line if unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn"})
        if not shaped and any(unicodedata.bidirectional(char) in {"R", "AL"} for char in line):
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


@cache
def _parsed_font(path: Path, style: str) -> TTFFont:
    """The typeface as fpdf2's ``add_font`` reads it (its metrics, widths and character map), once per process.

    Reading DejaVu Sans this way takes tens of milliseconds per weight, and a voucher used to do it twice per email:
    in a burst of confirmations it was a good share of each one's time, for the same answer every time.
    """
    return TTFFont(FPDF(), path, f"{FONT.lower()}{style}", style)


@cache
def _font_file(path: Path) -> bytes:
    return path.read_bytes()


def _font_for_document(pdf: FPDF, path: Path, style: str) -> TTFFont:
    """What ``pdf.add_font(FONT, style, path)`` would register, from the per-process parse.

    The metrics are shared (nothing writes them); what one document changes is its own: the glyphs it used (its
    ``subset``, ``missing_glyphs``, the largest size) and the fontTools font, which fpdf2 cuts down in place to the
    glyphs used when the PDF is written, so each document gets a fresh one (opened lazily from the bytes in memory:
    only the tables the subsetting reads are parsed).
    """
    font = copy.copy(_parsed_font(path, style))
    font.i = len(pdf.fonts) + 1
    font.ttfont = TTFont(BytesIO(_font_file(path)), recalcTimestamp=False, lazy=True)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    return font


@cache
def _common_font(path: Path) -> tuple[bytes, frozenset[str]]:
    """The typeface cut down to ``COMMON_CODE_POINT_RANGES`` (each glyph keeping its name), and its glyphs' names.

    When fpdf2 writes a PDF it cuts the embedded font down to the glyphs the document used, and most of that cost is
    parsing the whole font first: DejaVu Sans has about 6,000 glyphs, and reading their outlines' index, metrics and
    names took ~28 ms a weight, two weights a voucher. Cut from this ~1,400-glyph font instead, the result is the same
    bytes (the glyphs keep their names, outlines, metrics and hinting) in about a third of the time.
    """
    # Without the layout tables fpdf2 drops anyway (left-to-right vouchers are not shaped), so no glyph comes in only
    # because a ligature or contextual form uses it.
    options = font_subset.Options(glyph_names=True, notdef_outline=True, recommended_glyphs=True, layout_features=[])
    options.drop_tables += ["GDEF", "GPOS", "GSUB"]
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(unicodes=[code for first, last in COMMON_CODE_POINT_RANGES for code in range(first, last + 1)])
    font = TTFont(BytesIO(_font_file(path)), recalcTimestamp=False)
    subsetter.subset(font)
    data = BytesIO()
    font.save(data)
    return data.getvalue(), frozenset(font.getGlyphOrder())


class _VoucherPDF(FPDF):
    """An A4 page in DejaVu Sans, shaped in the voucher's direction, with a footer naming the booking on every page."""

    def __init__(self, reference: str, *, rtl: bool) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.reference = reference
        self.rtl = rtl
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=20)
        for style, path in (("", REGULAR), ("B", BOLD)):
            self.fonts[f"{FONT.lower()}{style}"] = _font_for_document(self, path, style)
        if rtl:
            # Every line is right to left, even one that starts with a Latin name or a number.
            self.set_text_shaping(use_shaping_engine=True, direction=TextDirection.RTL)
        self.glyphs = printable_code_points()

    def printable(self, text: str) -> str:
        return printable(text, self.glyphs, shaped=self.rtl)

    def embed_from_common_fonts(self) -> tuple[str, ...]:
        """Before the PDF is written: each weight whose glyphs are all in the common font is embedded from it.

        The embedded font is the same either way; a voucher with a glyph outside it (an Arabic one, or a name in
        another script) is embedded from the whole typeface. Returns the styles embedded from the common font.
        """
        common = []
        for style, path in (("", REGULAR), ("B", BOLD)):
            font = self.fonts[f"{FONT.lower()}{style}"]
            assert isinstance(font, TTFFont)  # registered by _font_for_document
            data, glyph_names = _common_font(path)
            if glyph_names.issuperset(font.subset.get_all_glyph_names()):
                font.ttfont = TTFont(BytesIO(data), recalcTimestamp=False, lazy=True)
                common.append(style)
        return tuple(common)

    def ltr(self, text: str) -> str:
        """``text`` (a phone number, email, reference, link, amount) kept left to right inside a right-to-left line."""
        return f"{LRI}{text}{PDI}" if self.rtl else text

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        page = _("booking %(reference)s · page %(page)s of %(pages)s") % {
            "reference": self.ltr(self.reference),
            "page": self.page_no(),
            "pages": "{nb}",
        }
        parts = (self.printable(company_name()), self.printable(company_address()), page)
        self.cell(0, 5, " · ".join(part for part in parts if part), align=Align.C)


class _Voucher:
    """Lays out one booking's voucher, top to bottom, in the active language and its direction."""

    def __init__(self, booking: Booking, manage_url: str) -> None:
        self.booking = booking
        self.manage_url = manage_url
        self.rtl = translation.get_language_bidi()
        self.pdf = _VoucherPDF(booking.reference, rtl=self.rtl)
        # Where a line starts and ends: the left and right edges swap in a right-to-left voucher.
        self.start = Align.R if self.rtl else Align.L
        self.end = Align.L if self.rtl else Align.R
        self.embedded_from_common_fonts: tuple[str, ...] = ()

    def text(self, value: object) -> str:
        return self.pdf.printable(str(value))

    def own(self, value: object) -> str:
        """Text typed by a traveller or kept in the catalogue (a name, a place), isolated in a right-to-left line.

        In its isolate it is laid out in the direction of its first letter, so a Latin hotel name keeps its order and
        an Arabic one is read right to left, whatever surrounds it.
        """
        text = self.text(value)
        return f"{FSI}{text}{PDI}" if self.rtl and text else text

    def ltr(self, value: object) -> str:
        return self.pdf.ltr(self.text(value))

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
        self.embedded_from_common_fonts = pdf.embed_from_common_fonts()
        return bytes(pdf.output())

    # --- blocks ---------------------------------------------------------------------------------------------
    def draw_header(self) -> None:
        """Company and title on a band; the reference, status and lead traveller beside the QR code."""
        pdf, booking = self.pdf, self.booking
        pdf.set_fill_color(*BRAND)
        pdf.rect(0, 0, PAGE_WIDTH, 20, style="F")
        pdf.set_text_color(255, 255, 255)
        half = CONTENT_WIDTH / 2
        pdf.set_xy(MARGIN + half if self.rtl else MARGIN, 5)
        pdf.set_font(FONT, "B", 18)
        pdf.cell(half, 10, self.text(company_name()), align=self.start)
        pdf.set_xy(MARGIN if self.rtl else MARGIN + half, 5)
        pdf.set_font(FONT, "", 13)
        pdf.cell(half, 10, self.text(_("Booking voucher")), align=self.end)

        # The QR code sits at the end of the lines (top right, or top left in a right-to-left voucher).
        qr_x = MARGIN if self.rtl else QR_X
        self.draw_qr(qr_x)

        text_width = CONTENT_WIDTH - QR_SIZE - 4
        text_x = qr_x + QR_SIZE + 4 if self.rtl else MARGIN
        pdf.set_left_margin(text_x)
        pdf.set_xy(text_x, QR_Y)
        pdf.set_text_color(*MUTED)
        pdf.set_font(FONT, "", 8.5)
        start = self.start
        pdf.cell(text_width, 4.5, self.text(_("Booking reference")), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=start)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "B", 26)
        pdf.cell(text_width, 12, self.ltr(booking.reference), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=start)
        pdf.set_font(FONT, "B", 12)
        if booking.status in ENDED:
            pdf.set_text_color(*ALERT)
        status = _("Status") + ": " + booking.get_status_display()
        pdf.cell(text_width, 7, self.text(status), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=start)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "", 9.5)
        lead = "\n".join(
            (
                self.text(_("Lead traveller") + ": ") + self.own(booking.lead_name),
                self.text(_("Phone") + ": ") + self.ltr(booking.lead_phone),
                self.text(_("Email") + ": ") + self.ltr(booking.lead_email),
            )
        )
        pdf.multi_cell(text_width, 5, lead, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=start)
        pdf.set_left_margin(MARGIN)
        pdf.set_y(max(pdf.get_y(), QR_Y + QR_SIZE + 7))

    def draw_qr(self, qr_x: float) -> None:
        pdf = self.pdf
        pdf.set_fill_color(0, 0, 0)
        for rect in qr_module_rects(self.manage_url, x=qr_x):
            pdf.rect(rect.x, rect.y, rect.width, rect.height, style="F")
        pdf.link(qr_x, QR_Y, QR_SIZE, QR_SIZE, self.manage_url)
        pdf.set_xy(qr_x - 5, QR_Y + QR_SIZE)
        pdf.set_font(FONT, "", 7)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(QR_SIZE + 10, 3.2, self.text(_("Scan to view, change or cancel")), align=Align.C)

    def route(self, item) -> str:
        """``Antalya Airport → Regnum Carya``; right to left, each place isolated and the arrow pointing left."""
        if not self.rtl:
            return self.text(item.title)
        leg = next(leg for leg in self.booking.legs.all() if str(leg.sequence) == item.key)
        return f"{self.own(leg.origin.name)} ← {self.own(leg.destination.name)}"

    def draw_trip(self) -> None:
        booking = self.booking
        rows: list[tuple[str, str]] = []
        for item in booking_itinerary(booking):
            if booking.kind == Booking.Kind.TOUR:
                rows.append((self.text(_("Tour")), self.own(item.title)))
                rows.append((self.text(_("Departure")), self.text(item.starts_text)))
                pickup = (
                    self.own(item.pickup_point)
                    if item.pickup_point
                    else self.text(_("To be confirmed by the operator"))
                )
                rows.append((self.text(_("Pickup point")), pickup))
                if item.pickup_at:
                    rows.append((self.text(_("Pickup")), self.text(item.pickup_text)))
                continue
            rows.append((self.text(_("Ride %(number)s") % {"number": item.key}), self.route(item)))
            rows.append((self.text(_("Pickup")), self.text(item.starts_text)))
            if item.flight_number:
                flight = (
                    _("%(flight)s, departs %(time)s") if item.flight_departure_at else _("%(flight)s, lands %(time)s")
                ) % {
                    "flight": self.ltr(item.flight_number),
                    "time": item.flight_departure_text or item.flight_arrival_text,
                }
                rows.append((self.text(_("Flight")), flight))
            if item.pickup_point:
                rows.append((self.text(_("Pickup point")), self.own(item.pickup_point)))
        if booking.vehicle_class is not None:
            rows.append((self.text(_("Vehicle")), self.own(booking.vehicle_class.name)))
            rows.append((self.text(_("Luggage")), str(booking.luggage)))
        extras = [f"{item.quantity} × {self.own(item.extra.name)}" for item in booking.extras.all()]
        if extras:
            rows.append((self.text(_("Extras")), ", ".join(extras)))
        self.section(_("Your trip"), rows)

    def draw_passengers(self) -> None:
        """Two passengers a line, so a party of twelve still fits on the first page."""
        names = [
            f"{index}. {self.own(f'{passenger.first_name} {passenger.last_name}')} "
            f"({self.text(passenger.get_category_display())})"
            for index, passenger in enumerate(self.booking.passengers.all(), start=1)
        ]
        rows = [(names[i], names[i + 1] if i + 1 < len(names) else "") for i in range(0, len(names), 2)]
        self.section(_("Passengers"), rows, widths=(CONTENT_WIDTH / 2, CONTENT_WIDTH / 2), muted_labels=False)

    def money(self, amount: Decimal | str | float) -> str:
        return self.ltr(money_text(amount, self.booking.currency))

    def draw_price(self) -> None:
        booking = self.booking
        rows = []
        for line in booking.price_breakdown.get("lines", []):
            label = self.own(line["label"]) + (f" × {line['quantity']}" if line.get("quantity", 1) > 1 else "")
            rows.append((label, self.money(line["amount"])))
        total_row = len(rows)
        rows.append((self.text(_("Total")), self.money(booking.total)))
        payment = f"{booking.get_payment_method_display()} · {booking.get_payment_state_display()}"
        rows.append((self.text(_("Payment")), self.text(payment)))
        if booking.cancellation_fee:
            rows.append((self.text(_("Cancellation fee")), self.money(booking.cancellation_fee)))
        self.section(
            _("Price"),
            rows,
            widths=(110.0, CONTENT_WIDTH - 110.0),
            bold_rows={total_row},
            muted_labels=False,
            align_values=self.end,
        )

    def draw_notes(self) -> None:
        if self.booking.notes:
            self.section(_("Notes"), [(self.own(self.booking.notes), "")], widths=(CONTENT_WIDTH, 0.0))

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
        ) % {"contact": self.ltr(operator_contact_text())}
        self.section(_("Good to know"), [(self.text(policy), ""), (help_text, "")], widths=(CONTENT_WIDTH, 0.0))
        pdf = self.pdf
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*BRAND)
        pdf.multi_cell(
            CONTENT_WIDTH,
            4.5,
            self.text(_("View, change or cancel your booking") + ":"),
            new_x=XPos.LMARGIN,
            align=self.start,
        )
        pdf.multi_cell(
            CONTENT_WIDTH, 4.5, self.ltr(self.manage_url), link=self.manage_url, new_x=XPos.LMARGIN, align=self.start
        )

    # --- drawing helpers ------------------------------------------------------------------------------------
    def section(
        self,
        title: str,
        rows: list[tuple[str, str]],
        *,
        widths: tuple[float, float] = (LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH),
        bold_rows: set[int] | frozenset[int] = frozenset(),
        muted_labels: bool = True,
        align_values: Align | None = None,
    ) -> None:
        """A heading and a two-column table of (label, value) rows; with a value width of 0, one text column.

        The rows' texts are ready to print (``text``, ``own`` or ``ltr``). In a right-to-left voucher the label
        column is on the right. Values start next to their label unless ``align_values`` says otherwise.
        """
        pdf = self.pdf
        # Keep a heading with its first rows: start a new page when fewer than 25 mm are left.
        if pdf.get_y() > pdf.h - pdf.b_margin - 25:
            pdf.add_page()
        pdf.ln(1.5)
        pdf.set_font(FONT, "B", 10.5)
        pdf.set_text_color(*BRAND)
        pdf.cell(CONTENT_WIDTH, 6, self.text(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align=self.start)
        pdf.set_draw_color(*BRAND)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + CONTENT_WIDTH, pdf.get_y())
        pdf.ln(0.8)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "", 9.5)
        single_column = widths[1] == 0
        align_values = align_values or self.start
        if single_column:
            col_widths: tuple[float, ...] = (CONTENT_WIDTH,)
            text_align: Align | tuple[Align, ...] = self.start
        elif self.rtl:
            col_widths, text_align = (widths[1], widths[0]), (align_values, self.start)
        else:
            col_widths, text_align = widths, (self.start, align_values)
        with pdf.table(
            width=CONTENT_WIDTH,
            col_widths=col_widths,
            first_row_as_headings=False,
            borders_layout=TableBordersLayout.NONE,
            text_align=text_align,
            v_align=VAlign.T,
            line_height=4.6,
            padding=(0.5, 1.0),
        ) as table:
            for index, (label, value) in enumerate(rows):
                style = FontFace(emphasis="BOLD") if index in bold_rows else None
                row = table.row(style=style)
                if single_column:
                    row.cell(label)
                    continue
                label_style = style or (FontFace(color=MUTED) if muted_labels else None)
                if self.rtl:
                    row.cell(value)
                    row.cell(label, style=label_style)
                else:
                    row.cell(label, style=label_style)
                    row.cell(value)


def booking_voucher_pdf(booking: Booking) -> bytes:
    """The booking's voucher as PDF bytes, in the booking's language and that language's direction.

    ``booking`` should come from ``booking_detail`` or ``booking_for_manage_token`` (details prefetched).
    """
    manage_url = booking_manage_url(booking)
    with translation.override(booking.language):
        return _Voucher(booking, manage_url).render()
