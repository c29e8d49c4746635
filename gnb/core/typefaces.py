"""The typeface every printed document is drawn in (vouchers, manifests): DejaVu Sans, regular and bold, bundled in
``fonts/`` with its licence.

What it can draw is also what a name may be written in: a name goes on the voucher and the legal passenger list,
so the booking rules accept only letters this font has (``gnb.bookings.names``). Its coverage is read from the font
files themselves, so the two can never disagree.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = FONTS_DIR / "DejaVuSans.ttf"
BOLD = FONTS_DIR / "DejaVuSans-Bold.ttf"


@cache
def printable_code_points() -> frozenset[int]:
    """The characters both weights draw, so any printed text may be set bold or not."""
    # fontTools comes with fpdf2; imported here, it loads only where something is printed or a name is checked.
    from fontTools.ttLib import TTFont

    maps = []
    for path in (REGULAR, BOLD):
        font = TTFont(path, lazy=True)
        try:
            maps.append(frozenset(font.getBestCmap()))
        finally:
            font.close()
    return frozenset.intersection(*maps)
