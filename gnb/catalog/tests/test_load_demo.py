import datetime as dt
from decimal import Decimal
from io import StringIO

import phonenumbers
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db.models import Prefetch
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from modeltranslation.translator import translator

from gnb.bookings.models import Booking, BookingEvent, BookingExtra, CouponRedemption, Passenger, TransferLeg
from gnb.bookings.quotes import TransferQuoteRequest, transfer_quote
from gnb.catalog import demo
from gnb.catalog.management.commands.load_demo import LOCAL, departure_start, scheduled_days
from gnb.catalog.models import (
    Coupon,
    Currency,
    Extra,
    Fare,
    Place,
    Season,
    Tour,
    TourDeparture,
    VehicleClass,
    Zone,
)
from gnb.fleet.demo import BOARD_BOOKINGS
from gnb.ops.metrics import count_booking_placed

MODELS = [
    Zone,
    Place,
    VehicleClass,
    Fare,
    Season,
    Extra,
    Tour,
    Tour.pickup_zones.through,
    TourDeparture,
    Coupon,
    Currency,
    Booking,
    TransferLeg,
    Passenger,
    BookingExtra,
    BookingEvent,
    CouponRedemption,
]


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in MODELS}


def local_today() -> dt.date:
    return timezone.localdate(timezone.now(), LOCAL)


def test_running_twice_gives_the_same_rows(db):
    first_output = load()
    first = row_counts()
    second_output = load()

    assert row_counts() == first
    assert first["catalog.Zone"] == 9
    assert first["catalog.Place"] == 2 + len(demo.PLACES) == 57
    assert first["catalog.VehicleClass"] == 5
    assert first["catalog.Fare"] == (len(demo.AIRPORT_FARES) + len(demo.RESORT_FARES)) * 5 == 100
    assert first["catalog.Season"] == 4
    assert first["catalog.Extra"] == 6
    assert first["catalog.Tour"] == 4
    assert first["catalog.Coupon"] == 1
    assert first["catalog.Currency"] == 6
    # The catalogue's demo bookings, and the fleet's that fill tomorrow's dispatch board (gnb/fleet/demo.py).
    assert first["bookings.Booking"] == len(demo.DEMO_BOOKINGS) + len(BOARD_BOOKINGS) == 23 + 12
    catalogue_emails = [spec["email"] for spec in demo.DEMO_BOOKINGS]
    status_events = BookingEvent.objects.filter(booking__lead_email__in=catalogue_emails).exclude(kind="changed")
    assert status_events.count() == sum(1 + len(spec["path"]) for spec in demo.DEMO_BOOKINGS)
    assert first["bookings.Passenger"] == sum(sum(spec["party"][:3]) for spec in [*demo.DEMO_BOOKINGS, *BOARD_BOOKINGS])
    assert first["bookings.CouponRedemption"] == 1
    assert "Demo bookings: 35 (35 placed now)" in first_output
    assert "Demo bookings: 35 (0 placed now)" in second_output
    assert f"Departures: {first['catalog.TourDeparture']} (0 new)" in second_output


def test_running_again_another_day_adds_only_that_days_departures(db):
    load()
    before = row_counts()
    new_day = local_today() + dt.timedelta(days=demo.DEPARTURE_DAYS + 1)
    expected_new = sum(1 for item in demo.TOURS if new_day.weekday() in item["weekdays"])

    with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
        output = load()

    after = row_counts()
    assert after["catalog.TourDeparture"] == before["catalog.TourDeparture"] + expected_new
    assert {label: count for label, count in after.items() if label != "catalog.TourDeparture"} == {
        label: count for label, count in before.items() if label != "catalog.TourDeparture"
    }
    assert f"({expected_new} new)" in output
    for item in demo.TOURS:
        starts = list(TourDeparture.objects.filter(tour__slug=item["slug"]).values_list("starts_at", flat=True))
        assert len(starts) == len(set(starts))


