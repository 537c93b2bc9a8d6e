"""Risk tiers of entrustments (pure): the facts one entrustment is judged on, and its tier with the reasons.

The consignor supervises each contractor according to the risk — 「本人が被る権利利益の侵害の大きさを考慮し、
委託する事業の規模及び性質、個人データの取扱状況（取り扱う個人データの性質及び量を含む。）等に起因するリスクに
応じて」 (通則編3-4-4; PPC Q&A 5-11) — and the tier sets how often it is audited (audits/cadence.py).

The rules are data (`tier_policy.yaml`, loaded and checked by `audits.tier_policy`, whose names this module
re-exports). Every matching rule counts: the highest tier among them is the entrustment's tier and all their
reasons are kept, highest tier first ("high: My Number; 12,000 persons"; a text two rules share is shown
once). An entrustment no rule matches gets the lowest tier. A rule on a value that is unknown (no audit score
yet, no contract) never matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from audits.tier_policy import (
    ATTRIBUTES,
    FINDING_SEVERITIES,
    MAX_SCORE,
    POLICY_FILE,
    Level,
    Policy,
    PolicyError,
    PolicyProblem,
    Rule,
    Text,
    load_policy,
    parse_policy,
    render,
    valid_value,
)

__all__ = ["ATTRIBUTES", "FINDING_SEVERITIES", "POLICY_FILE", "EntrustmentRisk", "Level", "Policy", "PolicyError",
           "PolicyProblem", "Reason", "Rule", "Text", "Tier", "load_policy", "parse_policy", "tier_of"]


@dataclass(frozen=True)
class EntrustmentRisk:
    """What one entrustment is judged on; the app builds it at the boundary from the registry, the contract, the
    audits, findings and incidents. Refuses impossible values (ValueError)."""

    sensitive: bool = False  # includes 要配慮個人情報
    my_number: bool = False  # includes 特定個人情報
    person_count: int = 0
    storage_country: str = "JP"  # ISO 3166-1 alpha-2, upper case
    subcontract_depth: int = 0  # entrustments above this one: 0 direct, 1 再委託, 2 再々委託 …
    last_audit_score: float | None = None  # 0–100; None: not audited or not scored yet
    open_findings: Mapping[str, int] = field(default_factory=dict, hash=False)  # open findings by severity
    incidents_last_year: int = 0  # incidents under this entrustment in the past 365 days
    late_notifications_last_year: int = 0  # incident notices to the consignor later than the contract allows
    unapproved_subcontracting: bool = False  # this entrustment, or one below it, found without approval
    false_answers_found: bool = False  # an audit found the contractor's answers untrue (000: UF Japan)
    contract_audit_interval_months: int | None = None  # the contract's audit clause; None: none recorded

    def __post_init__(self):
        problems = _risk_problems(self)
        if problems:
            raise ValueError("EntrustmentRisk: " + "; ".join(problems))
        object.__setattr__(self, "open_findings", MappingProxyType(dict(self.open_findings)))

    def value(self, attribute: str):
        """The value the rule attribute `attribute` names (an open-finding count by severity, or a field)."""
        if attribute.startswith("open_findings."):
            return self.open_findings.get(attribute.removeprefix("open_findings."), 0)
        return getattr(self, attribute)


def _risk_problems(risk: EntrustmentRisk) -> list[str]:
    problems = [f"{name} must be true or false" for name, kind in ATTRIBUTES.items()
                if kind == "flag" and not isinstance(getattr(risk, name), bool)]
    problems += [f"{name} must be a whole number, 0 or more" for name, kind in ATTRIBUTES.items()
                 if kind == "count" and "." not in name and not valid_value("count", getattr(risk, name))]
    if not valid_value("country", risk.storage_country):
        problems.append("storage_country must be a two-letter upper-case country code")
    score = risk.last_audit_score
    if score is not None and not valid_value("score", score):
        problems.append(f"last_audit_score must be from 0 to {MAX_SCORE}")
    if risk.contract_audit_interval_months is not None and not valid_value(
            "months", risk.contract_audit_interval_months):
        problems.append("contract_audit_interval_months must be a whole number, 1 or more")
    if not isinstance(risk.open_findings, Mapping):
        problems.append("open_findings must map severities to counts")
    else:
        problems += [f"open_findings: unknown severity {severity!r}" for severity in risk.open_findings
                     if severity not in FINDING_SEVERITIES]
        problems += [f"open_findings.{severity} must be a whole number, 0 or more"
                     for severity, count in risk.open_findings.items() if not valid_value("count", count)]
    return problems


@dataclass(frozen=True)
class Reason:
    """Why an entrustment is at least `tier`: the rule, its text with the entrustment's values, its source."""

    rule: str
    tier: str
    ja: str
    en: str
    source: str

    def get(self, lang: str) -> str:
        return self.ja if lang.startswith("ja") else self.en


@dataclass(frozen=True)
class Tier:
    """An entrustment's tier, its audit frequency under the policy and every reason, highest tier first."""

    level: str
    rank: int
    label: Text
    every_months: int
    reasons: tuple[Reason, ...]

    def explanation(self, lang: str = "ja") -> str:
        """「高：特定個人情報（マイナンバー）、12,000人」 / "high: My Number; 12,000 persons"."""
        if lang.startswith("ja"):
            return f"{self.label.ja}：{'、'.join(r.ja for r in self.reasons) or '該当する規則なし'}"
        return f"{self.label.en}: {'; '.join(r.en for r in self.reasons) or 'no rule applies'}"


def tier_of(risk: EntrustmentRisk, policy: Policy) -> Tier:
    """The entrustment's tier: the highest tier among the matching rules (the lowest if none), with all reasons."""
    ranks = {level.name: level.rank for level in policy.levels}
    matched = sorted((rule for rule in policy.rules if rule.matches(risk)), key=lambda r: -ranks[r.tier])
    level = policy.levels[ranks[matched[0].tier]] if matched else policy.levels[0]
    reasons: list[Reason] = []
    shown: set[tuple[str, str]] = set()
    for rule in matched:  # two rules on one attribute ("12,000 persons" twice) are shown once, the higher
        text = (render(rule.reason.ja, risk), render(rule.reason.en, risk))
        if text not in shown:
            shown.add(text)
            reasons.append(Reason(rule.id, rule.tier, *text, rule.source))
    return Tier(level.name, level.rank, level.label, level.every_months, tuple(reasons))
