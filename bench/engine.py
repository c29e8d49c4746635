"""Engine benchmark: quotes per second of the pure price engine (``gnb.bookings.pricing``), no database.

Run alone with ``.venv/bin/python bench/engine.py`` (``--json`` prints the figures as JSON as well).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A round lasts about this long; several rounds give a median that one noisy neighbour cannot move much.
ROUND_SECONDS = 0.4
ROUNDS = 7
WARMUP_SECONDS = 0.5


def setup_django() -> None:
    """Load the real settings in their production form: the engine's labels go through gettext as in a request."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    # Only what config.settings insists on when DEBUG is off; no database is opened by this benchmark.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("EMAIL_URL", "console://")
    import django

    django.setup()


def _cases() -> dict[str, tuple[str, Callable[[], object]]]:
    """Representative inputs, built once: what a quote request hands the engine after its queries."""
    from gnb.bookings import pricing

    today = dt.date(2026, 7, 1)
    seasons = [
        # Overlapping seasons, so ``season_for`` has to pick the more specific one, as in real summers.
        pricing.SeasonTerms("Summer", dt.date(2026, 6, 1), dt.date(2026, 9, 30), Decimal("20")),
        pricing.SeasonTerms("Holiday week", dt.date(2026, 6, 25), dt.date(2026, 7, 3), Decimal("35")),
        pricing.SeasonTerms("Winter", dt.date(2026, 11, 1), dt.date(2027, 3, 31), Decimal("-10")),
    ]
    legs = [
        pricing.Leg(fare=Decimal("55.00"), pickup_date=today),
        pricing.Leg(fare=Decimal("55.00"), pickup_date=today + dt.timedelta(days=10)),
    ]
    extras = [
        pricing.ExtraChoice("child_seat", "Child seat", Decimal("5.00"), pricing.PER_UNIT, 2),
        pricing.ExtraChoice("meet_greet", "Meet & greet", Decimal("15.00"), pricing.PER_BOOKING, 1),
    ]
    coupon = pricing.CouponTerms("WELCOME10", pricing.PERCENT, Decimal("10"))
    rate = Decimal("0.850000")  # GBP, as stored (six decimal places)

    def transfer() -> object:
        return pricing.price_transfer(
            legs=legs,
            seasons=seasons,
            extras=extras,
            coupon=coupon,
            return_discount_percent=Decimal("5"),
            currency="GBP",
            rate=rate,
        )

    tour_prices = pricing.TourPrices(Decimal("45.00"), Decimal("25.00"), Decimal("0.00"))
    party = pricing.Party(adults=2, children=1, infants=1)

    def tour() -> object:
        return pricing.price_tour(prices=tour_prices, party=party, coupon=coupon, currency="GBP", rate=rate)

    return {
        "price_transfer": (
            "2 legs (outbound in an overlapping season), 3 seasons, 2 extras, 10 % coupon, GBP",
            transfer,
        ),
        "price_tour": ("2 adults, 1 child, 1 infant, 10 % coupon, GBP", tour),
    }


def _timed(function: Callable[[], object], iterations: int) -> float:
    started = time.perf_counter()
    for _ in range(iterations):
        function()
    return time.perf_counter() - started


def measure(function: Callable[[], object], *, rounds: int = ROUNDS) -> dict[str, float | int]:
    """Median quotes/s over ``rounds`` rounds of a fixed iteration count, after a warm-up."""
    # Warm-up: fills Decimal contexts, gettext catalogues and CPU caches, and calibrates the round size.
    iterations, elapsed = 100, 0.0
    deadline = time.perf_counter() + WARMUP_SECONDS
    while time.perf_counter() < deadline:
        elapsed = _timed(function, iterations)
        if elapsed < ROUND_SECONDS / 4:
            iterations *= 2
    per_call = elapsed / iterations
    iterations = max(1000, int(ROUND_SECONDS / per_call))
    rates = [iterations / _timed(function, iterations) for _ in range(rounds)]
    median = statistics.median(rates)
    return {
        "iterations_per_round": iterations,
        "rounds": rounds,
        "quotes_per_second_median": round(median),
        "quotes_per_second_min": round(min(rates)),
        "quotes_per_second_max": round(max(rates)),
        "microseconds_per_quote": round(1_000_000 / median, 2),
    }


def run(*, rounds: int = ROUNDS) -> dict[str, dict]:
    setup_django()
    results = {}
    for name, (inputs, function) in _cases().items():
        # Priced once before timing: the inputs must exercise the whole engine, or the figure would flatter it.
        breakdown = function()
        codes = {line.code for line in breakdown.lines}
        if not (breakdown.discount > 0 and "coupon" in codes and breakdown.currency == "GBP"):
            raise RuntimeError(f"{name} did not apply the coupon in GBP: {breakdown}")
        if name == "price_transfer" and not {"season", "return_season", "return_discount"} <= codes:
            raise RuntimeError(f"{name} did not price both legs with their seasons: {sorted(codes)}")
        results[name] = {"inputs": inputs, **measure(function, rounds=rounds)}
    return results


def print_table(results: dict[str, dict]) -> None:
    print("Price engine alone (pure Python, one core, no database)")
    print(f"  {'function':<16} {'quotes/s (median)':>18} {'µs/quote':>10} {'min..max quotes/s':>22}  inputs")
    for name, row in results.items():
        spread = f"{row['quotes_per_second_min']:,}..{row['quotes_per_second_max']:,}"
        print(
            f"  {name:<16} {row['quotes_per_second_median']:>18,} {row['microseconds_per_quote']:>10.2f} "
            f"{spread:>22}  {row['inputs']}"
        )
    rounds = next(iter(results.values()))["rounds"]
    print(f"  ({rounds} rounds of ~{ROUND_SECONDS} s each after a warm-up; the median round is shown)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"timed rounds per function (default {ROUNDS})")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    results = run(rounds=args.rounds)
    print_table(results)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
