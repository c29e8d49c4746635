"""The dispatch board of one day (a local date in Europe/Istanbul), read in a fixed number of queries.

What waits for a driver (transfer legs with no live trip, tour departures whose bookings are not all seated), every
active driver's day (live trips, free gaps in the shift, time off), and, for the assign form of one ride, every
driver and vehicle with "fits" or the reasons it does not. The reasons come from ``gnb.fleet.rules`` applied in
memory to data read once for the day: the board never queries per driver, per vehicle or per ride, so a day of 300
trips costs the same number of queries as a day of three.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gnb.bookings.models import Booking, BookingExtra, Passenger, TransferLeg
from gnb.catalog.models import TourDeparture
from gnb.core.errors import DomainError
from gnb.fleet import rules, selectors
from gnb.fleet.models import Driver, DriverShift, DriverTimeOff, Trip, TripBooking, Vehicle

LOCAL = rules.LOCAL
# Refusals a vehicle may have for a tour departure and still take part of the group: the service seats as many
# whole parties as fit (gnb.fleet.services.fleet_assign), another vehicle takes the rest.
PARTIAL_LOAD = frozenset({"vehicle_seats", "vehicle_luggage", "vehicle_class"})


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL)


def local_today(now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(LOCAL).date()


def clock(moment: dt.datetime, *, end_of_day: bool = False) -> str:
    """``HH:MM`` in local time; with ``end_of_day`` a range's end at midnight reads 24:00."""
    local = moment.astimezone(LOCAL)
    if end_of_day and (local.hour, local.minute) == (0, 0):
        return "24:00"
    return local.strftime("%H:%M")


def missing_documents_text(count: int) -> str:
    return ngettext(
        "U-ETDS: %(count)s passenger without nationality or document number",
        "U-ETDS: %(count)s passengers without nationality or document number",
        count,
    ) % {"count": count}


# --- what the board shows --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExtraLine:
    name: str
    quantity: int


@dataclass
class WaitingRide:
    """A ride with no driver yet: a transfer leg (``leg_id``) or a tour departure's unseated bookings."""

    key: str  # "leg-12" or "departure-3": the value of the bulk checkbox and the assign link
    leg_id: int | None
    departure_id: int | None
    references: list[str]
    booking_ids: list[int]
    pickup_at: dt.datetime
    flight_number: str
    flight_lands_at: dt.datetime | None
    adults: int
    children: int
    infants: int
    luggage: int
    extras: list[ExtraLine]
    pickup_place: str
    pickup_zone: str
    destination: str
    booked_class: str
    lead_name: str
    language: str
    # Passengers still missing nationality or document number: U-ETDS cannot be told about this ride yet.
    missing_documents: int = 0
    ride: rules.Ride | None = None
    # A ride to the airport: when the travellers' flight leaves (the driver must be there well before).
    flight_departs_at: dt.datetime | None = None
    # Why no ride could be worked out (no drive time kept for the route, a tour with no pickup zone).
    problem: str = ""
    # For a departure: the smallest party waiting, which a vehicle must at least hold to be of use.
    smallest_party_ride: rules.Ride | None = None

    @property
    def passengers(self) -> int:
        return self.adults + self.children + self.infants

    # Words and times worked out here rather than in the template: a day lists hundreds of rides.
    @property
    def pickup_time(self) -> str:
        return clock(self.pickup_at)

    @property
    def lands_time(self) -> str:
        return clock(self.flight_lands_at) if self.flight_lands_at else ""

    @property
    def departs_time(self) -> str:
        return clock(self.flight_departs_at) if self.flight_departs_at else ""

    @property
    def party_text(self) -> str:
        bags = ngettext("%(count)s bag", "%(count)s bags", self.luggage) % {"count": self.luggage}
        return f"{self.adults} / {self.children} / {self.infants} · {bags}"

    @property
    def missing_text(self) -> str:
        return missing_documents_text(self.missing_documents)

    @property
    def is_tour(self) -> bool:
        return self.departure_id is not None

    @property
    def unreportable(self) -> bool:
        return self.missing_documents > 0


