"""The drivers' app's browser fixtures (Chromium, a live site with the test catalogue, numbered screenshots)."""

from gnb.testing.browser_fixtures import (  # noqa: F401
    browser,
    pytest_runtest_makereport,
    screenshots,
    site,
    traveller,
)
