"""Every language's voucher is drawn in its own script: the text read back from the PDF is the booking's names and
the language's own labels, and an Arabic voucher is shaped and laid out right to left.

Reading an Arabic voucher back needs care. fpdf2 draws shaped text glyph by glyph in visual order (left to right on
the page), and each glyph's ``ToUnicode`` entry names the letter (or letters, for a ligature) it stands for. So the
text of a line read in drawing order is the line as seen: an Arabic word comes back reversed, and a Latin name inside
it keeps its own order. ``visual_lines`` reads the glyphs with their positions, sorts them left to right and
normalises the text with NFKC (a reader may map a glyph to an Arabic presentation form, U+FB50–U+FEFF; NFKC turns it
into the plain letter); a ligature's letters (lam-alef is one glyph for two letters) are turned round with the rest.
The tests then compare each line with the expected text as seen: Arabic parts reversed letter by letter, Latin parts
as written. So a letter missing, a word out of order or a phone number turned round fails them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections import defaultdict

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from pypdf import PageObject, PdfReader
from pypdf.generic import ContentStream, DictionaryObject

from gnb.bookings.selectors import booking_detail
from gnb.bookings.services import Contact, PassengerInput
from gnb.notifications.operator import company_name
from gnb.notifications.vouchers import LRI, PDI, booking_voucher_pdf, voucher_filename
from gnb.testing.bookings import place_transfer, transfer_request

NOW = dt.datetime(2027, 5, 1, 6, 0, tzinfo=dt.UTC)
ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))
LINE_TOLERANCE = 4.0  # points; the voucher's lines are at least 13 points apart
BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")


@pytest.fixture
def frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


def to_unicode(font) -> dict[int, str]:
    """The glyph code → text table of a composite font, from its ``ToUnicode`` CMap (fpdf2 writes ``bfchar``)."""
    table = {}
    for code, text in BFCHAR.findall(font["/ToUnicode"].get_object().get_data()):
        table[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    return table


def page_fonts(page: PageObject) -> DictionaryObject:
    resources = page["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    fonts = resources["/Font"].get_object()
    assert isinstance(fonts, DictionaryObject)
    return fonts


def visual_lines(data: bytes) -> list[str]:
    """The first page's text lines, top to bottom, each as seen: its pieces sorted by their position, left to right.

    The page is read from its content stream: ``Td`` right after ``BT`` and ``1 0 0 1 x y Tm`` place the next
    ``Tj``; a ``Tj`` of several glyphs is one piece drawn left to right.
    """
    page = PdfReader(io.BytesIO(data)).pages[0]
    fonts = {name: to_unicode(font.get_object()) for name, font in page_fonts(page).items()}
    pieces: dict[float, list[tuple[float, str]]] = defaultdict(list)
    font: dict[int, str] = {}
    x = y = 0.0
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"Tf":
            font = fonts[operands[0]]
        elif operator == b"Td":
            x, y = float(operands[0]), float(operands[1])
        elif operator == b"Tm":
            x, y = float(operands[4]), float(operands[5])
        elif operator == b"Tj":
            raw = bytes(operands[0].original_bytes)
            glyphs = (font.get(int.from_bytes(raw[i : i + 2], "big"), "\ufffd") for i in range(0, len(raw), 2))
            text = "".join(seen(glyph) if is_rtl(glyph) else glyph for glyph in glyphs)
            # A mark (a vowel sign over a letter) is placed a little higher than its line.
            line = next((known for known in pieces if abs(known - y) < LINE_TOLERANCE), y)
            pieces[line].append((x, text))
    return [
        unicodedata.normalize("NFKC", "".join(text for _x, text in sorted(pieces[y]))).translate(ISOLATES)
        for y in sorted(pieces, reverse=True)
    ]


def is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in {"R", "AL"} for char in text)


def seen(text: str) -> str:
    """How a right-to-left run of ``text`` looks when read left to right on the page."""
    return text[::-1]


def line_with(lines: list[str], part: str) -> str:
    found = [line for line in lines if part in line]
    assert found, f"{part!r} is not on the page: {lines}"
    return found[0]


def place_party(language: str, contact: Contact, passengers: list[PassengerInput]):
    request = transfer_request(adults=len(passengers))
    booking = place_transfer(request, contact=contact, passengers=passengers, language=language)
    return booking, booking_voucher_pdf(booking_detail(booking_id=booking.pk))


def test_the_arabic_voucher_is_shaped_and_reads_right_to_left(frozen, catalog):
    booking, data = place_party(
        "ar",
        Contact("Anna Müller", "anna@example.com", "+905321234567"),
        [PassengerInput("Anna", "Müller", "adult"), PassengerInput("محمد", "علي", "adult")],
    )
    lines = visual_lines(data)
    with translation.override("ar"):
        title, reference, trip, passengers, price, total = (
            _("Booking voucher"),
            _("Booking reference"),
            _("Your trip"),
            _("Passengers"),
            _("Price"),
            _("Total"),
        )
        lead, phone, email, ride, adult = _("Lead traveller"), _("Phone"), _("Email"), _("Ride %(number)s"), _("Adult")
    # The language's own labels, each a line of its own, or at the right end of its line; the title is on the left
    # of the band, the company's name on the right.
    assert seen(title) + company_name() in lines
    for label in (reference, trip, passengers, price):
        assert seen(label) in lines, label
    assert line_with(lines, seen(total)).endswith(seen(total))
    assert booking.reference in lines
    assert voucher_filename(booking) == f"{booking.reference}.pdf"

    # Shaped: the font's glyphs for one letter in different forms (initial, medial, final) are all used. Unshaped
    # text would draw every letter with its one isolated glyph.
    page = PdfReader(io.BytesIO(data)).pages[0]
    forms = defaultdict(set)
    for font in page_fonts(page).values():
        for code, text in to_unicode(font.get_object()).items():
            forms[text].add(code)
    assert len(forms["\u0644"]) >= 2  # lam, in المسافر and الرحلة at least: initial and medial
    assert len(forms["\u0645"]) >= 2  # meem

    # Right to left: the label is at the right end of its line, what follows it reads leftwards, and the Latin
    # parts keep their own order inside it.
    assert "Anna Müller" + seen(f"{lead}: ") in lines
    assert "+905321234567" + seen(f"{phone}: ") in lines  # not "905321234567+"
    assert "anna@example.com" + seen(f"{email}: ") in lines
    # The first ride: Antalya Airport (where it starts) on the right, the arrow pointing left to Regnum Carya.
    assert "Regnum Carya ← Antalya Airport" + seen(ride % {"number": 1}) in lines
    # Passengers: the first on the right; "1." before the name and the category after it, in reading order.
    # (A bracket is drawn mirrored but keeps its own character, so it turns round with the text.)
    assert seen(f"2. محمد علي ({adult})") + seen(f" ({adult})") + "Anna Müller" + seen("1. ") in lines


@pytest.mark.parametrize(
    ("language", "first", "last"),
    [
        ("ru", "Анна", "Соколова"),
        ("uk", "Олена", "Ковальчук-Їжак"),
        ("pl", "Zażółć", "Gęślą-Jaźń"),
        ("tr", "Şule", "Öztürk Çağlar İğdır"),
        ("de", "Jürgen", "Größe"),
        ("fr", "Élodie", "Lefèvre-Çœur"),
        ("nl", "Eloïse", "van 't Hoff"),
    ],
)
def test_every_left_to_right_voucher_draws_its_own_script(frozen, catalog, language, first, last):
    booking, data = place_party(
        language,
        Contact(f"{first} {last}", "guest@example.com", "+48601234567"),
        [PassengerInput(first, last, "adult")],
    )
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    with translation.override(language):
        labels = [_("Booking voucher"), _("Booking reference"), _("Your trip"), _("Passengers"), _("Price")]
        category, lead = _("Adult"), _("Lead traveller")
    for label in labels:
        assert label in text, label
    assert f"1. {first} {last} ({category})" in text
    assert f"{lead}: {first} {last}" in text
    assert booking.reference in text
    assert "+48601234567" in text
    assert LRI not in text and PDI not in text  # no isolates: a left-to-right voucher needs none
    assert "?" not in text  # no character was replaced for want of a glyph
    assert category != "Adult"  # the catalogue's word, not the English source


def test_a_party_named_in_five_scripts_is_printed_as_typed(frozen, catalog):
    """Every script a name may be written in (gnb.bookings.names) is drawn, not "?" or a box."""
    party = [
        PassengerInput("Zoë", "Müller", "adult"),
        PassengerInput("Анна", "Соколова", "adult"),
        PassengerInput("Σοφία", "Παπαδοπούλου", "adult"),
        PassengerInput("محمد", "علي", "adult"),
    ]
    contact = Contact("Şule Öztürk İğdır", "guest@example.com", "+905321234567")
    booking = place_transfer(transfer_request(adults=4), contact=contact, passengers=party, vehicle_class="minivan")
    lines = visual_lines(booking_voucher_pdf(booking_detail(booking_id=booking.pk)))
    assert "Lead traveller: Şule Öztürk İğdır" in lines
    assert "1. Zoë Müller (Adult)2. Анна Соколова (Adult)" in lines
    # A left-to-right voucher puts an Arabic name in visual order: read left to right, it is reversed.
    assert f"3. Σοφία Παπαδοπούλου (Adult)4. {seen('محمد علي')} (Adult)" in lines
    assert not any("?" in line or "\ufffd" in line for line in lines)
