"""The campaign policy (pure): which kind of audit each risk tier gets and how many days before its due date the
clock opens it, read from `campaign_policy.yaml` and checked against the tier policy's tiers.

`load_campaign_policy(path)` / `parse_campaign_policy(mapping, tiers)` are the one validation path: bad data — an
unknown kind or tier, a lead time of 0 days or more than 180, a missing source — raises one `CampaignPolicyError`
listing every problem (file, field path, message), so nothing half-valid is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

POLICY_FILE = Path(__file__).resolve().parent / "campaign_policy.yaml"
KINDS = ("questionnaire", "document_review", "onsite")
MAX_LEAD_DAYS = 180


@dataclass(frozen=True)
class Plan:
    """What the clock does for one tier: the kind of audit and the days before the due date it opens it."""

    kind: str
    open_days_before: int


@dataclass(frozen=True)
class CampaignPolicy:
    """The default plan, the plans of the tiers that differ, and the questionnaire a questionnaire audit sends."""

    version: str
    questionnaire: str
    default: Plan
    tiers: Mapping[str, Plan]
    source: str

    def plan(self, tier: str) -> Plan:
        """The plan for an entrustment of `tier`."""
        return self.tiers.get(tier, self.default)


class CampaignPolicyError(ValueError):
    """The campaign policy is refused; `problems` lists every problem as "file: field: message"."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("campaign policy refused:\n" + "\n".join(f"  {p}" for p in self.problems))


def load_campaign_policy(tiers: Iterable[str], path: Path | str = POLICY_FILE) -> CampaignPolicy:
    """The campaign policy from its YAML file, checked against the tier names (cached per path and tiers)."""
    return _load(Path(path).resolve(), tuple(tiers))


@cache
def _load(path: Path, tiers: tuple[str, ...]) -> CampaignPolicy:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CampaignPolicyError([f"{path.name}: (file): cannot be read ({error})"]) from error
    return parse_campaign_policy(raw, tiers, path.name)


def _plan(raw, where: str, problems: list[str], fallback: Plan | None) -> Plan | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: must be a mapping with kind and open_days_before")
        return None
    for key in sorted(set(raw) - {"kind", "open_days_before"}, key=str):
        problems.append(f"{where}.{key}: unknown key {key!r}")
    kind = raw.get("kind", fallback.kind if fallback else None)
    days = raw.get("open_days_before", fallback.open_days_before if fallback else None)
    ok = True
    if kind not in KINDS:
        problems.append(f"{where}.kind: must be one of {', '.join(KINDS)} (got {kind!r})")
        ok = False
    if not (isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= MAX_LEAD_DAYS):
        problems.append(f"{where}.open_days_before: must be a whole number of days from 1 to {MAX_LEAD_DAYS} "
                        f"(got {days!r})")
        ok = False
    return Plan(kind, days) if ok else None


def parse_campaign_policy(raw, tiers: Iterable[str], file: str = "<campaign policy>") -> CampaignPolicy:
    """A CampaignPolicy from its mapping; CampaignPolicyError lists every problem."""
    tiers = tuple(tiers)
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise CampaignPolicyError([f"{file}: (file): not a campaign policy (a mapping)"])
    allowed = {"version", "questionnaire", "default", "tiers", "source"}
    problems += [f"{key}: unknown key {key!r}" for key in sorted(set(raw) - allowed, key=str)]
    version = raw.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append("version: required (quoted, e.g. \"2026.1\")")
    questionnaire = raw.get("questionnaire")
    if not isinstance(questionnaire, str) or not questionnaire.strip():
        problems.append("questionnaire: required (the id of a questionnaire in audits/questionnaires)")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append("source: required (why these kinds and lead times)")
    default = _plan(raw.get("default"), "default", problems, None)
    plans: dict[str, Plan] = {}
    raw_tiers = raw.get("tiers") or {}
    if not isinstance(raw_tiers, Mapping):
        problems.append("tiers: must map tier names to plans")
        raw_tiers = {}
    for name, item in raw_tiers.items():
        if name not in tiers:
            problems.append(f"tiers.{name}: unknown tier {name!r}; the tiers are {', '.join(tiers)}")
            continue
        plan = _plan(item, f"tiers.{name}", problems, default)
        if plan is not None:
            plans[name] = plan
    if problems:
        raise CampaignPolicyError([f"{file}: {p}" for p in problems])
    return CampaignPolicy(str(version).strip(), questionnaire.strip(), default, dict(plans), source.strip())
