"""``manage.py generate_load_data --bookings 1000000``: a booking history for load tests (never production)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gnb.ops import loadgen


def positive_int(value: str) -> int:
    try:
        number = int(value.replace("_", "").replace(",", ""))
    except ValueError:
        raise CommandError(f"expected a whole number, got {value!r}") from None
    return number


class Command(BaseCommand):
    help = (
        "Write a realistic booking history (transfers, tours, payments, refunds, accounts) on the catalogue already "
        "loaded (`load_demo` first), with PostgreSQL's COPY. For load tests only: refuses DEBUG off without --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bookings", type=positive_int, required=True, help="how many bookings to write")
        parser.add_argument("--seed", type=positive_int, default=1, help="random seed (same seed, same data)")
        parser.add_argument("--years", type=positive_int, default=3, help="years of history before today (1-20)")
        parser.add_argument("--batch-size", type=positive_int, default=20_000, help="bookings per transaction")
        parser.add_argument("--append", action="store_true", help="add to a database that holds generated data")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off (a load-test server)")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: this looks like a production database. generate_load_data writes a million fake "
                "bookings; pass --force if this really is a load-test database."
            )
        opts = loadgen.Options(
            bookings=options["bookings"],
            seed=options["seed"],
            years=options["years"],
            batch_size=options["batch_size"],
            append=options["append"],
        )
        try:
            summary = loadgen.generate(opts, progress=lambda line: self.stdout.write(line))
        except loadgen.LoadDataError as error:
            raise CommandError(str(error)) from None
        for line in loadgen.summary_lines(summary):
            self.stdout.write(line)
