"""Gap analysis (pure): a contract's terms against the contract policy, and a heuristic check of a .docx.

`analyse(facts, policy)` compares the clauses, variants and parameters of a contract recorded here with
`policy.yaml` (required clauses, the maximum notice period, audit interval …) and returns `Gap`s with
their severity, the clause concerned and the ground in the reference documents.

`check_docx(data, policy)` reads an existing contract someone uploads and looks for each required
provision by Japanese and English keyword patterns, paragraph by paragraph. It is a heuristic, and
says so in its result. Where it can be wrong:

- negation and context: 「再委託してはならない」 is found as a subcontracting provision (right), but so
  is 「監査は行わない」 as an audit provision (wrong); a keyword in a recital or a definition counts as
  the provision;
- splitting: a provision whose keywords sit in different paragraphs (a heading, then the text; a table
  with the terms in one cell and the numbers in another) is not found;
- what is not read: headers, footers, footnotes, comments, embedded objects, images and scanned pages
  (a scanned contract has no text at all); text in deleted tracked changes is ignored, inserted text is
  read as if accepted;
- numbers: the notice period is read by `notice_period` — hours, days and business days (「N時間以内」,
  「N日以内」, 「N営業日以内」, "within N hours / days / business days", with full-width digits and kanji
  numerals such as 二十四), and 「直ちに」「遅滞なく」「速やかに」 / "immediately", "without delay", "promptly"
  as a period without a number; when a paragraph names several, the shortest number binds (「24時間以内に
  第一報、7日以内に書面で」 is 24 hours). A shorter figure about something else in the same paragraph is taken
  for the notice period, and months or 「翌営業日」 are not read;
- legal effect: finding the words says nothing about whether the clause is enforceable, overridden
  elsewhere, or weakened by an exception. A lawyer reads the contract; this only says where to look.

The .docx is a zip: it is opened only if small enough, with a bounded number of entries, a bounded
unpacked size and compression ratio for word/document.xml, and parsed without DTDs, entities or network.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from contracts import notice_period
from contracts.notice_period import NoticePeriod

POLICY_FILE = Path(__file__).resolve().parent / "policy.yaml"
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

MAX_DOCX_BYTES = 10 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_DOCUMENT_XML_BYTES = 30 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


@dataclass(frozen=True)
class Text:
    ja: str
    en: str

    def get(self, lang: str) -> str:
        return self.ja if lang.startswith("ja") else self.en


@dataclass(frozen=True)
class Gap:
    """One way a contract falls short of policy."""

    code: str
    severity: str  # high / medium / low
    clause: str | None
    message: Text
    ground: str = ""


@dataclass(frozen=True)
class Policy:
    version: str
    max_notice_hours: int
    max_audit_interval_months: int
    max_return_days: int
    required: tuple[Mapping[str, str], ...]
    weak_variants: Mapping[str, Mapping[str, Mapping[str, str]]]
    unselected_contractor: str = "high"  # the gap of an active entrustment no selection review approved


def load_policy(path: Path | str = POLICY_FILE) -> Policy:
    """The contract policy from its YAML file (cached)."""
    return _load_policy(Path(path).resolve())


@cache
def _load_policy(path: Path) -> Policy:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Policy(version=str(raw["version"]), max_notice_hours=int(raw["max_notice_hours"]),
                  max_audit_interval_months=int(raw["max_audit_interval_months"]),
                  max_return_days=int(raw["max_return_days"]), required=tuple(raw["required"]),
                  weak_variants=raw.get("weak_variants") or {},
                  unselected_contractor=_severity(raw.get("unselected_contractor", "high"), "unselected_contractor"))


def _severity(value, name: str) -> str:
    if value not in ("high", "medium"):
        raise ValueError(f"contract policy: {name} must be high or medium, not {value!r}")
    return value


@dataclass(frozen=True)
class ContractFacts:
    """What gap analysis needs to know about a recorded contract (plain data, from `assembly.resolve`)."""

    clauses: frozenset[str]
    variants: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)
    registry_subcontracting_terms: str | None = None
    clause_titles: Mapping[str, Text] = field(default_factory=dict)


def facts_from_resolved(resolved, registry_subcontracting_terms: str | None = None) -> ContractFacts:
    """ContractFacts from an `assembly.Resolved` request."""
    return ContractFacts(clauses=frozenset(resolved.clause_ids), variants=dict(resolved.variants),
                         values=dict(resolved.values), registry_subcontracting_terms=registry_subcontracting_terms)


def _title(facts: ContractFacts, clause: str) -> Text:
    return facts.clause_titles.get(clause, Text(clause, clause))


def no_contract_gap() -> Gap:
    """The gap of an entrustment without any contract recorded."""
    return Gap("no_contract", "high", None, Text(
        "契約が登録されていません。委託契約又は個人データの取扱いに関する覚書を作成してください。",
        "No contract is recorded. Draft an entrustment agreement or a data-handling memorandum."),
        "個人情報保護法25条; 001 委託契約における安全管理措置の明記")


def analyse(facts: ContractFacts, policy: Policy | None = None) -> list[Gap]:
    """Gaps of one contract against policy, most severe first."""
    policy = policy or load_policy()
    gaps: list[Gap] = []
    for rule in policy.required:
        clause = rule["clause"]
        if clause not in facts.clauses:
            t = _title(facts, clause)
            gaps.append(Gap(f"missing:{clause}", rule["severity"], clause,
                            Text(f"「{t.ja}」の条項がありません。", f"The contract has no “{t.en}” clause."),
                            rule.get("ground", "")))
    values = facts.values
    hours = values.get("notice_hours")
    if "incident_notice" in facts.clauses and isinstance(hours, int) and hours > policy.max_notice_hours:
        gaps.append(Gap("weak:notice_hours", "high", "incident_notice", Text(
            f"事故の報告期限が{hours}時間で、方針の上限（{policy.max_notice_hours}時間）を超えています。",
            f"The incident notice period is {hours} hours, longer than the policy maximum of "
            f"{policy.max_notice_hours} hours."), "000 事故・疑義発生時の速やかな連絡義務"))
    interval = values.get("audit_interval_months")
    if "audit" in facts.clauses and isinstance(interval, int) and interval > policy.max_audit_interval_months:
        gaps.append(Gap("weak:audit_interval", "medium", "audit", Text(
            f"定期監査の間隔が{interval}か月で、方針（{policy.max_audit_interval_months}か月以内）より長くなっています。",
            f"Regular audits every {interval} months; policy requires at least every "
            f"{policy.max_audit_interval_months} months."), "001 定期的な監査とモニタリング体制の構築"))
    days = values.get("return_days")
    if "return_deletion" in facts.clauses and isinstance(days, int) and days > policy.max_return_days:
        gaps.append(Gap("weak:return_days", "low", "return_deletion", Text(
            f"返還・消去の期限が{days}日で、方針（{policy.max_return_days}日以内）より長くなっています。",
            f"Return or deletion within {days} days; policy allows at most {policy.max_return_days}."),
            "001 廃棄方法と証明書の提出"))
    for clause, weak in policy.weak_variants.items():
        variant = facts.variants.get(clause)
        if clause in facts.clauses and variant in weak:
            t = _title(facts, clause)
            gaps.append(Gap(f"weak:{clause}:{variant}", weak[variant]["severity"], clause, Text(
                f"「{t.ja}」の条項が方針より弱い選択肢（{variant}）になっています。",
                f"The “{t.en}” clause uses a variant weaker than policy ({variant})."),
                weak[variant].get("ground", "")))
    terms = facts.registry_subcontracting_terms
    variant = facts.variants.get("subcontracting")
    if terms and "subcontracting" in facts.clauses:
        if terms == "notice_after":
            gaps.append(Gap("registry:notice_after", "medium", "subcontracting", Text(
                "登録簿では再委託が事後通知で可とされていますが、方針は事前の書面承認を求めます。",
                "The registry records notice-after subcontracting terms; policy requires prior written approval."),
                "000 再委託時の義務; 001 再委託の制限と事前承認制"))
        elif terms == "prohibited" and variant == "prior_approval":
            gaps.append(Gap("registry:mismatch", "low", "subcontracting", Text(
                "登録簿では再委託禁止ですが、契約は事前承認制になっています。",
                "The registry says subcontracting is prohibited, but the contract allows it with approval."), ""))
    return sorted(gaps, key=lambda g: (SEVERITY_ORDER[g.severity], g.code))


def worst(gaps: list[Gap]) -> str | None:
    """The most severe level among the gaps, or None."""
    return min((g.severity for g in gaps), key=SEVERITY_ORDER.__getitem__, default=None)


# ---------------------------------------------------------------- the .docx heuristic


class UnreadableDocx(ValueError):
    """The upload is not a .docx we are willing to open; `message` says why (Japanese and English)."""

    def __init__(self, message: Text):
        super().__init__(message.en)
        self.message = message


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)


def extract_paragraphs(data: bytes) -> list[str]:
    """The text of each paragraph of word/document.xml (body, tables, text boxes), after size checks."""
    if len(data) > MAX_DOCX_BYTES:
        raise UnreadableDocx(Text(f"ファイルが大きすぎます（上限{MAX_DOCX_BYTES // 1024 // 1024}MB）。",
                                  f"The file is too large (limit {MAX_DOCX_BYTES // 1024 // 1024} MB)."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise UnreadableDocx(Text("Word文書（.docx）ではありません。",
                                  "This is not a Word document (.docx).")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise UnreadableDocx(Text("文書の構成要素が多すぎます。", "The document has too many parts."))
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError:
            raise UnreadableDocx(Text("Word文書（.docx）ではありません（本文がありません）。",
                                      "This is not a Word document (.docx): it has no word/document.xml.")) from None
        if info.file_size > MAX_DOCUMENT_XML_BYTES or \
                info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise UnreadableDocx(Text("展開後のサイズが大きすぎます。", "The document is too large once unpacked."))
        try:
            with archive.open(info) as stream:
                xml = stream.read(MAX_DOCUMENT_XML_BYTES + 1)
        except (zipfile.BadZipFile, RuntimeError, OSError, EOFError):
            raise UnreadableDocx(Text("文書が壊れています。", "The document is damaged.")) from None
    if len(xml) > MAX_DOCUMENT_XML_BYTES:
        raise UnreadableDocx(Text("展開後のサイズが大きすぎます。", "The document is too large once unpacked."))
    try:
        root = etree.fromstring(xml, _PARSER)  # noqa: S320 - entities, DTDs and network are off
    except etree.XMLSyntaxError:
        raise UnreadableDocx(Text("文書が壊れています。", "The document is damaged.")) from None
    paragraphs = []
    for p in root.iter(f"{{{W_NS}}}p"):
        parts = []
        for node in p.iter(f"{{{W_NS}}}t", f"{{{W_NS}}}tab", f"{{{W_NS}}}br"):
            parts.append(node.text or "" if node.tag.endswith("}t") else " ")
        text = unicodedata.normalize("NFKC", "".join(parts)).strip()
        if text:
            paragraphs.append(text)
    return paragraphs


@dataclass(frozen=True)
class Provision:
    code: str
    clause: str
    severity: str
    title: Text
    patterns: tuple[tuple[re.Pattern, ...], ...]  # alternatives; each: all must match one paragraph


def _p(*alternatives: tuple[str, ...]) -> tuple[tuple[re.Pattern, ...], ...]:
    return tuple(tuple(re.compile(r, re.IGNORECASE) for r in alt) for alt in alternatives)


_INCIDENT = r"(漏えい|漏洩|漏れい|滅失|毀損|事故|インシデント)"
_INCIDENT_EN = r"(incident|breach|leak|loss or damage)"
PROVISIONS: tuple[Provision, ...] = (
    Provision("incident_notice", "incident_notice", "high",
              Text("事故発生時の報告期限", "Incident notice deadline"), _p(
        (_INCIDENT, r"(知った|認識|発覚|判明|覚知)", r"(報告|通知|連絡)", notice_period.PATTERN_JA),
        (_INCIDENT_EN, r"(aware|knows|learns|discover|suspect)", r"(report|notif)", notice_period.PATTERN_EN))),
    Provision("incident_suspicion", "incident_notice", "high",
              Text("おそれ（疑い）段階での報告", "Reporting suspected incidents"), _p(
                  (_INCIDENT, r"(おそれ|疑い|疑義|可能性)", r"(報告|通知|連絡)"),
                  (_INCIDENT_EN, r"(suspect|may have|possible)", r"(report|notif)"))),
    Provision("incident_contents", "incident_notice", "medium",
              Text("報告内容（報告事項の列挙）", "Contents of the incident report"), _p(
                  (r"二次被害",), (r"secondary damage",))),
    Provision("subcontracting_approval", "subcontracting", "high",
              Text("再委託の事前承認（又は禁止）", "Prior approval (or prohibition) of subcontracting"), _p(
                  (r"再委託", r"(事前|あらかじめ|予め)", r"(承認|承諾|許諾|同意)"),
                  (r"再委託", r"(禁止|してはならない|することができない)"),
                  (r"subcontract", r"prior (written )?(approval|consent)"),
                  (r"(shall|may) not subcontract",))),
    Provision("subcontracting_flow_down", "subcontracting", "high",
              Text("再委託先への同等義務の承継", "Flow-down of equivalent obligations"), _p(
                  (r"再委託", r"(同等|同一|同様)", r"義務"),
                  (r"subcontract", r"(equivalent|same) obligations"))),
    Provision("publication", "publication", "high",
              Text("委託元の同意なき公表・本人通知の禁止", "No publication or notice without the consignor"), _p(
                  (r"公表", r"(同意|承諾|承認)"),
                  (r"publi", r"(consent|approval)"))),
    Provision("forensic_cooperation", "forensic_cooperation", "high",
              Text("事故調査（証拠保全・フォレンジック）への協力", "Cooperation in forensic investigation"), _p(
                  (r"(フォレンジック|証拠.{0,6}保全|ログ.{0,8}保全)",),
                  (r"(forensic|preserve (the )?evidence)",))),
    Provision("audit", "audit", "high", Text("監査権限", "Audit rights"), _p(
        (r"監査",), (r"\baudit",))),
    Provision("audit_onsite", "audit", "medium", Text("実地監査（立入り）", "On-site audits"), _p(
        (r"(立ち入|立入|実地)",), (r"(on-site|on site|enter the)",))),
    Provision("monthly_report", "monthly_report", "medium", Text("月次報告", "Monthly reports"), _p(
        (r"(毎月|月次|月例|各月)", r"報告"), (r"(monthly|each month|every month)", r"report"))),
    Provision("return_deletion", "return_deletion", "high",
              Text("返還・消去と証明書", "Return or deletion with a certificate"), _p(
                  (r"(返還|消去|廃棄)", r"証明"), (r"(return|delet|destr)", r"certificate"))),
    Provision("access_control", "access_control", "medium", Text("アクセス制御", "Access control"), _p(
        (r"アクセス", r"(権限|制限|ログ|記録)"), (r"access", r"(rights|control|logs?|restrict)"))),
    Provision("storage", "storage", "medium", Text("保管場所", "Storage location"), _p(
        (r"(保管|保存)", r"(場所|国内|所在|施設)"), (r"stor", r"(located|location|country|facilit)"))),
    Provision("staff_education", "staff_education", "medium", Text("従業者教育", "Staff training"), _p(
        (r"(従業者|従業員|社員)", r"(教育|研修)"), (r"(training|educat)",))),
    Provision("termination", "termination", "high", Text("契約解除", "Termination"), _p(
        (r"解除",), (r"terminat",))),
    Provision("damages", "damages", "high", Text("損害賠償", "Damages"), _p(
        (r"損害", r"賠償"), (r"(damages|compensat|indemnif)",))),
)

@dataclass(frozen=True)
class Finding:
    provision: Provision
    found: bool
    evidence: str = ""


@dataclass(frozen=True)
class DocxCheck:
    """The result of checking an uploaded contract: each provision found or not, the notice period, gaps."""

    findings: tuple[Finding, ...]
    notice: NoticePeriod | None  # the period that binds, as found in the text
    gaps: tuple[Gap, ...]
    paragraphs: int
    caveat: Text

    @property
    def notice_hours(self) -> int | None:
        """The binding period in hours when it is fixed in hours or calendar days (7日以内 → 168); else None."""
        return self.notice.hours if self.notice else None


CAVEAT = Text(
    "これはキーワードによる簡易判定です。否定文（「…しない」）や定義・前文中の語も「あり」と判定され、"
    "見出しと本文が別の段落にある条項、表の別のセル、ヘッダー・脚注・画像・スキャンした頁は読み取れません。"
    "報告期限は「N時間以内」「N日以内」「N営業日以内」と「直ちに」「遅滞なく」「速やかに」を読み取り、"
    "同じ段落に複数あれば最も短い数値を採ります。同じ段落にある別の事項の期間（「7日以内に報告書を提出」等）を"
    "報告期限と読み違えることがあり、「1か月以内」や「翌営業日」の形は読み取れません。"
    "条項の有効性や例外による骨抜きは判定しません。必ず法務担当者が本文を確認してください。",
    "This is a keyword heuristic. Negations (“shall not audit”) and words in definitions or recitals count as "
    "present; a provision whose heading and text are in different paragraphs or table cells, and text in "
    "headers, footnotes, images or scanned pages, is not found. The notice period is read in hours, days and "
    "business days (“within N hours / days / business days”) and from “immediately”, “without delay” and "
    "“promptly”; with several in one paragraph the shortest number is taken. A period about something else in the "
    "same paragraph (“a written report within 7 days”) may be taken for the notice period, and forms such as "
    "“within one month” or “the next business day” are not read. It cannot judge whether a clause is enforceable "
    "or hollowed out by an exception: a lawyer must read the contract.")


def check_docx(data: bytes, policy: Policy | None = None) -> DocxCheck:
    """Look for each required provision in an uploaded .docx (a heuristic; see the module docstring)."""
    policy = policy or load_policy()
    paragraphs = extract_paragraphs(data)
    findings = []
    for provision in PROVISIONS:
        evidence = next((text for text in paragraphs
                         if any(all(p.search(text) for p in alt) for alt in provision.patterns)), None)
        findings.append(Finding(provision, evidence is not None, (evidence or "")[:160]))
    notice_paragraphs = [text for text in paragraphs if any(
        all(p.search(text) for p in alt) for alt in PROVISIONS[0].patterns)]
    notice = notice_period.binding([period for text in notice_paragraphs for period in notice_period.find(text)])
    gaps = []
    for finding in findings:
        if not finding.found:
            p = finding.provision
            gaps.append(Gap(f"missing:{p.code}", p.severity, p.clause, Text(
                f"「{p.title.ja}」に当たる定めが見つかりません。", f"No provision on “{p.title.en}” was found.")))
    shortfall = notice.shortfall(policy.max_notice_hours) if notice else None
    if shortfall:
        code, severity, ja, en = shortfall
        gaps.append(Gap(code, severity, "incident_notice", Text(ja, en), "000 事故・疑義発生時の速やかな連絡義務"))
    elif notice_paragraphs and notice is None:
        gaps.append(Gap("weak:notice_hours_unspecified", "medium", "incident_notice", Text(
            "事故の報告期限が読み取れません。時間で定めてください。",
            "No incident notice period could be read; set it in hours."), "000 事故・疑義発生時の速やかな連絡義務"))
    gaps.sort(key=lambda g: (SEVERITY_ORDER[g.severity], g.code))
    return DocxCheck(findings=tuple(findings), notice=notice, gaps=tuple(gaps),
                     paragraphs=len(paragraphs), caveat=CAVEAT)
