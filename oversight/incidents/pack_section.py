"""The incidents' section of the evidence pack: incidents in the period at the contractor (or below it) or about
the entrustments in scope, as the builder may see them — its own party's duty, deadlines and reports, the other
parties only as far as its sight reaches (never another consignor's), the timeline it may read and the
prevention measures."""

from __future__ import annotations

from sqlalchemy import or_, select

from oversight import permissions as perm
from oversight.extensions import db
from oversight.incidents.models import Incident
from oversight.incidents.visibility import events_for, sight, visible_changes
from oversight.packs.document import Heading, Paragraph, Section, day, facts, table, when
from oversight.packs.sections import PackContext, register_section
from oversight.registry.models import Entrustment

ROLES = {"origin": "発生元 / where it happened", "intermediate": "中間の委託先 / contractor in between",
         "consignor": "委託元 / consignor"}


def _duty(party) -> str:
    if party.exempt:
        return "免除（委託元へ通知済み）/ exempt (notified its consignor)"
    if party.must_report:
        return (f"報告義務あり / must report — 速報 quick {day(party.quick_to)}、確報 final {day(party.final_due)}"
                f"；報告 reported {when(party.quick_reported_at)} / {when(party.final_reported_at)}")
    return "報告義務なし / no duty to report"


def build(ctx: PackContext) -> Section:
    """The section: one heading per incident."""
    section = Section("incidents", "事故等（漏えい等事案）", "Incidents")
    ids = ctx.all_entrustment_ids
    organisations = {ctx.contractor.id, *db.session.scalars(
        select(Entrustment.contractor_id).where(Entrustment.id.in_(ctx.subcontract_ids)))} if ids else set()
    incidents = db.session.scalars(perm.restrict(select(Incident), ctx.actor, "incident").where(
        or_(Incident.entrustment_id.in_(ids), Incident.organisation_id.in_(organisations)),
        Incident.created_at < ctx.ends, or_(Incident.closed_at.is_(None), Incident.closed_at >= ctx.starts))
        .order_by(Incident.id)).all() if ids else []
    ctx.cover("incident", [i.id for i in incidents])
    if not incidents:
        section.blocks.append(Paragraph("期間中の事故等はありません（閲覧できる範囲）。",
                                        "No incident in the period (as far as you may see)."))
        return section
    for incident in incidents:
        seen = sight(ctx.actor, incident)
        where = incident.organisation.name if seen.sees(incident.organisation_id) else "—"
        section.blocks.append(Heading(f"事案 {incident.id}：{incident.title}", f"Incident {incident.id}"))
        section.blocks.append(facts(("発生した組織", "Where it happened", where),
                                    ("状態", "Status",
                                     "終了 / closed" if incident.status == "closed" else "対応中 / open"),
                                    ("記録の開始", "Opened", when(incident.created_at)),
                                    ("終了", "Closed", when(incident.closed_at) if incident.closed_at else None)))
        parties = [p for p in incident.parties if seen.sees(p.organisation_id)]
        ctx.cover("incident_party", [p.id for p in parties if seen.full(p.organisation_id)])
        section.blocks.append(table((("組織", "Organisation"), ("立場", "Role"), ("義務と期限", "Duty and deadlines")),
                                    ((p.organisation.name, ROLES.get(p.role, p.role),
                                      _duty(p) if seen.full(p.organisation_id) else "—") for p in parties),
                                    (2, 1.6, 4.4)))
        if incident.measures:
            section.blocks.append(table((("再発防止策", "Prevention measure"), ("担当", "Owner"), ("期日", "Due"),
                                         ("完了", "Done")),
                                        ((m.description, m.owner, day(m.due_on), day(m.done_on))
                                         for m in incident.measures), (4, 1.4, 1, 1)))
        events = events_for(seen, list(incident.events), incident.organisation_id)
        ctx.writer.add_csv(f"incidents/incident-{incident.id}/timeline.csv",
                           ["at", "kind", "actor", "note", "changes"],
                           ([when(e.at), e.kind, e.actor_name, e.note,
                             "; ".join(f"{c[0]}: {c[1]} → {c[2]}" for c in visible_changes(seen, e))]
                            for e in events))
    return section


def register() -> None:
    """Add the incidents' section to the evidence pack (called from incidents' init_app)."""
    register_section("incidents", build, order=70)
