"""Deployment checks of the fleet's settings (``manage.py check --deploy``), registered in ``FleetConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Warning as CheckWarning

PUSH_OFF = "gnb.W101"


def driver_push_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when drivers cannot be sent push messages (no VAPID keys): they are told of changes by email only."""
    if settings.GNB_VAPID_PUBLIC_KEY and settings.GNB_VAPID_PRIVATE_KEY:
        return []
    return [
        CheckWarning(
            "Web Push to drivers is off (GNB_VAPID_PUBLIC_KEY and GNB_VAPID_PRIVATE_KEY are not set): drivers hear "
            "of trips given, changed or taken away by email only, which they may not read on the road.",
            hint="Run manage.py generate_vapid_keys and set GNB_VAPID_PUBLIC_KEY, GNB_VAPID_PRIVATE_KEY and "
            "GNB_VAPID_SUBJECT (docs/environment.md).",
            id=PUSH_OFF,
        )
    ]
