"""Weight budgets of the drivers' app (a phone on a weak signal): every page at most 60 KB transferred with all it
makes the browser fetch, and at most 20 KB of JavaScript, the service worker included.

Counted as gnb/website/tests/test_budgets.py counts the website's pages: the HTML as the app sends it, and each
stylesheet, script and icon at the size WhiteNoise serves it in production, each once. The app adds what only an
installable app fetches: the manifest and every icon it lists (the browser picks one; all are counted), and the
service worker as the view sends it.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from gnb.fleet import services
from gnb.fleet.services import Actor
from gnb.website.tests.test_budgets import _References, _served_size, _static_file

MAX_PAGE_BYTES = 60 * 1024
MAX_SCRIPT_BYTES = 20 * 1024


def weigh(client: Client, html: str) -> dict[str, int]:
    """Every file the page makes the browser fetch (static path or app path) → bytes served; the page itself
    under "page"."""
    parser = _References()
    parser.feed(html)
    files = {"page": len(html.encode())}
    for url in parser.urls:
        path = urlsplit(url).path
        if path.startswith(settings.STATIC_URL):
            files[path.removeprefix(settings.STATIC_URL)] = _served_size(_static_file(url))
            continue
        response = client.get(path)  # the manifest: the app's own view
        assert response.status_code == 200, path
        files[path] = len(response.content)
        for icon in json.loads(response.content)["icons"]:
            files[icon["src"].removeprefix(settings.STATIC_URL)] = _served_size(_static_file(icon["src"]))
    worker = client.get("/driver/sw.js")  # registered by app.js on every page
    files["/driver/sw.js"] = len(worker.content)
    return files


def scripts(files: dict[str, int]) -> int:
    return sum(size for name, size in files.items() if name.endswith(".js"))


@pytest.fixture
def started(ayse_client, day):
    """The morning trip on its way: the page with every form (steps, no-show, cash)."""
    services.trip_start(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    return ayse_client


@pytest.mark.parametrize("page", ["trips", "trip", "sign", "sign-in"])
def test_each_driver_page_stays_within_its_budget(client, started, day, page):
    url = {
        "trips": "/driver/",
        "trip": f"/driver/trips/{day.morning.pk}/",
        "sign": f"/driver/trips/{day.morning.pk}/sign/",
        "sign-in": "/driver/sign-in/",
    }[page]
    if page == "sign-in":
        started.post("/driver/sign-out/")
    response = started.get(url)
    assert response.status_code == 200
    files = weigh(started, response.content.decode())
    # Only the app's own files: no font, no third-party script.
    assert set(files) == {
        "page",
        "driver/app.css",
        "driver/app.js",
        "driver/icon-192.png",
        "driver/icon-512.png",
        "driver/icon-maskable-512.png",
        "/driver/manifest.webmanifest",
        "/driver/sw.js",
    }
    assert sum(files.values()) <= MAX_PAGE_BYTES, files
    assert scripts(files) <= MAX_SCRIPT_BYTES, files


def test_the_scripts_stay_within_the_budget_even_uncompressed(client):
    """Plain, commented source, read by the next person to change it: the page's script and the service worker
    stay within the 20 KB of JavaScript even before compression (gzip makes them about a third)."""
    source = Path(__file__).resolve().parents[1] / "static" / "driver" / "app.js"
    worker = client.get("/driver/sw.js")
    assert source.stat().st_size + len(worker.content) <= MAX_SCRIPT_BYTES
