"""Export of the organisations and entrustments the actor sees, as CSV (UTF-8 with BOM) or Excel (.xlsx)."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from oversight import permissions as perm
from oversight.choices import CERTIFICATION_SCHEME, CONTACT_ROLE
from oversight.errors import NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry import services
from oversight.registry.importexport.columns import (
    BOTH,
    COLUMNS,
    ENTRUSTMENT_COLUMNS,
    FORMATS,
    FORMULA_TRIGGERS,
    NO,
    ORGANISATION_COLUMNS,
    XLSX_MIMETYPE,
    YES,
    Column,
)
from oversight.registry.models import Entrustment, Organisation
from oversight.timeutil import today_jst
from oversight.vocabulary import data_items


@dataclass(frozen=True)
class Export:
    content: bytes
    filename: str
    mimetype: str


def _items_text(codes) -> str:
    vocabulary = data_items()
    return "、".join(vocabulary[c]["ja"] if c in vocabulary else c for c in codes or [])


def display(column: Column, value):
    """A typed value as the spreadsheet shows it (Japanese labels, はい/いいえ, dates), for export and diffs."""
    if value is None:
        return ""
    if column.type == "choice":
        return column.choices.label(value, "ja")
    if column.type == "yesno":
        return YES if value else NO
    if column.type == "items":
        return _items_text(value)
    if column.type == "date" and isinstance(value, str):
        return value
    return value


def _contacts_text(contacts) -> str:
    lines = []
    for c in contacts:
        parts = [f"{CONTACT_ROLE.label(c.role, 'ja')}: {c.name}", c.email, c.phone,
                 "24時間対応" if c.available_24_7 else ""]
        lines.append(_source(c) + " / ".join(p for p in parts if p))
    return "\n".join(lines)


def _source(row) -> str:
    """Whose line it is: the company's own profile, or the exporting organisation's record."""
    return "【会社】" if row.record_id is None else "【当社】"


def _certifications_text(certifications, today: date) -> str:
    marks = {"expired": "（期限切れ）", "expiring": "（期限間近）"}
    lines = []
    for c in certifications:
        state = services.certification_state(c, today)
        expiry = f"有効期限 {c.expires_on.isoformat()}" if c.expires_on else "有効期限なし"
        head = " ".join(p for p in (CERTIFICATION_SCHEME.label(c.scheme, "ja"), c.number) if p)
        checked = f" 確認日 {c.verified_on.isoformat()}" if c.verified_on else ""
        lines.append(f"{_source(c)}{head} {expiry}{marks.get(state, '')}{checked}")
    return "\n".join(lines)


def kept_values(org: Organisation, record) -> dict:
    """An organisation's row as the exporting or importing organisation keeps it: the identity, and its own
    record's status and notes (the defaults when it keeps none)."""
    return {**org.snapshot(), "status": record.status if record else "active", "notes": record.notes if record else ""}


def _organisation_row(org: Organisation, record, contacts, certifications, today: date) -> list:
    values = kept_values(org, record)
    if record is None:
        values["status"] = None  # it keeps no record: no trading status to show
    values["contacts"] = _contacts_text(contacts)
    values["certifications"] = _certifications_text(certifications, today)
    return [display(c, values[c.code]) for c in ORGANISATION_COLUMNS]


def _entrustment_row(e: Entrustment, state, visible_ids: set[int]) -> list:
    values = {c.code: getattr(e, c.code, None) for c in ENTRUSTMENT_COLUMNS}
    # Never reveal an entrustment the user may not see, not even its id.
    values["parent_id"] = e.parent_id if e.parent_id in visible_ids else None
    values["consignor_corporate_number"] = e.consignor.corporate_number
    values["consignor_name"] = e.consignor.name
    values["contractor_corporate_number"] = e.contractor.corporate_number
    values["contractor_name"] = e.contractor.name
    values["approval_state"] = state.state if state else None
    values["unapproved_subcontracting"] = bool(state and state.violation)
    return [display(c, values[c.code]) for c in ENTRUSTMENT_COLUMNS]


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # A cell that starts like a formula would run in Excel (CSV injection): make it text; imports undo it.
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_TRIGGERS) else text


