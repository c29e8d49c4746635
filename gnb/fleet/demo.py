"""The demo fleet of an operator on the Antalya coast: fourteen drivers, sixteen vehicles, the zone-to-zone drive
times, tomorrow's extra rides, and a dispatched day, so the board after ``make run`` looks like a real one.

``manage.py load_demo`` calls :func:`load_fleet` (drivers, vehicles, drive times) and, after the demo bookings,
:func:`dispatch_demo_days` (passport details for some travellers, a driver and vehicle for about half of
tomorrow's rides). Both are safe to run any number of times: rows are found by their natural keys (username, plate,
zone pair) and updated in place, and a ride already on a trip is left as it is.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from gnb.accounts.roles import DRIVER, user_role_set
from gnb.bookings.models import Booking, TransferLeg
from gnb.bookings.orders import PassengerDocuments
from gnb.bookings.services import DOCUMENTS_OPEN, booking_passenger_documents_set
from gnb.bookings.services import Actor as BookingActor
from gnb.catalog.models import TourDeparture, VehicleClass, Zone
from gnb.core.errors import DomainError
from gnb.fleet import rules, selectors
from gnb.fleet.models import Driver, DriverShift, DriverTimeOff, Sex, Trip, Vehicle, ZoneDriveTime
from gnb.fleet.services import Actor, AssignmentRefused, RideRef, fleet_assign

logger = logging.getLogger(__name__)

DEMO_DISPATCHER = Actor("demo")
DAY_SHIFT = (dt.time(7, 0), dt.time(23, 0))
NIGHT_SHIFT = (dt.time(19, 0), dt.time(7, 0))  # runs past midnight


# --- drivers ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DriverSpec:
    username: str
    first_name: str
    last_name: str
    sex: str
    languages: tuple[str, ...]
    rest_day: int  # the weekday (0 = Monday) of the weekly day off
    night: bool = False
    off_tomorrow: bool = False
    notes: str = ""


DRIVERS: list[DriverSpec] = [
    DriverSpec("driver-mehmet", "Mehmet", "Yıldız", Sex.MALE, ("tr", "en", "de"), 0),
    DriverSpec("driver-ahmet", "Ahmet", "Kaya", Sex.MALE, ("tr", "en"), 1),
    DriverSpec("driver-mustafa", "Mustafa", "Demir", Sex.MALE, ("tr", "ru"), 2),
    DriverSpec("driver-ayse", "Ayşe", "Çelik", Sex.FEMALE, ("tr", "en", "ru"), 3, notes="VIP and family transfers."),
    DriverSpec("driver-emre", "Emre", "Şahin", Sex.MALE, ("tr", "en"), 4),
    DriverSpec("driver-hasan", "Hasan", "Aydın", Sex.MALE, ("tr", "de"), 5, off_tomorrow=True),
    DriverSpec("driver-huseyin", "Hüseyin", "Öztürk", Sex.MALE, ("tr",), 6, notes="Minibus and midibus licence."),
    DriverSpec("driver-ibrahim", "İbrahim", "Arslan", Sex.MALE, ("tr", "en"), 0),
    DriverSpec("driver-fatma", "Fatma", "Doğan", Sex.FEMALE, ("tr", "en", "nl"), 1),
    DriverSpec("driver-murat", "Murat", "Koç", Sex.MALE, ("tr", "ru", "uk"), 2),
    DriverSpec("driver-ali", "Ali", "Kurt", Sex.MALE, ("tr", "en", "pl"), 3),
    DriverSpec("driver-osman", "Osman", "Özdemir", Sex.MALE, ("tr", "de", "en"), 4),
    DriverSpec("driver-kemal", "Kemal", "Polat", Sex.MALE, ("tr", "en"), 5, night=True, notes="Night shift."),
    DriverSpec("driver-serkan", "Serkan", "Erdoğan", Sex.MALE, ("tr", "ru"), 6, night=True, notes="Night shift."),
]


def tc_identity_number(seed: int) -> str:
    """A well-formed T.C. identity number (its two check digits right) made from ``seed``: valid in form, and
    belonging to nobody (the demo's numbers start with 9 and are not issued in this pattern)."""
    digits = [9, *[int(c) for c in f"{seed:08d}"[-8:]]]
    odd, even = sum(digits[0:9:2]), sum(digits[1:8:2])
    digits.append((odd * 7 - even) % 10)
    digits.append(sum(digits) % 10)
    return "".join(str(d) for d in digits)


def _driver_user(spec: DriverSpec):
    user_model = get_user_model()
    user = user_model.objects.filter(username=spec.username).first()
    if user is None:
        # No password: demo drivers cannot sign in until someone sets one in the back office.
        user = user_model.objects.create_user(
            username=spec.username,
            email=f"{spec.username}@example.com",
            password=None,
            first_name=spec.first_name,
            last_name=spec.last_name,
        )
    if not user.groups.filter(name=DRIVER).exists():
        user_role_set(user=user, role=DRIVER, actor=None)
    return user


def load_drivers(*, today: dt.date) -> list[Driver]:
    drivers = []
    for number, spec in enumerate(DRIVERS, start=1):
        driver, _created = Driver.objects.update_or_create(
            user=_driver_user(spec),
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "phone": f"+90532{4100000 + number * 1373:07d}",
                "languages": list(spec.languages),
                "nationality": "TR",
                "identity_number": tc_identity_number(31415000 + number * 97),
                "sex": spec.sex,
                "licence_number": f"07-{480000 + number * 211}",
                # Documents run out in the coming years, at different times (the compliance alerts stay quiet).
                "licence_expires_on": today + dt.timedelta(days=400 + number * 53),
                "src_certificate_number": f"SRC2-{70000 + number * 37}",
                "src_expires_on": today + dt.timedelta(days=300 + number * 41),
                "psychotechnical_expires_on": today + dt.timedelta(days=200 + number * 29),
                "is_active": True,
                "notes": spec.notes,
            },
        )
        starts, ends = NIGHT_SHIFT if spec.night else DAY_SHIFT
        wanted = {weekday for weekday in range(7) if weekday != spec.rest_day}
        driver.shifts.exclude(weekday__in=wanted, starts_at=starts, ends_at=ends).delete()
        for weekday in sorted(wanted):
            DriverShift.objects.get_or_create(
                driver=driver, weekday=weekday, starts_at=starts, defaults={"ends_at": ends}
            )
        if spec.off_tomorrow:
            tomorrow = today + dt.timedelta(days=1)
            if not driver.time_off.filter(starts_on__lte=tomorrow, ends_on__gte=tomorrow).exists():
                DriverTimeOff.objects.create(
                    driver=driver,
                    starts_on=tomorrow,
                    ends_on=tomorrow + dt.timedelta(days=2),
                    reason="Annual leave",
                )
        drivers.append(driver)
    return drivers


