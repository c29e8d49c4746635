"""Races closed by row locks, proven by running them: many threads, one barrier, exact counts (PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection

from gnb.bookings import services
from gnb.bookings.models import Booking, CouponRedemption, IdempotencyKey
from gnb.bookings.services import Contact, booking_place_idempotent, request_fingerprint, seats_taken
from gnb.core.errors import Conflict, SoldOut, ValidationFailed
from gnb.ops import metrics
from gnb.testing import races
from gnb.testing.bookings import letters, passengers_for, place_tour, place_transfer, transfer_request

THREADS = 40

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL"),
]


def race(attempt: Callable[[int], Booking]) -> list[tuple[str, object]]:
    """Run ``attempt(i)`` in THREADS threads released together; return each one's outcome."""
    return races.race([partial(attempt, number) for number in range(THREADS)], outcome=placed)


def placed(error: BaseException | None, booking) -> tuple[str, object]:
    if error is None:
        return ("booked", booking.pk)
    if isinstance(error, SoldOut):
        return ("sold_out", error.message)
    if isinstance(error, ValidationFailed):
        return ("refused", error.errors)
    if isinstance(error, Conflict):
        return ("conflict", error.message)
    return ("error", repr(error))  # anything else fails the test with its repr


def guest(number: int) -> Contact:
    return Contact(f"Guest {letters(number)}", f"guest{number}@example.com", "+905321234567")


def test_forty_travellers_racing_for_the_last_five_seats_book_exactly_five(catalog):
    departure = catalog.departure
    assert departure.capacity == 20
    for number in range(3):
        place_tour(departure, adults=5, contact=guest(100 + number), passengers=passengers_for(5))
    assert seats_taken(departure.pk) == 15

    outcomes = race(lambda number: place_tour(departure, adults=1, contact=guest(number)))

    assert Counter(kind for kind, _detail in outcomes) == {"booked": 5, "sold_out": 35}
    assert {detail for kind, detail in outcomes if kind == "sold_out"} == {"This departure is sold out."}
    assert seats_taken(departure.pk) == 20
    assert Booking.objects.filter(tour_departure=departure).count() == 8
    booked_ids = {detail for kind, detail in outcomes if kind == "booked"}
    assert set(Booking.objects.filter(tour_departure=departure, adults=1).values_list("pk", flat=True)) == booked_ids


def test_without_the_departure_lock_the_same_race_oversells(catalog, monkeypatch):
    # The control for the test above: it can fail. With the row lock made a plain read, every traveller counts
    # the seats before any booking commits (they meet at a barrier right after counting) and all of them book.
    departure = catalog.departure
    for number in range(3):
        place_tour(departure, adults=5, contact=guest(100 + number), passengers=passengers_for(5))
    counted = threading.Barrier(THREADS)

    def no_lock(queryset):
        return list(queryset.order_by("pk"))

    def seats_taken_then_wait(departure_id: int) -> int:
        taken = seats_taken(departure_id)
        counted.wait(timeout=30)
        return taken

    monkeypatch.setattr(services, "lock_rows", no_lock)
    monkeypatch.setattr(services, "seats_taken", seats_taken_then_wait)

    outcomes = race(lambda number: place_tour(departure, adults=1, contact=guest(number)))

    assert Counter(kind for kind, _detail in outcomes) == {"booked": THREADS}
    assert seats_taken(departure.pk) > departure.capacity  # more bookings than seats


def test_forty_travellers_racing_for_a_coupon_with_five_uses_left_use_it_exactly_five_times(catalog):
    coupon = catalog.coupon
    coupon.max_uses = 5
    coupon.save()

    outcomes = race(
        lambda number: place_transfer(
            transfer_request(coupon="WELCOME10"), contact=guest(number), passengers=passengers_for(2)
        )
    )

    assert Counter(kind for kind, _detail in outcomes) == {"booked": 5, "refused": 35}
    assert {str(detail) for kind, detail in outcomes if kind == "refused"} == {
        str([("coupon", "This coupon has been used up.")])
    }
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 5
    assert Booking.objects.filter(coupon=coupon).count() == 5
    assert Booking.objects.count() == 5


def test_a_race_for_seats_with_a_coupon_takes_both_locks_in_order_and_oversells_neither(catalog):
    departure = catalog.departure
    departure.capacity = 5
    departure.save()
    coupon = catalog.coupon
    coupon.max_uses = 30
    coupon.save()

    outcomes = race(lambda number: place_tour(departure, adults=1, contact=guest(number), coupon="WELCOME10"))

    assert Counter(kind for kind, _detail in outcomes) == {"booked": 5, "sold_out": 35}
    assert seats_taken(departure.pk) == 5
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 5


# --- one Idempotency-Key --------------------------------------------------------------------------------------
def place_with_key(scope: str, *, contact: Contact) -> Booking:
    booking, _created = booking_place_idempotent(
        key="order-1",
        scope=scope,
        fingerprint=request_fingerprint({"adults": 2}),
        place=lambda: place_transfer(contact=contact),
    )
    return booking


def test_forty_identical_requests_with_one_key_place_one_booking_and_all_get_it(catalog):
    outcomes = race(lambda number: place_with_key("ip:203.0.113.5", contact=guest(number)))

    booking = Booking.objects.get()
    assert Counter(outcomes) == {("booked", booking.pk): THREADS}
    assert list(IdempotencyKey.objects.values_list("scope", "booking")) == [("ip:203.0.113.5", booking.pk)]


def test_forty_identical_requests_with_one_key_count_one_placement_in_the_metrics(catalog):
    # Each losing request placed a booking before its key insert failed and its transaction rolled back; only
    # the booking that committed is counted.
    placed_before = metrics.LIVE_REGISTRY.get_sample_value("gnb_bookings_placed_total", {"kind": "transfer"}) or 0.0

    outcomes = race(lambda number: place_with_key("ip:203.0.113.5", contact=guest(number)))

    assert Counter(kind for kind, _detail in outcomes) == {"booked": THREADS}
    placed = metrics.LIVE_REGISTRY.get_sample_value("gnb_bookings_placed_total", {"kind": "transfer"})
    assert (placed - placed_before, Booking.objects.count()) == (1, 1)


def test_two_clients_racing_with_one_key_place_one_booking_and_only_its_owner_gets_it(catalog):
    # Half the threads are one client, half another: whichever inserts the key first owns it, and the other's
    # requests, even those that placed a booking before losing the insert, end in a 409 with nothing kept.
    clients = ("ip:203.0.113.5", "ip:198.51.100.7")
    outcomes = race(lambda number: place_with_key(clients[number % 2], contact=guest(number)))

    booking = Booking.objects.get()
    assert Counter(outcomes) == {
        ("booked", booking.pk): THREADS // 2,
        ("conflict", "This Idempotency-Key was already used by another client."): THREADS // 2,
    }
    owner = IdempotencyKey.objects.get()
    assert (owner.booking_id, owner.scope in clients) == (booking.pk, True)
