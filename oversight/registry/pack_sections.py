"""The registry's sections of the evidence pack: the contractor and the entrustments in scope, and the
subcontracts below them with their approval (事前承認制) — each flagged 無承認再委託 where it was never approved."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from oversight.choices import APPROVAL_STATE, ENTRUSTMENT_ORIGIN, ENTRUSTMENT_STATUS
from oversight.extensions import db
from oversight.packs.document import Paragraph, Section, both, day, facts, table, when
from oversight.packs.sections import PackContext, register_section
from oversight.registry.models import Entrustment
from oversight.registry.queries import link_states

_COLUMNS = (("番号", "No."), ("委託元", "Consignor"), ("委託先", "Contractor"), ("業務・データ", "Data set"),
            ("人数", "Persons"), ("要配慮/マイナンバー", "Sensitive / My Number"), ("状態", "Status"),
            ("承認", "Approval"))


def _rows(entrustments, states):
    for e in entrustments:
        state = states.get(e.id)
        yield (e.id, e.consignor.name, e.contractor.name, e.data_set, f"{e.person_count:,}",
               f"{'要配慮' if e.includes_sensitive else '—'} / {'マイナンバー' if e.includes_my_number else '—'}",
               both(ENTRUSTMENT_STATUS, e.status), both(APPROVAL_STATE, state.state if state else None))


def _csv(ctx: PackContext, path: str, entrustments, states) -> None:
    ctx.writer.add_csv(path, ["id", "parent_id", "consignor", "contractor", "data_set", "purpose", "data_items",
                              "person_count", "includes_sensitive", "includes_my_number", "storage_country",
                              "start_on", "end_on", "status", "approval_state", "origin", "approved_at",
                              "approval_conditions", "rejection_reason"],
                       ([e.id, e.parent_id, e.consignor.name, e.contractor.name, e.data_set, e.purpose,
                         " ".join(e.data_items or []), e.person_count, e.includes_sensitive, e.includes_my_number,
                         e.storage_country, day(e.start_on), day(e.end_on), e.status,
                         states[e.id].state if e.id in states else "", e.origin, when(e.approved_at),
                         e.approval_conditions, e.rejection_reason] for e in entrustments))


def _load(ids):
    if not ids:
        return []
    return db.session.scalars(select(Entrustment).where(Entrustment.id.in_(ids)).options(
        selectinload(Entrustment.consignor), selectinload(Entrustment.contractor)).order_by(Entrustment.id)).all()


def overview(ctx: PackContext) -> Section:
    """The contractor's identity and the entrustments to it the builder may see."""
    c = ctx.contractor
    entrustments = _load(ctx.entrustment_ids)
    states = link_states(ctx.entrustment_ids)
    ctx.cover("organisation", [c.id])
    ctx.cover("entrustment", ctx.entrustment_ids)
    _csv(ctx, "registry/entrustments.csv", entrustments, states)
    return Section("overview", "委託先と委託の概要", "The contractor and its entrustments", [
        facts(("委託先", "Contractor", c.name), ("法人番号", "Corporate number", c.corporate_number),
              ("所在地", "Address", c.address),
              ("対象期間", "Period", f"{ctx.period_from.isoformat()} 〜 {ctx.period_to.isoformat()}"),
              ("委託の件数", "Entrustments", len(entrustments)),
              ("その下の再委託", "Subcontracts below them", len(ctx.subcontract_ids))),
        table(_COLUMNS, _rows(entrustments, states), (0.6, 2, 2, 2.4, 0.9, 1.4, 1.2, 1.4))])


def subcontracts(ctx: PackContext) -> Section:
    """The subcontracts below the entrustments in scope: who approved them, when, on what conditions."""
    below = _load(ctx.subcontract_ids)
    states = link_states(ctx.subcontract_ids)
    ctx.cover("entrustment", ctx.subcontract_ids)
    ctx.cover("organisation", [e.contractor_id for e in below])
    section = Section("subcontracts", "再委託の承認", "Subcontract approvals")
    if not below:
        section.blocks.append(Paragraph("この委託先からの再委託はありません（閲覧できる範囲）。",
                                        "No subcontract below this contractor (as far as you may see)."))
        return section
    flagged = [e for e in below if states.get(e.id) and states[e.id].violation]
    if flagged:
        section.blocks.append(Paragraph(
            f"無承認再委託：{len(flagged)}件（" + "、".join(e.contractor.name for e in flagged) + "）",
            f"Unapproved subcontracting: {len(flagged)} (" + ", ".join(e.contractor.name for e in flagged) + ")"))
    section.blocks.append(table(
        (("番号", "No."), ("親", "Parent"), ("再委託先", "Subcontractor"), ("業務・データ", "Data set"),
         ("承認", "Approval"), ("承認日時", "Approved at"), ("条件", "Conditions"), ("経緯", "Origin")),
        ((e.id, e.parent_id, e.contractor.name, e.data_set,
          both(APPROVAL_STATE, states[e.id].state if e.id in states else None), when(e.approved_at),
          e.approval_conditions or e.rejection_reason, both(ENTRUSTMENT_ORIGIN, e.origin)) for e in below),
        (0.6, 0.6, 2, 2, 1.6, 1.4, 1.8, 1.4)))
    _csv(ctx, "registry/subcontracts.csv", below, states)
    return section


def register() -> None:
    """Add the registry's sections to the evidence pack (called from the registry's init_app)."""
    register_section("overview", overview, order=10)
    register_section("subcontracts", subcontracts, order=50)
