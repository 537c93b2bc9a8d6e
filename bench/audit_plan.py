"""The year's audit plan for the synthetic registry: `python -m bench audit_plan`.

The inputs are built in memory, without a database (tiers and the schedule are pure, and a seeded database
holds no audit history yet): `bench.seed.generate` draws the same 10,000 organisations and 30,000 entrustments
that `python -m bench.seed` inserts (same seed), and the live ones (active or approved) are planned, each with
its depth in the chain, persons, sensitive / My Number data, storage country, start and end, and unapproved
subcontracting where the seeder marks a subcontract discovered without approval (audit, filing, late
declaration). What the registry does not hold yet is drawn with `random.Random(2026)`: the last audit (15 %
never audited; the rest 1 to 420 days ago), its score, open findings, incidents and late notices of the past
year, a false-answer finding now and then, and the contract's audit interval (most 12 months, some 6, 3 or 24,
some entrustments without a contract).

Two loops run over the same entrustments, interleaved in each repetition:

* bare:  per entrustment, a yearly date from its last audit or start, kept if it falls within the year — the
  baseline, the loop with no tiers, no contract, no business days;
* plan:  `tier_of` for each entrustment under audits/tier_policy.yaml, then `year_plan` over them (the due
  dates of the coming year, repeats included, on Japanese business days) — the headline, in seconds.

The first plan runs with the holiday calendar's memory emptied (`cold_seconds`), then `runs // 8` (3 to 7)
repetitions give the median. The plan is hashed (`outputs_sha256`): the same digest before and after a change
to tiers.py or cadence.py proves its answers did not move.
"""

from __future__ import annotations

import gc
import hashlib
import random
import statistics
import time
from collections import Counter
from datetime import date, timedelta

from audits.cadence import PlanItem, year_plan
from audits.tiers import EntrustmentRisk, load_policy, tier_of
from bench import figure
from bench.seed import DISCOVERED, LIVE, TODAY, generate
from oversight.incidents.art26.deadlines import is_authority_holiday

TARGET_SECONDS = 10.0  # the target for the year's plan of the 10,000-organisation registry
REGISTRY_SEED = 20260401  # the seeder's own default: the same registry as `python -m bench.seed`
HISTORY_SEED = 2026
HORIZON_DAYS = 365
_YEAR = timedelta(days=365)


def build_inputs(history_seed: int = HISTORY_SEED) -> list[tuple[int, EntrustmentRisk, date | None, date | None,
                                                                  date | None]]:
    """(id, risk, last audit, start, end) of every live entrustment of the synthetic registry (untimed)."""
    plan = generate(random.Random(REGISTRY_SEED), 1)
    rng = random.Random(history_seed)
    parent = {row["id"]: row["parent_id"] for row in plan.entrustments}
    inputs = []
    for row in plan.entrustments:
        if row["status"] not in LIVE:
            continue
        depth, up = 0, row["parent_id"]
        while up is not None:
            depth, up = depth + 1, parent[up]
        audited = rng.random() < 0.85
        last = TODAY - timedelta(days=rng.randrange(1, 420)) if audited else None
        risk = EntrustmentRisk(
            sensitive=row["includes_sensitive"], my_number=row["includes_my_number"],
            person_count=row["person_count"], storage_country=row["storage_country"], subcontract_depth=depth,
            last_audit_score=round(rng.triangular(40, 100, 88), 1) if audited else None,
            open_findings={"high": int(rng.random() < 0.04), "medium": rng.choice((0, 0, 0, 1, 2)),
                           "low": rng.randrange(4)},
            incidents_last_year=int(rng.random() < 0.03), late_notifications_last_year=int(rng.random() < 0.02),
            unapproved_subcontracting=row["origin"] in DISCOVERED, false_answers_found=rng.random() < 0.002,
            contract_audit_interval_months=rng.choices((12, 6, 3, 24, None), (60, 12, 3, 10, 15))[0])
        inputs.append((row["id"], risk, last, row["start_on"], row["end_on"]))
    return inputs


def plan_year(inputs, policy, as_of: date = TODAY) -> list:
    """The measured work: each entrustment's tier, then the year's plan over all of them."""
    items = [PlanItem(entrustment_id, tier_of(risk, policy).level, last, start, risk.contract_audit_interval_months,
                      end) for entrustment_id, risk, last, start, end in inputs]
    return year_plan(items, policy, as_of, HORIZON_DAYS)


