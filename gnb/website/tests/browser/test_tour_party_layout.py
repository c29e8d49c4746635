"""The tour page's three party inputs stay on one line at 390 px when a label wraps (German, Russian, Ukrainian
write "Children (2–11)" longer than fits a third of a phone)."""

from __future__ import annotations

import pytest

LANGUAGES = ["en", "de", "ru", "uk", "ar"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_party_inputs_line_up_whatever_the_labels_length(site, traveller, language):
    visitor = traveller(f"party-{language}")
    page = visitor.page
    page.goto(f"{site.url}/{language}/tours/perge-aspendos/")
    fields = page.locator("form.party .grid .field")
    labels = [fields.nth(index).locator("label").bounding_box() for index in range(3)]
    inputs = [fields.nth(index).locator("input").bounding_box() for index in range(3)]
    assert all(labels) and all(inputs)
    visitor.shot("party")
    # Whatever wraps, each input starts where its neighbours start and is as tall.
    assert len({round(box["y"]) for box in inputs}) == 1, (language, inputs)  # type: ignore[index]
    assert len({round(box["height"]) for box in inputs}) == 1, (language, inputs)  # type: ignore[index]
