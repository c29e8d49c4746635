"""The installable app's two files: the manifest (in the driver's language) and the service worker (from /driver/,
never cached without asking, its version following its content and the shell's)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils import translation
from PIL import Image, ImageChops

from gnb.driver import pwa
from gnb.driver.icons import ICONS, draw_icon

pytestmark = pytest.mark.django_db


def choose_language(client, code: str) -> None:
    response = client.post("/driver/language/", {"language": code, "next": "/driver/sign-in/"})
    assert response.status_code == 302


@pytest.mark.parametrize(("code", "direction"), [("de", "ltr"), ("ar", "rtl"), ("tr", "ltr")])
def test_the_manifest_is_in_the_language_the_driver_chose(client, code, direction):
    choose_language(client, code)
    response = client.get("/driver/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert response["Cache-Control"] == "no-cache"
    manifest = json.loads(response.content)
    with translation.override(code):
        assert manifest["name"] == translation.gettext("GNB Transfer for drivers")
        assert manifest["short_name"] == translation.gettext("GNB Driver")
    assert (manifest["lang"], manifest["dir"]) == (code, direction)
    assert {key: manifest[key] for key in ("id", "start_url", "scope", "display", "theme_color")} == {
        "id": "/driver/",
        "start_url": "/driver/",
        "scope": "/driver/",
        "display": "standalone",
        "theme_color": "#0b3d5c",
    }


def test_the_manifest_icons_exist_at_their_sizes_one_of_them_maskable(client):
    manifest = json.loads(client.get("/driver/manifest.webmanifest").content)
    seen = []
    for icon in manifest["icons"]:
        name = icon["src"].removeprefix(static(""))
        with Image.open(finders.find(name)) as image:
            width, height = image.size
        assert icon["sizes"] == f"{width}x{height}" and icon["type"] == "image/png"
        seen.append((icon["sizes"], icon["purpose"]))
    assert seen == [("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")]


def test_the_committed_icons_are_what_the_script_draws():
    for name, (size, maskable) in ICONS.items():
        drawn = draw_icon(size, maskable=maskable).quantize(32, method=Image.Quantize.FASTOCTREE).convert("RGBA")
        with Image.open(finders.find(f"driver/{name}")) as committed:
            difference = ImageChops.difference(committed.convert("RGBA"), drawn).convert("L")
        # The same picture, pixel for pixel up to rounding in the palette.
        assert sum(difference.histogram()[9:]) < size * size // 200, name


def test_the_maskable_icon_keeps_the_car_inside_the_safe_zone():
    icon = draw_icon(512, maskable=True)
    background = icon.getpixel((0, 0))
    assert background == (11, 61, 92, 255)  # the square is filled: a mask never shows a transparent corner
    # Everything that is not background lies inside the middle 80 % (a circle of radius 40 % of the size).
    for x in range(0, 512, 4):
        for y in range(0, 512, 4):
            if icon.getpixel((x, y)) != background:
                assert (x - 256) ** 2 + (y - 256) ** 2 <= (0.4 * 512) ** 2, (x, y)


def test_the_service_worker_comes_from_the_app_folder_and_is_asked_for_every_time(client):
    response = client.get("/driver/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    source = response.content.decode()
    assert re.search(r'const VERSION = "[0-9a-f]{12}";', source)
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", source).group(1))
    assert shell == [static("driver/app.css"), static("driver/app.js"), static("driver/icon-192.png")]
    private = json.loads(re.search(r"const PRIVATE = (\[.*?\]);", source).group(1))
    assert {"/driver/sign-in/", "/driver/sign-out/"} <= set(private)
    assert len(response.content) <= 6 * 1024  # the brief budget of the worker itself


def test_the_service_worker_version_follows_the_shell_files(settings, tmp_path):
    settings.DEBUG = True  # built on each request, as while developing
    folder = tmp_path / "driver"
    folder.mkdir()
    settings.STATICFILES_DIRS = [tmp_path]
    finders.get_finder.cache_clear()
    try:
        app = folder / "app.js"
        app.write_text(Path(finders.find("driver/app.js", find_all=True)[-1]).read_text())
        first = pwa._worker_source()
        assert first == pwa._worker_source()  # the same files, the same worker
        app.write_text(app.read_text() + "\n// changed\n")
        second = pwa._worker_source()
    finally:
        finders.get_finder.cache_clear()
    version = re.compile(r'const VERSION = "([0-9a-f]{12})";')
    assert version.search(first).group(1) != version.search(second).group(1)
