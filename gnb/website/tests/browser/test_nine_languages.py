"""A traveller books a transfer on a phone (390 × 844) in each of the nine languages, paying cash, and no page of the
flow shows an English string of the interface.

On every page (home, results, details, review, pay, confirmation) the text a traveller sees — the visible text, the
title, and the placeholders, labels for screen readers and button values — is compared with the English msgids of the
language's catalogue: a msgid of four letters or more whose translation differs from it must not appear as a whole
word. Names, codes and words the two languages share (a German "Transfer", a msgid that is also a word of the
translations, like "Kind") are not flagged, nor is catalogue content (place, zone, vehicle, extra and tour names) or
the brand. In English the same reading against the German catalogue must find English strings on every page, so the
check is known to see them. In Arabic the route on the review reads right to left. Each page's screenshot lands in the
test's screenshot folder.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from gnb.bookings.models import Booking
from gnb.catalog.models import Extra, Place, Tour, VehicleClass, Zone
from gnb.testing.browser import Traveller, places_search
from gnb.testing.catalog import future_local
from gnb.testing.po import translations

LANGUAGES = [code for code, _name in settings.LANGUAGES]
BROWSER_LOCALES = {"en": "en-GB", "tr": "tr-TR", "de": "de-DE", "ru": "ru-RU", "uk": "uk-UA", "pl": "pl-PL"}
BROWSER_LOCALES |= {"nl": "nl-NL", "fr": "fr-FR", "ar": "ar"}
BRAND = "GNB Transfer"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")
TAG = re.compile(r"<[^>]+>")

# Everything a traveller reads on the page: the visible text, the title, and the texts shown or read out for
# elements (placeholders, labels for screen readers, titles, image texts, the values of buttons).
SHOWN_TEXT = """() => {
    const texts = [document.title, document.body.innerText];
    const visible = e => e.getClientRects().length > 0;
    for (const e of document.body.querySelectorAll('[placeholder], [aria-label], [title], img[alt]')) {
        if (!visible(e)) continue;
        for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
            if (e.hasAttribute(name)) texts.push(e.getAttribute(name));
        }
    }
    for (const e of document.body.querySelectorAll('input[type=submit], input[type=button], input[type=reset]')) {
        texts.push(e.value);
    }
    return texts.join('\\n');
}"""


@cache
def english_patterns(language: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The catalogue's msgids of four letters or more that the language translates differently, as whole-word
    patterns (a placeholder matches any text on the same line)."""
    catalogue = translations(language)
    # The words the translators wrote: an English msgid that is also a word of the language ("Kind" is German for
    # child, "Contact" Dutch) is not English on its page. The brand is a name in every language.
    translated = PLACEHOLDER.sub("", TAG.sub("", "\n".join(catalogue.values()).replace(BRAND, "")))
    patterns = []
    for msgid, translation in catalogue.items():
        literal = PLACEHOLDER.sub("", msgid)
        if sum(character.isalpha() for character in literal) < 4 or not translation or translation == msgid:
            continue
        parts = [re.escape(part) for part in PLACEHOLDER.split(msgid)]
        pattern = re.compile(r"(?<!\w)" + r"[^\n]+?".join(parts) + r"(?!\w)")
        if not pattern.search(translated):
            patterns.append((msgid, pattern))
    return tuple(patterns)


def right_of(first: Locator, second: Locator) -> bool:
    """``first`` is drawn wholly to the right of ``second``: read before it in a right-to-left line."""
    a, b = first.bounding_box(), second.bounding_box()
    assert a is not None and b is not None
    return a["x"] >= b["x"] + b["width"] - 0.5


def catalogue_content() -> list[str]:
    """The names of the catalogue's places, zones, vehicles, extras and tours in every language, longest first:
    content, not strings of the interface."""
    names = set()
    for model in (Place, Zone, VehicleClass, Extra, Tour):
        fields = [field.attname for field in model._meta.concrete_fields if field.name.startswith("name")]
        for row in model.objects.values_list(*fields):
            names.update(name for name in row if name)
    return sorted(names | {BRAND}, key=len, reverse=True)


