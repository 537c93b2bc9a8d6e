"""Reading the trail: filters (object, actor, dates in Japan time), keyset pages newest first, and the CSV export of
the filtered records with their hashes. Every query goes through the one visibility rule (restrict_trail).

Pages are keyset pages on seq (`before`/`after` a record number), never OFFSET and never a count: each page is
one indexed range however long the trail, which stays fast at a million records.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from oversight import permissions as perm
from oversight.accounts.models import User
from oversight.errors import ValidationFailed
from oversight.extensions import db
from oversight.registry.importexport import FORMULA_TRIGGERS
from oversight.timeutil import JST, to_jst, utcnow
from oversight.trail import checks, display
from oversight.trail.integrity import as_utc
from oversight.trail.models import TrailCheck, TrailRecord
from oversight.trail.visibility import restrict_trail

MAX_ACTOR_MATCHES = 500
EXPORT_CHUNK = 1000
EXPORT_COLUMNS = (
    ("seq", "記録番号"), ("at", "日時（日本時間）"), ("at_utc", "日時（UTC）"), ("actor", "実行者"), ("action", "操作"),
    ("action_code", "操作コード"), ("object_type", "対象の種類"), ("object_id", "対象ID"), ("object", "対象"),
    ("before", "変更前（JSON）"), ("after", "変更後（JSON）"), ("request_id", "リクエストID"),
    ("prev_hash", "直前の記録のハッシュ"), ("hash", "ハッシュ"))


@dataclass(frozen=True)
class Filters:
    """What the viewer asked for, checked: all optional."""

    object_type: str = ""
    object_id: int | None = None
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as query arguments (for links that keep them)."""
        args = {"object_type": self.object_type, "object_id": "" if self.object_id is None else str(self.object_id),
                "actor": self.actor, "from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else ""}
        return {k: v for k, v in args.items() if v}


def _day(raw: str, name: str, errors: dict) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = [_l("Enter a date as YYYY-MM-DD.")]
        return None


def _number(raw: str, name: str, errors: dict) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        errors[name] = [_l("Enter a record number (digits only).") if name in ("before", "after")
                        else _l("Enter a number (digits only).")]
        return None
    return int(raw)


def parse_filters(args: Mapping) -> Filters:
    """Filters from query arguments; ValidationFailed naming each bad field."""
    errors: dict[str, list] = {}
    object_type = str(args.get("object_type") or "").strip()
    if object_type and object_type not in display.labels()["object_types"]:
        errors["object_type"] = [_l("Choose a kind of object from the list.")]
    object_id = _number(str(args.get("object_id") or "").strip(), "object_id", errors)
    actor = str(args.get("actor") or "").strip()
    if len(actor) > 254:
        errors["actor"] = [_l("At most 254 characters.")]
    date_from = _day(str(args.get("from") or "").strip(), "from", errors)
    date_to = _day(str(args.get("to") or "").strip(), "to", errors)
    if date_from and date_to and date_to < date_from:
        errors["to"] = [_l("The end date is before the start date.")]
    if errors:
        raise ValidationFailed(errors)
    return Filters(object_type, object_id, actor, date_from, date_to)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=JST)


def filtered(actor, filters: Filters, visible: perm.VisibleIds | None = None):
    """The visible records that match the filters, as a select (no order, no limit); `visible`: the actor's
    perm.visible_ids, when the caller has them already."""
    query = restrict_trail(select(TrailRecord), actor, visible)
    if filters.object_type:
        query = query.where(TrailRecord.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(TrailRecord.object_id == filters.object_id)
    if filters.actor:
        term = filters.actor
        users = select(User.id).where(or_(User.name.contains(term, autoescape=True),
                                          func.lower(User.email).contains(term.lower(), autoescape=True)))
        user_ids = list(db.session.scalars(users.limit(MAX_ACTOR_MATCHES)))
        query = query.where(or_(TrailRecord.actor_name == term, TrailRecord.actor_user_id.in_(user_ids)))
    if filters.date_from:
        query = query.where(TrailRecord.at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(TrailRecord.at < _start_of(filters.date_to + timedelta(days=1)))
    return query


@dataclass
class Page:
    """One page of the trail, newest first, with the cursors to its neighbours and the last stored check."""

    filters: Filters
    rows: list[display.Row]
    newer: int | None  # show records after this seq
    older: int | None  # show records before this seq
    check: TrailCheck | None


def _any(query) -> bool:
    return db.session.scalar(query.with_only_columns(TrailRecord.seq).limit(1)) is not None


def page(actor, args: Mapping, lang: str) -> Page:
    """A page of the records the actor may see that match the filters in `args` (and its cursor: `before` or
    `after` a record number); ValidationFailed naming each bad argument."""
    perm.require(actor, "trail.view")
    filters = parse_filters(args)
    errors: dict[str, list] = {}
    before = _number(str(args.get("before") or ""), "before", errors)
    after = _number(str(args.get("after") or ""), "after", errors)
    if errors:
        raise ValidationFailed(errors)
    size = current_app.config["PAGE_SIZE"]
    visible = perm.visible_ids(actor)
    base = filtered(actor, filters, visible)
    if after is not None:
        records = list(db.session.scalars(base.where(TrailRecord.seq > after).order_by(TrailRecord.seq)
                                          .limit(size + 1)))
        has_newer = len(records) > size
        records = records[:size][::-1]
        has_older = _any(base.where(TrailRecord.seq <= after))
    else:
        query = base if before is None else base.where(TrailRecord.seq < before)
        records = list(db.session.scalars(query.order_by(TrailRecord.seq.desc()).limit(size + 1)))
        has_older = len(records) > size
        records = records[:size]
        has_newer = before is not None and _any(base.where(TrailRecord.seq >= before))
    return Page(filters, display.rows(actor, records, lang, visible),
                newer=records[0].seq if records and has_newer else None,
                older=records[-1].seq if records and has_older else None,
                check=checks.last_check())


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    # A cell that starts like a formula would run in Excel (CSV injection): make it text.
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_TRIGGERS) else text


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def export_filename(now: datetime | None = None) -> str:
    """trail-YYYYMMDD-HHMM.csv, in Japan time."""
    return f"trail-{to_jst(now or utcnow()):%Y%m%d-%H%M}.csv"


def export_csv(actor, args: Mapping, lang: str) -> Iterator[bytes]:
    """The filtered records, oldest first, as CSV (UTF-8 with BOM for Excel), one row per record with its
    hashes; streamed in chunks so that memory stays flat however many. ValidationFailed before the first byte."""
    perm.require(actor, "trail.view")
    query = filtered(actor, parse_filters(args)).order_by(TrailRecord.seq).execution_options(yield_per=EXPORT_CHUNK)

    def generate() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([f"{ja} ({code})" for code, ja in EXPORT_COLUMNS])
        yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
        for records in db.session.scalars(query).partitions():
            buffer.seek(0)
            buffer.truncate()
            for r in records:
                writer.writerow([_cell(v) for v in (
                    r.seq, f"{to_jst(r.at):%Y-%m-%d %H:%M:%S}", as_utc(r.at), r.actor_name,
                    display.action_label(r.action, lang), r.action, display.object_type_label(r.object_type, lang),
                    r.object_id, r.object_label, _json(r.before), _json(r.after), r.request_id, r.prev_hash,
                    r.hash)])
            yield buffer.getvalue().encode("utf-8")

    return generate()