@dataclass
class TripBlock:
    trip: Trip
    label: str
    references: list[str]
    missing_documents: int = 0
    # The addresses of its pages (change, unassign, manifests), and its block of the page, filled in by the view.
    links: Mapping[str, str] = field(default_factory=dict)
    html: str = ""

    @property
    def unreportable(self) -> bool:
        return self.missing_documents > 0

    @property
    def time_range(self) -> str:
        return f"{clock(self.trip.starts_at)}–{clock(self.trip.ends_at)}"

    @property
    def passengers_text(self) -> str:
        count = self.trip.passengers
        return ngettext("%(count)s passenger", "%(count)s passengers", count) % {"count": count}

    @property
    def missing_text(self) -> str:
        return missing_documents_text(self.missing_documents)

    @property
    def missing_short(self) -> str:
        count = self.missing_documents
        return ngettext("U-ETDS: %(count)s without documents", "U-ETDS: %(count)s without documents", count) % {
            "count": count
        }


@dataclass(frozen=True)
class Gap:
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def time_range(self) -> str:
        return f"{clock(self.starts_at)}–{clock(self.ends_at, end_of_day=True)}"


@dataclass
class DriverRow:
    """One driver's day: shifts (local, clipped to the day), live trips, the free gaps in the shifts, time off."""

    driver: Driver
    shifts: list[tuple[dt.datetime, dt.datetime]]
    trips: list[TripBlock]
    gaps: list[Gap]
    off: DriverTimeOff | None = None

    @property
    def shifts_text(self) -> str:
        return ", ".join(f"{clock(begins)}–{clock(ends, end_of_day=True)}" for begins, ends in self.shifts)

    @property
    def timeline(self) -> list[TripBlock | Gap]:
        """Trips and gaps in the order of the day."""
        return sorted(
            [*self.trips, *self.gaps],
            key=lambda item: item.trip.starts_at if isinstance(item, TripBlock) else item.starts_at,
        )


@dataclass(frozen=True)
class Option:
    """A driver or a vehicle for one ride: it fits when nothing refuses it."""

    pk: int
    label: str
    refusals: tuple[rules.Refusal, ...] = ()
    # A vehicle too small for the whole tour group that still takes some of its parties.
    partial: bool = False

    @property
    def fits(self) -> bool:
        return not self.refusals or self.partial

    @property
    def reasons(self) -> str:
        return " ".join(refusal.message for refusal in self.refusals)


@dataclass
class Options:
    drivers: list[Option]
    vehicles: list[Option]

    @property
    def fitting_drivers(self) -> list[Option]:
        return [o for o in self.drivers if o.fits]

    @property
    def other_drivers(self) -> list[Option]:
        return [o for o in self.drivers if not o.fits]

    @property
    def fitting_vehicles(self) -> list[Option]:
        return [o for o in self.vehicles if o.fits]

    @property
    def other_vehicles(self) -> list[Option]:
        return [o for o in self.vehicles if not o.fits]

    @property
    def other_count(self) -> int:
        return len(self.other_drivers) + len(self.other_vehicles)


