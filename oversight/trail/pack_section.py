"""The trail extract of the evidence pack: the records of the period about the objects the other sections put in
the pack, as the builder may read them (the trail's one visibility rule), with their hashes — one CSV, streamed."""

from __future__ import annotations

import json

from sqlalchemy import and_, or_

from oversight import permissions as perm
from oversight.extensions import db
from oversight.packs.document import Paragraph, Section, facts, table
from oversight.packs.sections import PackContext, register_section
from oversight.timeutil import to_jst
from oversight.trail import display
from oversight.trail.browse import EXPORT_CHUNK, EXPORT_COLUMNS, Filters, filtered
from oversight.trail.integrity import as_utc
from oversight.trail.models import TrailRecord


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def build(ctx: PackContext) -> Section:
    """The section: the extract's counts in the summary, the records in trail/trail.csv."""
    section = Section("trail", "監査証跡の抜粋", "Trail extract")
    if not perm.allows(ctx.actor, "trail.view"):
        section.blocks.append(Paragraph("監査証跡を閲覧する権限がないため、含めていません。",
                                        "Not included: your role does not read the trail."))
        return section
    about = [and_(TrailRecord.object_type == kind, TrailRecord.object_id.in_(sorted(ids)))
             for kind, ids in sorted(ctx.covered.items()) if ids]
    if not about:
        section.blocks.append(Paragraph("対象となる記録はありません。", "No record concerns what the pack holds."))
        return section
    query = (filtered(ctx.actor, Filters(date_from=ctx.period_from, date_to=ctx.period_to)).where(or_(*about))
             .order_by(TrailRecord.seq).execution_options(yield_per=EXPORT_CHUNK))
    counts: dict[str, int] = {}
    seqs: list[int] = []

    def rows():
        for r in db.session.scalars(query):
            counts[r.action] = counts.get(r.action, 0) + 1
            seqs[:] = [seqs[0] if seqs else r.seq, r.seq]
            yield (r.seq, f"{to_jst(r.at):%Y-%m-%d %H:%M:%S}", as_utc(r.at), r.actor_name,
                   display.action_label(r.action, "ja"), r.action, display.object_type_label(r.object_type, "ja"),
                   r.object_type, r.object_id, r.object_label, _json(r.before), _json(r.after), r.request_id,
                   r.prev_hash, r.hash)

    header = [f"{ja} ({code})" for code, ja in EXPORT_COLUMNS]
    header.insert(7, "対象の種類コード (object_type_code)")
    ctx.writer.add_csv("trail/trail.csv", header, rows())
    total = sum(counts.values())
    section.blocks.append(facts(("記録の件数", "Records", total),
                                ("記録番号", "Record numbers", f"{seqs[0]} 〜 {seqs[-1]}" if seqs else None)))
    if counts:
        section.blocks.append(table((("操作", "Action"), ("件数", "Records")),
                                    ((f"{display.action_label(a, 'ja')} / {display.action_label(a, 'en')}", n)
                                     for a, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))), (5, 1)))
    section.blocks.append(Paragraph(
        "各記録のハッシュ（HMAC-SHA256）と直前の記録のハッシュを含みます。連鎖の検証は flask verify-trail で行えます。",
        "Each record carries its hash (HMAC-SHA256) and the previous record's; flask verify-trail checks the chain."))
    return section


def register() -> None:
    """Add the trail extract to the evidence pack (called from the trail's init_app): last, after the sections
    whose objects it covers."""
    register_section("trail", build, order=90)
