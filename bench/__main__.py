"""`python -m bench [NAME ...] [--db sqlite|postgresql] [--keep] [--runs N]`: run benchmarks, print a table,
merge the figures into bench/results.json."""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time

from bench import RESULTS_PATH, format_table, write_results

BENCHMARKS = {"registry": "bench.registry", "contracts": "bench.contracts", "incidents": "bench.incidents",
              "portal": "bench.portal", "incident_pages": "bench.incident_pages",
              "audit_plan": "bench.audit_plan", "trail": "bench.trail", "audits": "bench.audits",
              "selection": "bench.selection", "audit_dashboard": "bench.audit_dashboard",
              "campaign": "bench.campaign", "evidence_pack": "bench.evidence_pack"}


def _backend(choice: str | None) -> str:
    from bench.seed import postgres_reachable, server_url

    if choice == "sqlite":
        return "sqlite"
    reachable = postgres_reachable()
    if choice == "postgresql" and not reachable:
        sys.exit(f"PostgreSQL at {server_url()} does not answer")
    return "postgresql" if reachable else "sqlite"


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the chosen benchmarks (all by default) and report."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHMARKS)}")
    parser.add_argument("--db", choices=("sqlite", "postgresql"),
                        help="database backend (default: PostgreSQL if reachable, else SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database and print its URL")
    parser.add_argument("--runs", type=int, default=40, help="timed runs per figure (default 40)")
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    backend = _backend(args.db)
    how = "as asked" if args.db else ("PostgreSQL reachable" if backend == "postgresql" else
                                      "PostgreSQL not reachable, falling back")
    print(f"database: {backend} ({how}); python {platform.python_version()}, "
          f"{platform.machine()}, {args.runs} timed runs per figure")
    started = time.perf_counter()
    results: dict[str, dict] = {}
    for name in args.names or list(BENCHMARKS):
        results.update(importlib.import_module(BENCHMARKS[name]).run(backend, keep=args.keep, runs=args.runs))
    write_results(results)
    print()
    print(format_table(results))
    print(f"\nwritten to {RESULTS_PATH} in {time.perf_counter() - started:.0f} s")
    return 0 if all(r.get("passed") is not False for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
