"""Benchmarks, run with `python -m bench [NAME ...]`.

Every figure is measured beside a baseline taken in the same run (machines are noisy) and merged into
bench/results.json as {"name": {"value", "unit", "baseline", "ratio", "target", "passed", ...}}.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from oversight.config import Config

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_PATH = BENCH_DIR / "results.json"
WORK_DIR = BENCH_DIR / ".work"


class BenchConfig(Config):
    """Production-shaped settings (real password hashing, CSRF on) with a fixed secret key."""

    SECRET_KEY = "bench-secret-key-not-for-production"


def median_ms(samples: list[float]) -> float:
    """Median of samples in seconds, in milliseconds."""
    return statistics.median(samples) * 1000


def p95_ms(samples: list[float]) -> float:
    """95th percentile of samples in seconds, in milliseconds."""
    return statistics.quantiles(samples, n=20, method="inclusive")[-1] * 1000


def figure(value: float, unit: str, baseline: float, target: str, passed: bool | None, **extra) -> dict:
    """One result entry in the shape results.json uses."""
    ratio = value / baseline if baseline else None
    entry = {"value": round(value, 3), "unit": unit, "baseline": round(baseline, 3),
             "ratio": round(ratio, 2) if ratio is not None else None, "target": target, "passed": passed}
    entry.update(extra)
    return entry


def write_results(results: dict[str, dict], path: Path = RESULTS_PATH) -> None:
    """Merge `results` into the JSON file, keeping the entries other benchmarks wrote."""
    merged = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    merged.update(results)
    path.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _number(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}" if isinstance(value, float) else str(value)


def format_table(results: dict[str, dict]) -> str:
    """A plain-text table: name, value, unit, baseline, ratio, target, pass/fail."""
    header = ("name", "value", "unit", "baseline", "ratio", "target", "result")
    rows = [header]
    for name, r in results.items():
        verdict = {True: "PASS", False: "FAIL", None: "info"}[r.get("passed")]
        ratio = f"{r['ratio']:.2f}×" if r.get("ratio") is not None else "—"
        rows.append((name, _number(r["value"]), r["unit"], _number(r["baseline"]), ratio, r["target"], verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i in (0, 2, 5, 6) else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
