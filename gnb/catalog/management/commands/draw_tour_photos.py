"""Draw the demo tours' photo library: stylised landscapes, generated here (no photograph is copied), saved as
AVIF and WebP in two widths under ``gnb/catalog/static/catalog/tours``.

Run again after changing a drawing: ``manage.py draw_tour_photos``. The output is deterministic (seeded).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw, ImageFilter

from gnb.catalog.photos import ASPECT, LIBRARY_DIR, WIDTHS

W, H = 1920, 1280  # drawn at twice the largest width, then scaled down (smooth edges)
RGB = tuple[int, int, int]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _sky(img: Image.Image, top: RGB, bottom: RGB, horizon: int) -> None:
    draw = ImageDraw.Draw(img)
    for y in range(H):  # below the horizon the sky's last colour, behind whatever is drawn there
        draw.line([(0, y), (W, y)], fill=_mix(top, bottom, min(y / max(horizon - 1, 1), 1)))


def _sun(img: Image.Image, x: int, y: int, r: int, colour: RGB) -> None:
    glow = Image.new("RGBA", img.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(glow)
    for i in range(6, 0, -1):
        d.ellipse([x - r * i / 2, y - r * i / 2, x + r * i / 2, y + r * i / 2], fill=(*colour, 18))
    d.ellipse([x - r, y - r, x + r, y + r], fill=(*colour, 255))
    img.alpha_composite(glow.filter(ImageFilter.GaussianBlur(8)))


def _ridge(img: Image.Image, rng: random.Random, base: int, height: int, colour: RGB, roughness: float) -> None:
    points: list[tuple[float, float]] = [(0, H)]
    phase = rng.random() * 10
    for x in range(0, W + 40, 40):
        y = base - height * (0.55 + 0.45 * math.sin(x / 260 + phase)) - rng.uniform(-1, 1) * height * roughness
        points.append((x, y))
    points.append((W, H))
    ImageDraw.Draw(img).polygon(points, fill=(*colour, 255))


def _sea(img: Image.Image, top: int, near: RGB, far: RGB) -> None:
    draw = ImageDraw.Draw(img)
    for y in range(top, H):
        draw.line([(0, y), (W, y)], fill=_mix(far, near, (y - top) / (H - top)))
    for y in range(top + 20, H, 38):
        draw.line([(0, y), (W, y)], fill=(*_mix(far, (255, 255, 255), 0.25), 255), width=2)


def _pine(draw: ImageDraw.ImageDraw, x: float, y: float, size: float, colour: RGB) -> None:
    draw.rectangle([x - size * 0.06, y - size * 0.25, x + size * 0.06, y], fill=(70, 50, 35))
    for i in range(3):
        w, top = size * (0.5 - i * 0.12), y - size * (0.2 + i * 0.3)
        draw.polygon([(x - w, top), (x + w, top), (x, top - size * 0.45)], fill=colour)


def _column(draw: ImageDraw.ImageDraw, x: float, ground: float, height: float, width: float, colour: RGB) -> None:
    draw.rectangle([x - width / 2, ground - height, x + width / 2, ground], fill=colour)
    draw.rectangle([x - width * 0.8, ground - height - width * 0.35, x + width * 0.8, ground - height], fill=colour)
    shade = _mix(colour, (0, 0, 0), 0.18)
    for i in (-0.25, 0, 0.25):
        draw.line([(x + width * i, ground - height), (x + width * i, ground)], fill=shade, width=3)


def temple_by_the_sea(rng: random.Random) -> Image.Image:
    img = Image.new("RGBA", (W, H))
    _sky(img, (250, 190, 120), (255, 232, 190), 760)
    _sun(img, 1450, 560, 90, (255, 244, 214))
    _sea(img, 760, (40, 120, 150), (110, 170, 190))
    draw = ImageDraw.Draw(img)
    draw.polygon([(0, 980), (1100, 900), (1300, 1280), (0, 1280)], fill=(214, 180, 130))
    stone = (236, 220, 190)
    for i, x in enumerate(range(180, 1040, 150)):
        _column(draw, x, 980 - i * 12, 420 + (i % 2) * 20 - (120 if i == 4 else 0), 56, stone)
    draw.rectangle([140, 520, 840, 560], fill=stone)
    return img


def ancient_theatre(rng: random.Random) -> Image.Image:
    img = Image.new("RGBA", (W, H))
    _sky(img, (120, 170, 220), (220, 235, 245), 600)
    _ridge(img, rng, 640, 220, (150, 160, 150), 0.08)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 600, W, H], fill=(205, 175, 130))
    for row in range(14):
        r = 900 - row * 52
        colour = _mix((238, 214, 170), (196, 160, 115), row / 14)
        draw.pieslice([960 - r * 1.3, 1250 - r, 960 + r * 1.3, 1250 + r], 180, 360, fill=colour)
        draw.arc([960 - r * 1.3, 1250 - r, 960 + r * 1.3, 1250 + r], 180, 360, fill=(170, 135, 95), width=4)
    draw.rectangle([380, 1150, 1540, 1280], fill=(225, 200, 160))
    return img


def travertine_terraces(rng: random.Random) -> Image.Image:
    img = Image.new("RGBA", (W, H))
    _sky(img, (90, 150, 215), (200, 225, 245), 520)
    _ridge(img, rng, 560, 180, (160, 175, 190), 0.06)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 520, W, H], fill=(245, 246, 244))
    for level in range(7):
        y = 560 + level * 105
        for k in range(5 - level % 2):
            x = 120 + k * 420 + (level % 2) * 210 + rng.uniform(-30, 30)
            w = rng.uniform(300, 380)
            draw.ellipse([x, y, x + w, y + 80], fill=(100, 200, 215))
            draw.arc([x - 8, y - 6, x + w + 8, y + 92], 0, 180, fill=(255, 255, 255), width=14)
    return img


def hillside_ruins(rng: random.Random) -> Image.Image:
    img = Image.new("RGBA", (W, H))
    _sky(img, (250, 170, 130), (255, 225, 200), 700)
    _sun(img, 500, 600, 110, (255, 236, 200))
    _ridge(img, rng, 760, 260, (190, 150, 150), 0.05)
    _ridge(img, rng, 980, 180, (160, 150, 120), 0.07)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 1050, W, H], fill=(235, 235, 228))
    for x in range(900, 1700, 170):
        _column(draw, x, 1080, 300 + rng.uniform(-60, 30), 48, (240, 230, 210))
    return img


def waterfall_cliff(rng: random.Random) -> Image.Image:
    img = Image.new("RGBA", (W, H))
    _sky(img, (110, 175, 230), (215, 235, 250), 620)
    _sea(img, 900, (25, 105, 150), (70, 150, 190))
    draw = ImageDraw.Draw(img)
    draw.polygon([(0, 380), (900, 430), (980, 900), (0, 900)], fill=(176, 140, 100))
    draw.polygon([(0, 380), (900, 430), (900, 470), (0, 430)], fill=(90, 140, 70))
    for i in range(9):
        fall = 650 + i * 28
        draw.line([(fall, 440), (fall + rng.uniform(-10, 10), 910)], fill=(235, 245, 250), width=22)
    for _ in range(40):
        foam, y = rng.uniform(560, 1000), rng.uniform(880, 960)
        draw.ellipse([foam - 26, y - 18, foam + 26, y + 18], fill=(245, 250, 252))
    for x in range(60, 560, 70):
        _pine(draw, x, 430, 130, (60, 120, 60))
    return img


def harbour_old_town(rng: random.Random) -> Image.Image:
    img = Image.new("RGBA", (W, H))
    _sky(img, (240, 150, 110), (255, 215, 170), 760)
    _sun(img, 1400, 640, 80, (255, 240, 210))
    _ridge(img, rng, 720, 200, (120, 110, 150), 0.05)
    _sea(img, 760, (30, 90, 130), (200, 150, 140))
    draw = ImageDraw.Draw(img)
    palette = [(245, 225, 200), (230, 180, 140), (250, 240, 225), (215, 150, 120)]
    for i, x in enumerate(range(0, 1000, 110)):
        h = 180 + (i * 37) % 120
        draw.rectangle([x, 760 - h, x + 100, 800], fill=palette[i % 4])
        draw.polygon([(x - 8, 760 - h), (x + 108, 760 - h), (x + 50, 720 - h)], fill=(180, 80, 60))
    draw.rectangle([1040, 380, 1090, 800], fill=(240, 230, 215))  # the fluted minaret of the old town
    draw.polygon([(1030, 380), (1100, 380), (1065, 300)], fill=(150, 90, 70))
    for x in (320, 620, 1300):
        draw.polygon([(x, 900), (x + 160, 900), (x + 130, 940), (x + 30, 940)], fill=(250, 250, 250))
        draw.line([(x + 80, 900), (x + 80, 780)], fill=(80, 60, 50), width=6)
    return img


def mountain_track(rng: random.Random) -> Image.Image:
    img = Image.new("RGBA", (W, H))
    _sky(img, (100, 160, 220), (220, 235, 245), 700)
    _ridge(img, rng, 640, 420, (150, 160, 185), 0.04)
    ImageDraw.Draw(img).polygon([(780, 330), (900, 250), (1010, 330)], fill=(245, 248, 250))
    _ridge(img, rng, 860, 260, (90, 130, 90), 0.06)
    _ridge(img, rng, 1080, 160, (70, 110, 65), 0.08)
    draw = ImageDraw.Draw(img)
    draw.polygon([(700, 1280), (1300, 1280), (1020, 980), (930, 980)], fill=(200, 160, 110))
    x, y = 980, 1120  # the jeep
    draw.rounded_rectangle([x - 150, y - 90, x + 150, y + 10], 18, fill=(200, 60, 50))
    draw.rectangle([x - 90, y - 160, x + 60, y - 90], fill=(230, 230, 220))
    for wx in (x - 95, x + 95):
        draw.ellipse([wx - 42, y - 20, wx + 42, y + 64], fill=(40, 40, 40))
    for px in range(80, 700, 90):
        _pine(draw, px, 1000 + rng.uniform(0, 60), 170, (40, 95, 50))
    for px in range(1360, 1900, 90):
        _pine(draw, px, 1000 + rng.uniform(0, 60), 170, (40, 95, 50))
    return img


def river_canyon(rng: random.Random) -> Image.Image:
    img = Image.new("RGBA", (W, H))
    _sky(img, (120, 180, 225), (225, 240, 250), 500)
    draw = ImageDraw.Draw(img)
    draw.polygon([(0, 200), (700, 260), (820, 1280), (0, 1280)], fill=(170, 120, 90))
    draw.polygon([(W, 160), (1200, 240), (1100, 1280), (W, 1280)], fill=(150, 105, 80))
    draw.polygon([(700, 260), (1200, 240), (1100, 1280), (820, 1280)], fill=(190, 215, 205))
    draw.polygon([(860, 700), (1060, 700), (1100, 1280), (820, 1280)], fill=(60, 170, 180))
    for y in range(720, 1280, 60):
        draw.line([(870, y), (1060, y + 10)], fill=(150, 220, 225), width=4)
    for x in range(40, 640, 80):
        _pine(draw, x, 260 + x * 0.08, 120, (60, 110, 60))
    return img


DRAWINGS: dict[str, Callable[[random.Random], Image.Image]] = {
    "perge-aspendos-side-1": temple_by_the_sea,
    "perge-aspendos-side-2": ancient_theatre,
    "pamukkale-hierapolis-1": travertine_terraces,
    "pamukkale-hierapolis-2": hillside_ruins,
    "antalya-city-waterfalls-1": waterfall_cliff,
    "antalya-city-waterfalls-2": harbour_old_town,
    "taurus-jeep-safari-1": mountain_track,
    "taurus-jeep-safari-2": river_canyon,
}


def save(name: str, image: Image.Image, folder: Path) -> None:
    image = image.convert("RGB")
    for width in WIDTHS:
        size = (width, width * ASPECT[1] // ASPECT[0])
        scaled = image.resize(size, Image.Resampling.LANCZOS)
        scaled.save(folder / f"{name}-{width}.avif", quality=45, speed=4)
        scaled.save(folder / f"{name}-{width}.webp", quality=68, method=6)


class Command(BaseCommand):
    help = "Draw the demo tours' photo library (AVIF and WebP, two widths each)."

    def handle(self, *args, **options) -> None:
        LIBRARY_DIR.mkdir(parents=True, exist_ok=True)
        for name, drawing in DRAWINGS.items():
            save(name, drawing(random.Random(name)), LIBRARY_DIR)
            self.stdout.write(name)
