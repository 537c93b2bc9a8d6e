"""Import and export of organisations and entrustments as CSV (UTF-8 with BOM) or Excel (.xlsx).

Headers read "名称 (name)": Japanese for people, the field code in brackets for the importer, so an export
imports back unchanged. An import is parsed, then previewed by running the real registry services in a
transaction that is rolled back (one savepoint per row, so an earlier row can make a later one valid), and
applied by running the same again for real: all rows, or none if any row fails.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import PurePosixPath, PureWindowsPath

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from oversight import corporate_number, uow
from oversight import permissions as perm
from oversight.choices import (
    APPROVAL_STATE,
    CERTIFICATION_SCHEME,
    CONTACT_ROLE,
    ENTRUSTMENT_ORIGIN,
    ENTRUSTMENT_STATUS,
    ORGANISATION_KIND,
    ORGANISATION_STATUS,
    REPORT_AUTHORITY,
    SUBCONTRACTING_TERMS,
    ChoiceSet,
)
from oversight.errors import Conflict, DomainError, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry import services
from oversight.registry.import_models import ImportBatch
from oversight.registry.models import Entrustment, Organisation
from oversight.registry.validation import clean_entrustment, clean_organisation
from oversight.timeutil import today_jst, utcnow
from oversight.trail.services import diff
from oversight.vocabulary import data_items

KINDS = ("organisations", "entrustments")
BOTH = "both"  # an Excel workbook with an organisations sheet and an entrustments sheet, imported in that order
FORMATS = ("csv", "xlsx")
MAX_ROWS = 5_000
MAX_COLUMNS = 200
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # an .xlsx is a zip: refuse one that inflates beyond this (zip bomb)
MAX_ZIP_MEMBERS = 1_000
PREVIEW_LIFETIME = timedelta(hours=24)

YES, NO = "はい", "いいえ"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected .xlsx
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------- columns

@dataclass(frozen=True)
class Column:
    """One spreadsheet column: its field code, Japanese heading, value type, and whether imports read it."""

    code: str
    ja: str
    type: str = "text"  # text, choice, yesno, date, number, items
    choices: ChoiceSet | None = None
    importable: bool = True

    @property
    def header(self) -> str:
        return f"{self.ja} ({self.code})"


ORGANISATION_COLUMNS = (
    Column("name", "名称"),
    Column("name_kana", "名称（カナ）"),
    Column("corporate_number", "法人番号"),
    Column("kind", "区分", "choice", ORGANISATION_KIND),
    Column("status", "取引状況", "choice", ORGANISATION_STATUS),  # the importer's own record, as is notes
    Column("industry", "業種"),
    Column("address", "所在地"),
    Column("report_authority", "漏えい等の報告先", "choice", REPORT_AUTHORITY),
    Column("notes", "備考"),
    Column("contacts", "連絡先（参照用）", importable=False),
    Column("certifications", "認証・有効期限（参照用）", importable=False),
)

ENTRUSTMENT_COLUMNS = (
    Column("id", "委託ID", "number"),
    Column("parent_id", "親委託ID", "number"),
    Column("consignor_corporate_number", "委託元法人番号"),
    Column("consignor_name", "委託元名称"),
    Column("contractor_corporate_number", "委託先法人番号"),
    Column("contractor_name", "委託先名称"),
    Column("data_set", "委託する個人データ"),
    Column("purpose", "委託の目的"),
    Column("data_categories", "データの区分"),
    Column("data_items", "個人データの項目", "items"),
    Column("person_count", "本人の数", "number"),
    Column("includes_sensitive", "要配慮個人情報を含む", "yesno"),
    Column("includes_my_number", "特定個人情報を含む", "yesno"),
    Column("storage_country", "保管国"),
    Column("start_on", "委託開始日", "date"),
    Column("end_on", "委託終了日", "date"),
    Column("subcontracting_terms", "再委託の条件", "choice", SUBCONTRACTING_TERMS),
    Column("origin", "記録の経緯", "choice", ENTRUSTMENT_ORIGIN),
    Column("status", "状態（参照用）", "choice", ENTRUSTMENT_STATUS, importable=False),
    Column("approval_state", "承認状況（参照用）", "choice", APPROVAL_STATE, importable=False),
    Column("unapproved_subcontracting", "無承認再委託（参照用）", "yesno", importable=False),
    Column("approval_conditions", "承認条件（参照用）", importable=False),
    Column("approved_scope", "承認された範囲（参照用）", importable=False),
    Column("rejection_reason", "却下理由（参照用）", importable=False),
)

COLUMNS = {"organisations": ORGANISATION_COLUMNS, "entrustments": ENTRUSTMENT_COLUMNS}
COLUMN_BY_CODE = {kind: {c.code: c for c in columns} for kind, columns in COLUMNS.items()}
# Each inner tuple: at least one of these columns must be present.
REQUIRED_COLUMNS = {
    "organisations": (("name",), ("corporate_number",)),
    "entrustments": (("data_set",), ("contractor_corporate_number", "contractor_name")),
}
# Service error keys that name a party or field differently from the file's columns.
FIELD_COLUMNS = {
    "consignor_id": ("consignor_corporate_number", "consignor_name"),
    "contractor_id": ("contractor_corporate_number", "contractor_name"),
    "record": ("status", "notes"),
}
RECORD_COLUMNS = ("status", "notes")


def _file_error(message) -> ValidationFailed:
    return ValidationFailed({"file": [message]}, message=message)


# ---------------------------------------------------------------- export

@dataclass(frozen=True)
class Export:
    content: bytes
    filename: str
    mimetype: str


def _items_text(codes) -> str:
    vocabulary = data_items()
    return "、".join(vocabulary[c]["ja"] if c in vocabulary else c for c in codes or [])


def _display(column: Column, value):
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


def _kept_values(org: Organisation, record) -> dict:
    """An organisation's row as the exporting or importing organisation keeps it: the identity, and its own
    record's status and notes (the defaults when it keeps none)."""
    return {**org.snapshot(), "status": record.status if record else "active", "notes": record.notes if record else ""}