@dataclass
class Board:
    day: dt.date
    waiting: list[WaitingRide]
    drivers: list[DriverRow]
    # Live trips of the day with a vehicle but no driver yet (assigned one at a time).
    driverless: list[TripBlock]
    vehicles: list[Vehicle]
    drive_times: Mapping[tuple[int, int], int]
    _driver_days: dict[int, rules.DriverDay] = field(default_factory=dict)
    _vehicle_days: dict[int, rules.VehicleDay] = field(default_factory=dict)
    _trips: dict[int, TripBlock] = field(default_factory=dict)

    @property
    def trip_count(self) -> int:
        return len(self._trips)

    def waiting_ride(self, key: str) -> WaitingRide | None:
        return next((ride for ride in self.waiting if ride.key == key), None)

    def trip_block(self, trip_id: int) -> TripBlock | None:
        return self._trips.get(trip_id)

    def options_for(
        self, ride: rules.Ride, *, excluding_trip_id: int | None = None, smallest: rules.Ride | None = None
    ):
        """Every active driver and vehicle for ``ride``: those that fit first, each other one with its reasons.

        ``excluding_trip_id`` is the trip being changed (its own busy range is no conflict); ``smallest`` the
        smallest party of a tour departure, which a vehicle too small for the whole group may still take.
        """
        drivers = []
        for day in self._driver_days.values():
            if excluding_trip_id is not None:
                day = rules.DriverDay(
                    day.driver, day.shifts, day.time_off, [b for b in day.busy if b.trip_id != excluding_trip_id]
                )
            refusals = tuple(rules.driver_refusals(day, ride))
            drivers.append(Option(day.driver.pk, day.driver.full_name, refusals))
        vehicles = []
        for vehicle_day in self._vehicle_days.values():
            if excluding_trip_id is not None:
                vehicle_day = rules.VehicleDay(
                    vehicle_day.vehicle,
                    vehicle_day.vehicle_class,
                    [b for b in vehicle_day.busy if b.trip_id != excluding_trip_id],
                )
            refusals = tuple(rules.vehicle_refusals(vehicle_day, ride))
            partial = False
            if refusals and smallest is not None and {r.code for r in refusals} <= PARTIAL_LOAD:
                partial = not rules.vehicle_refusals(vehicle_day, smallest)
            vehicle = vehicle_day.vehicle
            label = f"{vehicle.plate} · {vehicle_day.vehicle_class.name} · {vehicle.seats}/{vehicle.luggage}"
            vehicles.append(Option(vehicle.pk, label, refusals, partial))
        return Options(
            drivers=sorted(drivers, key=lambda o: not o.fits),
            vehicles=sorted(vehicles, key=lambda o: not o.fits),
        )

    def options_for_waiting(self, waiting: WaitingRide) -> Options | None:
        if waiting.ride is None:
            return None
        return self.options_for(waiting.ride, smallest=waiting.smallest_party_ride)


