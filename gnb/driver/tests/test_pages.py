"""The drivers' app's pages: today and tomorrow, a trip with everything the driver needs, the name sign, the
offline list; in the driver's language; another driver's trip is not found; signed out, nothing."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from gnb.catalog.models import Place
from gnb.driver.models import DriverDevice
from gnb.driver.selectors import NavLinks, nav_links
from gnb.driver.tests.conftest import sign_in
from gnb.fleet import services
from gnb.fleet.models import Driver, Trip
from gnb.fleet.services import Actor

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible text, one space between words."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


class _ShownInputs(HTMLParser):
    """The inputs of the forms a person sees: the page also holds every step's form, hidden until the trip's status
    (or a press waiting in the outbox) allows it, so the app can move on without signal."""

    BLOCKS = {"form", "details", "section", "div", "main"}

    def __init__(self) -> None:
        super().__init__()
        self.hidden: list[bool] = []
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.BLOCKS:
            self.hidden.append("hidden" in values)
        elif tag == "input" and not any(self.hidden):
            self.inputs.append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.hidden.pop()


def shown(html: str, name: str) -> list[str | None]:
    """The values of the visible inputs called ``name``, in page order."""
    parser = _ShownInputs()
    parser.feed(html)
    return [values.get("value") for values in parser.inputs if values.get("name") == name]


def test_today_and_tomorrow_show_my_trips_in_order_and_not_others(ayse_client, day):
    response = ayse_client.get("/driver/")
    assert response.status_code == 200
    page = text(response)
    today, tomorrow = page.split("Today", 1)[1].split("Tomorrow", 1)
    assert re.findall(r"\b\d\d:\d\d\b(?= Antalya Airport → Regnum Carya)", today) == ["10:30", "16:30"]
    assert today.index("Anna Smith") < today.index("Olga Petrova")
    assert "Hans Berg" in tomorrow and "Hans Berg" not in today
    assert "Pierre Roux" not in page  # Kemal's
    assert "TK2412 · lands 10:30" in today
    assert "Anna Smith · 2 passengers Assigned" in today
    links = re.findall(r'href="/driver/trips/(\d+)/"', response.content.decode())
    assert links == [str(day.morning.pk), str(day.afternoon.pk), str(day.tomorrow.pk)]


def test_released_trips_are_not_listed(ayse_client, day, dispatch_user):
    services.fleet_unassign(trip_id=day.afternoon.pk, actor=Actor.for_user(dispatch_user), reason="Sick")
    page = text(ayse_client.get("/driver/"))
    assert "Olga Petrova" not in page
    assert ayse_client.get(f"/driver/trips/{day.afternoon.pk}/").status_code == 404


def test_the_trip_page_shows_everything_the_driver_needs(ayse_client, day):
    booking = day.booking
    booking.notes = "Two big surfboards."
    booking.save(update_fields=["notes"])
    response = ayse_client.get(f"/driver/trips/{day.morning.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response["Vary"]
    html, page = response.content.decode(), text(response)
    assert '<p class="lead">Anna Smith</p>' in html
    assert "<li>Anna Smith</li><li>John Smith</li>" in html
    assert booking.reference in page
    assert "Pickup 10:30 · Antalya Airport" in page
    assert "Destination Regnum Carya" in page
    assert "Flight TK2412 · lands 10:30" in page
    assert "Passengers 2 passengers" in page
    assert "Extras 1 × Child seat" in page
    assert "Notes Two big surfboards." in page
    assert "Cash to collect: 45.00 EUR" in page
    assert 'href="tel:+447911123456"' in html
    assert 'href="https://wa.me/447911123456"' in html
    airport = Place.objects.get(slug="ayt")
    where = f"{airport.latitude},{airport.longitude}"
    assert f'href="https://www.google.com/maps/search/?api=1&amp;query={where}"' in html
    assert f'href="https://maps.apple.com/?daddr={where}"' in html
    assert f'href="https://waze.com/ul?ll={where}&amp;navigate=yes"' in html
    # The next step only, with a fresh key and the status the page shows.
    assert shown(html, "status") == ["on_the_way"]  # no no-show before setting off
    assert set(shown(html, "expected_status")) == {"assigned"}
    assert len(set(shown(html, "key"))) == 1
    assert "data-outbox" in html
    assert shown(html, "booking") == []  # no cash before the trip starts


def test_a_pickup_without_a_place_is_searched_by_name():
    links = nav_links(None, "Kemer Marina")
    assert links == NavLinks(
        google="https://www.google.com/maps/search/?api=1&query=Kemer%20Marina",
        apple="https://maps.apple.com/?q=Kemer%20Marina",
        waze="https://waze.com/ul?q=Kemer%20Marina&navigate=yes",
    )
    assert nav_links(None, "") is None


def test_once_on_the_way_arrived_picked_up_no_show_and_cash_are_offered(ayse_client, day):
    services.trip_start(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    html = ayse_client.get(f"/driver/trips/{day.morning.pk}/").content.decode()
    assert shown(html, "status") == ["arrived", "picked_up", "no_show"]
    assert 'accept="image/*" capture="environment"' in html
    assert f'action="/driver/trips/{day.morning.pk}/cash"' in html
    assert f'name="booking" value="{day.booking.reference}"' in html
    assert 'name="amount" inputmode="decimal" required value="45.00"' in html
    assert len(set(shown(html, "key"))) == 3


def test_the_name_sign(ayse_client, day):
    response = ayse_client.get(f"/driver/trips/{day.morning.pk}/sign/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="name" dir="auto">Anna Smith</p>' in html
    assert f'<p class="reference"><bdi>{day.booking.reference}</bdi></p>' in html
    assert 'class="sign"' in html


def test_another_drivers_trip_is_not_found(ayse_client, day):
    for url in (f"/driver/trips/{day.kemals.pk}/", f"/driver/trips/{day.kemals.pk}/sign/", "/driver/trips/999999/"):
        response = ayse_client.get(url)
        assert response.status_code == 404
        assert "Pierre Roux" not in response.content.decode()
    response = ayse_client.post(
        f"/driver/trips/{day.kemals.pk}/status",
        {"status": "on_the_way", "key": "k" * 36},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 404
    assert Trip.objects.get(pk=day.kemals.pk).status == Trip.Status.ASSIGNED


DRIVER_URLS = [
    "/driver/",
    "/driver/offline.json",
    "/driver/trips/{trip}/",
    "/driver/trips/{trip}/sign/",
]


def test_a_signed_out_phone_gets_no_trip_data(client, day, on_the_day):
    # Signed in elsewhere on the site (a driver is also a website account): still nothing here without a device.
    website_session = Client()
    website_session.force_login(day.ayse.user)
    for visitor in (client, website_session):
        for url in DRIVER_URLS:
            response = visitor.get(url.format(trip=day.morning.pk))
            body = response.content.decode()
            assert "Anna Smith" not in body and day.booking.reference not in body
            if url.endswith(".json"):
                assert response.status_code == 401
            else:
                assert response.status_code == 302
                assert response["Location"].startswith("/driver/sign-in/?next=")
        for action in ("status", "cash"):
            response = visitor.post(
                f"/driver/trips/{day.morning.pk}/{action}", {"key": "k" * 36, "status": "on_the_way"}
            )
            assert response.status_code == 302
            assert response["Location"].startswith("/driver/sign-in/")
    assert Trip.objects.get(pk=day.morning.pk).status == Trip.Status.ASSIGNED


def test_the_offline_list_names_the_pages_to_keep(ayse_client, day):
    response = ayse_client.get("/driver/offline.json")
    assert response.status_code == 200
    data = response.json()
    trips = [day.morning.pk, day.afternoon.pk, day.tomorrow.pk]  # all within 36 hours of 07:00
    assert data["urls"] == ["/driver/"] + [
        url for pk in trips for url in (f"/driver/trips/{pk}/", f"/driver/trips/{pk}/sign/")
    ]
    assert re.fullmatch(r"[0-9a-f]{16}", data["version"])
    # Same trips, same version; a change to one of them, a new version.
    assert ayse_client.get("/driver/offline.json").json()["version"] == data["version"]
    services.trip_start(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    assert ayse_client.get("/driver/offline.json").json()["version"] != data["version"]


def test_the_app_speaks_the_drivers_language(client, day, on_the_day):
    Driver.objects.filter(pk=day.ayse.pk).update(languages=["xx", "ar", "en"])
    sign_in(client, day.ayse)
    response = client.get("/driver/")
    assert '<html lang="ar" dir="rtl">' in response.content.decode()
    # Changed on the phone: kept for this device.
    assert client.post("/driver/language/", {"language": "tr", "next": "/driver/"})["Location"] == "/driver/"
    assert DriverDevice.objects.get().language == "tr"
    assert '<html lang="tr" dir="ltr">' in client.get("/driver/").content.decode()


def test_turkish_when_the_site_speaks_none_of_the_drivers_languages(client, day, on_the_day):
    Driver.objects.filter(pk=day.ayse.pk).update(languages=["az"])
    sign_in(client, day.ayse)
    assert '<html lang="tr" dir="ltr">' in client.get("/driver/").content.decode()


def test_the_pages_may_use_the_position_and_camera(ayse_client, day):
    policy = ayse_client.get("/driver/")["Permissions-Policy"]
    assert "geolocation=(self)" in policy and "camera=(self)" in policy and "microphone=()" in policy
    assert Client().get("/en/")["Permissions-Policy"].count("geolocation=()") == 1


def test_pages_stay_small(ayse_client, day):
    services.trip_start(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    from django.contrib.staticfiles import finders

    css = len(open(finders.find("driver/app.css"), "rb").read())  # noqa: SIM115
    assert css <= 8 * 1024
    for url in ("/driver/", f"/driver/trips/{day.morning.pk}/", f"/driver/trips/{day.morning.pk}/sign/"):
        assert len(ayse_client.get(url).content) + css < 60 * 1024, url


def test_the_amount_due_is_sent_as_the_form_reads_it_in_every_language(client, day, on_the_day):
    Driver.objects.filter(pk=day.ayse.pk).update(languages=["tr"])
    sign_in(client, day.ayse)
    services.trip_start(trip_id=day.morning.pk, actor=Actor.for_user(day.ayse.user))
    page = client.get(f"/driver/trips/{day.morning.pk}/")
    assert '<html lang="tr"' in page.content.decode()
    # Not "45,00": the form takes a decimal point, whatever the page's language writes.
    assert 'name="amount" inputmode="decimal" required value="45.00"' in page.content.decode()