def test_airports_zones_and_hotels(db):
    load()
    ayt = Place.objects.select_related("zone").get(iata_code="AYT")
    gzp = Place.objects.select_related("zone").get(iata_code="GZP")
    assert (ayt.slug, ayt.kind, ayt.latitude, ayt.longitude) == (
        "ayt",
        "airport",
        Decimal("36.898700"),
        Decimal("30.800500"),
    )
    assert (gzp.slug, gzp.kind, gzp.latitude, gzp.longitude) == (
        "gzp",
        "airport",
        Decimal("36.299300"),
        Decimal("32.300600"),
    )
    assert (ayt.zone.code, gzp.zone.code) == ("antalya-airport", "gazipasa-airport")
    assert list(ayt.zone.places.values_list("slug", flat=True)) == ["ayt"]
    assert list(gzp.zone.places.values_list("slug", flat=True)) == ["gzp"]

    assert Zone.objects.count() >= 8
    assert Place.objects.filter(kind="airport").count() == 2
    assert Place.objects.filter(kind="hotel").count() >= 30
    assert Place.objects.filter(kind="district").count() == 12
    assert set(Place.objects.values_list("time_zone", flat=True)) == {"Europe/Istanbul"}
    assert Place.objects.filter(is_popular=True).count() == 16
    # Every hotel and district lies on the coast between Kalkan and Gazipaşa, inside the province of Antalya.
    for place in Place.objects.all():
        assert Decimal("36.1") < place.latitude < Decimal("37.0"), place.slug
        assert Decimal("29.3") < place.longitude < Decimal("32.4"), place.slug
    resort_zones = set(demo.RESORT_ZONES)
    assert set(Place.objects.exclude(kind="airport").values_list("zone__code", flat=True)) == resort_zones


def test_every_airport_zone_has_a_fare_to_every_resort_zone_in_every_class(db):
    load()
    fares = {
        (origin, destination, vehicle): price
        for origin, destination, vehicle, price in Fare.objects.values_list(
            "origin_zone__code", "destination_zone__code", "vehicle_class__code", "price"
        )
    }
    classes = list(VehicleClass.objects.values_list("code", "max_passengers", "max_luggage"))
    assert classes == [
        ("sedan", 3, 3),
        ("minivan", 7, 7),
        ("vip-minivan", 6, 6),
        ("minibus", 14, 14),
        ("midibus", 27, 27),
    ]
    for airport in demo.AIRPORT_ZONES:
        for resort in demo.RESORT_ZONES:
            prices = [fares[(airport, resort, code)] for code, _, _ in classes]
            assert prices == sorted(prices), (airport, resort)
    assert fares[("antalya-airport", "lara", "sedan")] == Decimal("25.00")
    assert fares[("antalya-airport", "belek", "sedan")] == Decimal("35.00")
    assert fares[("antalya-airport", "side", "sedan")] == Decimal("50.00")
    assert fares[("antalya-airport", "alanya", "sedan")] == Decimal("75.00")
    assert fares[("antalya-airport", "kemer", "sedan")] == Decimal("50.00")
    assert fares[("gazipasa-airport", "alanya", "sedan")] == Decimal("35.00")
    assert fares[("gazipasa-airport", "belek", "sedan")] == Decimal("100.00")


def test_seasons_extras_coupon_and_currencies(db):
    load()
    year = local_today().year
    assert list(Season.objects.values_list("name_en", "starts_on", "ends_on", "fare_adjustment_percent")) == [
        ("Summer season", dt.date(year, 6, 1), dt.date(year, 9, 30), Decimal("20.00")),
        ("Peak summer", dt.date(year, 7, 15), dt.date(year, 8, 31), Decimal("30.00")),
        ("Summer season", dt.date(year + 1, 6, 1), dt.date(year + 1, 9, 30), Decimal("20.00")),
        ("Peak summer", dt.date(year + 1, 7, 15), dt.date(year + 1, 8, 31), Decimal("30.00")),
    ]
    assert list(Extra.objects.values_list("code", "price", "pricing", "max_quantity")) == [
        ("child_seat", Decimal("5.00"), "per_unit", 3),
        ("baby_seat", Decimal("5.00"), "per_unit", 3),
        ("booster", Decimal("4.00"), "per_unit", 3),
        ("meet_greet", Decimal("10.00"), "per_booking", 1),
        ("vip_lounge", Decimal("45.00"), "per_unit", 8),
        ("extra_stop", Decimal("10.00"), "per_unit", 3),
    ]
    # Seats are one per child or infant they are for; the back-office list shows each extra by its mark.
    seats = Extra.objects.filter(code__in=["child_seat", "baby_seat", "booster"]).order_by("sort_order")
    assert list(seats.values_list("code", "for_party", "mark")) == [
        ("child_seat", "children", "CS"),
        ("baby_seat", "infants", "BS"),
        ("booster", "children", "BO"),
    ]
    coupon = Coupon.objects.get()
    assert (coupon.code, coupon.kind, coupon.value, coupon.max_uses) == ("WELCOME10", "percent", Decimal("10.00"), 500)
    assert coupon.valid_until - coupon.valid_from == dt.timedelta(days=365)
    assert coupon.valid_from <= timezone.now() < coupon.valid_until
    assert dict(Currency.objects.values_list("code", "rate")) == {
        "EUR": Decimal("1.000000"),
        "GBP": Decimal("0.870000"),
        "USD": Decimal("1.160000"),
        "TRY": Decimal("49.800000"),
        "RUB": Decimal("94.500000"),
        "PLN": Decimal("4.240000"),
    }


