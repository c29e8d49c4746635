"""The tour pages: the hotel to be picked up at is chosen like a transfer's place, within the tour's pickup zones,
with the pickup time of its zone shown; tours show their photos, light and described in the page's language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from gnb.bookings.models import Booking
from gnb.catalog.models import Place, TourPhoto
from gnb.catalog.photos import library
from gnb.testing.bookings import place_tour
from gnb.testing.catalog import kas_centre
from gnb.testing.website import contact, tour_form_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def kas(catalog) -> Place:
    return kas_centre()


@pytest.fixture
def photos(catalog) -> list[TourPhoto]:
    names = [name for name in library() if name.startswith("perge-aspendos-side")]
    return [
        TourPhoto.objects.create(
            tour=catalog.tour,
            photo=name,
            sort_order=index,
            alt_en=f"Drawing {index}: the theatre",
            alt_tr=f"Çizim {index}: tiyatro",
        )
        for index, name in enumerate(names)
    ]


# --- pickup -------------------------------------------------------------------------------------------------
def test_a_pickup_far_outside_the_tours_zones_is_refused_on_the_form(client, catalog, kas):
    response = client.post(tour_form_url(catalog), contact(2) | {"pickup_place": "Kaş centre"})
    assert response.status_code == 200
    assert response.context["form"].errors["pickup_place"] == [
        "Kaş centre is outside this tour's pickup area; choose a hotel in Belek, Lara."
    ]
    assert not Booking.objects.exists()


def test_free_text_that_is_no_place_asks_to_choose_from_the_list(client, catalog):
    response = client.post(tour_form_url(catalog), contact(2) | {"pickup_place": "Kaş centre (200 km away)"})
    assert response.context["form"].errors["pickup_place"] == [
        "Choose your hotel from the list (type part of its name)."
    ]


def test_the_form_suggests_only_places_in_the_tours_zones_and_their_pickup_times(client, catalog, kas):
    page = client.get(tour_form_url(catalog)).content.decode()
    datalist = re.search(r'<datalist id="tour-places">(.*?)</datalist>', page, re.S)
    assert datalist is not None
    assert re.findall(r'<option value="([^"]+)">', datalist.group(1)) == ["Regnum Carya", "Titanic Beach Lara"]
    # The same type-ahead as the transfer search (site.js reads input[list]), narrowed to the tour.
    assert 'list="tour-places"' in page and 'data-place-tour="perge-aspendos"' in page
    departure = catalog.departure.starts_at.astimezone(Place.objects.get(slug="regnum-carya").tzinfo)
    belek = (departure.hour * 60 + departure.minute - 45) % (24 * 60)
    assert f"{belek // 60:02d}:{belek % 60:02d}" in page


def test_the_review_shows_the_hotel_and_its_pickup_time_and_the_booking_keeps_them(client, catalog):
    response = client.post(tour_form_url(catalog), contact(2) | {"pickup_place": "titanic beach lara"})
    assert response.url == reverse("website:review")
    review = client.get(reverse("website:review")).content.decode()
    assert "Titanic Beach Lara" in review
    client.post(reverse("website:review"), {"payment_method": "cash"})
    booking = Booking.objects.get()
    assert booking.pickup_place == catalog.lara_hotel
    assert catalog.departure.starts_at - booking.pickup_at == dt.timedelta(minutes=30)


def test_the_manage_page_changes_the_hotel_within_the_zones(client, catalog, kas):
    booking = place_tour(catalog.departure)
    url = reverse("website:manage_change", args=[booking.reference, booking.manage_token])
    form = {"name": "Anna Smith", "email": "anna@example.com", "phone": "+44 7911 123456", "notes": ""}
    for index, passenger in enumerate(booking.passengers.order_by("position")):
        form |= {f"p{index}_first_name": passenger.first_name, f"p{index}_last_name": passenger.last_name}
    refused = client.post(url, form | {"pickup_place": "Kaş centre"})
    assert "outside this tour&#x27;s pickup area" in refused.content.decode()
    assert client.post(url, form | {"pickup_place": "Titanic Beach Lara"}).status_code == 302
    booking.refresh_from_db()
    assert booking.pickup_place == catalog.lara_hotel
    manage = client.get(reverse("website:manage", args=[booking.reference, booking.manage_token]))
    assert "Titanic Beach Lara" in manage.content.decode()


def test_the_tour_page_lists_each_zones_pickup_time(client, catalog):
    page = client.get(reverse("website:tour", kwargs={"slug": "perge-aspendos"})).content.decode()
    assert "45 minutes before the start" in page and "30 minutes before the start" in page


# --- photos -------------------------------------------------------------------------------------------------
def test_the_demo_photo_library_ships_every_width_and_format():
    assert len(library()) >= 8


def test_the_tour_page_shows_its_photos_as_avif_and_webp_with_sizes_lazy_after_the_first(client, catalog, photos):
    page = client.get(reverse("website:tour", kwargs={"slug": "perge-aspendos"})).content.decode()
    pictures = re.findall(r"<picture>.*?</picture>", page, re.S)
    assert len(pictures) == len(photos) == 2
    for index, picture in enumerate(pictures):
        assert 'type="image/avif"' in picture and 'type="image/webp"' in picture
        assert re.search(r'srcset="[^"]+-480\.avif 480w, [^"]+-960\.avif 960w"', picture)
        assert 'sizes="' in picture and 'width="480" height="320"' in picture
        assert f'alt="Drawing {index}: the theatre"' in picture
        assert ('loading="lazy"' in picture) == (index > 0)


def test_photo_descriptions_follow_the_page_language(client, catalog, photos):
    tours = client.get("/tr/tours/").content.decode()
    assert 'alt="Çizim 0: tiyatro"' in tours
    assert 'loading="lazy"' not in re.search(r"<picture>.*?</picture>", tours, re.S).group(0)  # first card