# --- vehicles -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VehicleSpec:
    plate: str
    vehicle_class: str
    make: str
    model: str
    colour: str
    year: int
    home_zone: str
    insurance_in_days: int | None = None  # None: some months ahead, different for each vehicle
    extra_luggage: int = 0


VEHICLES: list[VehicleSpec] = [
    VehicleSpec("07 ABD 214", "sedan", "Škoda", "Superb", "Black", 2022, "antalya-airport"),
    VehicleSpec("07 BTK 587", "sedan", "Toyota", "Corolla", "White", 2023, "lara"),
    VehicleSpec("07 CRN 362", "sedan", "Volkswagen", "Passat", "Grey", 2021, "belek"),
    VehicleSpec("07 DMR 940", "sedan", "Škoda", "Superb", "Silver", 2024, "side", insurance_in_days=10),
    VehicleSpec("07 EKS 118", "minivan", "Mercedes-Benz", "Vito Tourer", "Black", 2023, "antalya-airport"),
    VehicleSpec("07 FHT 725", "minivan", "Volkswagen", "Transporter", "White", 2022, "antalya-airport"),
    VehicleSpec("07 GLS 433", "minivan", "Ford", "Tourneo Custom", "Grey", 2021, "lara", extra_luggage=1),
    VehicleSpec("07 HNZ 806", "minivan", "Mercedes-Benz", "Vito Tourer", "Silver", 2024, "belek"),
    VehicleSpec("07 JKP 271", "minivan", "Volkswagen", "Caravelle", "Blue", 2020, "side"),
    VehicleSpec("07 KLM 649", "minivan", "Ford", "Tourneo Custom", "White", 2023, "alanya"),
    VehicleSpec("07 MRS 350", "vip-minivan", "Mercedes-Benz", "V-Class", "Black", 2024, "antalya-airport"),
    VehicleSpec("07 NVT 912", "vip-minivan", "Mercedes-Benz", "Vito VIP", "Black", 2023, "belek"),
    VehicleSpec("07 PRT 477", "minibus", "Mercedes-Benz", "Sprinter", "White", 2022, "antalya-airport"),
    VehicleSpec("07 RZA 138", "minibus", "Volkswagen", "Crafter", "White", 2021, "side"),
    VehicleSpec("07 SEV 563", "minibus", "Mercedes-Benz", "Sprinter", "Silver", 2023, "kemer"),
    VehicleSpec("07 TUR 790", "midibus", "Isuzu", "Novo Lux", "White", 2020, "antalya-airport"),
]