def test_tours_have_departures_for_the_next_60_days(db):
    load()
    today = local_today()
    window_end = dt.datetime.combine(today + dt.timedelta(days=demo.DEPARTURE_DAYS + 1), dt.time(), tzinfo=LOCAL)
    window_start = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL)
    assert Tour.objects.count() == 4
    for item in demo.TOURS:
        tour = Tour.objects.get(slug=item["slug"])
        departures = TourDeparture.objects.filter(tour=tour, starts_at__gte=window_start, starts_at__lt=window_end)
        expected = [departure_start(item, day) for day in scheduled_days(item, today)]
        assert [d.starts_at for d in departures.order_by("starts_at")] == expected
        assert expected[0] < window_start + dt.timedelta(days=7)
        assert expected[-1] >= window_end - dt.timedelta(days=7)
        assert {d.capacity for d in departures} == {item["capacity"]}
        assert 14 <= item["capacity"] <= 40
        assert sorted(tour.pickup_zones.values_list("code", flat=True)) == sorted(item["pickup_zones"])
        assert (tour.adult_price, tour.child_price, tour.infant_price) == (
            Decimal(item["adult_price"]),
            Decimal(item["child_price"]),
            Decimal(item["infant_price"]),
        )
        assert len(tour.itinerary_en.splitlines()) >= 5
        assert len(tour.itinerary_tr.splitlines()) == len(tour.itinerary_en.splitlines())
        assert len(tour.included_tr.splitlines()) == len(tour.included_en.splitlines())
    daily = TourDeparture.objects.filter(
        tour__slug="antalya-city-waterfalls", starts_at__gte=window_start, starts_at__lt=window_end
    )
    assert daily.count() == 60


NINE_LANGUAGES = ("en", "tr", "de", "ru", "uk", "pl", "nl", "fr", "ar")
TRANSLATED_MODELS = (Zone, Place, VehicleClass, Season, Extra, Tour)


def test_every_translated_field_of_every_demo_row_is_filled_in_all_nine_languages(db):
    load()
    assert [code for code, _name in settings.LANGUAGES] == list(NINE_LANGUAGES)
    for model in TRANSLATED_MODELS:
        fields = translator.get_options_for_model(model).fields
        columns = [f"{field}_{language}" for field in fields for language in NINE_LANGUAGES]
        # The raw columns, not the model attributes: an attribute would fall back to English and hide a gap.
        for row in model.objects.values("pk", *columns):
            empty = [column for column in columns if not (row[column] or "").strip()]
            assert not empty, f"{model.__name__} {row['pk']}: {empty}"
    # Lists (itinerary, included) have as many lines in every language as in English.
    for model, fields in ((VehicleClass, ("included",)), (Tour, ("itinerary", "included"))):
        for item in model.objects.all():
            for field in fields:
                english = len(getattr(item, f"{field}_en").splitlines())
                for language in NINE_LANGUAGES:
                    assert len(getattr(item, f"{field}_{language}").splitlines()) == english, (item, field, language)


def test_demo_texts_in_other_languages_and_brand_names_kept(db):
    load()
    perge = Tour.objects.get(slug="perge-aspendos-side")
    assert perge.name_ru == "Перге, Аспендос и Сиде"
    assert perge.name_ar == "بيرغي وأسبندوس وسيدا"
    assert perge.name_fr == "Pergé, Aspendos et Side"
    assert perge.itinerary_de.splitlines()[0] == "Abholung am Hotel"
    ayt = Place.objects.get(slug="ayt")
    assert (ayt.name_ru, ayt.name_uk, ayt.name_ar) == ("Аэропорт Анталии", "Аеропорт Анталії", "مطار أنطاليا")
    rixos = Place.objects.get(slug="rixos-premium-belek")
    assert {getattr(rixos, f"name_{language}") for language in NINE_LANGUAGES} == {"Rixos Premium Belek"}
    assert Place.objects.get(slug="side-old-town").name_uk == "Старе місто Сіде"
    assert Zone.objects.get(code="kemer").name_pl == "Kemer, Beldibi i Tekirova"
    assert VehicleClass.objects.get(code="sedan").name_fr == "Berline"
    assert Extra.objects.get(code="meet_greet").name_nl == "Meet & greet met bagagehulp"
    assert Season.objects.filter(name_ar="ذروة الصيف").count() == 2
    with translation.override("tr"):
        assert Zone.objects.get(code="antalya-airport").name == "Antalya Havalimanı"
        assert Place.objects.get(slug="side-old-town").name == "Side Antik Kenti"
        assert VehicleClass.objects.get(code="minibus").name == "Minibüs"
    with translation.override("de"):
        assert VehicleClass.objects.get(code="minibus").name == "Kleinbus"
    with translation.override("ru"):
        assert Tour.objects.get(slug="perge-aspendos-side").name == "Перге, Аспендос и Сиде"


