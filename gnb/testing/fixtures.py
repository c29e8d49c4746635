"""Fixtures every app's tests share, registered from the root ``conftest.py`` (``pytest_plugins``): the exact
catalogue, a person per role, the back office past its second factor, and a clean language, cache and static
storage for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from gnb.accounts.roles import CUSTOMER, DISPATCHER, DRIVER, MANAGER, SUPERADMIN
from gnb.testing.catalog import Catalog, make_catalog
from gnb.testing.personas import persona, staff_login
from gnb.testing.servers import SMTPRecorder, smtp_start


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Production's manifest storage only knows files after collectstatic; page tests need static URLs, not the
    # hashed files (the hashed, compressed build is checked by the deploy checks).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english_by_default():
    # A test-client request activates its Accept-Language in this thread and nothing resets it; start each test
    # in the default language so messages asserted in English do not depend on the test order.
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _english_pages_in_the_base_currency(settings):
    # English pages preselect pounds (GNB_LANGUAGE_CURRENCIES); tests price English pages in the base currency
    # unless they test that preselection (gnb/website/tests/test_locale.py sets its own mapping).
    settings.GNB_LANGUAGE_CURRENCIES = {**settings.GNB_LANGUAGE_CURRENCIES, "en": settings.BASE_CURRENCY}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tasks_run_at_once(settings):
    """The worker runs a task as soon as it is queued (after the commit), inside the test's transaction; the
    database queue and ``db_worker`` themselves are covered by the tests that run them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def catalog(db) -> Catalog:
    return make_catalog()


@pytest.fixture
def admin_client(client: Client, admin_user) -> Client:
    """pytest-django's superuser client, past the second factor the back office asks every staff member for."""
    staff_login(client, admin_user)
    return client


# --- a person per role (see gnb.accounts.roles) ----------------------------------------------------------------
@pytest.fixture
def customer(db):
    return persona(CUSTOMER, "anna")


@pytest.fixture
def manager(db):
    return persona(MANAGER, "selin")


@pytest.fixture
def dispatcher(db):
    return persona(DISPATCHER, "deniz")


@pytest.fixture
def driver(db):
    return persona(DRIVER, "mehmet")


@pytest.fixture
def superadmin(db):
    return persona(SUPERADMIN, "ayla")


# --- local stand-ins for outside services ------------------------------------------------------------------------
@pytest.fixture
def smtp_server(settings) -> Iterator[SMTPRecorder]:
    """A local SMTP server, with Django's email settings pointing at it as EMAIL_URL=smtp://127.0.0.1:PORT would."""
    recorder, controller = smtp_start(settings)
    try:
        yield recorder
    finally:
        controller.stop()