# --- reading the day -------------------------------------------------------------------------------------------
def board_day(*, day: dt.date) -> Board:
    """The board of ``day``: rides waiting (by pickup time), every active driver's day, and what the assign forms
    need, in a fixed number of queries whatever the number of rides, trips, drivers and vehicles."""
    start = day_start(day)
    end = day_start(day + dt.timedelta(days=1))
    times = selectors.drive_times()
    legs, tour_bookings, waiting = waiting_between(start, end, times)

    # One read of the live trips, through their riders (a live trip always has one; the services release a trip
    # left with nobody): those meeting the day make its rows, and those meeting any waiting ride's busy range, which
    # may run past midnight, are what the assign forms compare with.
    window_end = max([end, *(r.ride.ends_at for r in waiting if r.ride)])
    riders = (
        TripBooking.objects.exclude(trip__status=Trip.Status.RELEASED)
        .filter(trip__starts_at__lt=window_end, trip__ends_at__gt=start)
        .select_related(
            "booking", "trip__vehicle", "trip__origin_zone", "trip__destination_zone", "trip__departure__tour"
        )
        .annotate(missing_documents=_missing_documents("booking_id"))
        .defer(*_booking_columns_but("booking__", {"reference"}))
        .order_by("trip__starts_at", "trip_id", "booking_id")
    )
    blocks: dict[int, TripBlock] = {}
    for rider in riders:
        block = blocks.get(rider.trip_id)
        if block is None:
            block = blocks[rider.trip_id] = TripBlock(rider.trip, selectors.trip_label(rider.trip), [])
        block.references.append(rider.booking.reference)
        block.missing_documents += rider.missing_documents
    nearby = [block.trip for block in blocks.values()]
    trips = [trip for trip in nearby if trip.starts_at < end]
    blocks = {trip.pk: blocks[trip.pk] for trip in trips}
    extras = _extras_of({leg.booking_id for leg in legs} | {b.pk for b in tour_bookings})
    for ride in waiting:
        ride.extras = _extras_together(extras, ride.booking_ids)

    drivers = list(
        Driver.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch("shifts", queryset=DriverShift.objects.order_by("weekday", "starts_at")),
            Prefetch(
                "time_off",
                queryset=DriverTimeOff.objects.filter(
                    starts_on__lte=window_end.astimezone(LOCAL).date(), ends_on__gte=day
                ),
            ),
        )
        .order_by("first_name", "last_name", "pk")
    )
    vehicles = list(Vehicle.objects.filter(is_active=True).select_related("vehicle_class"))

    busy_by_driver: dict[int, list[rules.Busy]] = defaultdict(list)
    busy_by_vehicle: dict[int, list[rules.Busy]] = defaultdict(list)
    for trip in nearby:
        busy = rules.Busy(trip.pk, trip.starts_at, trip.ends_at, selectors.trip_label(trip))
        if trip.driver_id:
            busy_by_driver[trip.driver_id].append(busy)
        if trip.vehicle_id:
            busy_by_vehicle[trip.vehicle_id].append(busy)

    board = Board(
        day=day,
        waiting=waiting,
        drivers=[],
        driverless=[blocks[t.pk] for t in trips if t.driver_id is None],
        vehicles=vehicles,
        drive_times=times,
        _trips=blocks,
    )
    trips_by_driver: dict[int, list[TripBlock]] = defaultdict(list)
    for trip in trips:
        if trip.driver_id:
            trips_by_driver[trip.driver_id].append(blocks[trip.pk])
    for driver in drivers:
        shifts = list(driver.shifts.all())
        time_off = list(driver.time_off.all())
        board._driver_days[driver.pk] = rules.DriverDay(driver, shifts, time_off, busy_by_driver[driver.pk])
        board.drivers.append(_driver_row(driver, day, shifts, time_off, trips_by_driver[driver.pk]))
    for vehicle in vehicles:
        vehicle_class = vehicle.vehicle_class
        board._vehicle_days[vehicle.pk] = rules.VehicleDay(
            vehicle,
            rules.ClassInfo(vehicle_class.name, vehicle_class.max_passengers, vehicle_class.max_luggage),
            busy_by_vehicle[vehicle.pk],
        )
    return board


def waiting_between(
    start: dt.datetime, end: dt.datetime, times: Mapping[tuple[int, int], int]
) -> tuple[list[TransferLeg], list[Booking], list[WaitingRide]]:
    """Every ride waiting for a driver whose pickup (a tour: its departure) is in ``[start, end)``: the legs, the tour
    bookings, and the rides made of them by pickup time. What the board lists as waiting, for any window (planning
    the day reads its rides through it)."""
    legs: list[TransferLeg] = list(
        TransferLeg.objects.filter(
            pickup_at__gte=start,
            pickup_at__lt=end,
            booking__status__in=selectors.ASSIGNABLE,
            rides__isnull=True,
        )
        .select_related("booking__vehicle_class", "origin__zone", "destination__zone")
        .annotate(missing_documents=_missing_documents("booking_id"))
        .defer(*_booking_columns_but("booking__", WAITING_BOOKING_COLUMNS))
        .order_by("pickup_at", "pk")
    )
    tour_bookings: list[Booking] = list(
        Booking.objects.filter(
            kind=Booking.Kind.TOUR,
            status__in=selectors.ASSIGNABLE,
            tour_departure__starts_at__gte=start,
            tour_departure__starts_at__lt=end,
            trip_rides__isnull=True,
        )
        .select_related("tour_departure__tour", "pickup_place")
        .prefetch_related("tour_departure__tour__pickup_zones")
        .annotate(missing_documents=_missing_documents("pk"))
        .defer(
            *_booking_columns_but(
                "", WAITING_BOOKING_COLUMNS | {"pickup_point", "pickup_place", "pickup_at", "tour_departure"}
            )
        )
        .order_by("tour_departure__starts_at", "pk")
    )
    waiting = [_leg_waiting(leg, times) for leg in legs]
    waiting += _departures_waiting(tour_bookings)
    waiting.sort(key=lambda ride: (ride.pickup_at, ride.key))
    return legs, tour_bookings, waiting