def load_vehicles(*, today: dt.date) -> list[Vehicle]:
    classes = {c.code: c for c in VehicleClass.objects.filter(code__in={v.vehicle_class for v in VEHICLES})}
    zones = {z.code: z for z in Zone.objects.filter(code__in={v.home_zone for v in VEHICLES})}
    vehicles = []
    for number, spec in enumerate(VEHICLES):
        vehicle_class = classes[spec.vehicle_class]
        vehicle, _created = Vehicle.objects.update_or_create(
            plate=spec.plate,
            defaults={
                "vehicle_class": vehicle_class,
                "seats": vehicle_class.max_passengers,
                "luggage": vehicle_class.max_luggage + spec.extra_luggage,
                "make": spec.make,
                "model": spec.model,
                "colour": spec.colour,
                "year": spec.year,
                "insurance_expires_on": today + dt.timedelta(days=spec.insurance_in_days or 200 + number * 13),
                "inspection_expires_on": today + dt.timedelta(days=150 + number * 17),
                "route_permit_expires_on": today + dt.timedelta(days=320 + number * 11),
                "home_zone": zones.get(spec.home_zone),
                "is_active": True,
            },
        )
        vehicles.append(vehicle)
    return vehicles


# --- drive times ----------------------------------------------------------------------------------------------
# Minutes between the demo's zones by road in ordinary traffic (the same both ways); a ride within a zone is 20.
ZONE_ORDER = (
    "antalya-airport",
    "gazipasa-airport",
    "antalya-city",
    "lara",
    "belek",
    "side",
    "alanya",
    "kemer",
    "kas-kalkan",
)
_MINUTES = (
    # AYT  GZP  city  lara belek side alanya kemer kaş
    (20, 140, 25, 25, 35, 65, 120, 60, 210),  # Antalya Airport
    (140, 20, 150, 135, 115, 85, 40, 190, 300),  # Gazipaşa-Alanya Airport
    (25, 150, 20, 25, 45, 75, 135, 45, 190),  # Antalya City Centre & Konyaaltı
    (25, 135, 25, 20, 35, 65, 125, 65, 210),  # Lara & Kundu
    (35, 115, 45, 35, 20, 40, 95, 75, 225),  # Belek
    (65, 85, 75, 65, 40, 20, 60, 105, 250),  # Side & Manavgat
    (120, 40, 135, 125, 95, 60, 20, 160, 300),  # Alanya, Okurcalar & Mahmutlar
    (60, 190, 45, 65, 75, 105, 160, 20, 150),  # Kemer, Beldibi & Tekirova
    (210, 300, 190, 210, 225, 250, 300, 150, 20),  # Kaş & Kalkan
)
DRIVE_TIMES: dict[tuple[str, str], int] = {
    (origin, destination): _MINUTES[row][column]
    for row, origin in enumerate(ZONE_ORDER)
    for column, destination in enumerate(ZONE_ORDER)
}


