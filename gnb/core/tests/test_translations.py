"""The catalogues of every language the site offers: each holds exactly the strings of the sources, every one
translated, the committed .mo compiled from the .po, and used.

Read with Python alone (no gettext tools), except the check that the catalogues hold the sources' strings, which
extracts them with Django's makemessages (gettext's xgettext) into a temporary folder. After changing a
translatable string or a translation, ``make messages`` updates ``locale/*/LC_MESSAGES/django.po`` from the
sources and compiles ``django.mo``.
"""

from __future__ import annotations

import gettext
import re
import shutil
import struct
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.core.management.commands import makemessages
from django.template import Context, Template
from django.utils import translation
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from gnb.bookings.models import Booking
from gnb.bookings.orders import Contact, FlightInput, PassengerInput, TransferOrder
from gnb.bookings.quotes import TransferQuoteRequest
from gnb.bookings.services import booking_place_transfer
from gnb.core.errors import ValidationFailed
from gnb.testing.catalog import future_local
from gnb.testing.po import Entry, parse_po, po_file, po_header

# Every language the site offers but English, the language of the sources.
COMPLETE_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES if code != "en")


def mo_file(language: str) -> Path:
    return po_file(language).with_suffix(".mo")


HOW_TO_FIX = "run `make messages` to update the catalogue from the sources and compile it"


