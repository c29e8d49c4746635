"""A realistic booking history for load tests: transfers and tours over several years, written with COPY.

For load tests only (docs/operations.md): ``manage.py generate_load_data`` refuses to run with DEBUG off unless
forced. Every row is valid as the database sees it: the rows go through the tables' own constraints (COPY checks
them like INSERT does), nothing is disabled. The history is built on the catalogue already in the database
(``manage.py load_demo``): its places, fares, vehicle classes, extras, tours and currencies.

Each batch is one transaction with its bookings and every row hanging off them (legs, passengers, extras, events,
payments, refunds), so a run stopped half-way leaves whole bookings only; ids are taken under a table lock and the
sequences moved past them before the lock is released.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import random
import time
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum

from gnb.bookings.models import REFERENCE_ALPHABET, Booking
from gnb.catalog.models import Currency, Extra, Fare, Place, Tour, TourDeparture, VehicleClass

# Every generated booking's "created" event carries this label: how a database holding generated data is recognised.
GENERATOR_LABEL = "load-data generator"
LOCAL = zoneinfo.ZoneInfo("Europe/Istanbul")
CENT = Decimal("0.01")
# Django's mark of an unusable password: the generated accounts cannot sign in.
UNUSABLE_PASSWORD = "!generated-account"  # noqa: S105 (not a secret: no hash matches it)

FIRST_NAMES = [
    "Anna",
    "Maria",
    "Elena",
    "Olga",
    "Irina",
    "Natalia",
    "Svetlana",
    "Tatiana",
    "Julia",
    "Sophie",
    "Emma",
    "Laura",
    "Lena",
    "Hannah",
    "Mia",
    "Lea",
    "Clara",
    "Ayse",
    "Fatma",
    "Zeynep",
    "Elif",
    "Merve",
    "Ewa",
    "Katarzyna",
    "Agnieszka",
    "Oksana",
    "Daria",
    "Marie",
    "Camille",
    "Chloe",
    "Fleur",
    "Noor",
    "Sanne",
    "Ivan",
    "Sergei",
    "Dmitri",
    "Alexei",
    "Mikhail",
    "Thomas",
    "Michael",
    "Andreas",
    "Stefan",
    "Lukas",
    "Jonas",
    "Felix",
    "Paul",
    "Mehmet",
    "Mustafa",
    "Ahmet",
    "Emre",
    "Murat",
    "Piotr",
    "Tomasz",
    "Pawel",
    "Andrii",
    "Taras",
    "Bohdan",
    "Pierre",
    "Louis",
    "Hugo",
    "Lucas",
    "Daan",
    "Sem",
    "Bram",
    "Ahmed",
    "Omar",
    "Yusuf",
    "James",
    "Oliver",
    "Jack",
    "Harry",
    "George",
    "William",
]
LAST_NAMES = [
    "Ivanov",
    "Petrov",
    "Smirnova",
    "Kuznetsova",
    "Popov",
    "Sokolov",
    "Volkova",
    "Muller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Yilmaz",
    "Kaya",
    "Demir",
    "Sahin",
    "Celik",
    "Yildiz",
    "Aydin",
    "Ozturk",
    "Kowalski",
    "Nowak",
    "Wisniewski",
    "Wojcik",
    "Kowalczyk",
    "Shevchenko",
    "Bondarenko",
    "Kovalenko",
    "Tkachenko",
    "Martin",
    "Bernard",
    "Dubois",
    "Durand",
    "Moreau",
    "Laurent",
    "De",
    "Jong",
    "Jansen",
    "De",
    "Vries",
    "Bakker",
    "Visser",
    "Smit",
    "Haddad",
    "Mansour",
    "Khalil",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Evans",
]
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com", "post.example.org")
# language, its weight, a phone prefix and a nationality for the travellers who book in it
MARKETS = (
    ("en", 30, "+44", "GB"),
    ("de", 22, "+49", "DE"),
    ("ru", 18, "+7", "RU"),
    ("tr", 8, "+90", "TR"),
    ("uk", 5, "+380", "UA"),
    ("pl", 6, "+48", "PL"),
    ("nl", 6, "+31", "NL"),
    ("fr", 3, "+33", "FR"),
    ("ar", 2, "+971", "AE"),
)
AIRLINES = ("TK", "PC", "XQ", "FH", "LH", "DE", "SU", "BA", "EZY", "HV", "W6", "KL", "AF", "EK")
# Relative bookings per pickup month: August in Antalya is the peak, winter a tenth of it.
MONTH_WEIGHT = {1: 2, 2: 2, 3: 3, 4: 6, 5: 9, 6: 13, 7: 17, 8: 18, 9: 14, 10: 9, 11: 3, 12: 2}
FUTURE_DAYS = 60  # bookings already placed for the coming weeks


class LoadDataError(Exception):
    """The database or the options do not allow a run; the message says why."""


@dataclass(frozen=True)
class Options:
    bookings: int
    seed: int = 1
    years: int = 3
    batch_size: int = 20_000
    append: bool = False
    now: dt.datetime | None = None


@dataclass
class Summary:
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0
    accounts: int = 0
    departures: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class _Route:
    origin: int
    destination: int
    origin_airport: bool
    destination_airport: bool
    origin_name: str
    vehicle: int
    fare: Decimal


@dataclass
class _Departure:
    id: int
    tour: int
    starts_at: dt.datetime
    seats_left: int


@dataclass
class _Catalogue:
    routes_by_seats: dict[int, list[_Route]]
    vehicles: list[tuple[int, int, int]]  # id, seats, luggage
    currencies: list[tuple[str, Decimal]]
    extras: dict[str, tuple[int, Decimal, int, str]]  # code -> id, price, max quantity, label
    tours: dict[int, tuple[Decimal, Decimal, Decimal, str, list[tuple[int, int, str]]]]
    departures: list[_Departure]


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def check_database(*, append: bool) -> None:
    """Refuse what the generator cannot do: no PostgreSQL, no catalogue, generated data already there."""
    if connection.vendor != "postgresql":
        raise LoadDataError(
            f"generate_load_data writes with PostgreSQL's COPY; this database is {connection.vendor}. "
            "Point DATABASE_URL at a PostgreSQL database."
        )
    if not Fare.objects.exists() or not VehicleClass.objects.exists():
        raise LoadDataError("the database has no catalogue (fares, vehicle classes): run `manage.py load_demo` first.")
    from gnb.bookings.models import BookingEvent

    if not append and BookingEvent.objects.filter(actor_label=GENERATOR_LABEL).exists():
        raise LoadDataError(
            "this database already holds generated bookings: pass --append to add more, or use a fresh database."
        )


def _load_catalogue(rng: random.Random, first_day: dt.date, last_day: dt.date) -> tuple[_Catalogue, int]:
    places = {place.pk: place for place in Place.objects.all()}
    by_zone: dict[int, list[Place]] = defaultdict(list)
    for place in places.values():
        by_zone[place.zone_id].append(place)
    vehicles = [(v.pk, v.max_passengers, v.max_luggage) for v in VehicleClass.objects.filter(is_active=True)]
    seats_of = {pk: seats for pk, seats, _luggage in vehicles}
    routes_by_seats: dict[int, list[_Route]] = defaultdict(list)
    for fare in Fare.objects.all():
        if fare.vehicle_class_id not in seats_of:
            continue
        for origin in by_zone.get(fare.origin_zone_id, []):
            for destination in by_zone.get(fare.destination_zone_id, []):
                if origin.pk == destination.pk or (origin.kind != "airport" and destination.kind != "airport"):
                    continue  # an airport run on every generated transfer: the flight bank
                route = _Route(
                    origin.pk,
                    destination.pk,
                    origin.kind == "airport",
                    destination.kind == "airport",
                    origin.name,
                    fare.vehicle_class_id,
                    fare.price,
                )
                for seats in range(1, seats_of[fare.vehicle_class_id] + 1):
                    routes_by_seats[seats].append(route)
    if not routes_by_seats:
        raise LoadDataError("no fare joins an airport to another place: the catalogue cannot carry transfers.")
    currencies = [(c.code, c.rate) for c in Currency.objects.filter(is_active=True)] or [("EUR", Decimal("1"))]
    extras = {e.code: (e.pk, e.price, e.max_quantity, e.name) for e in Extra.objects.all()}

    tours = {}
    new_departures = []
    for tour in Tour.objects.prefetch_related("pickup_times", "departures"):
        hotels = [
            (hotel.pk, pickup.minutes_before_departure, hotel.name)
            for pickup in tour.pickup_times.all()
            for hotel in by_zone.get(pickup.zone_id, [])
            if hotel.kind == "hotel"
        ]
        existing = list(tour.departures.all())
        if not hotels or not existing:
            continue
        tours[tour.pk] = (tour.adult_price, tour.child_price, tour.infant_price, tour.name, hotels)
        # The tour's own pattern (weekdays, start time, capacity) carried back over the generated years.
        weekdays = {d.starts_at.astimezone(LOCAL).weekday() for d in existing}
        start = existing[0].starts_at.astimezone(LOCAL).timetz()
        capacity = max(d.capacity for d in existing)
        have = {d.starts_at for d in existing}
        day = first_day
        while day <= last_day:
            if day.weekday() in weekdays:
                starts_at = dt.datetime.combine(day, start.replace(tzinfo=None), tzinfo=LOCAL)
                if starts_at not in have:
                    new_departures.append(TourDeparture(tour=tour, starts_at=starts_at, capacity=capacity))
            day += dt.timedelta(days=1)
    TourDeparture.objects.bulk_create(new_departures, batch_size=2000, ignore_conflicts=True)
    # Seats already sold (any status: never oversell a departure, even counting cancelled seats).
    sold = {
        row["tour_departure"]: row["seats"] or 0
        for row in Booking.objects.filter(tour_departure__isnull=False)
        .values("tour_departure")
        .annotate(seats=Sum("adults") + Sum("children") + Sum("infants"))
    }
    departures = [
        _Departure(d.pk, d.tour_id, d.starts_at, d.capacity - sold.get(d.pk, 0))
        for d in TourDeparture.objects.filter(tour_id__in=tours.keys()).order_by("starts_at")
    ]
    rng.shuffle(departures)
    return _Catalogue(routes_by_seats, vehicles, currencies, extras, tours, departures), len(new_departures)


class _Days:
    """Pickup days drawn with the season's weight."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.days: list[dt.date] = []
        self.cumulative: list[float] = []
        total = 0.0
        day = first
        while day <= last:
            total += MONTH_WEIGHT[day.month] * (1.15 if day.weekday() >= 5 else 1.0)
            self.days.append(day)
            self.cumulative.append(total)
            day += dt.timedelta(days=1)
        self.total = total

    def draw(self, rng: random.Random) -> dt.date:
        return self.days[bisect.bisect_left(self.cumulative, rng.random() * self.total)]