def test_demo_bookings_are_in_every_status_with_their_history(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        load()

    # Each booking queues its confirmation (cash, or card once paid) and its cancellation email, in the transaction
    # of its change (gnb.core.outbox).
    confirmed = sum(1 for spec in demo.DEMO_BOOKINGS if spec["payment"] == "cash" or "confirmed" in spec["path"])
    cancelled = sum(1 for spec in demo.DEMO_BOOKINGS if "cancelled" in spec["path"])
    emails = DBTaskResult.objects.filter(task_path="gnb.notifications.tasks.send_booking_email")
    catalogue_ids = set(
        Booking.objects.filter(lead_email__in=[spec["email"] for spec in demo.DEMO_BOOKINGS]).values_list(
            "pk", flat=True
        )
    )
    # Dispatching the demo's rides adds "your driver" emails: these count the confirmations and cancellations.
    catalogue_emails = [
        e
        for e in emails
        if e.args_kwargs["kwargs"]["booking_id"] in catalogue_ids
        and e.args_kwargs["kwargs"]["kind"] in ("confirmation", "cancellation")
    ]
    assert len(catalogue_emails) == confirmed + cancelled == 24
    assert all(getattr(callback, "func", None) is count_booking_placed for callback in callbacks)
    bookings = {
        b.lead_email: b
        for b in Booking.objects.exclude(lead_email__in=[spec["email"] for spec in BOARD_BOOKINGS]).prefetch_related(
            "legs", Prefetch("events", queryset=BookingEvent.objects.exclude(kind="changed")), "passengers"
        )
    }
    assert set(bookings) == {spec["email"] for spec in demo.DEMO_BOOKINGS}
    assert {b.status for b in bookings.values()} == set(Booking.Status.values)
    assert {(b.kind, b.status) for b in bookings.values() if b.kind == "tour"} >= {
        ("tour", "pending_payment"),
        ("tour", "confirmed"),
        ("tour", "completed"),
        ("tour", "cancelled"),
        ("tour", "refunded"),
    }
    now = timezone.now()
    for spec in demo.DEMO_BOOKINGS:
        booking = bookings[spec["email"]]
        initial = "confirmed" if spec["payment"] == "cash" else "pending_payment"
        assert booking.status == (spec["path"] or [initial])[-1], spec["email"]
        events = list(booking.events.all())
        assert [(e.from_status, e.to_status) for e in events] == list(
            zip(["", initial, *spec["path"]][:-1], [initial, *spec["path"]], strict=True)
        )
        assert {e.actor_label for e in events} == {"demo"}
        assert booking.lead_phone == phonenumbers.format_number(
            phonenumbers.parse(spec["phone"]), phonenumbers.PhoneNumberFormat.E164
        )
        assert booking.lead_email.endswith("@example.com")
        assert booking.passengers.count() == booking.passenger_count
        if booking.status in ("completed", "no_show", "picked_up"):
            assert booking.starts_at < now
        for leg in booking.legs.all():
            if leg.origin.is_airport:
                assert leg.flight_number and leg.flight_arrival_at
    weber = bookings["michael.weber@example.com"]
    assert weber.cancellation_fee == Decimal("0.00")
    assert bookings["lukas.schneider@example.com"].coupon.code == "WELCOME10"
    assert bookings["lukas.schneider@example.com"].legs.count() == 2


def test_quote_for_a_family_of_four_offers_only_vehicles_with_four_seats(db):
    load()
    today = local_today()
    day = dt.date(today.year, 11, 15)
    if day <= today + dt.timedelta(days=1):
        day = dt.date(today.year + 1, 11, 15)
    quote = transfer_quote(
        TransferQuoteRequest(
            origin="ayt",
            destination="regnum-carya",
            pickup_at=dt.datetime.combine(day, dt.time(14, 30)),
            adults=2,
            children=1,
            infants=1,
        )
    )
    assert [(o.vehicle.code, o.vehicle.max_passengers, o.breakdown.total) for o in quote.options] == [
        ("minivan", 7, Decimal("40.00")),
        ("vip-minivan", 6, Decimal("60.00")),
        ("minibus", 14, Decimal("70.00")),
        ("midibus", 27, Decimal("110.00")),
    ]
    assert all(option.vehicle.max_passengers >= 4 for option in quote.options)


def test_catalogue_only_places_no_bookings(db, django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("load_demo", "--catalogue-only", stdout=out)

    assert Booking.objects.count() == 0
    assert callbacks == []
    assert Fare.objects.count() == 100
    assert TourDeparture.objects.count() == sum(len(scheduled_days(item, local_today())) for item in demo.TOURS)
    assert "Demo bookings: 0 (0 placed now)." in out.getvalue()