def _extras_of(booking_ids: Iterable[int]) -> dict[int, list[ExtraLine]]:
    extras: dict[int, list[ExtraLine]] = defaultdict(list)
    if not booking_ids:
        return extras
    rows = (
        BookingExtra.objects.filter(booking_id__in=list(booking_ids))
        .select_related("extra")
        .order_by("extra__sort_order", "extra__code")
    )
    for row in rows:
        extras[row.booking_id].append(ExtraLine(row.extra.name, row.quantity))
    return extras


def _extras_together(extras: Mapping[int, list[ExtraLine]], booking_ids: Iterable[int]) -> list[ExtraLine]:
    """The extras of one or more bookings (a tour departure's parties), each extra once with the quantities added."""
    totals: dict[str, int] = {}
    for booking_id in booking_ids:
        for line in extras.get(booking_id, []):
            totals[line.name] = totals.get(line.name, 0) + line.quantity
    return [ExtraLine(name, quantity) for name, quantity in totals.items()]


# What the board shows of a waiting booking; its other columns (the price breakdown above all) are not read.
WAITING_BOOKING_COLUMNS = frozenset(
    {
        "reference",
        "kind",
        "status",
        "adults",
        "children",
        "infants",
        "luggage",
        "lead_name",
        "language",
        "vehicle_class",
    }
)


def _booking_columns_but(prefix: str, keep: Iterable[str]) -> list[str]:
    """Every column of a booking but ``keep`` and its key, to ``defer`` through ``prefix``: a day's board reads
    hundreds of bookings and needs a few of their columns."""
    keep = {"id", *keep}
    return [f"{prefix}{f.name}" for f in Booking._meta.concrete_fields if f.name not in keep]