def english_left(page: Page, language: str, content: list[str]) -> list[str]:
    """Each English msgid found, with the line of the page that shows it (catalogue content left out)."""
    text = page.evaluate(SHOWN_TEXT)
    for name in content:
        text = text.replace(name, "·")
    left = []
    for msgid, pattern in english_patterns(language):
        if match := pattern.search(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            line_end = text.find("\n", match.end())
            left.append(f"{msgid!r} in {text[line_start : None if line_end < 0 else line_end]!r}")
    return left


def check_page(traveller: Traveller, language: str, step: str, found: dict[str, list[str]]) -> None:
    traveller.shot(step)
    if language == "en":
        # The control: read against the German catalogue, the English page shows its English strings.
        assert english_left(traveller.page, "de", catalogue_content()), f"no English msgid found on the {step} page"
    else:
        left = english_left(traveller.page, language, catalogue_content())
        if left:
            found[step] = left


def test_the_english_patterns_match_whole_words_and_fill_placeholders():
    patterns = dict(english_patterns("de"))
    assert "Transfer" not in patterns  # the same word in German
    assert "Kind" not in patterns  # a German word ("child"), though German says "Art" for a kind of thing
    assert patterns["Adults"].search("2 Adults") and not patterns["Adults"].search("Adultsx")
    assert patterns["Book now · %(total)s"].search("Book now · €60.00")
    assert not patterns["Book now · %(total)s"].search("Jetzt buchen · €60.00")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_traveller_books_a_transfer_in_their_language_and_reads_no_english(site, traveller, language):
    visitor = traveller(language, locale=BROWSER_LOCALES[language])
    page = visitor.page
    found: dict[str, list[str]] = {}
    pickup = future_local(days=20, hour=14, minute=0)

    page.goto(f"{site.url}/{language}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    check_page(visitor, language, "home", found)
    for field, text in (("origin", "Antalya Airport"), ("destination", "Regnum Carya")):
        box = page.locator(f"#id_{field}")
        box.click()
        with page.expect_response(places_search(text)):
            box.press_sequentially(text, delay=15)
        box.press("Escape")
    page.locator("#id_date").fill(pickup.date().isoformat())
    page.locator("#id_time").fill(pickup.strftime("%H:%M"))
    page.locator("#id_children").fill("1")
    check_page(visitor, language, "search", found)
    page.locator("form.search button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/{language}/transfers/\?"))
    expect(page.locator(".vehicle__name")).to_have_text(["Sedan", "Minivan", "Minibus"])
    check_page(visitor, language, "results", found)
    page.locator(".vehicle").nth(1).locator("a.button--primary").click()

    expect(page.locator("#id_email")).to_be_visible()
    # The landing given with the search is filled in; passenger 1 is the lead contact.
    expect(page.locator("#id_flight_arrival_1")).to_have_value("14:00")
    for field, value in {
        "email": "anna@example.com",
        "phone": "+90 532 123 45 67",
        "passenger_0_first_name": "Anna",
        "passenger_0_last_name": "Smith",
        "passenger_1_first_name": "John",
        "passenger_1_last_name": "Smith",
        "passenger_2_first_name": "Tom",
        "passenger_2_last_name": "Smith",
        "flight_number": "TK 2412",
    }.items():
        page.locator(f"#id_{field}").fill(value)
    page.locator("#id_extra_child_seat").select_option("1")
    check_page(visitor, language, "details", found)
    page.locator("form button[type=submit]").last.click()

    expect(page).to_have_url(re.compile(rf"/{language}/.*review"))
    facts = page.locator(".facts")
    expect(facts.locator("ul.plain li")).to_have_text(["Anna Smith", "John Smith", "Tom Smith"])
    check_page(visitor, language, "review", found)
    if language == "ar":
        # The route reads right to left: the origin is drawn right of the destination.
        route = facts.locator("dd").filter(has=page.locator(".arrow")).first
        origin, destination = route.locator("bdi").nth(0), route.locator("bdi").nth(1)
        expect(origin).to_have_text("Antalya Airport")
        assert right_of(origin, destination)
    # The payment choice is on the review page.
    expect(page.locator("input[type=radio][value=cash]")).to_be_checked()
    page.locator("form button[type=submit]").last.click()

    expect(page).to_have_url(re.compile(rf"/{language}/manage/GNB-[A-Z0-9]{{4}}-[A-Z0-9]{{4}}/[\w-]+/confirmed/$"))
    booking = Booking.objects.get()
    expect(page.locator(".reference")).to_contain_text(booking.reference)
    check_page(visitor, language, "confirmed", found)
    assert (booking.language, booking.status, booking.payment_method) == (language, "confirmed", "cash")

    assert found == {}, f"English left on the {language} pages: {found}"
    assert visitor.problems == []
