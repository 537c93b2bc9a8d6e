"""The selection section of the evidence pack: each questionnaire the builder's organisation sent this contractor
when selecting it (選定, 法25条・通則編3-4-4) — the answers, evidence and score, and the decision with its
conditions. Only requests the builder may see as their requester: never another consignor's."""

from __future__ import annotations

from sqlalchemy import select

from audits.models import QuestionnaireRequest
from audits.pack_answers import write_answers
from audits.visibility import is_requester, restrict_requests
from oversight.extensions import db
from oversight.packs.document import Heading, Paragraph, Section, day, facts, table, when
from oversight.packs.sections import PackContext, register_section

OUTCOMES = {"approved": "承認 / Approved", "conditional": "条件付き承認 / Approved with conditions",
            "rejected": "不承認 / Rejected"}


def _bi(text) -> str:
    text = text or {}
    return f"{text.get('ja', '')} / {text.get('en', '')}"


def build(ctx: PackContext) -> Section:
    """The section: one heading per selection request to the contractor."""
    section = Section("selection", "選定（審査・評点・判断）", "Selection (review, score, decision)")
    requests = [r for r in db.session.scalars(restrict_requests(select(QuestionnaireRequest), ctx.actor).where(
        QuestionnaireRequest.vendor_id == ctx.contractor.id, QuestionnaireRequest.selection_id.is_not(None),
        QuestionnaireRequest.created_at < ctx.ends).order_by(QuestionnaireRequest.id)) if is_requester(ctx.actor, r)]
    ctx.cover("questionnaire_request", [r.id for r in requests])
    ctx.cover("selection", [r.selection_id for r in requests])
    if not requests:
        section.blocks.append(Paragraph("期間末までに、この委託先への選定の記録はありません。",
                                        "No selection review of this contractor by the end of the period."))
        return section
    for r in requests:
        s = r.selection
        section.blocks.append(Heading(f"選定：{s.title}（質問票 {r.id}）", f"Selection: {s.title} (request {r.id})"))
        counts = write_answers(ctx, f"selection/request-{r.id}", r)
        if r.score:
            ctx.writer.add_json(f"selection/request-{r.id}/score.json", r.score)
        flags = (r.score or {}).get("red_flags") or []
        decision = r.decision
        section.blocks.append(facts(
            ("質問票", "Questionnaire", f"{r.questionnaire_id} {r.questionnaire_version} (SHA-256 "
                                        f"{r.questionnaire_sha256[:16]}…)"),
            ("送付・提出", "Sent / submitted", f"{when(r.sent_at)} / {when(r.submitted_at)} {r.submitted_by_name}"),
            ("回答・証跡", "Answers / evidence files", f"{counts['answers']} / {counts['evidence']}"),
            ("評点", "Score", f"{r.score_percent:.1f}%" if r.score_percent is not None else None),
            ("重大な懸念", "Blockers", "あり / yes" if r.blocked else "なし / no"),
            ("判断", "Decision", f"{OUTCOMES.get(decision.outcome, decision.outcome)}（{decision.decided_by_name}、"
                               f"{when(decision.decided_at)}）" if decision else "未判断 / not decided"),
            ("理由", "Reason", decision.reason if decision else None)))
        if flags:
            section.blocks.append(table((("質問", "Question"), ("重要度", "Severity"), ("理由", "Reason")),
                                        ((f.get("question"), f.get("severity"),
                                          _bi(f.get("reason")))
                                         for f in flags), (1.2, 0.8, 5)))
        if decision and decision.conditions:
            section.blocks.append(table(
                (("条件", "Condition"), ("担当", "Owner"), ("期日", "Due"), ("結果", "Outcome")),
                ((c.text, c.owner, day(c.due_on),
                  f"充足 / met {day(c.met_on)}" if c.met_on else f"免除 / waived {day(c.waived_on)}" if c.waived_on
                  else "未了 / open") for c in decision.conditions), (3, 1.4, 1, 1.6)))
    return section


def register() -> None:
    """Add the selection section to the evidence pack (called from audits' init_app)."""
    register_section("selection", build, order=20)
