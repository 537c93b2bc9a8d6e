"""Questionnaire scoring throughput: `python -m bench audits` (10,000 generated answer sets of dd-selection).

Scoring is pure (no Flask, no database), so the backend is ignored. A seeded generator (`random.Random(2026)`)
draws, once and outside every timed loop, 10,000 answer sets for the current `dd-selection` questionnaire as a
vendor's form would send them: each question answered or left blank (1 in 20; 1 in 5 for optional ones), yes/no
as booleans, a choice code, a subset of codes (an exclusive "none" alone), a number in the question's limits and
around its band bounds, an ISO date from two years before to two years after the day of scoring, a text, one to
three evidence ids. The day of scoring (`as_of`) is drawn across 2026–2027.

Two loops run over the same answer sets, interleaved in each repetition so that machine noise hits them alike:

* bare:  every answer set walked, every value touched (each element of a list), nothing else — the baseline;
* score: `score(questionnaire, answers, as_of=as_of)` — the headline, answer sets scored per second.

Each figure is the median rate of the repetitions (`runs // 8`, at least 3 and at most 7) by CPU time, with the
best rate and the wall-clock rates beside it. One untimed pass first checks that no answer set is refused (must
be 0), counts what the scores concluded (blocked, red flags by severity, the spread of percentages) so the reader
sees the data was varied, and hashes every `to_dict()` into `outputs_sha256`: the same digest before and after a
change to the scoring proves its answers did not move. The time `to_dict()` adds, and the time to thaw the frozen
questionnaire (what a page does before scoring), are reported beside it.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date, timedelta

from audits.library import Question, current, freeze, thaw
from audits.scoring import AnswerError, score
from bench import figure

CASES = 10_000
SEED = 2026
TARGET = 1_000  # answer sets per second: a list of 1,000 vendors scored within a second, one page in 1 ms
FIRST_DAY = date(2026, 1, 1)


def _number(rng: random.Random, question: Question) -> float:
    low = question.minimum if question.minimum is not None else 0
    high = question.maximum if question.maximum is not None else 1000
    bounds = [b.up_to for b in question.bands if b.up_to is not None]
    if bounds and rng.random() < 0.6:
        value = rng.choice(bounds) + rng.choice((-1, 0, 1))
    else:
        value = rng.uniform(low, min(high, low + 500))
    value = min(max(value, low), high)
    return int(round(value)) if question.integer else round(value, 1)


def _answer(rng: random.Random, question: Question, as_of: date):
    kind = question.type
    if kind == "yes_no":
        return rng.random() < 0.8
    if kind == "single_choice":
        return rng.choice(question.choices).code
    if kind == "multiple_choice":
        exclusive = [c.code for c in question.choices if c.exclusive]
        if exclusive and rng.random() < 0.1:
            return [rng.choice(exclusive)]
        others = [c.code for c in question.choices if not c.exclusive]
        return rng.sample(others, rng.randint(1, len(others)))
    if kind == "number":
        return _number(rng, question)
    if kind == "date":
        if question.dates == "past":
            return (as_of - timedelta(days=rng.randrange(0, 730))).isoformat()
        return (as_of + timedelta(days=rng.randrange(-730, 730))).isoformat()
    if kind == "text":
        return rng.choice(("情報セキュリティ部 部長 山田太郎", "米国（保守要員）", "2024年6月 誤送信1件（3名）"))
    return [f"sha256:{rng.getrandbits(256):064x}" for _ in range(rng.randint(1, 3))]


def draw_cases(n: int = CASES, seed: int = SEED) -> list[tuple[dict, date]]:
    """n (answers, as_of) pairs for the current dd-selection questionnaire, drawn once."""
    rng = random.Random(seed)
    questionnaire = current("dd-selection")
    cases = []
    for _ in range(n):
        as_of = FIRST_DAY + timedelta(days=rng.randrange(730))
        answers = {}
        for question in questionnaire.questions:
            if rng.random() < (0.2 if not question.required else 0.05):
                continue
            answers[question.id] = _answer(rng, question, as_of)
        cases.append((answers, as_of))
    return cases


def _timed(loop) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call of `loop`."""
    wall, cpu = time.perf_counter(), time.process_time()
    loop()
    return time.perf_counter() - wall, time.process_time() - cpu


def _bare(cases) -> int:
    touched = 0
    for answers, _as_of in cases:
        for value in answers.values():
            if isinstance(value, list):
                for item in value:
                    touched += item is not None
            else:
                touched += value is not None
    return touched


def _score(questionnaire, cases) -> None:
    for answers, as_of in cases:
        score(questionnaire, answers, as_of=as_of)


def _with_json(questionnaire, cases) -> None:
    for answers, as_of in cases:
        score(questionnaire, answers, as_of=as_of).to_dict()


