"""sitemap.xml: the public pages and every active tour, in every language with hreflang alternates."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from gnb.catalog.models import Tour


class PagesSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "weekly"

    def items(self) -> list[str]:
        return ["home", "tours", "about", "contact", "terms", "privacy", "cancellation_policy"]

    def location(self, item: str) -> str:
        return reverse(f"website:{item}")


class ToursSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "daily"

    def items(self):
        return Tour.objects.filter(is_active=True).only("slug", "updated_at").order_by("sort_order", "pk")

    def location(self, item: Tour) -> str:
        return reverse("website:tour", kwargs={"slug": item.slug})

    def lastmod(self, item: Tour):
        return item.updated_at


SITEMAPS = {"pages": PagesSitemap, "tours": ToursSitemap}
