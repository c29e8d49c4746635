"""A first visit follows the browser's language; a language picked in the switcher wins from then on, and prices
and dates follow the language picked."""

from __future__ import annotations

import re

from playwright.sync_api import expect

NBSP = "\xa0"
MONTHS_FR = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
FRENCH_MONTH = re.compile(rf"^({MONTHS_FR}) \d{{4}}$")


def test_a_language_picked_in_the_switcher_outlasts_the_browsers(site, traveller):
    visitor = traveller("visitor", locale="de-DE")
    page = visitor.page

    page.goto(f"{site.url}/")
    expect(page).to_have_url(f"{site.url}/de/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    visitor.shot("german-by-the-browser")

    page.goto(f"{site.url}/de/tours/perge-aspendos/")
    expect(page.locator(".breakdown td").first).to_have_text(f"45,00{NBSP}€")
    page.locator(".site-header .switcher summary").first.click()
    page.locator('.switcher__menu a[hreflang="fr"]').click()
    expect(page).to_have_url(f"{site.url}/fr/tours/perge-aspendos/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".breakdown td").first).to_have_text(f"45,00{NBSP}€")
    expect(page.locator("caption").first).to_have_text(FRENCH_MONTH)
    visitor.shot("french-picked")

    page.goto(f"{site.url}/")
    expect(page).to_have_url(f"{site.url}/fr/")
    visitor.shot("french-remembered")
