import pytest


@pytest.fixture(autouse=True)
def _english_pages_in_the_base_currency(settings):
    # English pages preselect pounds (GNB_LANGUAGE_CURRENCIES); the website's tests price in the base currency
    # unless they test that preselection (test_locale.py).
    settings.GNB_LANGUAGE_CURRENCIES = {**settings.GNB_LANGUAGE_CURRENCIES, "en": settings.BASE_CURRENCY}
