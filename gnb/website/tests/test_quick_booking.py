"""The quick booking: the pickup follows the flight (landing for an airport pickup, departure for a drop-off), the
lead contact is passenger 1, a place name without scripts leads to a list of places, the payment choice is on the
review page, and the cancellation terms never promise a moment already past."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from gnb.accounts.models import SavedPassenger, User
from gnb.bookings.models import Booking
from gnb.catalog.models import Place
from gnb.fleet.models import ZoneDriveTime
from gnb.testing.catalog import future_local
from gnb.testing.website import book_url, details, search_query

pytestmark = pytest.mark.django_db


def test_an_airport_pickup_is_the_landing_plus_the_setting(client, catalog, settings):
    settings.GNB_PICKUP_MINUTES_AFTER_LANDING = 50
    response = client.get(reverse("website:results"), search_query(time="14:00"))
    quote = response.context["quote"]
    landing = future_local(days=20, hour=14, minute=0)
    assert quote.pickup_at.replace(tzinfo=None) == landing + dt.timedelta(minutes=50)
    html = response.content.decode()
    assert "Your flight lands at 14:00: the driver picks you up 50 minutes later." in html
    # The details page shows the landing filled in: it is not asked again.
    form = client.get(book_url(time="14:00")).context["form"]
    assert form["flight_arrival"].value() == landing
    # A landing corrected on the details page moves the pickup with it.
    client.post(book_url(time="14:00"), details(flight_arrival=landing.replace(hour=15).strftime("%Y-%m-%dT%H:%M")))
    client.post(reverse("website:review"), {"payment_method": "cash"})
    leg = Booking.objects.get().legs.get()
    assert leg.pickup_at.astimezone(dt.UTC) == (landing.replace(hour=15) + dt.timedelta(minutes=50)).replace(
        tzinfo=leg.origin.tzinfo
    ).astimezone(dt.UTC)


def test_the_landing_time_is_entered_as_a_date_and_a_time(client, catalog):
    html = client.get(book_url()).content.decode()
    assert 'type="date" name="flight_arrival_0"' in html and 'type="time" name="flight_arrival_1"' in html
    assert "datetime-local" not in html  # clipped on a phone: the time disappeared
    data = details() | {"flight_arrival_0": future_local(days=20).date().isoformat(), "flight_arrival_1": "13:30"}
    del data["flight_arrival"]
    assert client.post(book_url(), data).url == reverse("website:review")


def test_a_drop_off_proposes_the_pickup_from_the_drive_and_the_check_in(client, catalog, settings):
    settings.GNB_AIRPORT_CHECK_IN_MINUTES = 120
    ZoneDriveTime.objects.create(origin=catalog.ayt.zone, destination=catalog.belek, minutes=42)
    query = search_query(origin="regnum-carya", destination="ayt", time="12:00", children="1")
    results = client.get(reverse("website:results"), query)
    departure = future_local(days=20, hour=12, minute=0)
    # 12:00 − 42 min drive − 120 min at the airport = 9:18, on the five-minute mark before: 9:15.
    assert results.context["quote"].pickup_at.replace(tzinfo=None) == departure.replace(hour=9, minute=15)
    assert "Pickup proposed for your flight at 12:00" in results.content.decode()
    url = reverse("website:transfer_book") + "?" + urlencode(query | {"vehicle": "minivan"})
    form = client.get(url).context["form"]
    assert form["pickup_time"].value() == dt.time(9, 15)
    assert "42 minutes' drive and 120 minutes at the airport" in str(form["pickup_time"].help_text)
    # The traveller leaves earlier: the booking keeps their time.
    data = details(pickup_time="08:45", pickup_point="Lobby")
    assert client.post(url, data).url == reverse("website:review")
    client.post(reverse("website:review"), {"payment_method": "cash"})
    leg = Booking.objects.get().legs.get()
    assert leg.pickup_at.astimezone(leg.origin.tzinfo).replace(tzinfo=None) == departure.replace(hour=8, minute=45)


def test_a_return_from_the_airport_is_picked_up_after_its_landing(client, catalog, settings):
    settings.GNB_PICKUP_MINUTES_AFTER_LANDING = 45
    query = search_query(
        origin="regnum-carya",
        destination="ayt",
        time="12:00",
        return_trip="on",
        return_date=future_local(days=27).date().isoformat(),
        return_time="14:30",
    )
    results = client.get(reverse("website:results"), query)
    landing = future_local(days=27, hour=14, minute=30)
    # The return time given is the landing: the driver meets the flight 45 minutes later.
    assert results.context["quote"].return_pickup_at.replace(tzinfo=None) == landing.replace(hour=15, minute=15)
    assert results.context["form"].fields["return_time"].label == "Return landing time"
    url = reverse("website:transfer_book") + "?" + urlencode(query | {"vehicle": "minivan"})
    form = client.get(url).context["form"]
    assert form["return_flight_arrival"].value() == landing  # shown filled in, not asked again
    # A landing corrected on the details page moves the return pickup with it.
    later = landing.replace(hour=18, minute=0).strftime("%Y-%m-%dT%H:%M")
    data = details(pickup_time="09:00", return_flight_number="TK2413", return_flight_arrival=later)
    assert client.post(url, data).url == reverse("website:review")
    client.post(reverse("website:review"), {"payment_method": "cash"})
    back = Booking.objects.get().legs.get(sequence=2)
    assert back.pickup_at.astimezone(back.origin.tzinfo).replace(tzinfo=None) == landing.replace(hour=18, minute=45)
    assert back.flight_number == "TK2413"


def test_a_drop_off_keeps_its_departure_flight(client, catalog, settings):
    settings.GNB_AIRPORT_CHECK_IN_MINUTES = 120
    ZoneDriveTime.objects.create(origin=catalog.ayt.zone, destination=catalog.belek, minutes=42)
    query = search_query(origin="regnum-carya", destination="ayt", time="12:00", children="1")
    url = reverse("website:transfer_book") + "?" + urlencode(query | {"vehicle": "minivan"})
    form = client.get(url).context["form"]
    assert form.fields["flight_number"].label == "Departure flight number"
    assert form.fields["flight_number"].required
    assert client.post(url, details(flight_number="pc 2010", pickup_time="09:15")).url == reverse("website:review")
    review = client.get(reverse("website:review")).content.decode()
    assert "PC2010" in review and "departs 12:00" in review
    client.post(reverse("website:review"), {"payment_method": "cash"})
    leg = Booking.objects.get().legs.get()
    assert leg.flight_number == "PC2010"
    assert leg.flight_arrival_at is None
    departure = future_local(days=20, hour=12, minute=0).replace(tzinfo=leg.destination.tzinfo)
    assert leg.flight_departure_at == departure


def test_a_drop_off_pickup_that_cannot_reach_the_flight_is_refused(client, catalog):
    ZoneDriveTime.objects.create(origin=catalog.ayt.zone, destination=catalog.belek, minutes=42)
    query = search_query(origin="regnum-carya", destination="ayt", time="12:00", children="1")
    url = reverse("website:transfer_book") + "?" + urlencode(query | {"vehicle": "minivan"})
    response = client.post(url, details(flight_number="PC2010", pickup_time="11:30"))
    assert response.status_code == 200
    assert response.context["form"].errors["pickup_time"] == [
        "The flight departs at 12:00: a pickup at 11:30 does not reach the airport in time (about 42 minutes' "
        "drive). Choose a pickup at 11:18 at the latest."
    ]
    # Inside the check-in margin but before the drive's limit: the traveller's choice, booked.
    assert client.post(url, details(flight_number="PC2010", pickup_time="11:15")).url == reverse("website:review")
    assert Booking.objects.count() == 0


def _return_to_the_airport(**changes) -> dict[str, str]:
    """AYT → a Belek hotel, and back to AYT a week later for a flight at 12:00."""
    return search_query(
        return_trip="on", return_date=future_local(days=27).date().isoformat(), return_time="12:00", **changes
    )


def test_a_return_to_the_airport_proposes_its_pickup_from_the_departure(client, catalog, settings):
    settings.GNB_AIRPORT_CHECK_IN_MINUTES = 120
    ZoneDriveTime.objects.create(origin=catalog.ayt.zone, destination=catalog.belek, minutes=42)
    query = _return_to_the_airport()
    results = client.get(reverse("website:results"), query)
    departure = future_local(days=27, hour=12, minute=0)
    # The return time given is the flight's departure: the pickup leaves the drive and the check-in before it.
    assert results.context["quote"].return_pickup_at.replace(tzinfo=None) == departure.replace(hour=9, minute=15)
    assert results.context["form"].fields["return_time"].label == "Return flight departure time"
    url = reverse("website:transfer_book") + "?" + urlencode(query | {"vehicle": "minivan"})
    form = client.get(url).context["form"]
    assert form.fields["return_flight_number"].label == "Return departure flight number"
    assert "return_flight_arrival" not in form.fields
    assert form["return_pickup_time"].value() == dt.time(9, 15)
    # The traveller leaves a little earlier: the booking keeps their time and the flight they gave.
    data = details(return_flight_number="pc 2011", return_pickup_time="09:00")
    assert client.post(url, data).url == reverse("website:review")
    client.post(reverse("website:review"), {"payment_method": "cash"})
    back = Booking.objects.get().legs.get(sequence=2)
    assert back.pickup_at.astimezone(back.origin.tzinfo).replace(tzinfo=None) == departure.replace(hour=9, minute=0)
    assert back.flight_number == "PC2011"
    assert back.flight_departure_at == departure.replace(tzinfo=back.destination.tzinfo)


def test_a_return_pickup_that_cannot_reach_the_flight_is_refused(client, catalog):
    ZoneDriveTime.objects.create(origin=catalog.ayt.zone, destination=catalog.belek, minutes=42)
    url = reverse("website:transfer_book") + "?" + urlencode(_return_to_the_airport() | {"vehicle": "minivan"})
    response = client.post(url, details(return_flight_number="PC2011", return_pickup_time="11:30"))
    assert response.status_code == 200
    assert response.context["form"].errors["return_pickup_time"] == [
        "The flight departs at 12:00: a pickup at 11:30 does not reach the airport in time (about 42 minutes' "
        "drive). Choose a pickup at 11:18 at the latest."
    ]
    assert Booking.objects.count() == 0


def test_the_lead_contact_is_passenger_one(client, catalog):
    form = client.get(book_url()).context["form"]
    assert "name" not in form.fields
    assert form.fields["passenger_0_first_name"].widget.attrs["autocomplete"] == "given-name"
    assert form.fields["passenger_0_last_name"].widget.attrs["autocomplete"] == "family-name"
    assert form.fields["email"].widget.attrs | {"maxlength": "320"} == {
        "autocomplete": "email",
        "inputmode": "email",
        "maxlength": "320",
    }
    assert form.fields["phone"].widget.attrs["autocomplete"] == "tel"
    assert form.fields["phone"].widget.input_type == "tel"
    data = details()
    del data["name"]
    client.post(book_url(), data)
    client.post(reverse("website:review"), {"payment_method": "cash"})
    booking = Booking.objects.get()
    assert booking.lead_name == "Ayşe Yılmaz"


def test_without_scripts_a_place_name_leads_to_a_list_of_places(client, catalog):
    Place.objects.create(
        kind="hotel",
        slug="maxx-royal-belek",
        name="Maxx Royal",
        zone=catalog.belek,
        latitude=Decimal("36.847000"),
        longitude=Decimal("31.044000"),
    )
    response = client.get(reverse("website:results"), search_query(destination="belek"))
    form = response.context["form"]
    assert form.errors["destination"] == ["“belek” matches several places: choose one below."]
    html = response.content.decode()
    for slug, name in (("maxx-royal-belek", "Maxx Royal"), ("regnum-carya", "Regnum Carya")):
        query = urlencode(search_query(destination=slug)).replace("&", "&amp;")
        assert f'href="/en/transfers/?{query}"><bdi>{name}</bdi></a>' in html
    # One tap on a place: the prices.
    chosen = client.get(reverse("website:results"), search_query(destination="maxx-royal-belek"))
    assert chosen.context["form"].errors == {}


def test_the_review_page_never_promises_a_free_cancellation_already_past(client, catalog, settings):
    settings.GNB_MIN_LEAD_MINUTES = 60
    soon = future_local(days=0, hour=0, minute=0)  # today on the coast
    landing = (dt.datetime.now(catalog.ayt.tzinfo) + dt.timedelta(hours=5)).replace(
        tzinfo=None, second=0, microsecond=0
    )
    query = search_query(date=landing.date().isoformat(), time=landing.strftime("%H:%M"))
    url = reverse("website:transfer_book") + "?" + urlencode(query | {"vehicle": "minivan"})
    assert soon  # the pickup is within the 24 free hours
    response = client.post(url, details(flight_arrival=landing.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302, response.context["form"].errors
    html = client.get(reverse("website:review")).content.decode()
    assert "Free cancellation until" not in html
    # 50% of €60.00 (minivan 55 + child seat 5).
    assert "Free cancellation is no longer possible: cancelling now costs €30.00 (50% of the total)." in html


def test_without_scripts_a_saved_passenger_is_chosen_for_a_row(client, catalog):
    anna = User.objects.create_user(
        username="anna@example.com",
        email="anna@example.com",
        password="x-long-password-1",
        first_name="Anna",
        last_name="Smith",
    )
    for first, last, category in (("John", "Smith", "adult"), ("Tom", "Smith", "child"), ("Kate", "Brown", "adult")):
        SavedPassenger.objects.create(user=anna, first_name=first, last_name=last, category=category)
    kate = SavedPassenger.objects.get(first_name="Kate")
    bob = User.objects.create_user(username="bob@example.com", email="bob@example.com", password="x-long-password-2")
    bobs = SavedPassenger.objects.create(user=bob, first_name="Bob", last_name="Brown", category="adult")
    client.force_login(anna)
    form = client.get(book_url()).context["form"]  # two adults and a child
    assert [label for _value, label in form.fields["passenger_1_saved"].choices] == [
        "Someone else (type the name)",
        "John Smith",
        "Kate Brown",
    ]
    assert [label for _value, label in form.fields["passenger_2_saved"].choices][1:] == ["Tom Smith"]
    # Another account's passenger is not a choice.
    refused = client.post(book_url(), details(passenger_1_saved=str(bobs.pk)))
    assert refused.context["form"].errors["passenger_1_saved"] == [
        f"Select a valid choice. {bobs.pk} is not one of the available choices."
    ]
    # The row held John (prefilled): choosing Kate puts her in when the form is sent.
    assert client.post(book_url(), details(passenger_1_saved=str(kate.pk))).url == reverse("website:review")
    client.post(reverse("website:review"), {"payment_method": "cash"})
    names = [f"{p.first_name} {p.last_name}" for p in Booking.objects.get().passengers.order_by("position")]
    assert names == ["Ayşe Yılmaz", "Kate Brown", "Can Yılmaz"]


def test_the_manage_change_page_takes_the_landing_as_a_date_and_a_time(client, catalog):
    client.post(book_url(), details())
    client.post(reverse("website:review"), {"payment_method": "cash"})
    booking = Booking.objects.get()
    url = reverse("website:manage_change", kwargs={"reference": booking.reference, "token": booking.manage_token})
    page = client.get(url)
    html = page.content.decode()
    assert 'type="date" name="leg_1_flight_arrival_0"' in html and 'type="time" name="leg_1_flight_arrival_1"' in html
    assert "datetime-local" not in html  # clipped at 390 px: the time disappeared
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "leg_1_flight_arrival"}
    landing = future_local(days=20, hour=13, minute=50)
    data |= {"leg_1_flight_arrival_0": landing.date().isoformat(), "leg_1_flight_arrival_1": "13:50"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    leg = booking.legs.get()
    assert leg.flight_arrival_at == landing.replace(tzinfo=leg.origin.tzinfo)
