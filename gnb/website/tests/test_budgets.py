"""Page budgets of the public website (DESIGN.md §8): SQL queries per page, and the weight of each booking-flow
page with everything it makes the browser fetch.

Weight: the HTML as the app sends it (Django does not compress it) plus every stylesheet, script, icon and image
the page references, each counted once, at the size WhiteNoise serves it in production: gzip level 9 when that
saves at least 5 % (``whitenoise.compress.Compressor``, the code ``collectstatic`` runs), else the file itself.
``bench/site.py`` measures the same pages in Chromium against gunicorn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from whitenoise.compress import Compressor

from gnb.catalog.snapshot import catalogue
from gnb.testing.website import PAGES

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10
MAX_PAGE_BYTES = 400 * 1024
MAX_SCRIPT_BYTES = 60 * 1024


# --- reaching each page -------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_makes_at_most_ten_queries(client, catalog, django_assert_max_num_queries, page):
    url = PAGES[page](client, catalog)
    # The worst case but one: the first request after the caches (pages, fragments) were emptied, in a process that
    # has read the catalogue since its last change (that read is once per change and process, not per request:
    # gnb/catalog/tests/test_snapshot.py and gnb/bookings/tests/test_quotes.py count it).
    catalogue()
    cache.clear()
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


# --- weight -------------------------------------------------------------------------------------------------
@dataclass
class _References(HTMLParser):
    """Every URL in a page that the browser fetches as it renders it (not links it may follow)."""

    urls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rel = (values.get("rel") or "").split()
        wanted: list[str | None] = []
        if tag == "link" and {"stylesheet", "icon", "preload", "modulepreload", "manifest"} & set(rel):
            wanted.append(values.get("href"))
        elif tag in {"script", "img", "iframe", "source", "audio", "video", "embed", "input"}:
            wanted += [values.get("src"), values.get("poster")]
        elif tag == "use":
            wanted.append(values.get("href") or values.get("xlink:href"))
        srcset = values.get("srcset")
        if srcset:
            wanted += [candidate.split()[0] for candidate in srcset.split(",") if candidate.strip()]
        self.urls += [url.split("#")[0] for url in wanted if url and not url.startswith("#")]


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def _static_file(url: str) -> Path:
    path = urlsplit(url).path
    assert path.startswith(settings.STATIC_URL), f"{url} is not one of the site's static files"
    found = finders.find(path.removeprefix(settings.STATIC_URL))
    assert found, f"{url} does not exist"
    return Path(found)


def _served_size(path: Path) -> int:
    """Bytes WhiteNoise sends for this file to a browser that accepts gzip (what collectstatic prepared)."""
    data = path.read_bytes()
    compressor = Compressor(use_brotli=False, quiet=True)
    if not compressor.should_compress(path.name):
        return len(data)
    compressed = compressor.compress_gzip(data)
    return len(compressed) if compressor.is_compressed_effectively("gzip", path, len(data), compressed) else len(data)


@dataclass
class Weight:
    html: int
    files: dict[str, int]  # static path → bytes served

    @property
    def total(self) -> int:
        return self.html + sum(self.files.values())

    @property
    def scripts(self) -> int:
        return sum(size for name, size in self.files.items() if name.endswith((".js", ".mjs")))


def page_weight(html: str) -> Weight:
    parser = _References()
    parser.feed(html)
    files: dict[str, int] = {}
    pending = list(parser.urls)
    while pending:
        url = pending.pop()
        path = _static_file(url)
        name = urlsplit(url).path.removeprefix(settings.STATIC_URL)
        if name in files:
            continue
        files[name] = _served_size(path)
        if path.suffix == ".css":  # fonts and images a stylesheet pulls in, relative to it
            base = url.rsplit("/", 1)[0] + "/"
            for plain, imported in CSS_URL.findall(path.read_text(encoding="utf-8")):
                reference = plain or imported
                if not reference.startswith("data:"):
                    pending.append(reference if reference.startswith("/") else base + reference)
    return Weight(len(html.encode()), files)


SITE_FILES = {"website/site.css", "website/site.js", "website/icons.svg", "website/favicon.svg"}


@pytest.mark.parametrize("page", list(PAGES))
def test_each_booking_flow_page_stays_within_its_weight_budget(client, catalog, page):
    response = client.get(PAGES[page](client, catalog))
    assert response.status_code == 200
    weight = page_weight(response.content.decode())
    # The page fetches the site's own files and nothing else (no third-party script, font or image).
    assert set(weight.files) == SITE_FILES
    assert weight.total <= MAX_PAGE_BYTES, weight
    assert weight.scripts <= MAX_SCRIPT_BYTES, weight


def test_a_tour_page_with_photos_stays_within_the_budget(client, catalog):
    from gnb.catalog.models import TourPhoto
    from gnb.catalog.photos import library

    names = [name for name in library() if name.startswith("pamukkale")]  # the heaviest drawings
    for index, name in enumerate(names):
        TourPhoto.objects.create(tour=catalog.tour, photo=name, sort_order=index, alt="Drawing")
    for url in (PAGES["tour"](client, catalog), PAGES["tours"](client, catalog)):
        response = client.get(url)
        weight = page_weight(response.content.decode())
        photos = {name for name in weight.files if name.startswith("catalog/tours/")}
        # Every width and format is counted, although a browser fetches one of each photo.
        assert photos and weight.files.keys() == SITE_FILES | photos
        assert weight.total <= MAX_PAGE_BYTES, weight


def test_the_weight_counts_what_whitenoise_serves():
    css = Path(finders.find("website/site.css"))
    served = _served_size(css)
    assert served == len(Compressor.compress_gzip(css.read_bytes())) < css.stat().st_size * 0.95
    weight = page_weight(
        '<link rel="stylesheet" href="/static/website/site.css"><script src="/static/website/site.js"></script>'
        '<svg><use href="/static/website/icons.svg#logo"></use></svg><svg><use href="/static/website/icons.svg#car">'
        "</use></svg>"
    )
    assert sorted(weight.files) == ["website/icons.svg", "website/site.css", "website/site.js"]
    assert weight.scripts == weight.files["website/site.js"] == _served_size(Path(finders.find("website/site.js")))
    with pytest.raises(AssertionError, match="is not one of the site's static files"):
        page_weight('<script src="https://www.googletagmanager.com/gtag/js"></script>')
