"""Just enough of a PDF reader to check the vouchers fpdf2 writes: pages, their text and their filled rectangles.

It reads objects by their ``/Length``, inflates Flate streams, maps each font's glyph codes back to characters
with the font's ``ToUnicode`` table, and walks the content streams' ``Tf``, ``Tj``, ``TJ`` and ``re f`` operators.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

OBJECT = re.compile(rb"(\d+) 0 obj\s*")
FONT_REFERENCE = re.compile(rb"/(F\d+) (\d+) 0 R")
MM = 72 / 25.4  # points per millimetre


@dataclass
class PdfObject:
    dictionary: bytes
    stream: bytes | None


@dataclass
class Page:
    text: list[str] = field(default_factory=list)  # one entry per text-showing operator, in drawing order
    rects: list[tuple[float, float, float, float]] = field(default_factory=list)  # filled, in mm from top left


def _matching_dict_end(data: bytes, start: int) -> int:
    depth, index = 0, start
    while index < len(data):
        if data.startswith(b"<<", index):
            depth, index = depth + 1, index + 2
        elif data.startswith(b">>", index):
            depth, index = depth - 1, index + 2
            if depth == 0:
                return index
        elif data[index : index + 1] == b"(":
            index = _literal_string(data, index)[1]
        else:
            index += 1
    raise ValueError("unterminated dictionary")


def _literal_string(data: bytes, start: int) -> tuple[bytes, int]:
    """The bytes of the ``(...)`` string at ``start`` and the index after it (escapes and nesting handled)."""
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
    out, depth, index = bytearray(), 1, start + 1
    while True:
        char = data[index]
        if char == ord("\\"):
            following = data[index + 1]
            if following in escapes:
                out += escapes[following]
                index += 2
            elif chr(following).isdigit():
                digits = re.match(rb"[0-7]{1,3}", data[index + 1 : index + 4])
                assert digits is not None
                out.append(int(digits.group(), 8))
                index += 1 + len(digits.group())
            else:
                out.append(following)
                index += 2
            continue
        if char == ord("("):
            depth += 1
        elif char == ord(")"):
            depth -= 1
            if depth == 0:
                return bytes(out), index + 1
        out.append(char)
        index += 1


def read_objects(data: bytes) -> dict[int, PdfObject]:
    objects: dict[int, PdfObject] = {}
    position = 0
    while match := OBJECT.search(data, position):
        number, index = int(match.group(1)), match.end()
        if not data.startswith(b"<<", index):
            position = index
            continue
        end = _matching_dict_end(data, index)
        dictionary = data[index:end]
        stream = None
        after = re.match(rb"\s*stream\r?\n", data[end : end + 20])
        if after:
            length = int(re.search(rb"/Length (\d+)", dictionary).group(1))  # type: ignore[union-attr]
            start = end + after.end()
            stream = data[start : start + length]
            if b"/FlateDecode" in dictionary:
                stream = zlib.decompress(stream)
            end = start + length
        objects[number] = PdfObject(dictionary, stream)
        position = end
    return objects


def _to_unicode(cmap: bytes) -> dict[int, str]:
    table: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int(text, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                table[code] = chr(first + offset)
    return table


def read_pages(data: bytes) -> list[Page]:
    """Every page of the PDF with its text and filled rectangles."""
    objects = read_objects(data)
    fonts: dict[str, dict[int, str]] = {}
    for obj in objects.values():
        for name, number in FONT_REFERENCE.findall(obj.dictionary):
            target = objects.get(int(number))
            if target is not None:
                to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", target.dictionary)
                if to_unicode:
                    fonts[name.decode()] = _to_unicode(objects[int(to_unicode.group(1))].stream or b"")
    # fpdf2 gives the page size once, on the page tree.
    media_box = next(
        re.search(rb"/MediaBox \[0 0 [\d.]+ ([\d.]+)\]", obj.dictionary)
        for obj in objects.values()
        if b"/MediaBox" in obj.dictionary
    )
    assert media_box is not None
    height = float(media_box.group(1))
    pages = []
    for obj in objects.values():
        if not re.search(rb"/Type /Page\b(?!s)", obj.dictionary):
            continue
        contents = re.search(rb"/Contents (\d+) 0 R", obj.dictionary)
        assert contents is not None
        pages.append(_read_content(objects[int(contents.group(1))].stream or b"", fonts, height))
    return pages


def _read_content(content: bytes, fonts: dict[str, dict[int, str]], height: float) -> Page:
    page = Page()
    font: dict[int, str] = {}
    token = re.compile(
        rb"/(F\d+) [\d.]+ Tf"
        rb"|(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re\s+f\b"
        rb"|(\()"
        rb"|(\[)"
    )
    index = 0
    while match := token.search(content, index):
        if match.group(1):
            font = fonts[match.group(1).decode()]
            index = match.end()
        elif match.group(2):
            x, y, w, h = (float(match.group(n)) for n in range(2, 6))
            page.rects.append((x / MM, (height - y) / MM, w / MM, -h / MM))
            index = match.end()
        else:
            strings, index = _strings_until_show(content, match.start())
            page.text.append("".join(_decode(raw, font) for raw in strings))
    return page


def _strings_until_show(content: bytes, start: int) -> tuple[list[bytes], int]:
    """The strings of one ``(..) Tj`` or ``[(..) n (..)] TJ`` starting at ``start``."""
    strings, index = [], start
    in_array = content[start : start + 1] == b"["
    index += 1 if in_array else 0
    while True:
        if content[index : index + 1] == b"(":
            raw, index = _literal_string(content, index)
            strings.append(raw)
            if not in_array:
                return strings, index
        elif in_array and content[index : index + 1] == b"]":
            return strings, index + 1
        else:
            index += 1


def _decode(raw: bytes, font: dict[int, str]) -> str:
    return "".join(font.get(int.from_bytes(raw[i : i + 2], "big"), "\ufffd") for i in range(0, len(raw), 2))
