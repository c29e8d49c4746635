"""Paginators for lists over tables of millions of rows: no ``COUNT(*)`` over the whole table on every page.

A list page needs its rows and whether there is a next page, not an exact total: counting a million bookings costs
more than showing them. ``CappedCountPaginator`` counts at most ``cap`` rows (an index range, a few milliseconds);
past that the list offers ``cap / per_page`` pages and filters or search narrow it down.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet, prefetch_related_objects
from django.utils.functional import cached_property

# 50 pages of 200: a dispatcher pages through a day or a week; older bookings are found by filter or search.
DEFAULT_CAP = 10_000


def capped_count(queryset: QuerySet, cap: int) -> int:
    """How many rows, counting no further than ``cap`` (an unordered LIMIT inside the count: no sort, no full scan)."""
    return queryset.order_by()[:cap].count()


class CappedCountPaginator(Paginator):
    cap = DEFAULT_CAP

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return capped_count(self.object_list, self.cap)
        if isinstance(self.object_list, TwoRuns):
            return self.object_list.count(cap=self.cap)
        return super().count

    @property
    def count_reached_cap(self) -> bool:
        """Whether the count stopped at the cap: the list then says "10000 or more", not an exact total."""
        return self.count >= self.cap


class TwoRuns:
    """Rows ahead of a moment in ascending order, then the rows before it in descending order, as one sequence.

    The same order as ``CASE WHEN t >= now THEN 0 ELSE 1 END, CASE WHEN t >= now THEN t END, t DESC`` but read as two
    index ranges on ``t`` (each stops after one page), where the CASE expression would sort the whole table.
    """

    def __init__(self, every: QuerySet, ahead: QuerySet, past: QuerySet, *, prefetch: Sequence = ()) -> None:
        # ``every`` is ``ahead`` and ``past`` together: one count for both.
        self.every = every
        self.ahead = ahead
        self.past = past
        # Prefetched once over a page's rows from both runs (on each run, each query would run twice).
        self.prefetch = tuple(prefetch)

    def count(self, cap: int = DEFAULT_CAP) -> int:
        """How many rows, counting no further than ``cap`` (the paginator passes its own)."""
        return capped_count(self.every, cap)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            rows = self[index : index + 1]
            if not rows:
                raise IndexError(index)
            return rows[0]
        start, stop = index.start or 0, index.stop
        if stop is None or index.step not in (None, 1):
            raise TypeError("TwoRuns takes bounded slices only")
        ahead = capped_count(self.ahead, stop)
        rows = list(self.ahead[start:stop]) if start < ahead else []
        if stop > ahead:
            rows += list(self.past[max(0, start - ahead) : stop - ahead])
        prefetch_related_objects(rows, *self.prefetch)
        return rows
