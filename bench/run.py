"""``make bench``: the price engine alone, then the API under load; prints a summary and writes a JSON file.

Exit status: 0 when every request succeeded (budgets are reported, and enforced only with ``--strict``), 1 when a
request failed or the stack could not be set up, 3 when ``--strict`` and a budget was missed, 130 on Ctrl-C.
Options are those of ``bench/api_load.py`` plus ``--engine-only`` and ``--api-only``; ``make bench
BENCH_ARGS="--duration 30"`` passes them through make.
"""

from __future__ import annotations

import sys
import time

import api_load
import dispatch
import engine
import fleet
import peak
from common import ROOT, shared_cpu_note, write_results


def main() -> int:
    parser = api_load.parser()
    parser.description = "Price engine and booking API benchmarks."
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--engine-only", action="store_true", help="only the price engine benchmark")
    group.add_argument("--api-only", action="store_true", help="only the API benchmark")
    group.add_argument("--fleet-only", action="store_true", help="only the dispatch benchmark (board, fleet_assign)")
    group.add_argument("--planning-only", action="store_true", help="only the day-planning benchmark (no database)")
    group.add_argument("--peak-only", action="store_true", help="only the peak table (bench/peak.py)")
    parser.add_argument(
        "--planning-long", action="store_true", help="day planning: also search the 300/50 day for 60 s"
    )
    parser.add_argument("--bigdata-database", default="", help="peak table: the million-bookings rows on this database")
    parser.add_argument("--bigdata-bookings", type=int, default=0, help="peak table: generate N bookings for them")
    args = parser.parse_args()
    settings = api_load.settings_from(args)
    api_load.stop_on_sigterm()
    began = time.perf_counter()
    results: dict[str, object] = {}
    print(f"GNB Transfer benchmarks. {shared_cpu_note()}\n", flush=True)
    only = args.engine_only or args.api_only or args.fleet_only or args.planning_only or args.peak_only
    try:
        if args.peak_only or not only:
            print("The platform at the peak (bench/peak.py): setting up", flush=True)
            results["peak"] = peak.run(
                peak.Options(
                    database_url=settings.postgres_url,
                    bigdata_database=args.bigdata_database,
                    bigdata_bookings=args.bigdata_bookings,
                )
            )
        if not (args.api_only or args.fleet_only or args.planning_only or args.peak_only):
            results["engine"] = engine.run()
            engine.print_table(results["engine"])
            print(flush=True)
        if not (args.engine_only or args.fleet_only or args.planning_only or args.peak_only):
            print("API under load: setting up", flush=True)
            results["api"] = api_load.run(settings)
        if not (args.engine_only or args.api_only or args.planning_only or args.peak_only):
            print("\nDispatch: a day of 300 rides and 40 drivers on PostgreSQL (about two minutes)", flush=True)
            results["fleet"] = fleet.run(settings.postgres_url)
            fleet.print_report(results["fleet"])
        if not (args.engine_only or args.api_only or args.fleet_only or args.peak_only):
            print("\nDay planning: greedy against PyVRP on generated days (about half a minute)", flush=True)
            results["planning"] = dispatch.run(long=args.planning_long)
            dispatch.print_report(results["planning"])
    except api_load.BenchFailure as exc:
        print(f"\nBENCH FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; gunicorn stopped and the bench database dropped.", file=sys.stderr)
        return 130

    print("\n=== Summary " + "=" * 100)
    if "engine" in results:
        engine.print_table(results["engine"])
        print()
    if "api" in results:
        api_load.print_report(results["api"])
    if "fleet" in results:
        fleet.print_report(results["fleet"])
    if "planning" in results:
        print()
        dispatch.print_report(results["planning"])
    if "peak" in results:
        print()
        peak.print_table(results["peak"])
    path = write_results({**results, "total_seconds": round(time.perf_counter() - began, 1)})
    print(f"\nTook {time.perf_counter() - began:.0f} s. Results written to {path.relative_to(ROOT)}")
    missed = (
        ("api" in results and not api_load.budgets_met(results["api"]))
        or ("fleet" in results and not fleet.budgets_met(results["fleet"]))
        or ("planning" in results and not dispatch.budgets_met(results["planning"]))
        or ("peak" in results and not peak.budgets_met(results["peak"]))
    )
    if missed:
        print("A budget was missed (see the 'met' column).")
        return 3 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
