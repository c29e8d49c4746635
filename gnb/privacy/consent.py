"""The consent cookie: what a visitor allowed, under which version of the text, and the id of their decision rows.

Its value is ``<category>,v<version>,<visitor id>`` (``analytics,v1,3kT…`` or ``necessary,v1,3kT…``): the page
layout allows analytics when ``analytics`` is among the comma-separated parts (gnb/website/context_processors.py).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.conf import settings

CONSENT_COOKIE = "gnb_consent"
CONSENT_MAX_AGE = 180 * 24 * 3600  # six months: then the visitor is asked again
NECESSARY = "necessary"
ANALYTICS = "analytics"
OPTIONAL_CATEGORIES = (ANALYTICS,)
_SUBJECT = re.compile(r"[A-Za-z0-9_-]{8,32}")


@dataclass(frozen=True)
class Consent:
    categories: frozenset[str]
    version: int | None
    subject: str | None

    @property
    def current(self) -> bool:
        """Given for the consent text in force today."""
        return self.version == settings.GNB_CONSENT_VERSION

    @property
    def analytics(self) -> bool:
        return ANALYTICS in self.categories


def consent_parse(raw: str | None) -> Consent:
    """The consent a cookie value holds; anything unreadable is no consent at all."""
    categories: set[str] = set()
    version: int | None = None
    subject: str | None = None
    for part in (raw or "").split(","):
        part = part.strip()
        if part in OPTIONAL_CATEGORIES:
            categories.add(part)
        elif re.fullmatch(r"v[0-9]{1,6}", part):
            version = int(part[1:])
        elif _SUBJECT.fullmatch(part) and part != NECESSARY:
            subject = part
    return Consent(frozenset(categories), version, subject)


def consent_cookie_value(*, categories: frozenset[str] | set[str], version: int, subject: str) -> str:
    kept = sorted(set(categories) & set(OPTIONAL_CATEGORIES)) or [NECESSARY]
    return ",".join([*kept, f"v{version}", subject])


def new_subject() -> str:
    return secrets.token_urlsafe(12)


def optional_categories_offered() -> tuple[str, ...]:
    """The optional categories the settings switch on: analytics only when GA4 or Clarity is configured."""
    return (ANALYTICS,) if (settings.GA4_MEASUREMENT_ID or settings.CLARITY_PROJECT_ID) else ()
