"""The bookings list's search: the same bookings whichever way the matches are read, in the list's own order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from gnb.bookings import search
from gnb.bookings.admin import BookingAdmin
from gnb.bookings.models import Booking
from gnb.testing.bookings import place_sedan_transfer as place_transfer

CHANGELIST = "/admin/bookings/booking/"
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram indexes: PostgreSQL")


def place_past_transfer(days_ago: int, **kwargs) -> Booking:
    return place_transfer(days=-days_ago, now=timezone.now() - dt.timedelta(days=days_ago + 2), **kwargs)


@pytest.fixture
def kayas(catalog):
    """Five bookings of the Kaya family (two picked up already), one of Ece Kayalar, two of others."""
    ahead = [
        place_transfer(days=days, last_names=("Kaya", "Demir"), lead="Ali Kaya", email=f"ali{days}@example.com")
        for days in (9, 3, 6)
    ]
    past = [place_past_transfer(days, last_names=("Kaya", "Kaya"), lead="Ayşe Kaya") for days in (2, 8)]
    kayalar = place_transfer(days=12, last_names=("Kayalar", "Kayalar"), lead="Ece Kayalar", email="ECE@Example.NET")
    others = [place_transfer(days=4), place_past_transfer(1)]
    return ahead, past, kayalar, others


def listed(client, **query) -> tuple[list[str], int]:
    response = client.get(CHANGELIST, query)
    assert response.status_code == 200
    return [booking.reference for booking in response.context["cl"].result_list], response.context["cl"].result_count


def in_list_order(ahead: list[Booking], past: list[Booking]) -> list[Booking]:
    """The list's default order: rides ahead by pickup, then rides past, the latest first."""
    return sorted(ahead, key=lambda b: b.starts_at) + sorted(past, key=lambda b: b.starts_at, reverse=True)


def references(bookings) -> list[str]:
    return [booking.reference for booking in bookings]


def test_a_surname_on_more_bookings_than_a_page_pages_in_pickup_order(admin_client, kayas, monkeypatch):
    ahead, past, kayalar, _others = kayas
    monkeypatch.setattr(BookingAdmin, "list_per_page", 2)
    by_pickup = in_list_order([*ahead, kayalar], past)
    # "Kaya" is also the start of "Kayalar": a part of a word finds it, as it always did.
    assert listed(admin_client, q="kaya") == (references(by_pickup[:2]), 6)
    assert listed(admin_client, q="kaya", p=2) == (references(by_pickup[2:4]), 6)
    assert listed(admin_client, q="kaya", p=3) == (references(by_pickup[4:]), 6)
    # Every word must be found: "Kaya" and the first name of one lead.
    assert listed(admin_client, q="KAYA ayşe") == (references(in_list_order([], past)), 2)


def test_an_email_is_found_in_any_case(admin_client, kayas):
    _ahead, _past, kayalar, _others = kayas
    assert listed(admin_client, q="ece@example.net") == ([kayalar.reference], 1)
    assert listed(admin_client, q="Ali3@EXAMPLE.com") == ([kayas[0][1].reference], 1)


@on_postgres
@pytest.mark.parametrize("gathered", [True, False], ids=["ids gathered", "too common: a subquery"])
def test_the_trigram_search_finds_what_the_orm_finds(admin_client, kayas, monkeypatch, gathered):
    """The trigram queries against the definition (each field ``icontains`` each word, as on SQLite), both ways."""
    if not gathered:
        monkeypatch.setattr(search, "MOST_MATCHES_GATHERED", 1)
    terms = ["kaya", "Kayalar", "DEMIR", "ali3@example", "+44 7911", "7911", "tk2412", "Regnum", "GNB-", "ece ali", "%"]
    for term in terms:
        expected = Booking.objects.all()
        for word in term.split():
            expected = expected.filter(search._orm_condition(word))
        found = search.bookings_matching(Booking.objects.all(), term)
        assert set(found) == set(expected), term
    assert set(search.bookings_matching(Booking.objects.all(), "kaya")) == {*kayas[0], *kayas[1], kayas[2]}
    ahead, past, kayalar, _others = kayas
    by_pickup = in_list_order([*ahead, kayalar], past)
    assert listed(admin_client, q="kaya")[0] == references(by_pickup)


@on_postgres
def test_the_trigram_indexes_are_written_through_with_no_pending_list_to_read(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname LIKE %s", ["%\\_trgm"])
        options = dict(cursor.fetchall())
    searched = ["reference", "lead_name", "lead_email", "lead_phone"]
    names = [f"booking_{field}_trgm" for field in searched]
    names += [
        "passenger_first_name_trgm",
        "passenger_last_name_trgm",
        "leg_flight_number_trgm",
        "leg_pickup_point_trgm",
    ]
    assert {name: options.get(name) for name in names} == {name: ["fastupdate=off"] for name in names}
