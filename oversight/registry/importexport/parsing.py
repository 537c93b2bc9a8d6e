"""Parsing an upload (CSV or .xlsx) into sheets of rows keyed by column code, refusing what is not a table we
wrote or could have written."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePosixPath, PureWindowsPath

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from oversight import files
from oversight.errors import ValidationFailed
from oversight.registry.importexport.columns import (
    BOTH,
    COLUMN_BY_CODE,
    FIELD_COLUMNS,
    FORMULA_TRIGGERS,
    KINDS,
    NO,
    REQUIRED_COLUMNS,
    YES,
    Column,
    file_error,
)

MAX_ROWS = 5_000
MAX_COLUMNS = 200
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # an .xlsx is a zip: refuse one that inflates beyond this (zip bomb)
MAX_ZIP_MEMBERS = 1_000


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
            raise file_error(_l("This is not a CSV text file."))
        # Japanese Excel writes CSV in CP932 (Windows Shift_JIS) unless told "CSV UTF-8".
        for encoding in ("utf-8", "cp932"):
            try:
                return content.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise file_error(_l("The text encoding of the file could not be recognised. "
                         "Save it as “CSV UTF-8” and upload it again."))


def _read_csv(content: bytes) -> list[tuple[int, list[str]]]:
    if content.startswith((files.ZIP_MAGIC, files.OLE2_MAGIC)):
        raise file_error(_l("This is an Excel workbook, not a CSV file. Upload it with the .xlsx extension, "
                             "or save it as CSV."))
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _collect(reader)
    except csv.Error as error:
        raise file_error(_l("The CSV file could not be read near line %(line)s: %(reason)s",
                             line=reader.line_num, reason=str(error))) from error


def _read_xlsx(content: bytes, kind: str) -> dict[str, list[tuple[int, list[str]]]]:
    if content.startswith(files.OLE2_MAGIC):  # .xls, or a password-protected .xlsx
        raise file_error(_l("This is an old Excel (.xls) or password-protected workbook. "
                             "Save it as an unprotected .xlsx (or CSV) and upload it again."))
    package = files.package(content)
    if package is None or not {"[Content_Types].xml", "xl/workbook.xml"} <= package.names:
        raise file_error(_l("The file is not a real Excel workbook (.xlsx). Save it from Excel as .xlsx, "
                             "or upload a CSV file."))
    if package.inflates_beyond(MAX_UNPACKED_BYTES, MAX_ZIP_MEMBERS):
        raise file_error(_l("The workbook unpacks to more than %(mb)s MB. Remove unused sheets, pictures "
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
        raise file_error(_l("The workbook could not be read. Open it in Excel, save it again as .xlsx, "
                             "and upload it again.")) from error
    finally:
        if workbook is not None:
            workbook.close()
    if not tables:
        raise file_error(_l("The workbook needs a sheet named “organisations” or “entrustments”, "
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
        raise file_error(_l("The file is empty."))
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
            raise file_error(_l("The column %(column)s appears more than once.", column=text.strip()))
        headers[code] = text.strip()
        if columns[code].importable:
            positions[code] = index
    missing = _missing_columns(kind, headers)
    if missing and in_workbook:
        raise file_error(_l("Required column missing in the sheet “%(sheet)s”: %(columns)s.",
                             sheet=kind, columns=", ".join(missing)))
    if missing:
        other = "entrustments" if kind == "organisations" else "organisations"
        known_other = {_heading_code(t, COLUMN_BY_CODE[other]) for t in header_cells if t.strip()}
        if not _missing_columns(other, known_other):
            raise file_error(
                _l("This looks like a file of entrustments. Choose “Entrustments” and upload it again.")
                if other == "entrustments" else
                _l("This looks like a file of organisations. Choose “Organisations” and upload it again."))
        raise file_error(_l("Required column missing: %(columns)s. The first row must hold the headings, "
                             "as in an export.", columns=", ".join(missing)))
    rows = [(number, {code: (cells[i] if i < len(cells) else "") for code, i in positions.items()})
            for number, cells in table[1:]]
    return Sheet(kind, headers, rows, ignored)


def base_name(filename: str) -> str:
    """The file name without any folder a browser sent with it, at most 255 characters."""
    return PurePosixPath(PureWindowsPath(filename or "").name).name.strip()[:255]


def parse_upload(kind: str, filename: str, content: bytes) -> list[Sheet]:
    """Check that the upload is the CSV or XLSX it claims to be and read its rows; ValidationFailed if not.

    One sheet for organisations or entrustments; for BOTH, the workbook's organisations sheet and then its
    entrustments sheet, so a new organisation can be a party to an entrustment further down.
    """
    if kind not in (*KINDS, BOTH):
        raise ValidationFailed({"kind": [_l("Choose organisations, entrustments, or both.")]})
    if not content:
        raise file_error(_l("The file is empty."))
    suffix = PurePosixPath(base_name(filename).lower()).suffix
    if suffix == ".csv" and kind == BOTH:
        raise file_error(_l("Both kinds at once need an Excel workbook (.xlsx) with two sheets. "
                             "Upload a CSV file as organisations or as entrustments."))
    if suffix == ".csv":
        tables = {kind: _read_csv(content)}
    elif suffix == ".xlsx":
        tables = _read_xlsx(content, kind)
    elif suffix == ".xls":
        raise file_error(_l("Old Excel files (.xls) are not supported. Save the file as .xlsx or CSV."))
    else:
        raise file_error(_l("Upload a CSV (.csv) or Excel (.xlsx) file."))
    sheets = [_to_sheet(name, table, in_workbook=kind == BOTH) for name, table in tables.items()]
    total = sum(len(sheet.rows) for sheet in sheets)
    if not total:
        raise file_error(_l("The file has a heading row but no rows to import."))
    if total > MAX_ROWS:
        raise file_error(_l("The file has more than %(n)s rows. Split it into files of at most %(n)s rows.",
                             n=f"{MAX_ROWS:,}"))
    return sheets