def bare_loop(inputs, as_of: date = TODAY) -> list:
    """The baseline: a yearly date from the last audit or start, kept when it falls within the year."""
    until = as_of + _YEAR
    due = []
    for entrustment_id, _risk, last, start, _end in inputs:
        day = (last or start or as_of) + _YEAR
        if as_of <= day < until:
            due.append((entrustment_id, day))
    return due


def _timed(work, *args) -> tuple[float, float, object]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = work(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def digest(plan) -> str:
    """SHA-256 of every entrustment's due dates and overdue day, in plan order."""
    h = hashlib.sha256()
    for p in plan:
        h.update(f"{p.entrustment_id}:{p.tier}:{p.overdue_since}:{','.join(map(str, p.due_dates))}\n".encode())
    return h.hexdigest()


def measure(repeats: int = 5) -> dict:
    """Cold and warm seconds of the plan and of the bare loop (wall and CPU), and a survey of the plan."""
    started = time.perf_counter()
    inputs = build_inputs()
    generated = time.perf_counter() - started
    policy = load_policy()
    is_authority_holiday.cache_clear()  # the first plan as a freshly started scheduler computes it
    cold_wall, cold_cpu, plan = _timed(plan_year, inputs, policy)
    walls: dict[str, list[float]] = {"bare": [], "plan": []}
    cpus: dict[str, list[float]] = {"bare": [], "plan": []}
    for _ in range(repeats):
        for name, work in (("bare", bare_loop), ("plan", plan_year)):
            wall, cpu, _ = _timed(work, inputs, *((policy,) if name == "plan" else ()))
            walls[name].append(wall)
            cpus[name].append(cpu)
    tiers = Counter(p.tier for p in plan)
    return {
        "entrustments": len(inputs), "inputs_seconds": generated, "cold_wall": cold_wall, "cold_cpu": cold_cpu,
        "walls": walls, "cpus": cpus, "wall": {k: statistics.median(v) for k, v in walls.items()},
        "cpu": {k: statistics.median(v) for k, v in cpus.items()},
        "audits_planned": sum(p.audit_count for p in plan), "overdue": sum(1 for p in plan if p.overdue_since),
        "nothing_due": sum(1 for p in plan if not p.audit_count),
        "bound_by_contract": sum(1 for p in plan if p.due.bound_by == "contract"),
        "by_tier": dict(sorted(tiers.items(), key=lambda kv: policy.level(kv[0]).rank)),
        "never_audited": sum(1 for _, _, last, _, _ in inputs if last is None),
        "outputs_sha256": digest(plan),
    }


def run(backend: str, *, keep: bool = False, runs: int = 40) -> dict[str, dict]:
    """Plan the coming year for the synthetic registry (the backend is ignored: no database is involved)."""
    repeats = max(3, min(7, runs // 8))
    m = measure(repeats)
    wall, cpu = m["wall"], m["cpu"]
    print(f"  audit plan: {wall['plan']:.2f} s for {m['entrustments']:,} live entrustments (CPU {cpu['plan']:.2f} s; "
          f"cold {m['cold_wall']:.2f} s), bare loop {wall['bare'] * 1000:.1f} ms; median of {repeats}; "
          f"{m['audits_planned']:,} audits planned, {m['overdue']:,} overdue, tiers {m['by_tier']}")
    passed = m["cold_wall"] < TARGET_SECONDS and wall["plan"] < TARGET_SECONDS
    return {"audit_year_plan_seconds": figure(
        wall["plan"], "s", wall["bare"], "< 10 s", passed,
        cpu_seconds=round(cpu["plan"], 3), baseline_cpu_seconds=round(cpu["bare"], 4),
        cold_seconds=round(m["cold_wall"], 3), cold_cpu_seconds=round(m["cold_cpu"], 3),
        runs=[round(t, 3) for t in m["walls"]["plan"]], baseline_runs=[round(t, 4) for t in m["walls"]["bare"]],
        repetitions=repeats, statistic="median wall time (time.perf_counter); cpu_* by time.process_time",
        via="tier_of(risk, policy) for each live entrustment, then year_plan(items, policy, 2026-04-01, 365 days)",
        baseline_loop="(last audit or start or as_of) + 365 days, kept when within the year — no tiers, no "
                      "contract, no business days",
        inputs="bench.seed.generate(Random(20260401)) in memory (no database); audit history drawn with "
               f"Random({HISTORY_SEED}); built in {m['inputs_seconds']:.1f} s, untimed",
        **{k: m[k] for k in ("entrustments", "never_audited", "audits_planned", "overdue", "nothing_due",
                             "bound_by_contract", "by_tier", "outputs_sha256")})}
