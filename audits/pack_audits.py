"""The periodic-audit section of the evidence pack: each audit of the entrustments in scope in the period — its
checklist or answers with the auditor's review of each, the evidence, and the findings with their thread to
closure and remediation evidence. Read through the audits' visibility rules: the builder's own audits and those
shared with its organisation, never another consignor's audit of the same vendor."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from audits.audit_models import Audit, Finding, FindingEvent, FindingEvidence
from audits.audit_visibility import restrict_audits, restrict_findings
from audits.pack_answers import VERDICTS, write_answers
from oversight.extensions import db
from oversight.packs.document import Heading, Paragraph, Section, day, facts, table, when
from oversight.packs.sections import PackContext, register_section
from oversight.packs.writer import safe_name

KINDS = {"questionnaire": "質問票 / questionnaire", "document_review": "書面監査 / document review",
         "onsite": "実地監査 / on-site visit"}
STATUSES = {"open": "実施中 / open", "submitted": "回答済み / submitted", "in_review": "審査中 / in review",
            "closed": "完了 / closed", "cancelled": "中止 / cancelled"}
SEVERITIES = {"critical": "重大 / critical", "high": "高 / high", "medium": "中 / medium", "low": "低 / low"}
FINDING_STATUSES = {"open": "未対応 / open", "remediation_proposed": "是正案提出 / remediation proposed",
                    "closed": "完了 / closed"}
RESULTS = {"ok": "適合 / ok", "ng": "不適合 / not ok", "na": "該当なし / n/a"}


def _bi(text) -> str:
    text = text or {}
    return f"{text.get('ja', '')} / {text.get('en', '')}"


def _findings(ctx: PackContext, folder: str, findings: list[Finding]) -> list:
    """Write findings.csv, finding-events.csv and each finding's evidence; return the summary's table."""
    if not findings:
        return [Paragraph("指摘事項はありません。", "No findings.")]
    ids = [f.id for f in findings]
    ctx.cover("finding", ids)
    events = db.session.scalars(select(FindingEvent).where(FindingEvent.finding_id.in_(ids))
                                .order_by(FindingEvent.id)).all()
    ctx.writer.add_csv(f"{folder}/findings.csv", ["id", "severity", "title", "detail", "origin", "check", "owner",
                                                  "due_on", "status", "created_at", "closed_at", "closed_by"],
                       ([f.id, f.severity, f.title, f.detail, f.origin, f.check or "", f.owner_name, day(f.due_on),
                         f.status, when(f.created_at), when(f.closed_at), f.closed_by_name] for f in findings))
    ctx.writer.add_csv(f"{folder}/finding-events.csv", ["finding_id", "kind", "text", "author", "at"],
                       ([e.finding_id, e.kind, e.text, e.author_name, when(e.created_at)] for e in events))
    files = db.session.execute(select(FindingEvidence.id, FindingEvidence.finding_id, FindingEvidence.filename,
                                      FindingEvidence.size).where(FindingEvidence.finding_id.in_(ids))
                               .order_by(FindingEvidence.id)).all()
    for f in files:
        ctx.add_blob(f"{folder}/findings/finding-{f.finding_id}/{f.id}-{safe_name(f.filename)}",
                     select(FindingEvidence.content).where(FindingEvidence.id == f.id), size=f.size)
    closing = {}
    for e in events:
        if e.kind in ("closed", "reopened", "remediation"):
            closing[e.finding_id] = f"{e.kind} {when(e.created_at)} {e.author_name}"
    per = {}
    for f in files:
        per[f.finding_id] = per.get(f.finding_id, 0) + 1
    return [table((("番号", "No."), ("重要度", "Severity"), ("指摘", "Finding"), ("期日", "Due"), ("状態", "Status"),
                   ("最後の対応", "Last step"), ("証跡", "Files")),
                  ((f.id, SEVERITIES.get(f.severity, f.severity), f.title, day(f.due_on),
                    FINDING_STATUSES.get(f.status, f.status), closing.get(f.id, ""), per.get(f.id, 0))
                   for f in findings), (0.6, 1, 3, 1, 1.4, 2, 0.6))]


def build(ctx: PackContext) -> Section:
    """The section: one heading per audit in the period, then the findings raised outside an audit."""
    section = Section("audits", "定期監査（回答・証跡・指摘事項と是正）",
                      "Periodic audits (answers, evidence, findings and their closure)")
    ids = ctx.all_entrustment_ids
    audits = db.session.scalars(restrict_audits(select(Audit), ctx.actor).where(
        Audit.entrustment_id.in_(ids), or_(and_(Audit.due_on >= ctx.period_from, Audit.due_on <= ctx.period_to),
                                           and_(Audit.opened_at >= ctx.starts, Audit.opened_at < ctx.ends)))
        .order_by(Audit.due_on, Audit.id)).all() if ids else []
    ctx.cover("audit", [a.id for a in audits])
    if not audits:
        section.blocks.append(Paragraph("期間中の定期監査はありません（閲覧できる範囲）。",
                                        "No periodic audit in the period (as far as you may see)."))
    for a in audits:
        folder = f"audits/audit-{a.id}"
        section.blocks.append(Heading(f"監査 {a.id}：{a.vendor.name}（{a.entrustment.data_set}）、期日 {day(a.due_on)}",
                                      f"Audit {a.id}: {a.vendor.name}, due {day(a.due_on)}"))
        rows = [("種類", "Kind", KINDS.get(a.kind, a.kind)), ("状態", "Status", STATUSES.get(a.status, a.status)),
                ("監査する組織", "Auditor", a.auditor.name),
                ("対象期間", "Period covered", f"{day(a.period_start)} 〜 {day(a.period_end)}"),
                ("リスク区分", "Risk tier", f"{a.tier} {'; '.join(map(str, a.tier_reasons or []))}".strip()),
                ("開始", "Opened", f"{when(a.opened_at)} {a.opened_by_name}"),
                ("評点", "Score", f"{a.score_percent:.1f}%" if a.score_percent is not None else None),
                ("完了", "Closed", f"{when(a.closed_at)} {a.closed_by_name}" if a.closed_at else None),
                ("結論", "Conclusion", a.conclusion)]
        if a.request is not None:
            counts = write_answers(ctx, folder, a.request, reviews=True)
            ctx.cover("questionnaire_request", [a.request_id])
            verdicts = "、".join(f"{VERDICTS.get(k, k)} {n}" for k, n in sorted(counts["verdicts"].items()))
            rows += [("回答・証跡", "Answers / evidence files", f"{counts['answers']} / {counts['evidence']}"),
                     ("回答の審査", "Review of the answers", verdicts or "未審査 / not reviewed")]
        section.blocks.append(facts(*rows))
        if a.checklist:
            ctx.writer.add_json(f"{folder}/checklist.json", a.checklist)
            section.blocks.append(table((("確認項目", "Check"), ("結果", "Result"), ("所見", "Note")),
                                        ((_bi(c.get("text")),
                                          RESULTS.get(c.get("result"), "未確認 / not checked"), c.get("note") or "")
                                         for c in a.checklist), (4, 1.2, 2.4)))
        findings = db.session.scalars(restrict_findings(select(Finding), ctx.actor).where(Finding.audit_id == a.id)
                                      .order_by(Finding.id)).all()
        section.blocks += _findings(ctx, folder, findings)
    loose = db.session.scalars(restrict_findings(select(Finding), ctx.actor).where(
        Finding.audit_id.is_(None), Finding.entrustment_id.in_(ids), Finding.created_at < ctx.ends,
        or_(Finding.closed_at.is_(None), Finding.closed_at >= ctx.starts)).order_by(Finding.id)).all() if ids else []
    if loose:
        section.blocks.append(Heading("監査以外の指摘事項", "Findings raised outside an audit"))
        section.blocks += _findings(ctx, "audits/other-findings", loose)
    return section


def register() -> None:
    """Add the audits section to the evidence pack (called from audits' init_app)."""
    register_section("audits", build, order=40)