def _write_csv(columns, rows: Iterable[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    writer.writerows([_csv_text(v) for v in row] for row in rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _write_xlsx(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook(write_only=True)
    for kind, rows in sheets.items():
        _write_sheet(workbook.create_sheet(kind), COLUMNS[kind], rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet, columns, rows: Iterable[list]) -> None:
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 14 if column.type in ("yesno", "number") else 24
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str) and value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text, not a formula
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)


def _package(kind: str, fmt: str, rows: list[list], today: date) -> Export:
    columns = COLUMNS[kind]
    filename = f"{kind}-{today:%Y%m%d}.{fmt}"
    if fmt == "csv":
        return Export(_write_csv(columns, rows), filename, "text/csv; charset=utf-8")
    return Export(_write_xlsx({kind: rows}), filename, XLSX_MIMETYPE)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationFailed({"format": [_l("Choose CSV or Excel (.xlsx).")]})


def _organisation_rows(actor, today: date) -> list[list]:
    """Identity, the actor's own record, and the contacts and certifications it reads — never another's record."""
    organisations = db.session.scalars(perm.restrict(select(Organisation), actor, "organisation").order_by(
        Organisation.name_kana, Organisation.name, Organisation.id)).all()
    ids = [org.id for org in organisations]
    records = services.own_records(actor, ids)
    contacts, certifications = services.seen_contacts(actor, ids), services.seen_certifications(actor, ids)
    return [_organisation_row(org, records.get(org.id), contacts.get(org.id, []), certifications.get(org.id, []),
                              today) for org in organisations]


def _entrustment_rows(actor) -> list[list]:
    query = perm.restrict(select(Entrustment), actor, "entrustment").options(
        selectinload(Entrustment.consignor), selectinload(Entrustment.contractor)
    ).order_by(Entrustment.id)
    entrustments = db.session.scalars(query).all()
    visible = {e.id for e in entrustments}
    states = services.link_states(visible)
    return [_entrustment_row(e, states.get(e.id), visible) for e in entrustments]


def export_organisations(actor, fmt: str, *, today: date | None = None) -> Export:
    """Every organisation the actor may see — its identity, the actor's own record of it, and the contacts and
    certifications the actor reads, summarised — as CSV or XLSX."""
    perm.require(actor, "data.export")
    _check_format(fmt)
    today = today or today_jst()
    return _package("organisations", fmt, _organisation_rows(actor, today), today)


def export_entrustments(actor, fmt: str, *, today: date | None = None) -> Export:
    """Every entrustment the actor may see, with parties, status, approval state and the violation flag."""
    perm.require(actor, "data.export")
    _check_format(fmt)
    return _package("entrustments", fmt, _entrustment_rows(actor), today or today_jst())


def export_workbook(actor, *, today: date | None = None) -> Export:
    """Both exports as the two sheets of one Excel workbook, which imports back as one unit."""
    perm.require(actor, "data.export")
    today = today or today_jst()
    content = _write_xlsx({"organisations": _organisation_rows(actor, today),
                           "entrustments": _entrustment_rows(actor)})
    return Export(content, f"registry-{today:%Y%m%d}.xlsx", XLSX_MIMETYPE)


def export(actor, kind: str, fmt: str) -> Export:
    """Export organisations, entrustments, or both as one workbook (the web page's one entry point)."""
    if kind == "organisations":
        return export_organisations(actor, fmt)
    if kind == "entrustments":
        return export_entrustments(actor, fmt)
    if kind == BOTH and fmt == "xlsx":
        return export_workbook(actor)
    raise NotFound(_l("There is no such export."))
