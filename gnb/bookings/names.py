"""What a person's name may be written with: it goes on the voucher, the driver's manifest and the legal passenger
list (U-ETDS), so it must be a name as in the passport, and printable.

A name holds letters (Latin with its diacritics, Turkish İ ı Ş ş Ğ ğ, Greek, Cyrillic, Arabic), the combining marks
that go with them, and the separators real names use: spaces, hyphens (Jean-Luc), apostrophes (O'Brien, D’Angelo,
Ng’ang’a) and dots (Jr., initials). It must hold at least one letter. Emoji, digits and symbols are refused.
Scripts the voucher's font cannot draw (Chinese, Japanese, Korean, Thai, Hebrew…) are refused too, with a message
that says which alphabets to use: every passport carries the holder's name in Latin letters, so no traveller is
left without a way to give it. The font's own coverage decides (``gnb.core.typefaces``), so nothing accepted here
prints as "?" or a box.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

from gnb.core.typefaces import printable_code_points

SCRIPTS = ("LATIN", "GREEK", "CYRILLIC", "ARABIC")
# Space; hyphen-minus and the typographic hyphen; the typed, typographic and modifier-letter apostrophes; the dot.
SEPARATORS = frozenset(" -\u2010'\u2019\u02bc.")


def name_normalized(value: str) -> str:
    """``value`` as stored: composed (a typed "s" + cedilla is one "ş") and with single spaces."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def _is_name_letter(char: str) -> bool:
    category = unicodedata.category(char)
    if category[0] not in "LM" or ord(char) not in printable_code_points():
        return False
    name = unicodedata.name(char, "")
    if category[0] == "M" and name.startswith("COMBINING "):
        return True  # accents typed apart from their letter
    return name.startswith(SCRIPTS)


def name_error(value: str, *, field: str) -> str | None:
    """Why ``value`` (normalised by :func:`name_normalized`) cannot be the name of a traveller, or None.

    ``field`` names what was being filled in ("First name of passenger 2"), so the message says where to look.
    """
    refused = "".join(dict.fromkeys(char for char in value if char not in SEPARATORS and not _is_name_letter(char)))
    if refused:
        return _(
            "%(field)s: write it in letters, as in the passport (Latin, Greek, Cyrillic or Arabic alphabet); "
            "“%(characters)s” cannot go on the passenger list."
        ) % {"field": field, "characters": refused}
    if not any(unicodedata.category(char)[0] == "L" for char in value):
        return _("%(field)s: write the name in letters, as in the passport.") % {"field": field}
    return None
