"""The booking voucher: a PDF in the booking's language with every detail and the manage link as a QR code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import segno
from django.utils import timezone, translation

from gnb.bookings.models import Booking
from gnb.bookings.quotes import ExtraRequest
from gnb.bookings.selectors import booking_detail
from gnb.bookings.services import Actor, Contact, PassengerInput, booking_cancel
from gnb.catalog.models import TourDeparture
from gnb.notifications.vouchers import (
    QR_SIZE,
    QR_X,
    QR_Y,
    booking_voucher_pdf,
    printable,
    qr_module_rects,
)
from gnb.testing.bookings import letters, place_tour, place_transfer, transfer_request
from gnb.testing.catalog import future_local
from gnb.testing.pdf import Page, read_pages
from gnb.website.links import booking_manage_url

# Mon 31 May 2027 is then 30 days ahead (future_local's default), and the fixture's tour leaves on Tue 11 May 09:00.
NOW = dt.datetime(2027, 5, 1, 6, 0, tzinfo=dt.UTC)
AYSE = Contact("Ayşe Yılmaz", "ayse@example.com", "+905321234567")
TURKISH_PARTY = [
    PassengerInput("Ayşe", "Yılmaz", "adult"),
    PassengerInput("İsmail", "Çağlar", "adult"),
    PassengerInput("Şule", "Öztürk", "child"),
]


@pytest.fixture
def frozen(time_machine) -> None:
    """Time stands still at NOW (ask for it before ``catalog`` so the catalogue is made at NOW too)."""
    time_machine.move_to(NOW, tick=False)


def voucher_of(booking) -> tuple[bytes, list[Page]]:
    data = booking_voucher_pdf(booking_detail(booking_id=booking.pk))
    return data, read_pages(data)


def qr_modules_drawn(page: Page, modules: int) -> set[tuple[int, int]]:
    """The dark modules of the QR code as drawn on the page: (row, column) of every filled square in its box."""
    module = QR_SIZE / (modules + 8)
    dark = set()
    for x, y, width, height in page.rects:
        if not (x >= QR_X - 0.01 and x + width <= QR_X + QR_SIZE + 0.01 and QR_Y - 0.01 <= y <= QR_Y + QR_SIZE):
            continue
        row = round((y - QR_Y) / module) - 4
        first = round((x - QR_X) / module) - 4
        assert round(height / module) == 1
        dark.update((row, first + offset) for offset in range(round(width / module)))
    return dark


def place_return_transfer(language: str):
    request = transfer_request(
        adults=2,
        children=1,
        luggage=3,
        return_pickup_at=future_local(days=37, hour=10),
        extras=[ExtraRequest("child_seat", 1)],
    )
    return place_transfer(
        request,
        vehicle_class="minivan",
        contact=AYSE,
        passengers=TURKISH_PARTY,
        language=language,
        pickup_point="Arrivals hall, exit 2",
        notes="Two surfboards",
    )


def test_a_transfer_voucher_has_every_detail_on_one_page(frozen, catalog):
    booking = place_return_transfer("en")
    data, pages = voucher_of(booking)

    assert data.startswith(b"%PDF-")
    assert len(pages) == 1
    assert pages[0].text == [
        "GNB Transfer",
        "Booking voucher",
        "Scan to view, change or cancel",
        "Booking reference",
        booking.reference,
        "Status: Confirmed",
        "Lead traveller: Ayşe Yılmaz",
        "Phone: +905321234567",
        "Email: ayse@example.com",
        "Your trip",
        "Ride 1",
        "Antalya Airport → Regnum Carya",
        "Pickup",
        "Mon, 31 May 2027, 14:30 (Europe/Istanbul)",
        "Flight",
        "TK2412, lands 14:00",
        "Pickup point",
        "Arrivals hall, exit 2",
        "Ride 2",
        "Regnum Carya → Antalya Airport",
        "Pickup",
        "Mon, 7 Jun 2027, 10:30 (Europe/Istanbul)",
        "Vehicle",
        "Minivan",
        "Luggage",
        "3",
        "Extras",
        "1 × Child seat",
        "Passengers",
        "1. Ayşe Yılmaz (Adult)",
        "2. İsmail Çağlar (Adult)",
        "3. Şule Öztürk (Child)",
        "Price",
        "Transfer",
        "€55.00",
        "Return transfer",
        "€55.00",
        "Return discount",
        "-€2.75",
        "Child seat",
        "€5.00",
        "Total",
        "€112.25",
        "Payment",
        "Cash to the driver · Unpaid",
        "Notes",
        "Two surfboards",
        "Good to know",
        "Free cancellation until Sun, 30 May 2027, 14:30 (Europe/Istanbul). After that, cancelling costs 50% of the",
        "total; once the trip has started it cannot be cancelled.",
        "Show this voucher to your driver, printed or on your phone. Questions or changes:",
        "operations@gnbtransfer.com; please quote your booking reference.",
        "View, change or cancel your booking:",
        f"http://testserver/en/manage/{booking.reference}/{booking.manage_token}/",
        f"GNB Transfer · booking {booking.reference} · page 1 of ",
        "1",
    ]


def test_a_turkish_booking_gets_a_turkish_voucher(frozen, catalog):
    booking = place_return_transfer("tr")
    _data, [page] = voucher_of(booking)
    # Strings of the Turkish catalogue; the voucher's own new labels get theirs with the catalogue update.
    for text in [
        "Durum: Onaylandı",
        "1. yolculuk",
        "31 May 2027 Pzt 14:30 (Europe/Istanbul)",
        "7 Haz 2027 Pzt 10:30 (Europe/Istanbul)",
        "1. Ayşe Yılmaz (Yetişkin)",
        "3. Şule Öztürk (Çocuk)",
        "Dönüş transferi",
        "-€2,75",
        "€112,25",
        "Sürücüye nakit · Ödenmedi",
        f"http://testserver/tr/manage/{booking.reference}/{booking.manage_token}/",
    ]:
        assert text in page.text, text


def test_the_qr_code_drawn_is_the_manage_link(frozen, catalog):
    booking = place_transfer(language="de")
    _data, [page] = voucher_of(booking)
    url = booking_manage_url(booking)
    assert url == f"http://testserver/de/manage/{booking.reference}/{booking.manage_token}/"
    matrix = segno.make(url, error="m").matrix
    expected = {(row, column) for row, cells in enumerate(matrix) for column, dark in enumerate(cells) if dark}
    assert qr_modules_drawn(page, len(matrix)) == expected
    # The drawing function merges each row's runs of dark modules into one rectangle.
    rects = qr_module_rects(url)
    assert len(rects) < len(expected)
    assert sum(round(rect.width / rect.height) for rect in rects) == len(expected)


def test_a_tour_voucher_names_the_tour_departure_and_pickup(frozen, catalog):
    booking = place_tour(
        catalog.departure, adults=2, children=1, language="en", pickup_place="regnum-carya", pickup_point="lobby"
    )
    _data, [page] = voucher_of(booking)
    trip = page.text.index("Your trip")
    assert page.text[trip : page.text.index("Good to know")] == [
        "Your trip",
        "Tour",
        "Perge & Aspendos",
        "Departure",
        "Tue, 11 May 2027, 09:00 (Europe/Istanbul)",
        "Pickup point",
        "Regnum Carya · lobby",
        "Pickup",
        "Tue, 11 May 2027, 08:15 (Europe/Istanbul)",
        "Passengers",
        "1. Anna Smith (Adult)",
        "2. John Smith (Adult)",
        "3. Tom Smith (Child)",
        "Price",
        "Adults × 2",
        "€90.00",
        "Children",
        "€25.00",
        "Total",
        "€115.00",
        "Payment",
        "Cash to the driver · Unpaid",
    ]


def test_the_voucher_states_the_cancellation_policy_and_the_operator_contact(frozen, catalog, settings):
    settings.GNB_FREE_CANCELLATION_HOURS = 48
    settings.GNB_LATE_CANCELLATION_FEE_PERCENT = Decimal("12.5")
    settings.GNB_OPERATOR_EMAIL = "desk@gnb.example"
    settings.GNB_OPERATOR_PHONE = "+90 242 123 45 67"
    settings.GNB_COMPANY_NAME = "GNB Turizm"
    settings.GNB_COMPANY_ADDRESS = "Lara Cd. 1, Antalya"
    booking = place_transfer(language="en")
    _data, [page] = voucher_of(booking)
    text = " ".join(page.text)
    assert page.text[0] == "GNB Turizm"
    assert (
        "Free cancellation until Sat, 29 May 2027, 14:30 (Europe/Istanbul). After that, cancelling costs "
        "12.5% of the total; once the trip has started it cannot be cancelled." in text
    )
    assert "Questions or changes: desk@gnb.example, +90 242 123 45 67; please quote your booking reference." in text
    assert f"GNB Turizm · Lara Cd. 1, Antalya · booking {booking.reference} · page 1 of 1" in "".join(page.text)


def test_a_cancelled_voucher_says_so_with_the_fee(frozen, catalog, settings):
    settings.GNB_FREE_CANCELLATION_HOURS = 24
    booking = place_transfer(language="en")
    cancelled_at = booking.starts_at - dt.timedelta(hours=2)
    booking_cancel(booking_id=booking.pk, actor=Actor("traveller"), by_traveller=True, now=cancelled_at)
    _data, [page] = voucher_of(booking)
    assert "Status: Cancelled" in page.text
    assert page.text[page.text.index("Cancellation fee") + 1] == "€20.00"
    local = timezone.localtime(cancelled_at)
    assert f"This booking was cancelled on {local:%a}, {local.day} {local:%b %Y, %H:%M} (Europe/Istanbul)." in page.text
    assert not any(text.startswith("Free cancellation") for text in page.text)


def test_a_large_party_runs_onto_a_second_page(frozen, catalog):
    departure = TourDeparture.objects.create(
        tour=catalog.tour, starts_at=catalog.departure.starts_at + dt.timedelta(days=1), capacity=50
    )
    party = [PassengerInput(f"Traveller{letters(n)}", "Kaya", "adult") for n in range(1, 49)]
    booking = place_tour(departure, adults=48, passengers=party, notes="Vegetarian lunch for all. " * 30)
    _data, pages = voucher_of(booking)
    assert len(pages) == 2
    names = [text for page in pages for text in page.text if text.endswith("Kaya (Adult)")]
    assert len(names) == 48
    assert f"47. Traveller{letters(47)} Kaya (Adult)" in pages[0].text
    assert "Notes" in pages[1].text
    assert f"GNB Transfer · booking {booking.reference} · page 2 of 2" in "".join(pages[1].text)


def test_traveller_text_with_emoji_and_arabic_cannot_break_the_voucher(frozen, catalog):
    booking = place_transfer(notes="Ramp please 🦽\nشكرا لكم\x07", language="en")
    # Names are refused with emoji or controls since gnb.bookings.names; rows kept from before still print.
    Booking.objects.filter(pk=booking.pk).update(lead_name="Ayşe \u202eYılmaz")
    for position, (first, last) in enumerate([("محمد", "Öztürk 🦄"), ("Zoë 👍🏽", "O'Brien (Jr.)")], start=1):
        booking.passengers.filter(position=position).update(first_name=first, last_name=last)
    data, [page] = voucher_of(booking)
    assert data.startswith(b"%PDF-")
    # Arabic letters are set right to left (unjoined: no shaping engine); characters the font lacks become "?".
    passengers = page.text.index("Passengers")
    assert page.text[passengers : passengers + 3] == [
        "Passengers",
        "1. دمحم Öztürk ? (Adult)",
        "2. Zoë ? O'Brien (Jr.) (Adult)",
    ]
    assert "محمد"[::-1] == "دمحم"
    notes = page.text.index("Notes")
    assert page.text[notes : notes + 3] == ["Notes", "Ramp please ?", "شكرا لكم"[::-1]]
    # The right-to-left override typed into the name is dropped, so it cannot turn the rest of the line round.
    assert "Lead traveller: Ayşe Yılmaz" in page.text


def test_printable_keeps_what_the_font_draws_and_replaces_the_rest():
    glyphs = frozenset(map(ord, "abc ?\u0627\u0644\u0633"))
    assert printable("abc\n\u0627\u0644\u0633 abc", glyphs) == "abc\n\u0633\u0644\u0627 abc"
    assert printable("abc\n\u0627\u0644\u0633 abc", glyphs, shaped=True) == "abc\n\u0627\u0644\u0633 abc"
    assert printable("a\U0001f984\U0001f984b\tc", glyphs) == "a?b c"
    assert printable("a\u200db\x07c", glyphs) == "abc"


def test_fonts_read_once_per_process_draw_the_same_bytes_as_fonts_read_per_voucher(frozen, catalog, monkeypatch):
    """The voucher reuses the typeface read once per process, and embeds a left-to-right voucher's glyphs from the
    smaller common font; each PDF is still byte for byte what fpdf2's own ``add_font`` draws from the whole typeface,
    whatever was drawn before (a right-to-left voucher, shaped, in between)."""
    from fpdf.fonts import TTFFont

    from gnb.notifications import vouchers

    bookings = [place_return_transfer(language) for language in ("en", "ar", "ru", "pl")]
    # A name in a script the common font lacks: that voucher is embedded from the whole typeface.
    georgian = place_return_transfer("en")
    georgian.passengers.filter(first_name="Ayşe").update(first_name="ნინო")
    bookings.append(georgian)

    def render(booking) -> tuple[bytes, tuple[str, ...]]:
        voucher = vouchers._Voucher(booking_detail(booking_id=booking.pk), booking_manage_url(booking))
        with translation.override(booking.language):
            return voucher.render(), voucher.embedded_from_common_fonts

    cached = [render(booking) for booking in bookings + bookings[:2]]
    monkeypatch.setattr(
        vouchers,
        "_font_for_document",
        lambda pdf, path, style: TTFFont(pdf, path, f"{vouchers.FONT.lower()}{style}", style),
    )
    monkeypatch.setattr(vouchers._VoucherPDF, "embed_from_common_fonts", lambda pdf: ())
    fresh = [render(booking)[0] for booking in bookings]

    assert [data for data, _ in cached] == fresh + fresh[:2]
    assert [common for _, common in cached] == [("", "B"), (), ("", "B"), ("", "B"), ("B",), ("", "B"), ()]
    assert "ნინო" in " ".join(read_pages(fresh[-1])[0].text)
    assert vouchers._parsed_font.cache_info().currsize == 2