def load_drive_times() -> int:
    """Every ordered pair of the demo's zones (both directions kept, so each can be changed on its own)."""
    zones = {z.code: z for z in Zone.objects.filter(code__in=ZONE_ORDER)}
    for (origin, destination), minutes in DRIVE_TIMES.items():
        ZoneDriveTime.objects.update_or_create(
            origin=zones[origin], destination=zones[destination], defaults={"minutes": minutes}
        )
    return len(DRIVE_TIMES)


def load_fleet(*, now: dt.datetime) -> dict[str, int]:
    """Drivers (with users of the driver role, no password), vehicles and drive times; counts of each."""
    today = timezone.localdate(now, rules.LOCAL)
    drivers = load_drivers(today=today)
    vehicles = load_vehicles(today=today)
    pairs = load_drive_times()
    return {"drivers": len(drivers), "vehicles": len(vehicles), "drive_times": pairs}


# --- tomorrow's rides -----------------------------------------------------------------------------------------
def _transfer(
    email: str,
    name: str,
    phone: str,
    language: str,
    currency: str,
    route: tuple[str, str],
    vehicle: str,
    time: str,
    passengers: list[tuple[str, str, str]],
    *,
    luggage: int,
    flight: str | None = None,
    payment: str = "cash",
    dispatch: bool = False,
    passports: str = "",
    extras: list[tuple[str, int]] | None = None,
    pickup_point: str = "",
) -> dict:
    """A demo booking in the form of ``gnb.catalog.demo.DEMO_BOOKINGS``, confirmed, for tomorrow."""
    adults = sum(1 for *_names, category in passengers if category == "adult")
    children = sum(1 for *_names, category in passengers if category == "child")
    infants = len(passengers) - adults - children
    spec = {
        "email": email,
        "name": name,
        "phone": phone,
        "language": language,
        "currency": currency,
        "payment": payment,
        "kind": "transfer",
        "route": route,
        "vehicle": vehicle,
        "pickup": {"days": 1, "time": time},
        "booked_days_ago": 6,
        "party": (adults, children, infants, luggage),
        "passengers": passengers,
        "extras": extras or [],
        # A card booking is shown paid; a cash one is confirmed when placed.
        "path": ["confirmed"] if payment == "card" else [],
        # Only this module reads these two: whether the demo gives the ride a driver, and whose passports are in.
        "dispatch": dispatch,
        "passports": passports,
    }
    if flight:
        spec["flight"] = flight
    if pickup_point:
        spec["pickup_point"] = pickup_point
    return spec