def _organisation_row(org: Organisation, record, contacts, certifications, today: date) -> list:
    values = _kept_values(org, record)
    if record is None:
        values["status"] = None  # it keeps no record: no trading status to show
    values["contacts"] = _contacts_text(contacts)
    values["certifications"] = _certifications_text(certifications, today)
    return [_display(c, values[c.code]) for c in ORGANISATION_COLUMNS]


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
    return [_display(c, values[c.code]) for c in ENTRUSTMENT_COLUMNS]


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


# ---------------------------------------------------------------- parsing an upload

@dataclass
class Sheet:
    """The rows of an upload as text by field code, with the headings as the file wrote them."""

    kind: str
    headers: dict[str, str]
    rows: list[tuple[int, dict[str, str]]]
    ignored: list[str] = field(default_factory=list)

    def header(self, code: str) -> str:
        """The file's heading for a field code (or a service's field name), for error messages."""
        for candidate in FIELD_COLUMNS.get(code, (code,)):
            if candidate in self.headers:
                return self.headers[candidate]
        known = COLUMN_BY_CODE[self.kind].get(FIELD_COLUMNS.get(code, (code,))[0])
        return known.header if known else code


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    text = str(value)
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def _collect(rows: Iterable[Iterable]) -> list[tuple[int, list[str]]]:
    """Non-blank rows with their spreadsheet row numbers, stopping one past the row limit."""
    table = []
    for number, row in enumerate(rows, start=1):
        cells = [_cell_text(v) for v in list(row)[:MAX_COLUMNS]]
        if any(c.strip() for c in cells):
            table.append((number, cells))
            if len(table) > MAX_ROWS + 1:  # the header and one row too many are enough to refuse
                break
    return table


def _decode(content: bytes) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if content.startswith(bom):
            try:
                return content.decode("utf-8-sig" if encoding == "utf-8" else encoding)
            except UnicodeDecodeError:
                break
    else:
        if b"\x00" in content:
            raise _file_error(_l("This is not a CSV text file."))
        # Japanese Excel writes CSV in CP932 (Windows Shift_JIS) unless told "CSV UTF-8".
        for encoding in ("utf-8", "cp932"):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise _file_error(_l("The text encoding of the file could not be recognised. "
                         "Save it as “CSV UTF-8” and upload it again."))


def _read_csv(content: bytes) -> list[tuple[int, list[str]]]:
    if content.startswith((ZIP_MAGIC, OLE_MAGIC)):
        raise _file_error(_l("This is an Excel workbook, not a CSV file. Upload it with the .xlsx extension, "
                             "or save it as CSV."))
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _collect(reader)
    except csv.Error as error:
        raise _file_error(_l("The CSV file could not be read near line %(line)s: %(reason)s",
                             line=reader.line_num, reason=str(error))) from error


