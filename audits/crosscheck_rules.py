"""The cross-checks that catch the UF Japan pattern: what a vendor's audit answers say, compared with the registry
and with its previous audit (pure: plain frozen facts in, flags out).

The 2025 SoftBank / UF Japan case (reference 000): a contractor handed the data to a subcontractor the consignor
never approved, and answered the consignor's security audits falsely. Each rule below looks for one sign of it,
and each flag says why in both languages, with its ground. `cross_check(facts)` runs them all; the same facts always
give the same flags, in the same order. The service that builds the facts and acts on the flags is
audits.crosschecks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from audits.declarations import Declared, name_key
from audits.questionnaire import Bi

VIOLATION_STATES = frozenset({"unapproved", "prohibited"})  # as registry.chain names them
UNAPPROVED_STATES = frozenset({"pending", "rejected"}) | VIOLATION_STATES
STATE_WORDS = {"pending": Bi("承認待ち", "awaiting approval"), "rejected": Bi("却下", "rejected"),
               "unapproved": Bi("無承認", "unapproved"), "prohibited": Bi("再委託禁止", "prohibited")}


@dataclass(frozen=True)
class RegisteredSub:
    """A subcontract under the audited entrustment, as the registry has it (registry.chain's approval state)."""

    entrustment_id: int
    name: str
    corporate_number: str
    state: str  # approved | notified | pending | rejected | unapproved | prohibited
    live: bool = True  # not terminated


@dataclass(frozen=True)
class Certificate:
    """A certification: claimed in the answers, or on record (the company's profile, the auditor's record)."""

    scheme: str
    expires_on: date | None


@dataclass(frozen=True)
class Previous:
    """What the previous audit of the same entrustment was told."""

    audit_id: int
    subcontracting: str | None  # the code answered to the subcontracting question
    declared: tuple[Declared, ...] = ()
    evidence_dates: tuple[tuple[str, date], ...] = ()


@dataclass(frozen=True)
class AuditFacts:
    """Everything the rules read about one audit's submitted answers."""

    as_of: date
    period_start: date | None
    subcontracting: str | None  # the code answered ("none": we do not subcontract); None: not asked/answered
    subcontracting_question: str | None
    declared: tuple[Declared, ...]
    declared_question: str | None
    registered: tuple[RegisteredSub, ...]
    claimed: tuple[tuple[str, Certificate], ...]  # (question id, certificate)
    recorded: tuple[Certificate, ...]
    evidence_dates: tuple[tuple[str, date], ...]  # (question id, the date the evidence bears)
    previous: Previous | None = None


@dataclass(frozen=True)
class Flag:
    """One thing the auditor must see: which check, about what (`subject`, stable across runs), how serious, why."""

    check: str
    subject: str
    severity: str  # critical | high | medium | low (a Finding's)
    reason: Bi
    ground: str
    question_id: str | None = None
    declared: Declared | None = None
    registered: RegisteredSub | None = None
    details: dict = field(default_factory=dict, compare=False)

    @property
    def records_subcontract(self) -> bool:
        """Whether the subcontract must be flagged in the registry (無承認再委託, origin audit)."""
        return self.check in ("unknown_subcontractor", "unapproved_subcontractor") and self.declared is not None

SCHEME_WORDS = {"iso27001": Bi("ISMS（ISO/IEC 27001）", "ISMS (ISO/IEC 27001)"), "pmark": Bi("プライバシーマーク",
                                                                                       "Privacy Mark"),
                "soc2": Bi("SOC 2", "SOC 2"), "iso27701": Bi("ISO/IEC 27701", "ISO/IEC 27701"),
                "iso27017": Bi("ISO/IEC 27017", "ISO/IEC 27017")}

GROUND_SUBCONTRACT = "通則編 3-4-4（再委託の事前承認）; 000（無承認再委託、UFジャパン事案）"
GROUND_FALSE_ANSWER = "000（セキュリティ監査への虚偽報告、UFジャパン事案）"
GROUND_CERTIFICATE = "001（セキュリティ認証取得状況）"
GROUND_PERIOD = "通則編 3-4-4 (3)（委託先における個人データ取扱状況の把握）"

CHECKS = {
    "unknown_subcontractor": Bi("登録されていない再委託先", "Subcontractor the registry does not have"),
    "unapproved_subcontractor": Bi("承認されていない再委託先", "Subcontractor not approved"),
    "unidentified_subcontractor": Bi("法人番号のない再委託先", "Subcontractor without a corporate number"),
    "undeclared_subcontractor": Bi("回答にない登録済みの再委託先", "Registered subcontractor left out of the answer"),
    "no_subcontracting_contradicted": Bi("「再委託していない」と登録内容の矛盾",
                                         "\u201cNo subcontracting\u201d contradicts the registry"),
    "certificate_expired": Bi("期限切れの認証", "Certification expired"),
    "certificate_unrecorded": Bi("記録のない認証", "Certification not on record"),
    "evidence_before_period": Bi("監査期間より前の日付の証跡", "Evidence dated before the period"),
    "contradicts_previous_audit": Bi("前回の監査との矛盾", "Contradicts the previous audit"),
}
# What the tier policy counts (audits.risk): answers found untrue, and subcontracting found without approval.
FALSE_ANSWER_CHECKS = ("no_subcontracting_contradicted", "undeclared_subcontractor", "certificate_unrecorded",
                       "contradicts_previous_audit")
UNAPPROVED_SUBCONTRACTOR_CHECKS = ("unknown_subcontractor", "unapproved_subcontractor")


def _key(d: Declared) -> str:
    return d.corporate_number or f"name:{name_key(d.name)}"


def _match(d: Declared, registered: tuple[RegisteredSub, ...]) -> RegisteredSub | None:
    found = [r for r in registered if (d.corporate_number and r.corporate_number == d.corporate_number)
             or (not d.corporate_number and name_key(r.name) == name_key(d.name))]
    live = [r for r in found if r.live]
    # The one that settles it: an approved link if there is one, else the most recent.
    return next((r for r in live if r.state in ("approved", "notified")), None) or (
        max(live, key=lambda r: r.entrustment_id) if live else None)


def check_declared_subcontractors(f: AuditFacts) -> list[Flag]:
    """Each declared subcontractor must be in the registry under the audited entrustment, approved (事前承認制)."""
    if f.subcontracting == "none":
        return []
    flags = []
    for d in f.declared:
        found = _match(d, f.registered)
        who = f"{d.name}（{d.corporate_number}）" if d.corporate_number else d.name
        if found is None:
            flags.append(Flag("unknown_subcontractor", _key(d), "critical", Bi(
                f"回答に記載された再委託先 {who} は、登録されておらず、委託元の承認もありません（無承認再委託）。",
                f"The answer names {who} as a subcontractor; the registry does not have it and the consignor never "
                f"approved it (unapproved subcontracting)."), GROUND_SUBCONTRACT, f.declared_question, d))
        elif found.state not in ("approved", "notified"):
            state = STATE_WORDS.get(found.state, Bi(found.state, found.state))
            flags.append(Flag("unapproved_subcontractor", _key(d), "critical", Bi(
                f"回答に記載された再委託先 {who} は登録されていますが、承認されていません（状態: {state.ja}）。",
                f"The answer names {who} as a subcontractor; the registry has it, but not approved "
                f"(state: {state.en})."), GROUND_SUBCONTRACT, f.declared_question, d, found))
        if not d.corporate_number and not d.sole_trader:
            flags.append(Flag("unidentified_subcontractor", _key(d), "low", Bi(
                f"再委託先 {d.name} に法人番号の記載がなく、会社を特定できません。",
                f"{d.name} is listed without a corporate number: the company cannot be identified."),
                GROUND_SUBCONTRACT, f.declared_question, d))
    return flags


def check_registered_subcontractors(f: AuditFacts) -> list[Flag]:
    """What the registry shows must be in the answer: "we do not subcontract" while live subcontracts are registered
    is a false answer; a registered subcontractor missing from the list is one the vendor left out."""
    live = [r for r in f.registered if r.live and r.state != "rejected"]
    if f.subcontracting == "none" and live:
        names = "、".join(r.name for r in live)
        return [Flag("no_subcontracting_contradicted", "none", "high", Bi(
            f"「再委託していない」と回答されましたが、登録されている再委託先があります：{names}。",
            f"The answer says there is no subcontracting, but the registry has subcontracts: {names}."),
            GROUND_FALSE_ANSWER, f.subcontracting_question)]
    if f.subcontracting is None or f.declared_question is None:
        return []
    flags = []
    for r in live:
        if any((d.corporate_number and d.corporate_number == r.corporate_number)
               or (not d.corporate_number and name_key(d.name) == name_key(r.name)) for d in f.declared):
            continue
        flags.append(Flag("undeclared_subcontractor", f"entrustment:{r.entrustment_id}", "medium", Bi(
            f"登録されている再委託先 {r.name} が回答の一覧にありません。",
            f"{r.name} is a registered subcontractor, but the answer does not list it."),
            GROUND_FALSE_ANSWER, f.declared_question, registered=r))
    return flags


def check_certificates(f: AuditFacts) -> list[Flag]:
    """A certification claimed must be valid on the day of the answers and on record (expired or unrecorded)."""
    flags = []
    for question_id, claimed in f.claimed:
        name = SCHEME_WORDS.get(claimed.scheme, Bi(claimed.scheme, claimed.scheme))
        on_record = [c for c in f.recorded if c.scheme == claimed.scheme]
        recorded_expiry = max((c.expires_on for c in on_record if c.expires_on), default=None)
        expiry = claimed.expires_on or recorded_expiry
        if expiry is not None and expiry < f.as_of:
            flags.append(Flag("certificate_expired", claimed.scheme, "high", Bi(
                f"回答で保有するとされた認証（{name.ja}）の有効期限 {expiry.isoformat()} が過ぎています。",
                f"The answer claims a certification ({name.en}) that expired on {expiry.isoformat()}."),
                GROUND_CERTIFICATE, question_id))
        elif not on_record:
            flags.append(Flag("certificate_unrecorded", claimed.scheme, "medium", Bi(
                f"回答で保有するとされた認証（{name.ja}）の記録がありません。登録証で確認してください。",
                f"The answer claims a certification ({name.en}) that is not on record: check the certificate."),
                GROUND_CERTIFICATE, question_id))
        elif claimed.expires_on and recorded_expiry and claimed.expires_on > recorded_expiry:
            flags.append(Flag("certificate_unrecorded", claimed.scheme, "medium", Bi(
                f"回答の有効期限 {claimed.expires_on.isoformat()} は記録（{recorded_expiry.isoformat()}）より後です。"
                "更新後の登録証で確認してください。",
                f"The answer gives {claimed.expires_on.isoformat()} as the expiry; the record says "
                f"{recorded_expiry.isoformat()}. Check the renewed certificate."), GROUND_CERTIFICATE, question_id))
    return flags


def check_evidence_dates(f: AuditFacts) -> list[Flag]:
    """Evidence of what was done in the period under audit cannot be dated before the period began."""
    if f.period_start is None:
        return []
    return [Flag("evidence_before_period", question_id, "medium", Bi(
        f"証跡の日付 {day.isoformat()} は監査の対象期間（{f.period_start.isoformat()}〜）より前です。",
        f"The evidence is dated {day.isoformat()}, before the period under audit (from "
        f"{f.period_start.isoformat()})."), GROUND_PERIOD, question_id)
        for question_id, day in f.evidence_dates if day < f.period_start]


def check_previous_audit(f: AuditFacts) -> list[Flag]:
    """Answers that cannot both be true: "unchanged" subcontractors that differ from the previous audit's list, and
    evidence older than what the previous audit was shown."""
    p = f.previous
    if p is None:
        return []
    flags = []
    if f.subcontracting == "unchanged" and p.subcontracting is not None:
        before = {_key(d) for d in p.declared} if p.subcontracting != "none" else set()
        now = {_key(d) for d in f.declared}
        if before != now:
            added = "、".join(d.name for d in f.declared if _key(d) not in before) or "—"
            removed = "、".join(d.name for d in p.declared if _key(d) not in now) or "—"
            flags.append(Flag("contradicts_previous_audit", "subcontractors", "high", Bi(
                f"再委託先は「変更なし」と回答されましたが、前回の監査の一覧と異なります"
                f"（追加: {added}／削除: {removed}）。",
                f"The answer says the subcontractors are unchanged, but the list differs from the previous audit's "
                f"(added: {added}; removed: {removed})."), GROUND_FALSE_ANSWER, f.subcontracting_question))
    earlier = dict(p.evidence_dates)
    for question_id, day in f.evidence_dates:
        if question_id in earlier and day < earlier[question_id]:
            flags.append(Flag("contradicts_previous_audit", f"date:{question_id}", "high", Bi(
                f"回答の日付 {day.isoformat()} は、前回の監査で回答された日付 {earlier[question_id].isoformat()} "
                "より前です。",
                f"The answer gives {day.isoformat()}, earlier than the {earlier[question_id].isoformat()} the "
                f"previous audit was told."), GROUND_FALSE_ANSWER, question_id))
    return flags


RULES = (check_declared_subcontractors, check_registered_subcontractors, check_certificates, check_evidence_dates,
         check_previous_audit)


def cross_check(facts: AuditFacts) -> list[Flag]:
    """Every flag the rules raise on these facts, in the rules' order."""
    return [flag for rule in RULES for flag in rule(facts)]