# The demo catalogue's own bookings cover a few days each; these fill tomorrow as an ordinary summer day.
BOARD_BOOKINGS: list[dict] = [
    _transfer(
        "sarah.jones@example.com", "Sarah Jones", "+447911234561", "en", "GBP", ("ayt", "delphin-be-grand"),
        "minivan", "08:40", [("Sarah", "Jones", "adult"), ("Tom", "Jones", "adult"), ("Ella", "Jones", "child")],
        luggage=4, flight="LS1601", dispatch=True, passports="all", extras=[("child_seat", 1)],
    ),
    _transfer(
        "anke.mueller@example.com", "Anke Müller", "+4917612345678", "de", "EUR", ("ayt", "calista-luxury-resort"),
        "sedan", "09:15", [("Anke", "Müller", "adult"), ("Jörg", "Müller", "adult")],
        luggage=2, flight="DE1572", dispatch=True, passports="all",
    ),
    _transfer(
        "dmitry.sokolov@example.com", "Dmitry Sokolov", "+79031234567", "ru", "RUB", ("ayt", "seven-seas-life"),
        "minivan", "10:05", [("Dmitry", "Sokolov", "adult"), ("Anna", "Sokolova", "adult"),
                             ("Misha", "Sokolov", "child"), ("Vera", "Sokolova", "infant")],
        luggage=5, flight="SU2136", dispatch=False, passports="first", extras=[("baby_seat", 1)],
    ),
    _transfer(
        "piotr.nowak@example.com", "Piotr Nowak", "+48601234567", "pl", "EUR", ("ayt", "cleopatra-beach"),
        "sedan", "11:30", [("Piotr", "Nowak", "adult"), ("Kasia", "Nowak", "adult")],
        luggage=2, flight="ENT7761", dispatch=True, passports="all",
    ),
    _transfer(
        "maud.devries@example.com", "Maud de Vries", "+31687654321", "nl", "EUR", ("ayt", "maxx-royal-belek"),
        "vip-minivan", "12:20", [("Maud", "de Vries", "adult"), ("Bas", "de Vries", "adult"),
                                 ("Fenna", "de Vries", "child")],
        luggage=4, flight="HV6601", dispatch=False, passports="", extras=[("meet_greet", 1), ("booster", 1)],
    ),
    _transfer(
        "oksana.kovalenko@example.com", "Oksana Kovalenko", "+380671234567", "uk", "EUR",
        ("rixos-downtown-antalya", "ayt"), "sedan", "13:00", [("Oksana", "Kovalenko", "adult")],
        luggage=1, dispatch=True, passports="all", pickup_point="Lobby",
    ),
    _transfer(
        "camille.martin@example.com", "Camille Martin", "+33612345678", "fr", "EUR", ("ayt", "lara-barut-collection"),
        "sedan", "14:10", [("Camille", "Martin", "adult"), ("Hugo", "Martin", "adult")],
        luggage=3, flight="TO3522", dispatch=False, passports="all",
    ),
    _transfer(
        "familie.weber@example.com", "Stefan Weber", "+4915901234567", "de", "EUR", ("ayt", "susesi-luxury-resort"),
        "minibus", "15:45",
        [("Stefan", "Weber", "adult"), ("Petra", "Weber", "adult"), ("Jonas", "Weber", "child"),
         ("Lea", "Weber", "child"), ("Klaus", "Weber", "adult"), ("Renate", "Weber", "adult"),
         ("Max", "Weber", "child"), ("Paul", "Weber", "infant")],
        luggage=10, flight="XQ141", dispatch=True, passports="first", extras=[("child_seat", 2)],
    ),
    _transfer(
        "olivia.brown@example.com", "Olivia Brown", "+447911234562", "en", "GBP", ("ayt", "akra-hotel"),
        "sedan", "17:25", [("Olivia", "Brown", "adult"), ("Noah", "Brown", "adult")],
        luggage=2, flight="BA676", payment="card", dispatch=False, passports="",
    ),
    _transfer(
        "ahmet.celik@example.com", "Ahmet Çelik", "+905301234567", "tr", "TRY", ("kaya-palazzo-belek", "ayt"),
        "minivan", "20:30", [("Ahmet", "Çelik", "adult"), ("Zeynep", "Çelik", "adult"), ("Can", "Çelik", "child")],
        luggage=4, dispatch=True, passports="all", pickup_point="Ana giriş",
    ),
    _transfer(
        "liam.walsh@example.com", "Liam Walsh", "+447911234563", "en", "EUR", ("ayt", "crystal-sunrise-queen"),
        "minivan", "23:40", [("Liam", "Walsh", "adult"), ("Grace", "Walsh", "adult"), ("Jack", "Walsh", "child")],
        luggage=4, flight="EZY8821", dispatch=False, passports="first",
    ),
    _transfer(
        "natalia.ivanova@example.com", "Natalia Ivanova", "+79161112233", "ru", "RUB", ("ayt", "titanic-deluxe-belek"),
        "sedan", "02:15", [("Natalia", "Ivanova", "adult"), ("Pavel", "Ivanov", "adult")],
        luggage=2, flight="PC1082", dispatch=True, passports="all",
    ),
]  # fmt: skip
BOARD_BY_EMAIL = {spec["email"]: spec for spec in BOARD_BOOKINGS}

# ISO country for the demo's travellers, by the booking's language.
NATIONALITY = {"en": "GB", "de": "DE", "ru": "RU", "nl": "NL", "pl": "PL", "uk": "UA", "fr": "FR", "tr": "TR"}


