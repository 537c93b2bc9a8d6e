"""The Art. 26 engine's throughput: `python -m bench incidents` (100,000 generated fact sets).

The engine is pure (no Flask, no database), so the backend is ignored. A seeded generator
(`random.Random(2026)`) draws, once and outside every timed loop, the random choices of 100,000 varied and
valid incidents: handler kind (mostly company, some public body), personal data or My Number data (with the
my_number item), 1–6 data items from oversight/vocabulary/data_items.yaml (sensitive and financial ones
included), every cause of causes.yaml (and none), certainty occurred / suspected / unset, events given or
implied, 1 to 5,000,000 persons (the thresholds exactly, and unknown), the five exclusion flags, data items
outside the vocabulary (some flagged sensitive or financial with a reason), report items and person-notice
facts, My Number facts, the day it occurred and the moment it became known across 2022–2026 (a fifth around
the 29 Dec–3 Jan authority holidays; JST, UTC, a bare date, midnight), a count that became known later, and
for some a 2- or 3-tier outsourcing chain with `incident_at` and notices to the consignor. `as_of` is drawn
too: an aware UTC datetime (what the API passes) or a date, from just before the moment of knowing to 90 days
after it.

`build(choice)` turns one set of drawn choices into the JSON-shaped dict the API receives (ISO strings,
lists, nested objects). Three loops run over the same 100,000 choices, interleaved in each repetition so
that machine noise hits them alike:

* bare:   `build(choice)` only — the baseline, generating the input dicts and nothing else;
* assess: `assess(parse_facts(build(choice)), as_of)` — the headline, assessments per second;
* json:   the same plus `.to_dict()`, the JSON-ready answer the API returns.

Each figure is the median rate of the repetitions (`runs // 8`, at least 3 and at most 7) by CPU time, with
the best rate and the wall-clock rates beside it. One untimed pass first checks that `parse_facts` accepts
every dict (rejects must be 0), warms the interpreter and the remembered holidays as a running server has
them, counts what the assessments concluded (reportable, by ground …) so the reader sees the data was varied,
and hashes every `to_dict()` (JSON, sorted keys) into `outputs_sha256`: the same digest before and after a
change to the engine proves its answers did not move.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import REPO_ROOT, figure
from oversight.choices import REPORT_AUTHORITY
from oversight.incidents.art26 import FactsError, assess, parse_facts
from oversight.incidents.art26.vocabulary import CAUSES, ITEMS, MY_NUMBER_ITEMS, REPORT_ITEM_CODES

CASES = 100_000
CLI_TARGET = 1.0  # seconds for `flask assess` on the example facts file (the target)
CLI_RUNS = 7
EXAMPLE_FACTS = REPO_ROOT / "examples" / "incident-facts.json"
SEED = 2026
TARGET = 10_000  # assessments per second with plain code (the target; 14,000/s before any speed layer)

FIRST_DAY = date(2022, 1, 1)
LAST_DAY = date(2026, 12, 31)
_SPAN = (LAST_DAY - FIRST_DAY).days
# ISO strings of every day the generator can name (occurred, known, later notices), by index from FIRST_DAY.
DAYS = [(FIRST_DAY + timedelta(days=i)).isoformat() for i in range(-1, _SPAN + 120)]  # DAYS[i + 1] is day i
ITEM_CODES = tuple(ITEMS)
COMMON_ITEMS = frozenset({"name", "address", "phone", "email", "date_of_birth", "gender", "customer_id",
                          "employee_number"})
ITEM_WEIGHTS = tuple(8 if code in COMMON_ITEMS else 1 for code in ITEM_CODES)
MY_NUMBER_ITEM = sorted(MY_NUMBER_ITEMS)[0]
CAUSE_CODES = (*CAUSES, None)
AUTHORITIES = tuple(REPORT_AUTHORITY.codes)
EVENT_SETS = (("leak",), ("loss",), ("damage",), ("leak", "loss"), ("leak", "damage"), ("loss", "damage"),
              ("leak", "loss", "damage"), ())
TIER_NAMES = ("さくら商事株式会社", "株式会社東都システム", "みなと情報サービス株式会社", "North Data K.K.")
ITEM_TEXTS = {"overview": "委託先のサーバに不正アクセスがあった。", "secondary_damage": "現時点で確認されていない。",
              "response_to_persons": "対象者へ順次通知中。", "publication": "4月5日にウェブサイトで公表。",
              "prevention": "多要素認証を導入する。", "other": "警察に相談済み。", "cause": "設定の誤り。",
              "data_items": "氏名、住所", "persons": "約1,200人"}
OTHER_ITEMS = ("給与額", "購買履歴", "年金番号", "ポイント残高", "通院歴メモ", "会員ランク")
_MN_FLAGS = ("designated_system", "malicious_use", "malicious_provision", "used_against_art9",
             "provided_against_art19")


# --- drawing (untimed) --------------------------------------------------------------------------------------

def _draw_day(rng: random.Random) -> int:
    """A day index from FIRST_DAY: a fifth around the year-end authority holidays (20 Dec – 6 Jan)."""
    if rng.random() < 0.2:
        year = rng.randrange(2022, 2027)
        around = date(year, 12, 20) + timedelta(days=rng.randrange(18))
        return min((around - FIRST_DAY).days, _SPAN)
    return rng.randrange(_SPAN + 1)


def _draw_moment(rng: random.Random, day: int) -> tuple[int, int, int, int]:
    """(day, hour, minute, form) in JST; form 0: +09:00, 1: the same instant in UTC, 2: a bare date."""
    form = rng.choices((0, 1, 2), (70, 20, 10))[0]
    if rng.random() < 0.05:
        return day, 0, 0, form  # exactly midnight JST: the period starts then (民法140条ただし書)
    return day, rng.randrange(24), rng.randrange(60), form


def _draw_persons(rng: random.Random) -> int | None:
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.16:
        return rng.choice((1, 99, 100, 101, 999, 1000, 1001, 5_000_000))
    return min(int(10 ** rng.uniform(0, 6.7)), 5_000_000)


def _draw_chain(rng: random.Random, kind: str, known: tuple[int, int, int, int]):
    """(tiers, incident_at): tier 0 the consignor; each tier (name, kind, notified moment, own known moment)."""
    size = rng.choice((2, 2, 3))
    incident_at = rng.choice((0, *range(1, size), *range(1, size)))
    day = known[0]
    tiers = [(0, rng.choice((kind, None)), None,
              _draw_moment(rng, day + rng.randrange(1, 20)) if rng.random() < 0.1 else None)]
    for i in range(1, size):
        notified = None
        if i <= incident_at and rng.random() < 0.7:  # a tier at or below the incident notifies its consignor
            notified = _draw_moment(rng, day + rng.randrange(1, 8))
        tier_kind = "public_body" if rng.random() < 0.05 else rng.choice(("company", None))
        tiers.append((i % len(TIER_NAMES), tier_kind, notified, None))
    return tuple(tiers), rng.choice((incident_at, incident_at, "consignor")) if incident_at == 0 else incident_at


def draw_cases(n: int = CASES, seed: int = SEED) -> list[tuple[tuple, datetime | date]]:
    """n (choice, as_of) pairs: everything random is decided here, so `build` only assembles."""
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        kind = "public_body" if rng.random() < 0.15 else "company"
        data_kind = "my_number" if rng.random() < 0.12 else "personal_data"
        items = list(dict.fromkeys(rng.choices(ITEM_CODES, ITEM_WEIGHTS, k=rng.randint(1, 6))))
        if data_kind == "my_number" and MY_NUMBER_ITEM not in items:
            items[rng.randrange(len(items))] = MY_NUMBER_ITEM
        events = rng.choice(EVENT_SETS) if rng.random() < 0.25 else None
        certainty = rng.choices(("occurred", "suspected", None), (30, 20, 50))[0]
        cause = rng.choice(CAUSE_CODES)
        persons = _draw_persons(rng)
        flags = tuple(rng.random() < p for p in (0.05, 0.04, 0.02, 0.06, 0.03))
        others = ()
        if rng.random() < 0.1:
            others = tuple((name, rng.choices((None, "sensitive", "financial"), (80, 10, 10))[0])
                           for name in rng.sample(OTHER_ITEMS, rng.randint(1, 2)))
        occurred = _draw_day(rng)
        known = _draw_moment(rng, occurred + rng.choice((0, 0, 1, 1, 2, 3, 5, 8, 14)))
        persons_later = _draw_moment(rng, known[0] + rng.randrange(1, 10)) if rng.random() < 0.05 else None
        authority = rng.choice(AUTHORITIES) if rng.random() < 0.2 else "ppc"
        chain, incident_at = _draw_chain(rng, kind, known) if rng.random() < 0.15 else ((), None)
        filled = tuple(rng.sample(REPORT_ITEM_CODES, rng.randint(1, 9))) if rng.random() < 0.3 else ()
        contact = rng.choice((True, False)) if rng.random() < 0.5 else None
        my_number = None
        if data_kind == "my_number" and rng.random() < 0.7:
            my_number = (*(rng.random() < 0.15 for _ in _MN_FLAGS), rng.choice((None, None, True, False)))
        no_occurred = rng.random() < 0.1
        as_day = known[0] + rng.randrange(-1, 91)
        as_of = FIRST_DAY + timedelta(days=as_day)
        if rng.random() < 0.8:
            as_of = datetime(as_of.year, as_of.month, as_of.day, rng.randrange(24), rng.randrange(60), tzinfo=UTC)
        cases.append(((kind, data_kind, items, events, certainty, cause, persons, persons_later, flags,
                       None if no_occurred else occurred, known, authority, chain, incident_at, filled, contact,
                       my_number, others), as_of))
    return cases


# --- building (timed: the baseline) -------------------------------------------------------------------------

def _moment(spec: tuple[int, int, int, int]) -> str:
    day, hour, minute, form = spec
    if form == 2:
        return DAYS[day + 1]
    if form == 1:  # the same instant in UTC
        if hour >= 9:
            return f"{DAYS[day + 1]}T{hour - 9:02d}:{minute:02d}:00Z"
        return f"{DAYS[day]}T{hour + 15:02d}:{minute:02d}:00+00:00"
    return f"{DAYS[day + 1]}T{hour:02d}:{minute:02d}:00+09:00"


def build(choice: tuple) -> dict:
    """The JSON-shaped facts dict the API would receive for one set of drawn choices."""
    (kind, data_kind, items, events, certainty, cause, persons, persons_later, flags, occurred, known, authority,
     chain, incident_at, filled, contact, my_number, others) = choice
    raw = {
        "handler_kind": kind,
        "data_kind": data_kind,
        "data_items": list(items),
        "certainty": certainty,
        "cause": cause,
        "max_persons": persons,
        "high_grade_encryption": flags[0],
        "recovered_before_viewed": flags[1],
        "provided_intentionally": flags[2],
        "same_data_kept_elsewhere": flags[3],
        "deleted_for_reasonable_reason": flags[4],
        "occurred_on": DAYS[occurred + 1] if occurred is not None else None,
        "known_at": _moment(known),
        "report_authority": authority,
    }
    if events is not None:
        raw["events"] = list(events)
    if persons_later is not None:
        raw["max_persons_known_at"] = _moment(persons_later)
    if others:
        raw["other_items"] = [{"name": name, "sensitive": flag == "sensitive", "financial": flag == "financial",
                               "reason": "利用者が判断した理由" if flag else ""} for name, flag in others]
    if chain:
        tiers = []
        for name, tier_kind, notified, tier_known in chain:
            tier = {"name": TIER_NAMES[name]}
            if tier_kind is not None:
                tier["kind"] = tier_kind
            if notified is not None:
                tier["notified_consignor_at"] = _moment(notified)
            if tier_known is not None:
                tier["known_at"] = _moment(tier_known)
            tiers.append(tier)
        raw["chain"] = tiers
        raw["incident_at"] = incident_at
    if filled:
        raw["report_items"] = {code: ITEM_TEXTS[code] for code in filled}
    if contact is not None:
        raw["person_notice"] = {"contact_available": contact}
    if my_number is not None:
        raw["my_number"] = {**dict(zip(_MN_FLAGS, my_number, strict=False)), "public_exposure": my_number[-1]}
    return raw


# --- the loops ----------------------------------------------------------------------------------------------

def _timed(loop):
    """(wall seconds, CPU seconds of this process) of one call of `loop`."""
    wall, cpu = time.perf_counter(), time.process_time()
    loop()
    return time.perf_counter() - wall, time.process_time() - cpu


def _bare(cases) -> tuple[float, float]:
    def loop():
        for choice, _as_of in cases:
            build(choice)
    return _timed(loop)


def _assess(cases) -> tuple[float, float]:
    def loop():
        for choice, as_of in cases:
            assess(parse_facts(build(choice)), as_of)
    return _timed(loop)


def _with_json(cases) -> tuple[float, float]:
    def loop():
        for choice, as_of in cases:
            assess(parse_facts(build(choice)), as_of).to_dict()
    return _timed(loop)


def survey(cases) -> dict:
    """Untimed: rejects (must be 0), what the engine concluded, and a digest of every to_dict()."""
    digest = hashlib.sha256()
    rejected = incidents = reportable = overdue = exempt = windows = 0
    by_ground: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    causes, kinds, data_kinds, chains = Counter(), Counter(), Counter(), Counter()
    for choice, as_of in cases:
        raw = build(choice)
        try:
            facts = parse_facts(raw)
        except FactsError as error:
            rejected += 1
            digest.update(json.dumps(error.errors, sort_keys=True).encode())
            if rejected <= 3:
                print(f"  rejected: {error} in {raw}", file=sys.stderr)
            continue
        result = assess(facts, as_of)
        out = result.to_dict()
        digest.update(json.dumps(out, sort_keys=True, ensure_ascii=False).encode())
        causes[raw["cause"]] += 1
        kinds[raw["handler_kind"]] += 1
        data_kinds[raw["data_kind"]] += 1
        chains[len(facts.chain)] += 1
        incidents += result.is_incident
        reportable += result.reportable
        overdue += bool(result.final_report and result.final_report.days_left < 0)
        exempt += sum(p.exempt for p in result.parties)
        windows += sum(p.consignor_notice is not None for p in result.parties)
        by_ground.update(g.code for g in result.grounds)
        notes.update(n.code for n in result.notes)
    return {
        "cases": len(cases), "rejected": rejected, "incidents": incidents, "reportable": reportable,
        "reportable_by_ground": dict(by_ground.most_common()),
        "final_report_overdue": overdue, "exempt_parties": exempt, "consignor_notice_windows": windows,
        "handler_kinds": dict(kinds.most_common()), "data_kinds": dict(data_kinds.most_common()),
        "chain_tiers": {str(k): v for k, v in sorted(chains.items())},
        "causes_covered": f"{sum(1 for c in CAUSES if causes[c])}/{len(CAUSES)} (+ none: {causes[None]})",
        "notes": dict(notes.most_common()),
        "outputs_sha256": digest.hexdigest(),
    }


def measure(n: int = CASES, repeats: int = 5) -> dict:
    """Rates of the three loops (median and best of `repeats`) by CPU time and by wall time, beside the survey of
    the generated cases. The loops are single-threaded and CPU-bound: their CPU time is the engine's work, while
    on a machine shared with other processes the wall time also counts the waits for a processor."""
    cases = draw_cases(n)
    found = survey(cases)  # also warms the remembered holidays and the interpreter
    rates: dict[str, list[float]] = {"bare": [], "assess": [], "json": []}
    wall_rates: dict[str, list[float]] = {"bare": [], "assess": [], "json": []}
    for _ in range(repeats):
        for name, loop in (("bare", _bare), ("assess", _assess), ("json", _with_json)):
            gc.collect()
            wall, cpu = loop(cases)
            rates[name].append(n / cpu)
            wall_rates[name].append(n / wall)
    return {"rates": rates, "median": {k: statistics.median(v) for k, v in rates.items()},
            "best": {k: max(v) for k, v in rates.items()}, "wall_rates": wall_rates,
            "wall_median": {k: statistics.median(v) for k, v in wall_rates.items()}, **found}


def _wall(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `command` in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure_cli(runs: int = CLI_RUNS) -> dict:
    """Wall time of `flask assess examples/incident-facts.json` (a fresh process each run) beside `python -c pass`,
    interleaved so that machine noise hits both alike; medians in seconds. The CPU time of each is kept too: on a
    machine shared with other work the wall time waits for the processor, the CPU time does not."""
    flask = str(Path(sys.executable).with_name("flask"))
    env = {**os.environ, "FLASK_APP": "oversight"}
    command = [flask, "assess", str(EXAMPLE_FACTS), "--as-of", "2026-11-23"]
    _wall(command, env)  # once untimed: the file system cache, as on a second call from a shell
    cli, bare = [], []
    for _ in range(runs):
        bare.append(_wall([sys.executable, "-c", "pass"], env))
        cli.append(_wall(command, env))
    return {"cli": statistics.median(w for w, _ in cli), "bare": statistics.median(w for w, _ in bare),
            "cli_cpu": statistics.median(c for _, c in cli), "bare_cpu": statistics.median(c for _, c in bare),
            "cli_runs": [w for w, _ in cli], "bare_runs": [w for w, _ in bare]}


def run(backend: str, *, keep: bool = False, runs: int = 40, cases: int = CASES) -> dict[str, dict]:
    """Assess `cases` generated fact sets (the backend is ignored: the engine touches no database)."""
    repeats = max(3, min(7, runs // 8))
    cli = measure_cli()
    print(f"  flask assess: {cli['cli']:.2f} s, CPU {cli['cli_cpu']:.2f} s (python -c pass {cli['bare']:.2f} s, "
          f"CPU {cli['bare_cpu']:.2f} s; median of {CLI_RUNS})")
    m = measure(cases, repeats)
    median, best = m["median"], m["best"]
    wall = m["wall_median"]
    print(f"  art26: {median['assess']:,.0f} assessments/s, {median['json']:,.0f} with to_dict(), bare loop "
          f"{median['bare']:,.0f} dicts/s (CPU time; wall time {wall['assess']:,.0f}, {wall['json']:,.0f}, "
          f"{wall['bare']:,.0f}; median of {repeats}); rejected {m['rejected']}, "
          f"reportable {m['reportable']:,} of {m['cases']:,}")
    valid = m["rejected"] == 0
    shared = {
        "cases": m["cases"], "rejected": m["rejected"], "repetitions": repeats,
        "statistic": "median rate by CPU time (time.process_time); wall_* by the wall clock",
        "seed": SEED,
        "baseline_loop": "build(choice): the JSON-shaped facts dict from pre-drawn random choices, nothing else",
    }
    breakdown = {k: m[k] for k in ("incidents", "reportable", "reportable_by_ground", "final_report_overdue",
                                   "exempt_parties", "consignor_notice_windows", "handler_kinds", "data_kinds",
                                   "chain_tiers", "causes_covered", "notes", "outputs_sha256")}
    return {
        "art26_assessments_per_second": figure(
            median["assess"], "assessments/s", median["bare"], "≥ 10,000/s", valid and median["assess"] >= TARGET,
            best=round(best["assess"], 1), baseline_best=round(best["bare"], 1),
            rates=[round(r) for r in m["rates"]["assess"]], wall_value=round(wall["assess"], 1),
            wall_baseline=round(wall["bare"], 1), wall_rates=[round(r) for r in m["wall_rates"]["assess"]],
            via="assess(parse_facts(build(choice)), as_of) — parse and decide, no JSON", **shared, **breakdown),
        "art26_assessments_with_json_per_second": figure(
            median["json"], "assessments/s", median["bare"], "informational", None,
            best=round(best["json"], 1), baseline_best=round(best["bare"], 1),
            rates=[round(r) for r in m["rates"]["json"]], wall_value=round(wall["json"], 1),
            wall_rates=[round(r) for r in m["wall_rates"]["json"]],
            via="assess(parse_facts(build(choice)), as_of).to_dict() — what the API returns, before serialising",
            **shared),
        "art26_flask_assess_seconds": figure(
            cli["cli"], "s", cli["bare"], "< 1 s", cli["cli"] < CLI_TARGET,
            runs=[round(t, 3) for t in cli["cli_runs"]], baseline_runs=[round(t, 3) for t in cli["bare_runs"]],
            cpu_seconds=round(cli["cli_cpu"], 3), baseline_cpu_seconds=round(cli["bare_cpu"], 3),
            statistic="median", baseline_loop="python -c pass",
            via="flask assess examples/incident-facts.json --as-of 2026-11-23 (FLASK_APP=oversight, a new process "
                "each run)"),
    }


if __name__ == "__main__":  # pragma: no cover
    result = measure(int(sys.argv[1]) if len(sys.argv) > 1 else CASES, 3)
    print(json.dumps(result, indent=2, ensure_ascii=False))