def _missing_documents(booking_field: str) -> Coalesce:
    """How many passengers of the row's booking still miss nationality or document number (a subquery, so the
    flag costs no query of its own)."""
    missing = (
        Passenger.objects.filter(selectors.missing_documents_filter(), booking_id=OuterRef(booking_field))
        .order_by()
        .values("booking_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(missing, output_field=IntegerField()), 0)


def _leg_waiting(leg: TransferLeg, times: Mapping[tuple[int, int], int]) -> WaitingRide:
    booking = leg.booking
    ride, problem = None, ""
    try:
        ride = selectors.leg_ride(leg, times)
    except DomainError as error:
        problem = error.message
    return WaitingRide(
        key=f"leg-{leg.pk}",
        leg_id=leg.pk,
        departure_id=None,
        references=[booking.reference],
        booking_ids=[booking.pk],
        pickup_at=leg.pickup_at,
        flight_number=leg.flight_number,
        flight_lands_at=leg.flight_arrival_at,
        flight_departs_at=leg.flight_departure_at,
        adults=booking.adults,
        children=booking.children,
        infants=booking.infants,
        luggage=booking.luggage,
        extras=[],
        pickup_place=leg.origin.name + (f" · {leg.pickup_point}" if leg.pickup_point else ""),
        pickup_zone=leg.origin.zone.name,
        destination=f"{leg.destination.name} ({leg.destination.zone.name})",
        booked_class=booking.vehicle_class.name if booking.vehicle_class else "",
        lead_name=booking.lead_name,
        language=booking.language,
        missing_documents=leg.missing_documents,  # type: ignore[attr-defined]  # annotated
        ride=ride,
        problem=problem,
    )


def _departures_waiting(bookings: Sequence[Booking]) -> list[WaitingRide]:
    by_departure: dict[int, list[Booking]] = defaultdict(list)
    departures: dict[int, TourDeparture] = {}
    for booking in bookings:
        departure = booking.tour_departure
        assert departure is not None  # a tour booking has its departure
        by_departure[departure.pk].append(booking)
        departures[departure.pk] = departure
    waiting = []
    for departure_id, party in by_departure.items():
        departure = departures[departure_id]
        tour = departure.tour
        ride = smallest = None
        problem = ""
        try:
            ride = selectors.departure_ride(departure, party)
            smallest = selectors.departure_ride(departure, [min(party, key=lambda b: (b.passenger_count, b.pk))])
        except DomainError as error:
            problem = error.message
        zones = sorted(tour.pickup_zones.all(), key=lambda z: (z.sort_order, z.pk))
        waiting.append(
            WaitingRide(
                key=f"departure-{departure_id}",
                leg_id=None,
                departure_id=departure_id,
                references=[b.reference for b in party],
                booking_ids=[b.pk for b in party],
                pickup_at=ride.starts_at if ride is not None else departure.starts_at,
                flight_number="",
                flight_lands_at=None,
                adults=sum(b.adults for b in party),
                children=sum(b.children for b in party),
                infants=sum(b.infants for b in party),
                luggage=sum(b.luggage for b in party),
                extras=[],
                pickup_place=", ".join(dict.fromkeys(b.tour_pickup_text for b in party if b.tour_pickup_text)),
                pickup_zone=", ".join(zone.name for zone in zones),
                destination=tour.name,
                booked_class="",
                lead_name=", ".join(b.lead_name for b in party),
                language=", ".join(sorted({b.language for b in party})),
                missing_documents=sum(b.missing_documents for b in party),  # type: ignore[attr-defined]
                ride=ride,
                problem=problem,
                smallest_party_ride=smallest,
            )
        )
    return waiting


def shift_ranges(shifts: Iterable[DriverShift], day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The driver's working time on ``day`` (local), clipped to the day: that weekday's shifts, and the end of
    an overnight shift begun the day before. A shift whose end is not after its start runs past midnight."""
    start, end = day_start(day), day_start(day + dt.timedelta(days=1))
    previous = day - dt.timedelta(days=1)
    ranges = []
    for shift in shifts:
        overnight = shift.ends_at <= shift.starts_at
        if shift.weekday == day.weekday():
            begins = dt.datetime.combine(day, shift.starts_at, tzinfo=LOCAL)
            ends_on = day + dt.timedelta(days=1) if overnight else day
            ranges.append((begins, min(end, dt.datetime.combine(ends_on, shift.ends_at, tzinfo=LOCAL))))
        if overnight and shift.weekday == previous.weekday() and shift.ends_at > dt.time.min:
            ranges.append((start, dt.datetime.combine(day, shift.ends_at, tzinfo=LOCAL)))
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for begins, ends in sorted(ranges):
        if merged and begins <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((begins, ends))
    return merged


def free_gaps(shifts: Sequence[tuple[dt.datetime, dt.datetime]], trips: Sequence[Trip]) -> list[Gap]:
    """The parts of the shifts no trip's busy range covers."""
    gaps = []
    for begins, ends in shifts:
        cursor = begins
        for trip in sorted(trips, key=lambda t: t.starts_at):
            if trip.ends_at <= cursor or trip.starts_at >= ends:
                continue
            if trip.starts_at > cursor:
                gaps.append(Gap(cursor, trip.starts_at))
            cursor = max(cursor, trip.ends_at)
        if cursor < ends:
            gaps.append(Gap(cursor, ends))
    return gaps


def _driver_row(
    driver: Driver,
    day: dt.date,
    shifts: Sequence[DriverShift],
    time_off: Sequence[DriverTimeOff],
    trips: list[TripBlock],
) -> DriverRow:
    off = next((o for o in time_off if o.starts_on <= day <= o.ends_on), None)
    ranges = [] if off else shift_ranges(shifts, day)
    return DriverRow(
        driver=driver,
        shifts=ranges,
        trips=trips,
        gaps=free_gaps(ranges, [block.trip for block in trips]),
        off=off,
    )


def no_ride_message() -> str:
    return _("This ride is no longer waiting for a driver (assigned meanwhile, cancelled, or on another day).")