@pytest.fixture(scope="module", params=COMPLETE_LANGUAGES)
def language(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def catalogue(language: str) -> list[Entry]:
    return parse_po(po_file(language).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def translatable(catalogue: list[Entry]) -> list[Entry]:
    """The translatable entries: everything but the header and obsolete leftovers."""
    return [entry for entry in catalogue if not entry.is_header and not entry.obsolete]


def test_the_po_reader_handles_context_plurals_flags_and_continued_strings():
    text = "\n".join(
        [
            'msgid ""',
            'msgstr ""',
            '"Language: tr\\n"',
            "",
            "#: somewhere.py:1",
            "#, fuzzy, python-format",
            '#| msgid "Old %(name)s"',
            'msgctxt "greeting"',
            'msgid ""',
            '"Hello "',
            '"%(name)s"',
            'msgstr "Merhaba \\"%(name)s\\"\\n"',
            'msgid "%(count)s seat"',
            'msgid_plural "%(count)s seats"',
            'msgstr[0] "%(count)s koltuk"',
            'msgstr[1] ""',
            '"%(count)s koltuk"',
            "",
            '#~ msgid "Gone"',
            '#~ msgstr "Gitti"',
        ]
    )
    header, greeting, seats, gone = parse_po(text)
    assert header.is_header and po_header([header]) == {"Language": "tr"}
    assert (greeting.msgctxt, greeting.msgid, greeting.msgstr) == (
        "greeting",
        "Hello %(name)s",
        {0: 'Merhaba "%(name)s"\n'},
    )
    assert greeting.flags == {"fuzzy", "python-format"} and greeting.fuzzy
    assert (seats.msgid_plural, seats.msgstr) == ("%(count)s seats", {0: "%(count)s koltuk", 1: "%(count)s koltuk"})
    assert not seats.flags and not seats.fuzzy
    assert (gone.msgid, gone.msgstr, gone.obsolete) == ("Gone", {0: "Gitti"}, True)


# --- the catalogue is complete ----------------------------------------------------------------------------
def test_every_entry_is_translated_and_none_is_fuzzy(language, catalogue, translatable):
    header = po_header(catalogue)
    assert header["Language"] == language
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    plural_forms = int(re.search(r"nplurals=(\d+)", header["Plural-Forms"]).group(1))
    assert len(translatable) > 600, f"the {language} catalogue lost most of its entries; " + HOW_TO_FIX

    untranslated = [
        str(entry)
        for entry in translatable
        if not entry.msgstr
        or not all(entry.msgstr.values())
        or (entry.msgid_plural is not None and sorted(entry.msgstr) != list(range(plural_forms)))
    ]
    fuzzy = [str(entry) for entry in translatable if entry.fuzzy]
    po = po_file(language)
    assert not untranslated, f"Translations missing in {po}:\n" + "\n".join(untranslated)
    assert not fuzzy, f"Fuzzy translations to check (then remove the flag) in {po}:\n" + "\n".join(fuzzy)


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]")


def test_translations_keep_every_placeholder_of_their_source(translatable):
    broken = []
    for entry in translatable:
        if "python-format" not in entry.flags:
            continue
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural is not None else [entry.msgid]
        expected = sorted(set(PLACEHOLDER.findall("".join(sources))))
        for index, translated in entry.msgstr.items():
            if sorted(set(PLACEHOLDER.findall(translated))) != expected:
                broken.append(f"{entry} msgstr[{index}] = {translated!r}")
    assert not broken, "Translations whose placeholders differ from the source's:\n" + "\n".join(broken)


# --- the catalogues hold the sources' strings -----------------------------------------------------------------
# As `make messages` reads the sources (the same folders left out).
IGNORED = [".venv/*", ".tools/*", "bench/*", "var/*", "node_modules/*"]


class _ExtractInto(makemessages.Command):
    """makemessages writing into one folder of our choosing, never into the project's own ``locale``."""

    target: Path

    def find_files(self, root):
        files = super().find_files(root)
        self.locale_paths = [str(self.target)]
        for found in files:
            found.locale_dir = str(self.target)
        return files


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> set[tuple[str | None, str]]:
    """(msgctxt, msgid) of every translatable string in the sources, extracted now."""
    if shutil.which("xgettext") is None:  # pragma: no cover - the machine's gettext package is part of the setup
        pytest.fail("xgettext is missing: install gettext (the Debian package), as the Makefile and the Dockerfile do")
    target = tmp_path_factory.mktemp("messages")
    command = _ExtractInto()
    command.target = target
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(settings.BASE_DIR)
        command.run_from_argv(
            ["manage.py", "makemessages", "--locale", "en", "--keep-pot", "--no-obsolete", "--verbosity", "0"]
            + [f"--ignore={pattern}" for pattern in IGNORED]
        )
    entries = parse_po((target / "django.pot").read_text(encoding="utf-8"))
    return {(entry.msgctxt, entry.msgid) for entry in entries if not entry.is_header and entry.msgid is not None}


def test_every_catalogue_holds_exactly_the_strings_of_the_sources(language, translatable, source_messages):
    held = {(entry.msgctxt, entry.msgid) for entry in translatable}
    missing = sorted(source_messages - held, key=str)
    stale = sorted(held - source_messages, key=str)
    po = po_file(language)
    assert not missing, f"{po} misses strings of the sources ({HOW_TO_FIX}, then translate them):\n" + "\n".join(
        map(repr, missing)
    )
    assert not stale, f"{po} holds strings the sources no longer have ({HOW_TO_FIX}):\n" + "\n".join(map(repr, stale))


# --- the committed .mo is the compiled .po ----------------------------------------------------------------
MISSING = "<not in the compiled catalogue>"


class _Missing(gettext.NullTranslations):
    """The fallback of the compiled catalogue: says so when a message is not in it (even one translated as itself)."""

    def gettext(self, message):
        return MISSING

    def ngettext(self, msgid1, msgid2, n):
        return MISSING

    def pgettext(self, context, message):
        return MISSING

    def npgettext(self, context, msgid1, msgid2, n):
        return MISSING


def _compiled(language: str) -> gettext.GNUTranslations:
    with mo_file(language).open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    compiled.add_fallback(_Missing())
    return compiled


def _mo_message_count(language: str) -> int:
    """The number of messages the .mo holds (its header included), from the file's own header."""
    head = mo_file(language).read_bytes()[:12]
    order = "<" if struct.unpack("<I", head[:4])[0] == 0x950412DE else ">"
    _magic, _revision, count = struct.unpack(order + "3I", head)
    return count


def test_the_committed_mo_file_is_compiled_from_the_po_file(language, catalogue, translatable):
    compiled = _compiled(language)
    po, mo = po_file(language), mo_file(language)
    plural_index = gettext.c2py(po_header(catalogue)["Plural-Forms"].partition("plural=")[2].rstrip(";"))
    stale = []
    for entry in translatable:
        assert entry.msgid is not None
        checks: list[tuple[str, str]] = []
        if entry.msgid_plural is None:
            got = (
                compiled.gettext(entry.msgid)
                if entry.msgctxt is None
                else compiled.pgettext(entry.msgctxt, entry.msgid)
            )
            checks.append((got, entry.msgstr.get(0, "")))
        else:
            for n in (0, 1, 2, 5, 11, 100):
                got = (
                    compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt is None
                    else compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                )
                checks.append((got, entry.msgstr.get(plural_index(n), "")))
        stale += [f"{entry}: compiled {got!r}, django.po has {want!r}" for got, want in checks if got != want]
    assert not stale, f"{mo} is not compiled from {po}; {HOW_TO_FIX}.\n" + "\n".join(stale)
    translated = [entry for entry in translatable if not entry.fuzzy and entry.msgstr and all(entry.msgstr.values())]
    assert _mo_message_count(language) == len(translated) + 1, f"{mo} holds messages {po} no longer has; {HOW_TO_FIX}."
    assert compiled.info()["plural-forms"] == po_header(catalogue)["Plural-Forms"]


# --- Django speaks Turkish with it ------------------------------------------------------------------------
# The dashboard's plural, rendered by Django (kept out of the sources makemessages reads: it is a template string).
TRANSFERS = Template(
    "{% load i18n %}{% blocktranslate count counter=legs %}{{ counter }} transfer{% plural %}"
    "{{ counter }} transfers{% endblocktranslate %}"
)


# Names a language writes as English does.
SAME_WORD_IN_LANGUAGE = {
    ("Accounts", "nl"),
    ("Catalogue", "fr"),
    ("Notifications", "fr"),
    ("zone", "fr"),
    ("zones", "fr"),
    ("traceback", "nl"),
}


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_every_section_and_list_of_the_back_office_is_named_in_the_staffs_language(language):
    untranslated = []
    for model in admin.site._registry:
        app = apps.get_app_config(model._meta.app_label)
        label = model._meta.label
        names = [(app.label, app, "verbose_name")]
        names += [(label, model._meta, attribute) for attribute in ("verbose_name", "verbose_name_plural")]
        for where, owner, attribute in names:
            with translation.override("en"):
                english = str(getattr(owner, attribute))
            with translation.override(language):
                shown = str(getattr(owner, attribute))
            if shown == english and (english, language) not in SAME_WORD_IN_LANGUAGE:
                untranslated.append(f"{where}.{attribute}: {english!r}")
    assert untranslated == []


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_the_task_queue_pages_speak_the_staffs_language(language):
    """django_tasks_db names its fields and statuses through gettext and ships no translations: ours serve them
    (gnb.ops.apps.LIBRARY_WORDS)."""
    words = [field.verbose_name for field in DBTaskResult._meta.fields if field.name != "id"]
    words += [label for _value, label in TaskResultStatus.choices]
    untranslated = []
    for word in words:
        with translation.override("en"):
            english = str(word)
        with translation.override(language):
            shown = str(word)
        if shown == english and (english, language) not in SAME_WORD_IN_LANGUAGE:
            untranslated.append(english)
    assert untranslated == []


@pytest.mark.parametrize("language", COMPLETE_LANGUAGES)
def test_the_task_queue_list_and_detail_label_every_column_in_the_staffs_language(language, rf):
    """django_tasks_db's admin names the task's name, its traceback and when it may run in plain English text;
    ours (gnb/ops/admin.py) names them through the catalogues."""
    model_admin = admin.site._registry[DBTaskResult]
    names = [*model_admin.list_display, *model_admin.get_fields(rf.get("/"))]
    untranslated = []
    for name in dict.fromkeys(name for name in names if name != "id"):
        with translation.override("en"):
            english = str(label_for_field(name, DBTaskResult, model_admin))
        with translation.override(language):
            shown = str(label_for_field(name, DBTaskResult, model_admin))
        if shown == english and (english, language) not in SAME_WORD_IN_LANGUAGE:
            untranslated.append(english)
    assert untranslated == []


def test_statuses_and_labels_read_in_turkish():
    with translation.override("tr"):
        assert str(Booking.Status.CONFIRMED.label) == "Onaylandı"
        assert str(Booking.Status.NO_SHOW.label) == "Gelmedi"
        assert str(Booking.PaymentMethod.CASH.label) == "Sürücüye nakit"
        assert str(Booking._meta.verbose_name_plural) == "rezervasyonlar"
        assert [TRANSFERS.render(Context({"legs": legs})) for legs in (1, 2, 5)] == [
            "1 transfer",
            "2 transfer",
            "5 transfer",
        ]
    assert str(Booking.Status.CONFIRMED.label) == "Confirmed"
    assert TRANSFERS.render(Context({"legs": 2})) == "2 transfers"


def test_a_refused_booking_explains_itself_in_turkish(catalog):
    request = TransferQuoteRequest(origin="ayt", destination="regnum-carya", pickup_at=future_local(), adults=1)
    with translation.override("tr"), pytest.raises(ValidationFailed) as excinfo:
        booking_place_transfer(
            order=TransferOrder(
                quote_request=request,
                vehicle_class="sedan",
                contact=Contact(name=" ", email="not-an-email", phone="12"),
                passengers=[PassengerInput("Ayşe", "", "adult")],
                flight=FlightInput("TK 2412", request.pickup_at),
                language="tr",
            )
        )
    assert excinfo.value.errors == [
        ("contact.name", "Lütfen rezervasyon sahibinin adını girin."),
        ("contact.email", "Geçerli bir e-posta adresi girin."),
        ("contact.phone", "Telefon numarasını ülke koduyla birlikte girin, ör. +90 532 123 45 67."),
        ("passengers.0.last_name", "Her yolcunun adı ve soyadı gereklidir."),
    ]


def test_an_api_client_asking_for_turkish_gets_turkish_errors(client, catalog):
    response = client.post(
        "/api/v1/tour-quotes",
        data={"departure_id": catalog.departure.pk, "adults": 1, "infants": 2},
        content_type="application/json",
        headers={"Accept-Language": "tr"},
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"] == [
        {"field": "infants", "message": "Her bebek bir yetişkinle birlikte seyahat etmelidir."}
    ]
