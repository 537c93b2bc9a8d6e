"""The columns of an import or export file: headers "名称 (name)" — Japanese for people, the field code in
brackets for the importer — and which of them each kind requires."""

from __future__ import annotations

from dataclasses import dataclass

from oversight.choices import (
    APPROVAL_STATE,
    ENTRUSTMENT_ORIGIN,
    ENTRUSTMENT_STATUS,
    ORGANISATION_KIND,
    ORGANISATION_STATUS,
    REPORT_AUTHORITY,
    SUBCONTRACTING_TERMS,
    ChoiceSet,
)
from oversight.errors import ValidationFailed

KINDS = ("organisations", "entrustments")
BOTH = "both"  # an Excel workbook with an organisations sheet and an entrustments sheet, imported in that order
FORMATS = ("csv", "xlsx")
YES, NO = "はい", "いいえ"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


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


def file_error(message) -> ValidationFailed:
    """A refusal of the whole file (not of one row), shown beside the upload field."""
    return ValidationFailed({"file": [message]}, message=message)
