"""sitemap.xml: the public pages and every active tour, in every language with hreflang alternates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from gnb.catalog.models import Tour


class LanguageSitemap(Sitemap):
    """Every page in all nine languages, each entry naming the others and an x-default.

    Django writes x-default as the path without its language prefix, which is right only when English has no prefix;
    here every language has one (``/en/``), so x-default names the English page, as the pages' own links do.
    """

    i18n = True
    alternates = True
    x_default = True

    def get_urls(self, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        urls = super().get_urls(*args, **kwargs)
        for url in urls:
            english = {a["lang_code"]: a["location"] for a in url.get("alternates", [])}.get(settings.LANGUAGE_CODE)
            for alternate in url.get("alternates", []):
                if alternate["lang_code"] == "x-default" and english:
                    alternate["location"] = english
        return urls


class PagesSitemap(LanguageSitemap):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["home", "tours", "about", "contact", "terms", "privacy", "cookies", "cancellation_policy"]

    def location(self, item: str) -> str:
        return reverse(f"website:{item}")


class ToursSitemap(LanguageSitemap):
    changefreq = "daily"

    def items(self):
        return Tour.objects.filter(is_active=True).only("slug", "updated_at").order_by("sort_order", "pk")

    def location(self, item: Tour) -> str:
        return reverse("website:tour", kwargs={"slug": item.slug})

    def lastmod(self, item: Tour):
        return item.updated_at


SITEMAPS = {"pages": PagesSitemap, "tours": ToursSitemap}