class _Ids:
    """The next free id of each table, taken under an exclusive lock held until the batch commits."""

    TABLES = (
        "accounts_user",
        "bookings_booking",
        "bookings_transferleg",
        "bookings_passenger",
        "bookings_bookingextra",
        "bookings_bookingevent",
        "payments_payment",
        "payments_refund",
    )

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.next: dict[str, int] = {}

    def lock(self) -> None:
        for table in self.TABLES:
            # Table names from the fixed list above, never from input.
            self.cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            self.cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
            self.next[table] = self.cursor.fetchone()[0]

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value

    def release(self) -> None:
        for table in self.TABLES:
            # is_called=false: the sequence's next value is the first id not taken.
            self.cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, self.next[table]])


COLUMNS = {
    "accounts_user": (
        "id password is_superuser username first_name last_name is_staff is_active date_joined email "
        "preferred_language email_verified_at"
    ),
    "bookings_booking": (
        "id created_at updated_at reference manage_token kind status payment_method payment_state lead_name "
        "lead_email lead_phone language notes adults children infants luggage starts_at currency exchange_rate total "
        "total_base price_breakdown pickup_point cancellation_fee cancelled_at customer_id tour_departure_id "
        "vehicle_class_id hold_expires_at pickup_at pickup_place_id"
    ),
    "bookings_transferleg": (
        "id sequence pickup_at pickup_point flight_number flight_arrival_at flight_departure_at booking_id "
        "origin_id destination_id"
    ),
    "bookings_passenger": "id position category first_name last_name booking_id document_number nationality",
    "bookings_bookingextra": "id quantity total booking_id extra_id",
    "bookings_bookingevent": "id kind from_status to_status actor_label reason details created_at booking_id",
    "payments_payment": (
        "id provider amount currency state provider_reference provider_payment_id idempotency_key failure_reason "
        "needs_attention note created_at confirmed_at booking_id"
    ),
    "payments_refund": (
        "id provider amount currency state reason provider_reference failure_reason idempotency_key created_at "
        "confirmed_at payment_id"
    ),
}


