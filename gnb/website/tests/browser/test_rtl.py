"""The Arabic site reads right to left: the document says so and the layout follows (the brand on the right)."""

from __future__ import annotations

from playwright.sync_api import expect

from gnb.testing.browser import PHONE


def _header_boxes(page) -> tuple[dict, dict]:
    brand = page.locator(".site-header .brand").bounding_box()
    language = page.locator(".site-header .switcher summary").first.bounding_box()
    assert brand is not None and language is not None
    return brand, language


def test_arabic_pages_are_right_to_left_with_the_brand_on_the_right(site, traveller):
    visitor = traveller("visitor", locale="ar")
    page = visitor.page

    page.goto(f"{site.url}/en/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    brand, language = _header_boxes(page)
    assert brand["x"] + brand["width"] <= language["x"]  # English: brand left, switchers right
    assert brand["x"] < 32
    visitor.shot("english")

    page.goto(f"{site.url}/ar/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    expect(page.locator(".site-header .switcher summary").first).to_have_text("اللغة: AR")  # visible code, spoken label
    brand, language = _header_boxes(page)
    # Mirrored: the brand sits against the right edge, the language switcher to its left.
    assert language["x"] + language["width"] <= brand["x"]
    assert PHONE["width"] - (brand["x"] + brand["width"]) < 32
    # The search form's labels start on the right too.
    origin = page.locator("label[for=id_origin]").bounding_box()
    field = page.locator("#id_origin").bounding_box()
    assert origin is not None and field is not None
    assert abs((origin["x"] + origin["width"]) - (field["x"] + field["width"])) < 2
    visitor.shot("arabic")
    assert visitor.problems == []