def _read_xlsx(content: bytes, kind: str) -> dict[str, list[tuple[int, list[str]]]]:
    if content.startswith(OLE_MAGIC):
        raise _file_error(_l("This is an old Excel (.xls) or password-protected workbook. "
                             "Save it as an unprotected .xlsx (or CSV) and upload it again."))
    not_a_workbook = _l("The file is not a real Excel workbook (.xlsx). Save it from Excel as .xlsx, "
                        "or upload a CSV file.")
    if not content.startswith(ZIP_MAGIC):
        raise _file_error(not_a_workbook)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise _file_error(not_a_workbook) from error
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _file_error(not_a_workbook)
    # zipfile never inflates a member past its declared size, so the declared sizes bound the work.
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise _file_error(_l("The workbook unpacks to more than %(mb)s MB. Remove unused sheets, pictures "
                             "or formatting, or upload a CSV file.", mb=MAX_UNPACKED_BYTES // (1024 * 1024)))
    workbook = None
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        if kind == BOTH:
            sheets = {name: workbook[name] for name in KINDS if name in workbook.sheetnames}
        else:
            sheets = {kind: workbook[kind] if kind in workbook.sheetnames else workbook.worksheets[0]}
        tables = {}
        for name, sheet in sheets.items():
            sheet.reset_dimensions()  # trust the rows actually present, not the dimension the writer claimed
            tables[name] = _collect(sheet.iter_rows(values_only=True))
    except Exception as error:  # openpyxl raises many kinds of errors on damaged files
        raise _file_error(_l("The workbook could not be read. Open it in Excel, save it again as .xlsx, "
                             "and upload it again.")) from error
    finally:
        if workbook is not None:
            workbook.close()
    if not tables:
        raise _file_error(_l("The workbook needs a sheet named “organisations” or “entrustments”, "
                             "as in an export of both."))
    return tables


def _heading_code(text: str, columns: dict[str, Column]) -> str | None:
    heading = unicodedata.normalize("NFKC", text).strip()
    match = re.fullmatch(r"(.*?)\s*\(\s*([A-Za-z0-9_]+)\s*\)", heading)
    if match and match.group(2).lower() in columns:
        return match.group(2).lower()
    for code, column in columns.items():
        if heading.lower() == code or heading == unicodedata.normalize("NFKC", column.ja):
            return code
    return None


def _missing_columns(kind: str, present) -> list[str]:
    missing = []
    for alternatives in REQUIRED_COLUMNS[kind]:
        if not any(code in present for code in alternatives):
            missing.append(" / ".join(COLUMN_BY_CODE[kind][code].header for code in alternatives))
    return missing


def _to_sheet(kind: str, table: list[tuple[int, list[str]]], *, in_workbook: bool = False) -> Sheet:
    if not table and in_workbook:
        return Sheet(kind, {}, [])  # a blank sheet beside a filled one contributes nothing
    if not table:
        raise _file_error(_l("The file is empty."))
    columns = COLUMN_BY_CODE[kind]
    _, header_cells = table[0]
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored = []
    for index, text in enumerate(header_cells):
        if not text.strip():
            continue
        code = _heading_code(text, columns)
        if code is None:
            ignored.append(text.strip())
            continue
        if code in headers:
            raise _file_error(_l("The column %(column)s appears more than once.", column=text.strip()))
        headers[code] = text.strip()
        if columns[code].importable:
            positions[code] = index
    missing = _missing_columns(kind, headers)
    if missing and in_workbook:
        raise _file_error(_l("Required column missing in the sheet “%(sheet)s”: %(columns)s.",
                             sheet=kind, columns=", ".join(missing)))
    if missing:
        other = "entrustments" if kind == "organisations" else "organisations"
        known_other = {_heading_code(t, COLUMN_BY_CODE[other]) for t in header_cells if t.strip()}
        if not _missing_columns(other, known_other):
            raise _file_error(
                _l("This looks like a file of entrustments. Choose “Entrustments” and upload it again.")
                if other == "entrustments" else
                _l("This looks like a file of organisations. Choose “Organisations” and upload it again."))
        raise _file_error(_l("Required column missing: %(columns)s. The first row must hold the headings, "
                             "as in an export.", columns=", ".join(missing)))
    rows = [(number, {code: (cells[i] if i < len(cells) else "") for code, i in positions.items()})
            for number, cells in table[1:]]
    return Sheet(kind, headers, rows, ignored)


def _base_name(filename: str) -> str:
    return PurePosixPath(PureWindowsPath(filename or "").name).name.strip()[:255]


def parse_upload(kind: str, filename: str, content: bytes) -> list[Sheet]:
    """Check that the upload is the CSV or XLSX it claims to be and read its rows; ValidationFailed if not.

    One sheet for organisations or entrustments; for BOTH, the workbook's organisations sheet and then its
    entrustments sheet, so a new organisation can be a party to an entrustment further down.
    """
    if kind not in (*KINDS, BOTH):
        raise ValidationFailed({"kind": [_l("Choose organisations, entrustments, or both.")]})
    if not content:
        raise _file_error(_l("The file is empty."))
    suffix = PurePosixPath(_base_name(filename).lower()).suffix
    if suffix == ".csv" and kind == BOTH:
        raise _file_error(_l("Both kinds at once need an Excel workbook (.xlsx) with two sheets. "
                             "Upload a CSV file as organisations or as entrustments."))
    if suffix == ".csv":
        tables = {kind: _read_csv(content)}
    elif suffix == ".xlsx":
        tables = _read_xlsx(content, kind)
    elif suffix == ".xls":
        raise _file_error(_l("Old Excel files (.xls) are not supported. Save the file as .xlsx or CSV."))
    else:
        raise _file_error(_l("Upload a CSV (.csv) or Excel (.xlsx) file."))
    sheets = [_to_sheet(name, table, in_workbook=kind == BOTH) for name, table in tables.items()]
    total = sum(len(sheet.rows) for sheet in sheets)
    if not total:
        raise _file_error(_l("The file has a heading row but no rows to import."))
    if total > MAX_ROWS:
        raise _file_error(_l("The file has more than %(n)s rows. Split it into files of at most %(n)s rows.",
                             n=f"{MAX_ROWS:,}"))
    return sheets


# ---------------------------------------------------------------- running the rows

@dataclass
class RowOutcome:
    """What importing one row does: create, update, unchanged or error, with the details to show."""

    row: int
    sheet: str = ""
    action: str = "error"
    label: str = ""
    note: str = ""
    status: str = ""
    state: str = ""
    changes: list[list[str]] = field(default_factory=list)  # [heading, before, after]
    errors: list[list[str]] = field(default_factory=list)  # [heading, message]

    def fail(self, heading: str, message) -> None:
        self.errors.append([heading, str(message)])
        self.action = "error"


@dataclass
class ImportResult:
    """The outcome of every row, as previewed or as applied."""

    kind: str
    rows: list[RowOutcome]
    notices: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        for outcome in self.rows:
            counts[outcome.action] += 1
        return counts

    @property
    def has_errors(self) -> bool:
        return any(outcome.action == "error" for outcome in self.rows)

    @property
    def has_work(self) -> bool:
        return any(outcome.action in ("create", "update") for outcome in self.rows)

    def digest(self) -> str:
        """A fingerprint of what the import does (not of the wording), to tell if the registry moved on."""
        plan = [(o.sheet, o.row, o.action, o.label, o.status, o.state, o.changes) for o in self.rows]
        return hashlib.sha256(json.dumps([self.kind, plan], ensure_ascii=False).encode()).hexdigest()

    def to_json(self) -> dict:
        return {"kind": self.kind, "rows": [asdict(o) for o in self.rows], "notices": self.notices,
                "digest": self.digest()}

    @classmethod
    def from_json(cls, data: dict) -> ImportResult:
        return cls(data["kind"], [RowOutcome(**o) for o in data["rows"]], list(data.get("notices", [])))


def _differs(new, old) -> bool:
    if isinstance(new, str) and isinstance(old, str):
        return new.replace("\r\n", "\n") != old.replace("\r\n", "\n")
    if isinstance(new, list):
        return set(new) != set(old or [])
    return new != old


def _choice_code(choices: ChoiceSet, raw: str) -> str | None:
    code = choices.from_label(raw)
    if code is not None:
        return code
    wanted = unicodedata.normalize("NFKC", raw).strip().lower()
    for c in choices:
        if wanted in (unicodedata.normalize("NFKC", text).lower() for text in (c.code, c.ja, c.en)):
            return c.code
    return None


def _tolerate_choices(kind: str, values: dict[str, str]) -> dict[str, str]:
    """Choice cells with half-width brackets or odd case become codes; the rest go to the services as typed."""
    out = dict(values)
    for code, text in values.items():
        column = COLUMN_BY_CODE[kind][code]
        if column.type == "choice" and text.strip():
            out[code] = _choice_code(column.choices, text) or text
    return out


def _excel_mangled(text: str) -> bool:
    return re.fullmatch(r"\d(\.\d+)?E\+\d+", (text or "").strip(), re.IGNORECASE) is not None


def _excel_mangled_message(value: str):
    return _l("Excel turned this corporate number into “%(value)s”. Format the column as text before saving "
              "the CSV, or use .xlsx.", value=value)


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", name or "").strip()


class _Directory:
    """What the actor can see, looked up once per run (not per row: visibility is a recursive query) and kept
    current as rows register or rename organisations. The services still check every row themselves."""

    def __init__(self, actor):
        self.actor = actor
        self.entries: dict[int, tuple[str | None, str]] = {}
        self.by_number: dict[str, int] = {}
        self.by_name: dict[str, set[int]] = {}
        query = perm.restrict(
            select(Organisation.id, Organisation.corporate_number, Organisation.name), actor, "organisation")
        for org_id, number, name in db.session.execute(query):
            self._add(org_id, number, name)
        self.entrustment_ids = set(db.session.scalars(perm.restrict(select(Entrustment.id), actor, "entrustment"))) \
            if perm.allows(actor, "entrustment.view") else set()

    def _add(self, org_id: int, number: str | None, name: str) -> None:
        self.entries[org_id] = (number, name)
        if number:
            self.by_number[number] = org_id
        self.by_name.setdefault(name, set()).add(org_id)

    def remember(self, org: Organisation) -> None:
        """Record a registered or changed organisation (its registrant keeps a record of it, so sees it)."""
        old = self.entries.pop(org.id, None)
        if old is not None:
            if old[0]:
                self.by_number.pop(old[0], None)
            self.by_name.get(old[1], set()).discard(org.id)
        self._add(org.id, org.corporate_number, org.name)

    def organisations(self, *, number: str = "", name: str = "") -> list[Organisation]:
        """At most two visible organisations with this corporate number, or else this exact name."""
        ids = [self.by_number[number]] if number in self.by_number else [] if number \
            else sorted(self.by_name.get(_name_key(name), ()))[:2]
        return [db.session.get(Organisation, org_id) for org_id in ids]

    def entrustment(self, entrustment_id: int) -> Entrustment | None:
        return db.session.get(Entrustment, entrustment_id) if entrustment_id in self.entrustment_ids else None


class _Rows:
    """Runs rows one by one through the services, each in its own savepoint."""

    def __init__(self, actor, sheet: Sheet, directory: _Directory):
        self.actor = actor
        self.sheet = sheet
        self.directory = directory
        self.seen: dict[str, int] = {}

    def attempt(self, outcome: RowOutcome, step: Callable[[], None]) -> bool:
        try:
            with uow.savepoint():
                step()
        except ValidationFailed as error:
            self.report(outcome, error)
        except DomainError as error:
            outcome.fail("", error.message)
        except IntegrityError:
            outcome.fail("", _l("The row conflicts with existing data."))
        return not outcome.errors

    def report(self, outcome: RowOutcome, error: ValidationFailed) -> None:
        for key, messages in error.errors.items():
            for message in messages:
                outcome.fail(self.sheet.header(key.removeprefix("record.").split("[")[0].split(".")[0]), message)

    def once(self, outcome: RowOutcome, column: str, key: str) -> bool:
        """False (and an error) if another row of the file already names the same record."""
        if key in self.seen:
            outcome.fail(self.sheet.header(column), _l("Row %(row)s of the file already has this value; "
                                                       "each record may appear only once.", row=self.seen[key]))
            return False
        self.seen[key] = outcome.row
        return True

    def changes(self, before: dict, after: dict) -> list[list[str]]:
        columns = COLUMN_BY_CODE[self.sheet.kind]
        return [[self.sheet.header(key), str(_display(columns[key], old)), str(_display(columns[key], new))]
                for key, old, new in diff(before, after) if key in columns]


class _OrganisationRows(_Rows):
    def run(self, number: int, raw: dict[str, str]) -> RowOutcome:
        values = _tolerate_choices("organisations", raw)
        outcome = RowOutcome(row=number, sheet="organisations", label=values.get("name", "").strip())
        if _excel_mangled(values.get("corporate_number", "")):
            outcome.fail(self.sheet.header("corporate_number"), _excel_mangled_message(values["corporate_number"]))
            return outcome
        cn = corporate_number.normalise(values.get("corporate_number", ""))
        if cn and not self.once(outcome, "corporate_number", cn):
            return outcome
        existing = self.match(outcome, cn, values.get("name", ""))
        if outcome.errors:
            return outcome
        if existing is None:
            data = _split_record(values)
            if not any(str(v).strip() for v in data.get("record", {}).values()):
                data.pop("record", None)  # blank status and notes: the defaults, and no record for an operator

            def create():
                org = services.create_organisation(self.actor, data)
                self.directory.remember(org)
                outcome.label = org.name
            if self.attempt(outcome, create):
                outcome.action = "create"
            return outcome
        return self.update(outcome, existing, values)

    def match(self, outcome: RowOutcome, cn: str, name: str) -> Organisation | None:
        """The visible organisation with this corporate number; without one, the only one of that name."""
        if cn:
            found = self.directory.organisations(number=cn)
            return found[0] if found else None
        if not _name_key(name):
            return None
        found = self.directory.organisations(name=name)
        if len(found) > 1:
            outcome.fail(self.sheet.header("name"), _l(
                "Several organisations are named “%(name)s”. Give the corporate number.", name=name))
        elif found and found[0].corporate_number:
            outcome.fail(self.sheet.header("corporate_number"), _l(
                "%(name)s is registered with corporate number %(number)s. Put the number in this row.",
                name=found[0].name, number=found[0].corporate_number))
        return found[0] if len(found) == 1 else None

    def update(self, outcome: RowOutcome, org: Organisation, values: dict[str, str]) -> RowOutcome:
        outcome.label = org.name
        try:
            cleaned = clean_organisation(_split_record(values), partial=True)
        except ValidationFailed as error:
            self.report(outcome, error)
            return outcome
        before = _kept_values(org, services.own_record(self.actor, org.id))
        record = {k: values[k] for k, v in cleaned.pop("record", {}).items() if _differs(v, before[k])}
        changed = {k: values[k] for k, v in cleaned.items() if _differs(v, before[k])}
        if not (changed or record):
            outcome.action = "unchanged"
            return outcome

        def change():
            updated = services.update_organisation(self.actor, org.id, {**changed, **({"record": record} if record
                                                                                       else {})})
            self.directory.remember(updated)
            outcome.changes = self.changes(before, _kept_values(updated, services.own_record(self.actor, org.id)))
        if self.attempt(outcome, change):
            outcome.action = "update" if outcome.changes else "unchanged"
        return outcome


def _split_record(values: dict[str, str]) -> dict:
    """A row's cells as the service takes them: identity fields, and the importer's own record beside them."""
    data = {k: v for k, v in values.items() if k not in RECORD_COLUMNS}
    record = {k: values[k] for k in RECORD_COLUMNS if k in values}
    if record:
        data["record"] = record
    return data


class _EntrustmentRows(_Rows):
    def run(self, number: int, raw: dict[str, str]) -> RowOutcome:
        values = _tolerate_choices("entrustments", raw)
        outcome = RowOutcome(row=number, sheet="entrustments", label=values.get("data_set", "").strip())
        entrustment_id = self.whole_number(outcome, "id", values.pop("id", ""))
        parent_id = self.whole_number(outcome, "parent_id", values.pop("parent_id", ""))
        origin = self.origin(outcome, values.pop("origin", ""))
        parties = {role: (values.pop(f"{role}_corporate_number", "").strip(), values.pop(f"{role}_name", "").strip())
                   for role in ("consignor", "contractor")}
        if outcome.errors:
            return outcome
        if entrustment_id is not None:
            if not self.once(outcome, "id", str(entrustment_id)):
                return outcome
            return self.update(outcome, entrustment_id, values, parties, parent_id, origin)
        return self.create(outcome, values, parties, parent_id, origin)

    def whole_number(self, outcome: RowOutcome, column: str, text: str) -> int | None:
        text = unicodedata.normalize("NFKC", text or "").strip().lstrip("#")
        if not text:
            return None
        if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**31:
            outcome.fail(self.sheet.header(column), _l("Must be a whole number."))
            return None
        return int(text)

    def origin(self, outcome: RowOutcome, text: str) -> str | None:
        if not text.strip():
            return None
        code = _choice_code(ENTRUSTMENT_ORIGIN, text)
        if code is None:
            outcome.fail(self.sheet.header("origin"), _l("Unknown value “%(value)s”. Allowed: %(allowed)s",
                                                         value=text, allowed=", ".join(ENTRUSTMENT_ORIGIN.codes)))
        return code

    def party(self, outcome: RowOutcome, role: str, number: str, name: str) -> Organisation | None:
        """The visible organisation named by corporate number (preferred) or by exact name."""
        if _excel_mangled(number):
            outcome.fail(self.sheet.header(f"{role}_corporate_number"), _excel_mangled_message(number))
            return None
        if number:
            cn = corporate_number.normalise(number)
            found = self.directory.organisations(number=cn)
            if not found:
                outcome.fail(self.sheet.header(f"{role}_corporate_number"), _l(
                    "No organisation you can see has the corporate number %(number)s. Register it first.",
                    number=number))
            return found[0] if found else None
        found = self.directory.organisations(name=name)
        if len(found) == 1:
            return found[0]
        outcome.fail(self.sheet.header(f"{role}_name"), _l(
            "Several organisations are named “%(name)s”. Give the corporate number.", name=name) if found else _l(
            "No organisation you can see is named “%(name)s”. Register it first, or give its corporate number.",
            name=name))
        return None

    def field_errors(self, outcome: RowOutcome, values: dict[str, str]) -> None:
        """Report the row's field errors too, so one round of corrections fixes the whole row."""
        try:
            clean_entrustment(values)
        except ValidationFailed as error:
            self.report(outcome, error)

    def update(self, outcome, entrustment_id, values, parties, parent_id, origin) -> RowOutcome:
        e = self.directory.entrustment(entrustment_id)
        if e is None:
            outcome.fail(self.sheet.header("id"), _l("No entrustment with this ID that you can see. "
                                                     "Leave the ID empty to record a new one."))
            return outcome
        outcome.label = str(e)
        try:
            cleaned = clean_entrustment(values, partial=True)
        except ValidationFailed as error:
            self.report(outcome, error)
            cleaned = {}
        changed = {k: values[k] for k, v in cleaned.items() if _differs(v, getattr(e, k))}
        for role, current in (("consignor", e.consignor), ("contractor", e.contractor)):
            number, name = parties[role]
            same = corporate_number.normalise(number) == current.corporate_number if number \
                else not name or _name_key(name) == current.name
            if not same:
                org = self.party(outcome, role, number, name)
                if org is not None and org.id != current.id:
                    changed[f"{role}_id"] = org.id  # the service refuses: parties are fixed once recorded
        if parent_id is not None and parent_id != e.parent_id:
            changed["parent_id"] = parent_id
        if origin is not None and origin != e.origin:
            changed["origin"] = origin
        if outcome.errors:
            return outcome
        if not changed:
            outcome.action = "unchanged"
            return outcome
        before = e.snapshot()

        def change():
            updated = services.update_entrustment(self.actor, e.id, changed)
            outcome.changes = self.changes(before, updated.snapshot())
        if self.attempt(outcome, change):
            outcome.action = "update" if outcome.changes else "unchanged"
        return outcome

    def create(self, outcome, values, parties, parent_id, origin) -> RowOutcome:
        consignor_ref, contractor_ref = parties["consignor"], parties["contractor"]
        contractor = consignor = None
        if any(contractor_ref):
            contractor = self.party(outcome, "contractor", *contractor_ref)
        else:
            outcome.fail(self.sheet.header("contractor_id"), _l("This field is required."))
        if any(consignor_ref):
            consignor = self.party(outcome, "consignor", *consignor_ref)
        parent = None
        if parent_id is not None:
            parent = self.directory.entrustment(parent_id)
            if parent is None:
                outcome.fail(self.sheet.header("parent_id"), _l("No entrustment with this ID that you can see."))
        if parent is not None and consignor is not None and consignor.id != parent.contractor_id:
            outcome.fail(self.sheet.header("consignor_id"), _l(
                "In a subcontract the consignor is the contractor of the parent entrustment (%(name)s).",
                name=parent.contractor.name))
        if parent_id is None and origin not in (None, "planned"):
            outcome.fail(self.sheet.header("origin"), _l(
                "Only a subcontract (with a parent ID) can be recorded as found or declared late."))
        if outcome.errors:
            self.field_errors(outcome, values)
            return outcome

        def record():
            data = {**values, "contractor_id": contractor.id}
            if parent is not None:
                e = services.propose_subcontract(self.actor, parent.id, data, origin=origin or "planned")
                outcome.note = str(_l("Subcontract under entrustment #%(id)s", id=parent.id))
            else:
                # A vendor list from procurement has no consignor column: the consignor is the user's own.
                data["consignor_id"] = consignor.id if consignor else getattr(self.actor, "organisation_id", None)
                e = services.create_entrustment(self.actor, data)
                outcome.note = str(_l("Direct entrustment"))
            outcome.label = str(e)
            outcome.status = e.status
            state = services.link_states([e.id]).get(e.id) if e.parent_id else None
            outcome.state = state.state if state else "direct"
        if self.attempt(outcome, record):
            outcome.action = "create"
        return outcome


def _run(actor, sheets: list[Sheet]) -> ImportResult:
    outcomes, notices = [], []
    directory = _Directory(actor)
    for sheet in sorted(sheets, key=lambda s: KINDS.index(s.kind)):
        rows = (_OrganisationRows if sheet.kind == "organisations" else _EntrustmentRows)(actor, sheet, directory)
        if sheet.ignored:
            notices.append(str(_l("These columns were not recognised and are ignored: %(columns)s",
                                  columns=", ".join(sheet.ignored))))
        outcomes.extend(rows.run(number, values) for number, values in sheet.rows)
    kind = sheets[0].kind if len(sheets) == 1 else BOTH
    return ImportResult(kind, outcomes, notices)


def preview(actor, sheets: list[Sheet]) -> ImportResult:
    """What importing the sheets would do, found by doing it with the real services and rolling back."""
    perm.require(actor, "data.import")
    with uow.atomic(dry_run=True):
        return _run(actor, sheets)


# ---------------------------------------------------------------- stored uploads

def _owned(actor):
    user_id = getattr(actor, "id", None)
    return ImportBatch.user_id == user_id if user_id is not None else ImportBatch.user_id.is_(None)


def stage_import(actor, kind: str, filename: str, content: bytes) -> ImportBatch:
    """Check and preview an upload, and keep it (for this user only) so that exactly it can be applied."""
    perm.require(actor, "data.import")
    sheets = parse_upload(kind, filename, content)
    result = preview(actor, sheets)
    db.session.execute(delete(ImportBatch).where(ImportBatch.created_at < utcnow() - PREVIEW_LIFETIME))
    batch = ImportBatch(
        id=secrets.token_hex(16), user_id=getattr(actor, "id", None), kind=kind,
        filename=_base_name(filename) or kind, sha256=hashlib.sha256(content).hexdigest(), content=content,
        row_count=sum(len(s.rows) for s in sheets), outcome=result.to_json(), created_at=utcnow(),
    )
    db.session.add(batch)
    uow.commit()
    return batch


def get_import(actor, batch_id: str) -> ImportBatch:
    """An upload of the actor's, previewed or applied; NotFound for anyone else's."""
    perm.require(actor, "data.import")
    batch = db.session.scalar(select(ImportBatch).where(ImportBatch.id == str(batch_id)[:32], _owned(actor)))
    if batch is None:
        raise NotFound(_l("This import does not exist, has expired, or belongs to someone else."))
    return batch


def import_result(batch: ImportBatch) -> ImportResult:
    """The stored preview, or after applying, what was done."""
    return ImportResult.from_json(batch.outcome)


def recent_imports(actor) -> list[ImportBatch]:
    """The actor's uploads that can still be looked at, newest first."""
    if not perm.allows(actor, "data.import"):
        return []
    return db.session.scalars(select(ImportBatch).where(
        _owned(actor), ImportBatch.created_at >= utcnow() - PREVIEW_LIFETIME
    ).order_by(ImportBatch.created_at.desc()).limit(10)).all()


class _Refused(Exception):
    def __init__(self, result: ImportResult, message):
        super().__init__(str(message))
        self.result = result
        self.message = message


def apply_import(actor, batch_id: str) -> ImportResult:
    """Apply a previewed upload, all rows or none, once; refused if a row fails or the plan has changed."""
    batch = get_import(actor, batch_id)
    if batch.applied_at is not None:
        raise Conflict(_l("This import has already been applied. Nothing was changed. "
                          "To import the file again, upload it again."))
    if batch.created_at < utcnow() - PREVIEW_LIFETIME:
        raise Conflict(_l("This preview has expired. Upload the file again."))
    previewed = batch.outcome.get("digest")
    sheets = parse_upload(batch.kind, batch.filename, batch.content)
    try:
        with uow.atomic():
            claimed = db.session.execute(
                update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.applied_at.is_(None))
                .values(applied_at=utcnow()).execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                raise Conflict(_l("This import has already been applied. Nothing was changed. "
                                  "To import the file again, upload it again."))
            result = _run(actor, sheets)
            if result.has_errors:
                raise _Refused(result, _l(
                    "Nothing was imported: %(n)s row(s) have errors. Correct the file and upload it again.",
                    n=result.counts["error"]))
            if result.digest() != previewed:
                raise _Refused(result, _l(
                    "Nothing was imported: the registry changed since the preview. "
                    "Check the updated preview and apply again."))
            batch.outcome = result.to_json()
            batch.content = b""
    except _Refused as refused:
        batch.outcome = refused.result.to_json()
        uow.commit()
        raise Conflict(refused.message) from None
    return result