def _documents(booking: Booking, which: str) -> list[PassengerDocuments]:
    nationality = NATIONALITY.get(booking.language, "GB")
    count = booking.passengers.count() if which == "all" else 1
    documents = []
    for index in range(count):
        if nationality == "TR":
            number = tc_identity_number(booking.pk * 10 + index)
        else:
            number = f"{nationality}{booking.pk:05d}{index:02d}"
        documents.append(PassengerDocuments(index=index, nationality=nationality, document_number=number))
    return documents


def _give_passports(bookings: list[Booking]) -> None:
    for booking in bookings:
        which = BOARD_BY_EMAIL.get(booking.lead_email, {}).get("passports", "")
        if which and booking.status in DOCUMENTS_OPEN:
            booking_passenger_documents_set(
                booking_id=booking.pk, documents=_documents(booking, which), actor=BookingActor("demo")
            )


def _assign(ride: RideRef, vehicles: list[Vehicle], drivers: list[Driver]) -> Trip | None:
    """The first driver and vehicle the rules allow for the ride (the services decide), or None."""
    for vehicle in vehicles:
        for driver in drivers:
            try:
                return fleet_assign(ride=ride, driver_id=driver.pk, vehicle_id=vehicle.pk, actor=DEMO_DISPATCHER)
            except AssignmentRefused as refusal:
                if refusal.code.startswith("vehicle"):
                    break  # this vehicle will not do, whoever drives
            except DomainError:
                return None
    return None


def _vehicles_for(booking: Booking, vehicles: list[Vehicle]) -> list[Vehicle]:
    """The booked class first, then bigger ones (an upgrade), smallest first."""
    booked = booking.vehicle_class
    if booked is None:
        return sorted(vehicles, key=lambda v: (v.seats, v.plate))
    return sorted(
        (v for v in vehicles if v.seats >= booked.max_passengers and v.luggage >= booked.max_luggage),
        key=lambda v: (v.vehicle_class_id != booked.pk, v.seats, v.plate),
    )


def dispatch_demo_days(*, now: dt.datetime) -> int:
    """Passport details for some of today's and tomorrow's travellers, and a driver and vehicle for the demo rides
    of those days that should have one (about half of tomorrow's, and every ride the demo already calls
    assigned); the rest wait on the board. Returns how many trips there are on those two days."""
    today = timezone.localdate(now, rules.LOCAL)
    start = dt.datetime.combine(today, dt.time(0, 0), tzinfo=rules.LOCAL)
    end = start + dt.timedelta(days=2)
    bookings = list(
        Booking.objects.filter(starts_at__gte=start, starts_at__lt=end, status__in=DOCUMENTS_OPEN).order_by("pk")
    )
    _give_passports(bookings)

    drivers = list(Driver.objects.filter(user__username__in=[d.username for d in DRIVERS]).order_by("pk"))
    vehicles = list(Vehicle.objects.filter(plate__in=[v.plate for v in VEHICLES]).select_related("vehicle_class"))
    wanted = {b.pk for b in bookings if BOARD_BY_EMAIL.get(b.lead_email, {}).get("dispatch")}
    wanted |= {b.pk for b in bookings if b.status == Booking.Status.ASSIGNED}
    legs = TransferLeg.objects.filter(
        booking_id__in=wanted, pickup_at__gte=max(start, now), pickup_at__lt=end, rides__isnull=True
    ).select_related("booking__vehicle_class")
    for leg in legs.order_by("pickup_at", "pk"):
        if _assign(RideRef(leg_id=leg.pk), _vehicles_for(leg.booking, vehicles), drivers) is None:
            logger.warning("demo ride left unassigned", extra={"leg": leg.pk})
    departures = TourDeparture.objects.filter(
        Q(bookings__pk__in=wanted), starts_at__gte=max(start, now), starts_at__lt=end
    ).distinct()
    for departure in departures:
        waiting = departure.bookings.filter(status__in=selectors.ASSIGNABLE, trip_rides__isnull=True)
        first = waiting.first()
        if first is not None:
            _assign(RideRef(departure_id=departure.pk), _vehicles_for(first, vehicles), drivers)
    return Trip.objects.exclude(status=Trip.Status.RELEASED).filter(starts_at__gte=start, starts_at__lt=end).count()
