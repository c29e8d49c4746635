"""A minimal reader of the gettext catalogues (``locale/<language>/LC_MESSAGES/django.po``) for the tests: entries
with their context, plural forms, flags and obsolete mark, the header's fields, and each language's msgid → translation
map."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings


def po_file(language: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def __str__(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def _string(text: str, line: int) -> str:
    """A quoted PO string; its escapes (\\n, \\t, \\", \\\\) are Python's."""
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise ValueError(f"django.po line {line}: expected a quoted string, got {text!r}")
    return ast.literal_eval(text)


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr / msgstr[n] (strings over several lines
    joined), the ``#,`` flags, and whether an entry is obsolete (``#~``)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    flags: set[str] = set()
    key: tuple[str, int] | None = None  # the keyword a continuation line adds to

    def finish() -> None:
        nonlocal entry, key
        if entry is not None:
            entries.append(entry)
        entry, key = None, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # the previous msgid of an obsolete entry
                continue
        elif line.startswith("#"):
            if entry is not None and entry.msgstr:
                finish()
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if not line:
            finish()
            continue
        if line.startswith('"'):
            if entry is None or key is None:
                raise ValueError(f"django.po line {number}: a string that continues nothing")
            name, index = key
            value = _string(line, number)
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
            continue
        keyword, _space, rest = line.partition(" ")
        # A msgctxt or msgid after a complete entry (no blank line between them) starts the next one.
        if entry is not None and keyword in ("msgctxt", "msgid") and (entry.msgstr or entry.msgid is not None):
            finish()
        if entry is None:
            entry, flags = Entry(line=number, flags=flags), set()
        entry.obsolete = entry.obsolete or obsolete
        value = _string(rest.strip(), number)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, value)
            key = (keyword, 0)
        elif keyword == "msgstr":
            entry.msgstr[0] = value
            key = ("msgstr", 0)
        elif match := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
            index = int(match.group(1))
            entry.msgstr[index] = value
            key = ("msgstr", index)
        else:
            raise ValueError(f"django.po line {number}: unknown keyword {keyword!r}")
    finish()
    return entries


def po_header(entries: list[Entry]) -> dict[str, str]:
    [header] = [entry for entry in entries if entry.is_header]
    fields = (line.partition(":") for line in header.msgstr[0].splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, _colon, value in fields}


def translations(language: str) -> dict[str, str]:
    """Each singular msgid of ``language``'s catalogue (the English source) with its translation; plural entries give
    both English forms with the translation's first and last form."""
    found: dict[str, str] = {}
    for entry in parse_po(po_file(language).read_text(encoding="utf-8")):
        if entry.is_header or entry.obsolete or not entry.msgid:
            continue
        if entry.msgid_plural is None:
            found.setdefault(entry.msgid, entry.msgstr.get(0, ""))
        else:
            forms = [entry.msgstr[index] for index in sorted(entry.msgstr)]
            found.setdefault(entry.msgid, forms[0] if forms else "")
            found.setdefault(entry.msgid_plural, forms[-1] if forms else "")
    return found
