"""A list whose count stopped at its cap says so ("10000 or more"), in the staff's language; one under it is exact."""

from __future__ import annotations

import re

import pytest

from gnb.core.paginators import CappedCountPaginator
from gnb.testing.bookings import place_transfer


@pytest.fixture
def three_bookings(catalog) -> None:
    for _ in range(3):
        place_transfer()


def count_texts(response) -> tuple[str, str]:
    """The count beside the search box and the one under the list."""
    html = response.content.decode()
    search = html.split('<span class="small quiet">', 1)[1].split(" (", 1)[0]
    bottom = html.split('<p class="paginator">', 1)[1].split("</p>", 1)[0]
    return search.strip(), " ".join(bottom.split())


def test_a_count_at_its_cap_reads_as_a_lower_bound(admin_client, three_bookings, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 2)
    assert count_texts(admin_client.get("/admin/bookings/booking/")) == ("2 or more results", "Bookings: 2 or more")
    turkish = admin_client.get("/admin/bookings/booking/", headers={"accept-language": "tr"})
    assert count_texts(turkish) == ("2 veya daha fazla sonuç", "Rezervasyonlar: 2 veya daha fazla")


def test_a_count_under_its_cap_is_exact(admin_client, three_bookings, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "cap", 4)
    assert count_texts(admin_client.get("/admin/bookings/booking/")) == ("3 results", "3 bookings")
    # A list without a capped paginator (the audit log) keeps Django's text.
    search, bottom = count_texts(admin_client.get("/admin/core/auditentry/"))
    assert re.fullmatch(r"\d+ results?", search) and re.fullmatch(r"\d+ audit log", bottom), (search, bottom)
