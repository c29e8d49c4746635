"""The daily retention run (registered in gnb/ops/schedule.py)."""

from __future__ import annotations

from django_tasks import task

from gnb.core import taskpriority
from gnb.privacy.services import privacy_retention_run


@task(priority=taskpriority.BULK)
def privacy_retention() -> None:
    """Anonymise travellers' data past the retention time (see :func:`gnb.privacy.services.privacy_retention_run`)."""
    privacy_retention_run()
