"""Static files as production serves them: hashed names, compressed variants and far-future cache headers."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--no-input", verbosity=0)
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_pages_link_hashed_files_served_compressed_for_a_year(collected, catalog):
    client = Client()  # a new handler, so WhiteNoise indexes the files just collected
    html = client.get("/en/").content.decode()
    css_url = re.search(r'href="(/static/website/site\.[0-9a-f]{12}\.css)"', html).group(1)
    js_url = re.search(r'src="(/static/website/site\.[0-9a-f]{12}\.js)"', html).group(1)
    for url in (css_url, js_url):
        response = client.get(url, headers={"accept-encoding": "br, gzip"})
        assert response.status_code == 200
        assert response["Cache-Control"] == "max-age=315360000, public, immutable"
        assert response["Content-Encoding"] in {"br", "gzip"}
        assert response["Vary"] == "Accept-Encoding"