class Generator:
    def __init__(self, options: Options, progress: Callable[[str], None]) -> None:
        self.options = options
        self.progress = progress
        self.rng = random.Random(options.seed)
        self.now = options.now or dt.datetime.now(dt.UTC)
        today = self.now.astimezone(LOCAL).date()
        self.first_day = today - dt.timedelta(days=365 * options.years)
        self.last_day = today + dt.timedelta(days=FUTURE_DAYS)
        self.days = _Days(self.first_day, self.last_day)
        self.languages = {code for code, _name in settings.LANGUAGES}
        self.markets = [m for m in MARKETS if m[0] in self.languages] or [("en", 1, "+44", "GB")]
        self.market_weights = [m[1] for m in self.markets]
        self.references: set[str] = set()
        self.emails: set[str] = set()
        self.accounts: list[tuple[int, str, str, str]] = []  # id, email, name, language
        self.account_cumulative: list[float] = []
        self.summary = Summary()

    # --- one run ---------------------------------------------------------------------------------------------
    def run(self) -> Summary:
        check_database(append=self.options.append)
        started = time.monotonic()
        self.catalogue, self.summary.departures = _load_catalogue(self.rng, self.first_day, self.last_day)
        self.departure_index = 0
        self.references = set(Booking.objects.values_list("reference", flat=True))
        from django.contrib.auth import get_user_model

        self.emails = {email.lower() for email in get_user_model().objects.values_list("email", flat=True)}
        done = 0
        while done < self.options.bookings:
            count = min(self.options.batch_size, self.options.bookings - done)
            with transaction.atomic(), connection.cursor() as cursor:
                ids = _Ids(cursor)
                ids.lock()
                rows = self._batch(ids, count)
                for table, table_rows in rows.items():
                    self._copy(cursor, table, table_rows)
                    self.summary.rows[table] += len(table_rows)
                ids.release()
            done += count
            elapsed = time.monotonic() - started
            self.progress(
                f"{done:,}/{self.options.bookings:,} bookings, {self.summary.total_rows:,} rows in {elapsed:.1f} s "
                f"({done / elapsed:,.0f} bookings/s, {self.summary.total_rows / elapsed:,.0f} rows/s)"
            )
        # A table three years old has been vacuumed many times over: its visibility map lets counts and searches
        # read the indexes alone. Freshly copied rows have none until autovacuum comes by, so vacuum them now
        # (outside a transaction only, as VACUUM requires; inside one, statistics are all that can be refreshed).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in _Ids.TABLES:
                cursor.execute(f"{command} {table}")
        self.summary.seconds = time.monotonic() - started
        return self.summary

    def _copy(self, cursor, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        columns = ", ".join(COLUMNS[table].split())
        # psycopg 3's COPY: the rows stream to the server in one command, checked by every constraint.
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    # --- the rows of one batch -------------------------------------------------------------------------------
    def _reference(self) -> str:
        while True:
            chars = "".join(self.rng.choices(REFERENCE_ALPHABET, k=8))
            reference = f"GNB-{chars[:4]}-{chars[4:]}"
            if reference not in self.references:
                self.references.add(reference)
                return reference

    def _token(self) -> str:
        return self.rng.getrandbits(256).to_bytes(32, "big").hex()[:43]

    def _key(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def _person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def _new_account(self, ids: _Ids, rows: dict[str, list[tuple]], when: dt.datetime) -> int:
        first, last = self._person()
        market = self.rng.choices(self.markets, self.market_weights)[0]
        while True:
            email = f"{first}.{last}.{self.rng.randrange(10**6)}@{self.rng.choice(EMAIL_DOMAINS)}".lower()
            email = email.replace(" ", "")
            if email not in self.emails:
                self.emails.add(email)
                break
        pk = ids.take("accounts_user")
        rows["accounts_user"].append(
            (pk, UNUSABLE_PASSWORD, False, email, first, last, False, True, when, email, market[0], when)
        )
        self.accounts.append((pk, email, f"{first} {last}", market[0]))
        # A few loyal customers book dozens of times: "my bookings" with a long list (Pareto-like weights, capped
        # so that the most loyal books about ten times as often as the average, not thousands of times). The
        # cumulative weights grow with the accounts, so a draw is a bisection, not a pass over every account.
        weight = min(self.rng.paretovariate(1.5), 12.0)
        self.account_cumulative.append((self.account_cumulative[-1] if self.account_cumulative else 0.0) + weight)
        self.summary.accounts += 1
        return pk

    def _batch(self, ids: _Ids, count: int) -> dict[str, list[tuple]]:
        rows: dict[str, list[tuple]] = defaultdict(list)
        for _ in range(count):
            self._booking(ids, rows)
        return rows

    def _departure_for(self, seats: int) -> _Departure | None:
        departures = self.catalogue.departures
        for _ in range(4):
            if not departures:
                return None
            self.departure_index = (self.departure_index + 1) % len(departures)
            departure = departures[self.departure_index]
            if departure.seats_left >= seats:
                departure.seats_left -= seats
                return departure
        return None

    def _booking(self, ids: _Ids, rows: dict[str, list[tuple]]) -> None:
        rng = self.rng
        now = self.now
        adults = rng.choices((1, 2, 3, 4, 5, 6), (20, 45, 12, 12, 6, 5))[0]
        children = rng.choices((0, 1, 2, 3), (65, 18, 13, 4))[0]
        infants = rng.choices((0, 1), (92, 8))[0]
        seats = adults + children + infants
        luggage = min(seats + rng.randrange(0, 2), seats + 1)

        departure = self._departure_for(seats) if rng.random() < 0.25 and self.catalogue.departures else None
        if departure is not None:
            starts_at = departure.starts_at
            kind = "tour"
        else:
            kind = "transfer"
            day = self.days.draw(rng)
            starts_at = dt.datetime.combine(
                day, dt.time(rng.randrange(24), rng.choice((0, 10, 15, 20, 30, 40, 45, 50))), tzinfo=LOCAL
            )
        lead_days = min(int(rng.expovariate(1 / 20)), 180)
        created_at = starts_at - dt.timedelta(days=lead_days, hours=rng.randrange(1, 20), minutes=rng.randrange(60))
        created_at = min(created_at, now - dt.timedelta(minutes=rng.randrange(1, 600)))
        ahead = starts_at > now

        market = rng.choices(self.markets, self.market_weights)[0]
        language, phone_prefix, nationality = market[0], market[2], market[3]
        customer_id = None
        if rng.random() < 0.2:
            if not self.accounts or rng.random() < 0.12:
                customer_id = self._new_account(ids, rows, created_at)
            cumulative = self.account_cumulative
            customer = self.accounts[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]
            customer_id, email, lead_name, language = customer
        else:
            first, last = self._person()
            lead_name = f"{first} {last}"
            email = f"{first}.{last}{rng.randrange(1000)}@{rng.choice(EMAIL_DOMAINS)}".lower().replace(" ", "")
        phone = f"{phone_prefix}{rng.randrange(10**8, 10**9)}{rng.randrange(10)}"
        currency, rate = rng.choices(self.catalogue.currencies, [8, 2, 2, 1, 1, 1][: len(self.catalogue.currencies)])[0]

        # --- what was sold, priced in EUR then in the traveller's currency --------------------------------------
        lines: list[tuple[str, str, int, Decimal]] = []  # code, label, quantity, base amount
        booking_id = ids.take("bookings_booking")
        legs: list[tuple] = []
        extras: list[tuple[int, int, Decimal]] = []
        vehicle_id = pickup_place_id = pickup_at = None
        tour_departure_id = None
        pickup_point = ""
        if kind == "tour":
            assert departure is not None
            adult_price, child_price, infant_price, _tour_name, hotels = self.catalogue.tours[departure.tour]
            tour_departure_id = departure.id
            hotel_id, minutes_before, _hotel_name = rng.choice(hotels)
            pickup_place_id = hotel_id
            pickup_at = starts_at - dt.timedelta(minutes=minutes_before)
            pickup_point = "Main entrance"
            lines.append(("adults", "Adults", adults, adult_price * adults))
            if children:
                lines.append(("children", "Children", children, child_price * children))
            if infants and infant_price:
                lines.append(("infants", "Infants", infants, infant_price * infants))
        else:
            route = rng.choice(self.catalogue.routes_by_seats.get(seats) or self.catalogue.routes_by_seats[1])
            vehicle_id = route.vehicle
            returning = rng.random() < 0.45
            pickup = starts_at
            legs.append(self._leg(ids, booking_id, 1, route.origin, route.destination, route, pickup, False))
            fare = route.fare
            if returning:
                back = pickup + dt.timedelta(days=rng.randrange(3, 15), hours=rng.randrange(-6, 6))
                legs.append(self._leg(ids, booking_id, 2, route.destination, route.origin, route, back, True))
                fare = fare * 2
            lines.append(("fare", "Transfer", 1, fare))
            if children and rng.random() < 0.7:
                extras.append((self.catalogue.extras["child_seat"][0], min(children, 3), Decimal("0")))
            if infants and "baby_seat" in self.catalogue.extras:
                extras.append((self.catalogue.extras["baby_seat"][0], 1, Decimal("0")))
            if rng.random() < 0.08 and "meet_greet" in self.catalogue.extras:
                extras.append((self.catalogue.extras["meet_greet"][0], 1, Decimal("0")))
        priced_extras = []
        for extra_id, quantity, _zero in extras:
            code = next(c for c, e in self.catalogue.extras.items() if e[0] == extra_id)
            _pk, price, max_quantity, label = self.catalogue.extras[code]
            quantity = min(quantity, max_quantity)
            priced_extras.append((extra_id, quantity, price * quantity))
            lines.append((f"extra:{code}", label, quantity, price * quantity))
        total_base = _money(sum((line[3] for line in lines), Decimal("0")))
        local_lines = [(code, label, qty, _money(amount * rate)) for code, label, qty, amount in lines]
        total = sum((line[3] for line in local_lines), Decimal("0"))
        breakdown = json.dumps(
            {
                "currency": currency,
                "rate": f"{rate:.6f}",
                "lines": [
                    {"code": code, "label": label, "quantity": qty, "amount": str(amount)}
                    for code, label, qty, amount in local_lines
                ],
                "subtotal": str(total),
                "discount": "0.00",
                "total": str(total),
                "total_base": str(total_base),
            }
        )

        # --- what happened to it ------------------------------------------------------------------------------
        payment_method = "card" if rng.random() < 0.6 else "cash"
        roll = rng.random()
        if ahead:
            status = "cancelled" if roll < 0.07 else ("pending_payment" if roll < 0.09 else "confirmed")
        else:
            status = (
                "cancelled" if roll < 0.11 else "no_show" if roll < 0.14 else "expired" if roll < 0.16 else "completed"
            )
        if status in {"pending_payment", "expired"}:
            payment_method = "card"
        cancelled_at = None
        cancellation_fee = None
        hold_expires_at = None
        payment_state = "unpaid"
        payments: list[tuple] = []
        refunds: list[tuple] = []
        confirmed_at = created_at + dt.timedelta(minutes=rng.randrange(1, 15))
        if status == "cancelled":
            cancelled_at = min(confirmed_at + (starts_at - confirmed_at) * rng.random(), now)
            cancelled_at = max(cancelled_at, confirmed_at)
        if status == "pending_payment":
            hold_expires_at = created_at + dt.timedelta(minutes=30)
            if hold_expires_at <= now:
                hold_expires_at = now + dt.timedelta(minutes=rng.randrange(5, 30))
        if payment_method == "card" and status not in {"pending_payment", "expired"}:
            payment_id = ids.take("payments_payment")
            session = f"cs_load_{booking_id}_{self._key()[:12]}"
            payments.append(
                (
                    payment_id,
                    "stripe",
                    total,
                    currency,
                    "confirmed",
                    session,
                    f"pi_load_{booking_id}",
                    self._key(),
                    "",
                    False,
                    "",
                    created_at,
                    confirmed_at,
                    booking_id,
                )
            )
            payment_state = "paid"
            if status == "cancelled":
                refund_roll = rng.random()
                fee = (
                    Decimal("0")
                    if refund_roll < 0.7
                    else (_money(total * Decimal("0.2")) if refund_roll < 0.9 else total)
                )
                cancellation_fee = fee
                if fee < total:
                    refunds.append(
                        (
                            ids.take("payments_refund"),
                            "stripe",
                            total - fee,
                            currency,
                            "succeeded",
                            "Cancelled by the traveller",
                            f"re_load_{booking_id}",
                            "",
                            self._key(),
                            cancelled_at or now,
                            (cancelled_at or now) + dt.timedelta(minutes=2),
                            payment_id,
                        )
                    )
                    payment_state = "refunded" if fee == 0 else "partially_refunded"
        elif status == "expired":
            payments.append(
                (
                    ids.take("payments_payment"),
                    "stripe",
                    total,
                    currency,
                    "cancelled",
                    f"cs_load_{booking_id}_{self._key()[:12]}",
                    "",
                    self._key(),
                    "Checkout session expired",
                    False,
                    "",
                    created_at,
                    None,
                    booking_id,
                )
            )
        elif status == "pending_payment":
            payments.append(
                (
                    ids.take("payments_payment"),
                    "stripe",
                    total,
                    currency,
                    "pending",
                    f"cs_load_{booking_id}_{self._key()[:12]}",
                    "",
                    self._key(),
                    "",
                    False,
                    "",
                    created_at,
                    None,
                    booking_id,
                )
            )
        elif payment_method == "cash" and status == "completed" and total > 0:
            collected = starts_at + dt.timedelta(minutes=rng.randrange(30, 180))
            payments.append(
                (
                    ids.take("payments_payment"),
                    "cash",
                    total,
                    currency,
                    "confirmed",
                    "",
                    "",
                    self._key(),
                    "",
                    False,
                    "Collected by the driver",
                    collected,
                    collected,
                    booking_id,
                )
            )
            payment_state = "paid"
        if status == "cancelled" and cancellation_fee is None and payment_method == "card":
            cancellation_fee = Decimal("0")

        rows["bookings_booking"].append(
            (
                booking_id,
                created_at,
                max(created_at, min(now, cancelled_at or starts_at)),
                self._reference(),
                self._token(),
                kind,
                status,
                payment_method,
                payment_state,
                lead_name,
                email,
                phone,
                language,
                "",
                adults,
                children,
                infants,
                luggage,
                starts_at,
                currency,
                rate,
                total,
                total_base,
                breakdown,
                pickup_point,
                cancellation_fee,
                cancelled_at,
                customer_id,
                tour_departure_id,
                vehicle_id,
                hold_expires_at,
                pickup_at,
                pickup_place_id,
            )
        )
        rows["bookings_transferleg"].extend(legs)
        position = 0
        lead_first, _space, lead_last = lead_name.partition(" ")
        for category, number in (("adult", adults), ("child", children), ("infant", infants)):
            for index in range(number):
                position += 1
                if position == 1:
                    first, last = lead_first, lead_last or lead_first
                else:
                    first, last = rng.choice(FIRST_NAMES), (lead_last if index < 2 else rng.choice(LAST_NAMES))
                document = f"P{rng.randrange(10**7, 10**8)}" if not ahead else ""
                rows["bookings_passenger"].append(
                    (
                        ids.take("bookings_passenger"),
                        position,
                        category,
                        first,
                        last,
                        booking_id,
                        document,
                        nationality if document else "",
                    )
                )
        for extra_id, quantity, amount in priced_extras:
            rows["bookings_bookingextra"].append(
                (ids.take("bookings_bookingextra"), quantity, _money(amount * rate), booking_id, extra_id)
            )
        first_status = "pending_payment" if payment_method == "card" else "confirmed"
        events = [("created", "", first_status, created_at)]
        if payment_method == "card" and status not in {"pending_payment", "expired"}:
            events.append(("status", "pending_payment", "confirmed", confirmed_at))
        if status in {"completed", "no_show"}:
            events.append(("status", "confirmed", status, starts_at + dt.timedelta(hours=2)))
        elif status == "cancelled":
            events.append(("status", "confirmed", "cancelled", cancelled_at or now))
        elif status == "expired":
            events.append(("status", "pending_payment", "expired", created_at + dt.timedelta(minutes=30)))
        for event_kind, from_status, to_status, at in events:
            rows["bookings_bookingevent"].append(
                (
                    ids.take("bookings_bookingevent"),
                    event_kind,
                    from_status,
                    to_status,
                    GENERATOR_LABEL,
                    "",
                    "{}",
                    at,
                    booking_id,
                )
            )
        rows["payments_payment"].extend(payments)
        rows["payments_refund"].extend(refunds)

    def _leg(
        self,
        ids: _Ids,
        booking_id: int,
        sequence: int,
        origin: int,
        destination: int,
        route: _Route,
        pickup_at: dt.datetime,
        back: bool,
    ) -> tuple:
        rng = self.rng
        from_airport = route.destination_airport if back else route.origin_airport
        to_airport = route.origin_airport if back else route.destination_airport
        flight = f"{rng.choice(AIRLINES)}{rng.randrange(100, 9999)}"
        arrival = departure = None
        if from_airport:
            arrival = pickup_at - dt.timedelta(minutes=rng.choice((0, 10, 20, 30)))
        elif to_airport:
            departure = pickup_at + dt.timedelta(hours=3)
        else:
            flight = ""
        point = "Arrivals hall, exit 2" if from_airport else "Hotel lobby"
        return (
            ids.take("bookings_transferleg"),
            sequence,
            pickup_at,
            point,
            flight,
            arrival,
            departure,
            booking_id,
            origin,
            destination,
        )


def generate(options: Options, progress: Callable[[str], None]) -> Summary:
    """Write ``options.bookings`` bookings of a ``options.years``-year history, in batches; returns what was written."""
    if options.bookings < 1:
        raise LoadDataError(f"--bookings must be at least 1 (got {options.bookings}).")
    if not 1 <= options.years <= 20:
        raise LoadDataError(f"--years must be between 1 and 20 (got {options.years}).")
    if options.batch_size < 1:
        raise LoadDataError(f"--batch-size must be at least 1 (got {options.batch_size}).")
    return Generator(options, progress).run()


def summary_lines(summary: Summary) -> list[str]:
    lines: list[Any] = [f"{table}: {count:,}" for table, count in sorted(summary.rows.items())]
    lines.append(f"new accounts: {summary.accounts:,}; new tour departures: {summary.departures:,}")
    rate = summary.total_rows / summary.seconds if summary.seconds else 0
    lines.append(f"{summary.total_rows:,} rows in {summary.seconds:.1f} s ({rate:,.0f} rows/s)")
    return lines
