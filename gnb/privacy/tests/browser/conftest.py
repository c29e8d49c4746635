"""The website's browser fixtures (Chromium on a phone viewport, a live site, numbered screenshots)."""

from gnb.testing.browser_fixtures import (  # noqa: F401
    browser,
    pytest_runtest_makereport,
    screenshots,
    site,
    traveller,
)
