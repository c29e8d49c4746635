"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

Each test gets a live site with the shared test catalogue and opens one browser context per traveller (a phone
viewport, 390 × 844). Every step's screenshot lands in ``var/test-output/browser/<test name>/<NN-step>.png``, and
each traveller records the console errors, uncaught exceptions, failed requests and error answers of its pages.
"""

from gnb.testing.browser_fixtures import (  # noqa: F401 - the fixtures of this folder
    browser,
    pytest_runtest_makereport,
    screenshots,
    site,
    traveller,
)
