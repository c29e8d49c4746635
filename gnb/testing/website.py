"""The public website as a traveller walks it in tests: search queries, the details form, and how to reach every
page of the booking flow (what each page needs in the session)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse

from gnb.bookings.models import Booking
from gnb.testing.bookings import letters
from gnb.testing.catalog import Catalog, future_local


def search_query(**changes) -> dict[str, str]:
    pickup = future_local(days=20, hour=14, minute=0)
    query = {
        "origin": "ayt",
        "destination": "regnum-carya",
        "date": pickup.date().isoformat(),
        "time": "14:00",
        "adults": "2",
        "children": "1",
        "infants": "0",
        "bags": "2",
    }
    return query | changes


def details(**changes) -> dict[str, str]:
    arrival = future_local(days=20, hour=13, minute=40)
    data = {
        "name": "Ayşe Yılmaz",
        "email": "ayse@example.com",
        "phone": "+90 532 123 45 67",
        "passenger_0_first_name": "Ayşe",
        "passenger_0_last_name": "Yılmaz",
        "passenger_1_first_name": "Mehmet",
        "passenger_1_last_name": "Yılmaz",
        "passenger_2_first_name": "Can",
        "passenger_2_last_name": "Yılmaz",
        "flight_number": "TK 2412",
        "flight_arrival": arrival.strftime("%Y-%m-%dT%H:%M"),
        "pickup_point": "",
        "extra_child_seat": "1",
        "extra_meet_greet": "0",
        "coupon": "",
        "notes": "Child is 4 years old",
    }
    return data | changes


def book_url(**changes) -> str:
    return reverse("website:transfer_book") + "?" + urlencode(search_query(**changes) | {"vehicle": "minivan"})


def contact(passengers: int) -> dict[str, str]:
    data = {"name": "Anna Smith", "email": "anna@example.com", "phone": "+44 7911 123456", "coupon": "", "notes": ""}
    for index in range(passengers):
        data |= {f"passenger_{index}_first_name": f"Name{letters(index)}", f"passenger_{index}_last_name": "Smith"}
    return data


def transfer_form_url() -> str:
    return book_url()


def transfer_draft(client: Client, catalog: Catalog) -> None:
    arrival = future_local(days=20, hour=13, minute=40).strftime("%Y-%m-%dT%H:%M")
    form = contact(3) | {
        "flight_number": "TK2412",
        "flight_arrival": arrival,
        "pickup_point": "",
        "extra_child_seat": "1",
        "extra_meet_greet": "0",
    }
    response = client.post(transfer_form_url(), form)
    assert response.status_code == 302, response.context["form"].errors


def tour_query(catalog: Catalog) -> dict[str, str]:
    return {"departure": str(catalog.departure.pk), "adults": "2", "children": "0", "infants": "0"}


def tour_form_url(catalog: Catalog) -> str:
    return reverse("website:tour_book", kwargs={"slug": "perge-aspendos"}) + "?" + urlencode(tour_query(catalog))


def tour_draft(client: Client, catalog: Catalog) -> None:
    response = client.post(tour_form_url(catalog), contact(2) | {"pickup_place": "Regnum Carya"})
    assert response.status_code == 302, response.context["form"].errors


def placed(client: Client, catalog: Catalog) -> Booking:
    transfer_draft(client, catalog)
    assert client.post(reverse("website:review"), {"payment_method": "cash"}).status_code == 302
    return Booking.objects.get()


def booking_url(name: str) -> Callable[[Client, Catalog], str]:
    def reach(client: Client, catalog: Catalog) -> str:
        booking = placed(client, catalog)
        return reverse(name, kwargs={"reference": booking.reference, "token": booking.manage_token})

    return reach


def after(prepare: Callable[[Client, Catalog], None], name: str) -> Callable[[Client, Catalog], str]:
    def reach(client: Client, catalog: Catalog) -> str:
        prepare(client, catalog)
        return reverse(name)

    return reach


# Every page a traveller sees on the way to a booking, and how to get there (what the page needs in the session).
PAGES: dict[str, Callable[[Client, Catalog], str]] = {
    "home": lambda client, catalog: reverse("website:home"),
    "results": lambda client, catalog: reverse("website:results") + "?" + urlencode(search_query()),
    "transfer form": lambda client, catalog: transfer_form_url(),
    "transfer review": after(transfer_draft, "website:review"),
    "confirmation": booking_url("website:confirmation"),
    "manage": booking_url("website:manage"),
    "tours": lambda client, catalog: reverse("website:tours"),
    "tour": lambda client, catalog: reverse("website:tour", kwargs={"slug": "perge-aspendos"}),
    "tour form": lambda client, catalog: tour_form_url(catalog),
    "tour review": after(tour_draft, "website:review"),
}
