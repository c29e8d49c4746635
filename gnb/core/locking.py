"""Row locks taken late and in a fixed order, with a lock timeout turned into a retryable error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import OperationalError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from gnb.core.errors import Busy

M = TypeVar("M", bound=Model)


@contextmanager
def lock_timeout_as_busy() -> Iterator[None]:
    """PostgreSQL ``lock_timeout`` and SQLite "database is locked" become :class:`Busy` (nothing written)."""
    try:
        yield
    except OperationalError as exc:
        text = str(exc).lower()
        if "lock" in text and ("timeout" in text or "locked" in text):
            raise Busy(_("This is being booked by someone else right now. Please try again.")) from exc
        raise


def lock_rows(queryset: QuerySet[M]) -> list[M]:
    """Lock the rows of ``queryset`` ordered by primary key (one fixed order everywhere, so no deadlocks).

    Must run inside ``transaction.atomic``. On SQLite ``select_for_update`` is a no-op and the IMMEDIATE
    transaction already holds the database write lock.
    """
    with lock_timeout_as_busy():
        return list(queryset.select_for_update().order_by("pk"))
