"""Draws the drivers' app icons (the site's car mark, gnb/website/static/website/favicon.svg, on the app bar's blue).

The PNGs are committed under ``static/driver/``; run ``python -m gnb.driver.icons`` after changing the drawing.
A phone shows the plain icons as they are and crops the maskable one to its own shape (a circle, a squircle), so
that one fills the whole square and keeps the car inside the middle 80 % (the "safe zone" of the manifest spec).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

FOLDER = Path(__file__).resolve().parent / "static" / "driver"
SEA = (11, 61, 92)  # #0b3d5c: the app bar (--brand of app.css) and the manifest's theme colour
SAND = (242, 165, 65)  # --c-sand-500
WHITE = (255, 255, 255)
# name → (size in pixels, maskable)
ICONS = {"icon-192.png": (192, False), "icon-512.png": (512, False), "icon-maskable-512.png": (512, True)}


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    """The car of the 32-unit favicon, drawn at ``size`` pixels (4× oversampled, then reduced, for smooth edges)."""
    scale = 4
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=SEA)
        # The favicon's 32 units shrunk into the middle 70 %: the car stays whole under any mask.
        unit, offset = big * 0.7 / 32, big * 0.15
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 7 / 32, fill=SEA)
        unit, offset = big / 32, 0.0

    def at(x: float, y: float) -> tuple[float, float]:
        return offset + x * unit, offset + y * unit

    # The body: the favicon's path M6 19 h20 l-2.5-6.5 … z as a trapezium.
    draw.polygon([at(6, 19), at(26, 19), at(23.5, 12.5), at(22.6, 11.2), at(9.4, 11.2), at(8.5, 12.5)], fill=SAND)
    for cx in (10.5, 21.5):  # the wheels
        left, top = at(cx - 2.5, 21.5 - 2.5)
        right, bottom = at(cx + 2.5, 21.5 + 2.5)
        draw.ellipse((left, top, right, bottom), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for name, (size, maskable) in ICONS.items():
        # A palette of 32 colours keeps the smoothed edges and makes the files a third of their RGBA size.
        icon = draw_icon(size, maskable=maskable).quantize(32, method=Image.Quantize.FASTOCTREE)
        icon.save(FOLDER / name, optimize=True)


if __name__ == "__main__":
    main()
