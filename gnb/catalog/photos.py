"""The tour photo library: optimised files shipped as static files, each photo in two widths and two formats
(``<name>-480.avif``, ``<name>-960.webp`` …), so a phone downloads a small AVIF and an old browser a WebP."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from django.templatetags.static import static

LIBRARY_DIR = Path(__file__).resolve().parent / "static" / "catalog" / "tours"
WIDTHS = (480, 960)
FORMATS = ("avif", "webp")
ASPECT = (3, 2)  # every photo of the library is cut to 3:2


@functools.cache
def library() -> tuple[str, ...]:
    """The names of the photos whose every width and format is in the library folder."""
    names = {path.name.rsplit("-", 1)[0] for path in LIBRARY_DIR.glob("*.webp")}
    return tuple(
        sorted(
            name
            for name in names
            if all((LIBRARY_DIR / f"{name}-{width}.{fmt}").exists() for width in WIDTHS for fmt in FORMATS)
        )
    )


@dataclass(frozen=True)
class Picture:
    """What a ``<picture>`` element needs for one photo of the library."""

    name: str
    alt: str

    def srcset(self, fmt: str) -> str:
        return ", ".join(f"{static(f'catalog/tours/{self.name}-{width}.{fmt}')} {width}w" for width in WIDTHS)

    @property
    def avif_srcset(self) -> str:
        return self.srcset("avif")

    @property
    def webp_srcset(self) -> str:
        return self.srcset("webp")

    @property
    def src(self) -> str:
        return static(f"catalog/tours/{self.name}-{WIDTHS[0]}.webp")

    @property
    def width(self) -> int:
        return WIDTHS[0]

    @property
    def height(self) -> int:
        return WIDTHS[0] * ASPECT[1] // ASPECT[0]
