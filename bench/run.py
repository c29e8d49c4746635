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
import engine
from common import ROOT, shared_cpu_note, write_results


def main() -> int:
    parser = api_load.parser()
    parser.description = "Price engine and booking API benchmarks."
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--engine-only", action="store_true", help="only the price engine benchmark")
    group.add_argument("--api-only", action="store_true", help="only the API benchmark")
    args = parser.parse_args()
    settings = api_load.settings_from(args)
    api_load.stop_on_sigterm()
    began = time.perf_counter()
    results: dict[str, object] = {}
    print(f"GNB Transfer benchmarks. {shared_cpu_note()}\n", flush=True)
    try:
        if not args.api_only:
            results["engine"] = engine.run()
            engine.print_table(results["engine"])
            print(flush=True)
        if not args.engine_only:
            print("API under load: setting up", flush=True)
            results["api"] = api_load.run(settings)
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
    path = write_results({**results, "total_seconds": round(time.perf_counter() - began, 1)})
    print(f"\nTook {time.perf_counter() - began:.0f} s. Results written to {path.relative_to(ROOT)}")
    if "api" in results and not api_load.budgets_met(results["api"]):
        print("A budget was missed (see the 'met' column).")
        return 3 if args.strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