def survey(questionnaire, cases) -> dict:
    """Untimed: refusals (must be 0), what the scores concluded, and a digest of every to_dict()."""
    digest = hashlib.sha256()
    rejected = blocked = 0
    severities: Counter[str] = Counter()
    deciles: Counter[str] = Counter()
    unanswered = skipped = 0
    for answers, as_of in cases:
        try:
            result = score(questionnaire, answers, as_of=as_of)
        except AnswerError as error:
            rejected += 1
            if rejected <= 3:
                print(f"  rejected: {error}", file=sys.stderr)
            continue
        digest.update(json.dumps(result.to_dict(), sort_keys=True, ensure_ascii=False).encode())
        blocked += result.blocked
        severities.update(f.severity for f in result.red_flags)
        deciles[f"{int(result.percent // 10) * 10:02d}%"] += 1
        unanswered += len(result.unanswered_required)
        skipped += len(result.skipped)
    return {"cases": len(cases), "rejected": rejected, "blocked": blocked,
            "red_flags_by_severity": dict(severities.most_common()),
            "percent_deciles": dict(sorted(deciles.items())),
            "mean_unanswered_required": round(unanswered / len(cases), 2),
            "mean_skipped": round(skipped / len(cases), 2), "outputs_sha256": digest.hexdigest()}


def measure(n: int = CASES, repeats: int = 5) -> dict:
    """Rates of the loops (median and best of `repeats`) by CPU time and wall time, beside the survey."""
    questionnaire = current("dd-selection")
    cases = draw_cases(n)
    found = survey(questionnaire, cases)  # also warms the interpreter
    content, digest = freeze(questionnaire)
    loops = {"bare": lambda: _bare(cases), "score": lambda: _score(questionnaire, cases),
             "json": lambda: _with_json(questionnaire, cases)}
    rates: dict[str, list[float]] = {name: [] for name in loops}
    wall_rates: dict[str, list[float]] = {name: [] for name in loops}
    thaw_ms = []
    for _ in range(repeats):
        for name, loop in loops.items():
            gc.collect()
            wall, cpu = _timed(loop)
            rates[name].append(n / cpu if cpu else float("inf"))
            wall_rates[name].append(n / wall)
        start = time.perf_counter()
        thaw(content, digest)
        thaw_ms.append((time.perf_counter() - start) * 1000)
    return {"rates": rates, "median": {k: statistics.median(v) for k, v in rates.items()},
            "best": {k: max(v) for k, v in rates.items()}, "wall_rates": wall_rates,
            "wall_median": {k: statistics.median(v) for k, v in wall_rates.items()},
            "thaw_ms": statistics.median(thaw_ms), "questions": len(questionnaire.questions),
            "version": questionnaire.version, **found}


def run(backend: str, *, keep: bool = False, runs: int = 40, cases: int = CASES) -> dict[str, dict]:
    """Score `cases` generated answer sets (the backend is ignored: scoring touches no database)."""
    repeats = max(3, min(7, runs // 8))
    m = measure(cases, repeats)
    median, best, wall = m["median"], m["best"], m["wall_median"]
    print(f"  audits: {median['score']:,.0f} answer sets scored/s, {median['json']:,.0f} with to_dict(), bare loop "
          f"{median['bare']:,.0f} sets/s (CPU time; wall {wall['score']:,.0f}, {wall['json']:,.0f}, "
          f"{wall['bare']:,.0f}; median of {repeats}); rejected {m['rejected']}, blocked {m['blocked']:,} of "
          f"{m['cases']:,}; thaw {m['thaw_ms']:.1f} ms")
    valid = m["rejected"] == 0
    return {
        "audits_scoring_per_second": figure(
            median["score"], "answer sets/s", median["bare"], f"≥ {TARGET:,}/s", valid and median["score"] >= TARGET,
            best=round(best["score"], 1), baseline_best=round(best["bare"], 1),
            rates=[round(r) for r in m["rates"]["score"]], wall_value=round(wall["score"], 1),
            wall_baseline=round(wall["bare"], 1), wall_rates=[round(r) for r in m["wall_rates"]["score"]],
            with_to_dict=round(median["json"], 1), thaw_ms=round(m["thaw_ms"], 2),
            via=f"audits.scoring.score(dd-selection {m['version']}, answers, as_of) — validate, apply dependencies, "
                f"score {m['questions']} questions",
            baseline_loop="every answer set walked and every value touched (list elements too), nothing else",
            statistic="median rate by CPU time (time.process_time); wall_* by the wall clock",
            repetitions=repeats, seed=SEED,
            **{k: m[k] for k in ("cases", "rejected", "blocked", "red_flags_by_severity", "percent_deciles",
                                 "mean_unanswered_required", "mean_skipped", "outputs_sha256")}),
    }


if __name__ == "__main__":  # pragma: no cover
    result = measure(int(sys.argv[1]) if len(sys.argv) > 1 else CASES, 3)
    print(json.dumps({k: v for k, v in result.items() if k not in ("rates", "wall_rates")}, indent=2,
                     ensure_ascii=False))
