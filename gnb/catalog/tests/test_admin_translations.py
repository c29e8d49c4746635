"""The catalogue back office shows which rows still lack a translation and filters them by language."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from gnb.catalog.admin import MissingTranslationFilter, missing_languages
from gnb.catalog.models import Extra, Place, Season, Tour, VehicleClass, Zone

NINE = ("en", "tr", "de", "ru", "uk", "pl", "nl", "fr", "ar")
ZONES = reverse("admin:catalog_zone_changelist")


def zone(code: str, *, without: tuple[str, ...] = ()) -> Zone:
    names = {f"name_{language}": "" if language in without else f"{code} {language}" for language in NINE}
    return Zone.objects.create(code=code, **names)


@pytest.fixture
def zones(db) -> dict[str, Zone]:
    return {
        "complete": zone("complete"),
        "no-arabic": zone("no-arabic", without=("ar",)),
        "no-russian-ukrainian": zone("no-russian-ukrainian", without=("ru", "uk")),
    }


def listed(response) -> list[str]:
    return [row.code for row in response.context["cl"].result_list]


def test_filter_missing_in_a_language_lists_exactly_the_rows_lacking_it(admin_client, zones):
    assert listed(admin_client.get(ZONES, {"missing": "ar"})) == ["no-arabic"]
    assert listed(admin_client.get(ZONES, {"missing": "uk"})) == ["no-russian-ukrainian"]
    assert listed(admin_client.get(ZONES, {"missing": "de"})) == []
    assert sorted(listed(admin_client.get(ZONES))) == ["complete", "no-arabic", "no-russian-ukrainian"]


def test_filter_offers_one_choice_per_language_by_its_name(admin_client, zones):
    with translation.override("en"):
        response = admin_client.get(ZONES)
    (spec,) = [spec for spec in response.context["cl"].filter_specs if isinstance(spec, MissingTranslationFilter)]
    assert str(spec.title) == "missing translations"
    labels = [str(label) for _value, label in spec.lookup_choices]
    assert labels == ["English", "Turkish", "German", "Russian", "Ukrainian", "Polish", "Dutch", "French", "Arabic"]
    assert [value for value, _label in spec.lookup_choices] == list(NINE)


def test_column_names_the_missing_languages_and_is_empty_when_complete(admin_client, zones):
    assert missing_languages(zones["complete"]) == []
    assert missing_languages(zones["no-arabic"]) == ["ar"]
    assert missing_languages(zones["no-russian-ukrainian"]) == ["ru", "uk"]
    html = admin_client.get(ZONES).content.decode()
    assert "Missing translations" in html
    assert '<td class="field-missing_translations">RU, UK</td>' in html
    assert '<td class="field-missing_translations">AR</td>' in html
    assert '<td class="field-missing_translations"></td>' in html


def test_a_row_missing_any_translated_field_counts_even_when_its_name_is_there(admin_client, db):
    extra = Extra.objects.create(
        code="towel",
        price="1.00",
        pricing="per_unit",
        **{f"name_{language}": "Towel" for language in NINE},
        **{f"description_{language}": "A towel" for language in NINE if language != "pl"},
    )
    assert missing_languages(extra) == ["pl"]
    changelist = reverse("admin:catalog_extra_changelist")
    assert [row.code for row in admin_client.get(changelist, {"missing": "pl"}).context["cl"].result_list] == ["towel"]
    assert list(admin_client.get(changelist, {"missing": "fr"}).context["cl"].result_list) == []


@pytest.mark.parametrize("model", [Zone, Place, VehicleClass, Season, Extra, Tour])
def test_every_catalogue_list_has_the_filter_and_the_column(admin_client, model):
    opts = model._meta
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"missing": "ar"})
    assert response.status_code == 200
    assert "missing_translations" in response.context["cl"].list_display
    assert any(isinstance(spec, MissingTranslationFilter) for spec in response.context["cl"].filter_specs)


def test_the_column_costs_no_query_per_row(admin_client, db):
    for index in range(3):
        zone(f"zone-{index}", without=("ar",))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(ZONES)
    for index in range(3, 20):
        zone(f"zone-{index}", without=("fr",))
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(ZONES)
    assert len(response.context["cl"].result_list) == 20
    assert len(many) == len(few)
