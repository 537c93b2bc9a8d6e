"""Spreadsheet import and export, scenario by scenario, through the use cases the web page calls."""

import csv
import io
import zipfile
from datetime import datetime

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry import importexport
from oversight.registry import services as registry
from oversight.registry.models import Entrustment, Organisation
from oversight.trail import services as trail
from oversight.trail.models import TrailRecord
from tests.factories import (
    SYSTEM,
    corporate_number,
    gen_entrustment,
    gen_organisation,
    gen_subcontract,
    gen_user,
)

ORG_HEADER = ["名称 (name)", "法人番号 (corporate_number)", "区分 (kind)", "所在地 (address)"]


@pytest.fixture(autouse=True)
def english(app_context):
    with force_locale("en"):
        yield


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, title="Sheet1") -> bytes:
    workbook = Workbook()
    workbook.active.title = title
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def trail_count() -> int:
    return db.session.scalar(select(func.count()).select_from(TrailRecord))


def organisation_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def refusal(kind, filename, content) -> str:
    with pytest.raises(ValidationFailed) as refused:
        importexport.parse_upload(kind, filename, content)
    return " ".join(str(m) for m in refused.value.errors["file"])


def rows_by_number(result):
    return {o.row: o for o in result.rows}


@pytest.fixture
def buyer():
    """A procurement officer of a consignor, who keeps the vendor list."""
    return gen_user(gen_organisation("さくらホールディングス株式会社"), role="procurement")


def test_an_export_imported_back_changes_nothing_in_csv_or_excel(buyer):
    own = buyer.organisation
    vendor = registry.create_organisation(buyer, {
        "name": "トト・システム株式会社", "name_kana": "ﾄﾄｼｽﾃﾑ", "corporate_number": corporate_number(),
        "address": "東京都港区1-2-3", "record": {
            "notes": "=HYPERLINK(\"http://example.com\")\n- 年次監査あり", "status": "suspended",
            "contacts": [{"role": "incident", "name": "山田 太郎", "email": "csirt@toto.example",
                          "phone": "03-1234-5678", "available_24_7": True}],
            "certifications": [{"scheme": "pmark", "number": "10820001", "expires_on": "2020-03-31"}]}})
    overseas = registry.create_organisation(buyer, {"name": "Pacific Data Pte. Ltd.", "corporate_number": ""})
    printer = registry.create_organisation(buyer, {"name": "北斗印刷", "corporate_number": corporate_number()})
    top = registry.create_entrustment(buyer, {
        "consignor_id": own.id, "contractor_id": vendor.id, "data_set": "会員データ", "person_count": "12,000",
        "data_items": "氏名、住所、my_number", "includes_my_number": "はい", "start_on": "2026-04-01",
        "subcontracting_terms": "notice_after"}, recorded=True)
    registry.create_entrustment(buyer, {"consignor_id": own.id, "contractor_id": overseas.id,
                                        "data_set": "海外保管", "storage_country": "sg"}, recorded=True)
    gen_subcontract(top, printer, origin="audit")
    for kind in ("organisations", "entrustments"):
        for fmt in ("csv", "xlsx"):
            exported = importexport.export(buyer, kind, fmt)
            result = importexport.preview(buyer, importexport.parse_upload(kind, exported.filename, exported.content))
            assert result.counts == {"create": 0, "update": 0, "unchanged": len(result.rows), "error": 0}, \
                (kind, fmt, [o for o in result.rows if o.action != "unchanged"])
            assert len(result.rows) == (4 if kind == "organisations" else 3)
    workbook = importexport.export(buyer, "both", "xlsx")
    assert workbook.filename.startswith("registry-")
    result = importexport.preview(buyer, importexport.parse_upload("both", workbook.filename, workbook.content))
    assert result.counts == {"create": 0, "update": 0, "unchanged": 7, "error": 0}


def test_an_export_has_japanese_headings_with_codes_and_a_bom_for_excel(buyer):
    registry.create_organisation(buyer, {
        "name": "トト・システム株式会社", "corporate_number": corporate_number(), "record": {"certifications": [
            {"scheme": "iso27001", "number": "IS 1234", "expires_on": "2020-03-31", "verified_on": "2026-11-02"}]}})
    exported = importexport.export_organisations(buyer, "csv", today=datetime(2026, 11, 23).date())
    assert exported.filename == "organisations-20261123.csv"
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["名称 (name)", "名称（カナ） (name_kana)", "法人番号 (corporate_number)"]
    vendor = next(r for r in rows if r[0] == "トト・システム株式会社")
    assert "【当社】ISMS（ISO/IEC 27001） IS 1234 有効期限 2020-03-31（期限切れ） 確認日 2026-11-02" in vendor
    workbook = load_workbook(io.BytesIO(importexport.export_entrustments(buyer, "xlsx").content), read_only=True)
    header = next(workbook["entrustments"].iter_rows(values_only=True))
    workbook.close()
    assert "無承認再委託（参照用） (unapproved_subcontracting)" in header


def test_a_formula_in_a_name_is_exported_as_text_not_run_by_excel(buyer):
    registry.create_organisation(buyer, {"name": "=cmd|' /C calc'!A0", "corporate_number": ""})
    exported = importexport.export_organisations(buyer, "csv")
    assert "'=cmd|" in exported.content.decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(importexport.export_organisations(buyer, "xlsx").content))
    cell = next(c for row in workbook.active.iter_rows() for c in row if str(c.value).startswith("=cmd"))
    assert cell.data_type == "s"


def test_a_vendor_list_with_one_bad_row_applies_nothing(buyer):
    before_orgs, before_trail = organisation_count(), trail_count()
    content = csv_bytes([ORG_HEADER,
                         ["トト・システム株式会社", corporate_number(), "company", "東京都"],
                         ["北斗印刷株式会社", corporate_number(), "個人情報取扱事業者（民間）", "札幌市"],
                         ["誤記株式会社", "1000012050002", "company", ""]])
    batch = importexport.stage_import(buyer, "organisations", "vendors.csv", content)
    preview = rows_by_number(importexport.import_result(batch))
    assert [preview[2].action, preview[3].action, preview[4].action] == ["create", "create", "error"]
    assert preview[4].errors[0][0] == "法人番号 (corporate_number)"
    assert "check digit" in preview[4].errors[0][1]
    with pytest.raises(Conflict) as refused:
        importexport.apply_import(buyer, batch.id)
    assert "Nothing was imported: 1 row(s) have errors" in str(refused.value.message)
    assert (organisation_count(), trail_count()) == (before_orgs, before_trail)
    assert importexport.get_import(buyer, batch.id).applied_at is None


def test_a_valid_vendor_list_applies_everything_with_trail_records_of_each_company_and_the_buyers_record(buyer):
    before_trail = trail_count()
    names = ["トト・システム株式会社", "北斗印刷株式会社", "みなと配送株式会社"]
    content = csv_bytes([ORG_HEADER] + [[n, corporate_number(), "company", "東京都"] for n in names])
    batch = importexport.stage_import(buyer, "organisations", "vendors.csv", content)
    assert trail_count() == before_trail  # the preview leaves nothing behind
    result = importexport.apply_import(buyer, batch.id)
    assert result.counts == {"create": 3, "update": 0, "unchanged": 0, "error": 0}
    records = db.session.scalars(select(TrailRecord).where(TrailRecord.seq > before_trail)).all()
    assert sorted(r.object_label for r in records) == sorted(names * 2)
    assert {(r.action, r.object_type) for r in records} == {("create", "organisation"),
                                                            ("create", "organisation_record")}
    assert all(r.actor_user_id == buyer.id for r in records)
    assert trail.verify().ok
    assert {o.name for o in registry.search_organisations(buyer).items} >= set(names)


def test_an_update_changes_only_the_changed_fields(buyer):
    """A company without a corporate number is the buyer's own entry: it corrects the public facts too."""
    vendor = registry.create_organisation(buyer, {
        "name": "トト・システム株式会社", "corporate_number": "", "address": "東京都港区", "industry": "情報処理",
        "record": {"contacts": [{"role": "general", "name": "窓口", "email": "a@toto.example"}]}})
    content = csv_bytes([ORG_HEADER + ["業種 (industry)"],
                         [vendor.name, "", "company", "大阪市北区", "情報処理"]])
    batch = importexport.stage_import(buyer, "organisations", "vendors.csv", content)
    row = importexport.import_result(batch).rows[0]
    assert row.action == "update"
    assert row.changes == [["所在地 (address)", "東京都港区", "大阪市北区"]]
    importexport.apply_import(buyer, batch.id)
    vendor = db.session.get(Organisation, vendor.id)
    assert (vendor.address, vendor.industry, vendor.name) == ("大阪市北区", "情報処理", "トト・システム株式会社")
    assert [c.name for c in registry.own_record(buyer, vendor.id).contacts] == ["窓口"]  # not in the file
    last = db.session.scalars(select(TrailRecord).order_by(TrailRecord.seq.desc())).first()
    assert last.action == "update"
    assert [key for key, _, _ in trail.diff(last.before, last.after)] == ["address"]


def test_an_unchanged_row_is_not_written_at_all(buyer):
    vendor = registry.create_organisation(buyer, {"name": "トト・システム株式会社",
                                                  "corporate_number": corporate_number()})
    stamp, before_trail = vendor.updated_at, trail_count()
    content = csv_bytes([ORG_HEADER[:3], ["トト・システム株式会社", vendor.corporate_number, "company"]])
    batch = importexport.stage_import(buyer, "organisations", "vendors.csv", content)
    assert importexport.import_result(batch).counts["unchanged"] == 1
    assert not importexport.import_result(batch).has_work
    assert db.session.get(Organisation, vendor.id).updated_at == stamp
    assert trail_count() == before_trail


@pytest.fixture
def two_consignors_one_contractor():
    """Sakura and its sibling Kaede both entrust data to Toto; Toto hands Sakura's on to Hokuto."""
    sakura, kaede = gen_organisation("さくら銀行"), gen_organisation("かえで生命")
    toto, hokuto = gen_organisation("トト・システム"), gen_organisation("北斗オペレーション")
    sakura_toto = gen_entrustment(sakura, toto, data_set="さくら顧客")
    kaede_toto = gen_entrustment(kaede, toto, data_set="かえで契約者")
    toto_hokuto = gen_subcontract(sakura_toto, hokuto, data_set="さくら顧客（発送）")
    return locals()


def exported_rows(actor, kind):
    content = importexport.export(actor, kind, "csv").content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def test_a_subcontractors_export_has_no_sibling_consignors_rows(two_consignors_one_contractor):
    chain = two_consignors_one_contractor
    # contractor_user has no data.export; the subcontractor's own auditor may export.
    hokuto_auditor = gen_user(chain["hokuto"], role="auditor")
    entrustments = exported_rows(hokuto_auditor, "entrustments")
    assert [r["委託する個人データ (data_set)"] for r in entrustments] == ["さくら顧客（発送）"]
    assert entrustments[0]["親委託ID (parent_id)"] == ""  # the parent above is not Hokuto's to see
    organisations = {r["名称 (name)"] for r in exported_rows(hokuto_auditor, "organisations")}
    assert organisations == {"トト・システム", "北斗オペレーション"}
    with pytest.raises(Forbidden):
        importexport.export(gen_user(chain["hokuto"], role="contractor_user"), "entrustments", "csv")


def test_a_consignors_export_has_its_whole_chain_but_not_a_sibling_consignors(two_consignors_one_contractor):
    chain = two_consignors_one_contractor
    sakura_buyer = gen_user(chain["sakura"], role="procurement")
    data_sets = [r["委託する個人データ (data_set)"] for r in exported_rows(sakura_buyer, "entrustments")]
    assert data_sets == ["さくら顧客", "さくら顧客（発送）"]
    organisations = {r["名称 (name)"] for r in exported_rows(sakura_buyer, "organisations")}
    assert "かえで生命" not in organisations and "北斗オペレーション" in organisations


def test_the_export_flags_unapproved_subcontracting(two_consignors_one_contractor):
    chain = two_consignors_one_contractor
    gen_subcontract(chain["toto_hokuto"], gen_organisation("無断再委託先"), origin="audit", data_set="無断")
    flags = {r["委託する個人データ (data_set)"]: (r["承認状況（参照用） (approval_state)"],
                                          r["無承認再委託（参照用） (unapproved_subcontracting)"])
             for r in exported_rows(SYSTEM, "entrustments")}
    assert flags["無断"] == ("無承認再委託", "はい")
    assert flags["さくら顧客（発送）"] == ("承認済み", "いいえ")


def test_a_shift_jis_csv_from_japanese_excel_is_read(buyer):
    content = csv_bytes([["名称", "法人番号", "区分"],
                         ["髙島屋システム株式会社", corporate_number(), "行政機関等"]], encoding="cp932")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    result = importexport.preview(buyer, importexport.parse_upload("organisations", "一覧.csv", content))
    assert result.rows[0].action == "create"
    assert result.rows[0].label == "髙島屋システム株式会社"


def test_an_excel_vendor_list_with_numbers_and_dates_as_cells_is_read(buyer):
    vendor = registry.create_organisation(buyer, {"name": "トト・システム株式会社",
                                                  "corporate_number": corporate_number()})
    content = xlsx_bytes([["委託先法人番号 (contractor_corporate_number)", "委託する個人データ (data_set)",
                           "本人の数 (person_count)", "委託開始日 (start_on)",
                           "要配慮個人情報を含む (includes_sensitive)"],
                          [int(vendor.corporate_number), "会員データ", 12000.0, datetime(2026, 4, 1), True]])
    batch = importexport.stage_import(buyer, "entrustments", "委託一覧.xlsx", content)
    assert importexport.import_result(batch).counts["create"] == 1
    importexport.apply_import(buyer, batch.id)
    e = db.session.scalars(select(Entrustment)).one()
    assert (e.consignor_id, e.contractor_id, e.person_count, e.start_on.isoformat(), e.includes_sensitive) == \
        (buyer.organisation_id, vendor.id, 12000, "2026-04-01", True)


def test_a_preview_can_be_applied_only_once(buyer):
    content = csv_bytes([ORG_HEADER, ["トト・システム株式会社", corporate_number(), "company", ""]])
    batch = importexport.stage_import(buyer, "organisations", "vendors.csv", content)
    importexport.apply_import(buyer, batch.id)
    count = organisation_count()
    with pytest.raises(Conflict) as refused:
        importexport.apply_import(buyer, batch.id)
    assert "already been applied" in str(refused.value.message)
    assert organisation_count() == count
    assert importexport.get_import(buyer, batch.id).content == b""  # no copy of the data is kept


def test_someone_elses_preview_cannot_be_seen_or_applied(buyer):
    content = csv_bytes([ORG_HEADER, ["トト・システム株式会社", corporate_number(), "company", ""]])
    batch = importexport.stage_import(buyer, "organisations", "vendors.csv", content)
    colleague = gen_user(buyer.organisation, role="procurement")
    with pytest.raises(NotFound):
        importexport.apply_import(colleague, batch.id)
    with pytest.raises(Forbidden):
        importexport.stage_import(gen_user(buyer.organisation, role="legal"), "organisations", "v.csv", content)


def test_a_registry_change_after_the_preview_stops_the_apply_until_previewed_again(buyer):
    vendor = registry.create_organisation(buyer, {"name": "トト・システム株式会社", "corporate_number": "",
                                                  "address": "東京都"})
    content = csv_bytes([ORG_HEADER, [vendor.name, "", "company", "大阪市"]])
    batch = importexport.stage_import(buyer, "organisations", "vendors.csv", content)
    registry.update_organisation(buyer, vendor.id, {"address": "名古屋市"})
    with pytest.raises(Conflict) as refused:
        importexport.apply_import(buyer, batch.id)
    assert "registry changed since the preview" in str(refused.value.message)
    assert db.session.get(Organisation, vendor.id).address == "名古屋市"
    assert importexport.import_result(importexport.get_import(buyer, batch.id)).rows[0].changes == \
        [["所在地 (address)", "名古屋市", "大阪市"]]
    importexport.apply_import(buyer, batch.id)
    assert db.session.get(Organisation, vendor.id).address == "大阪市"


def test_an_earlier_row_can_make_a_later_row_valid():
    consignor, vendor, printer = gen_organisation(), gen_organisation(), gen_organisation()
    top = gen_entrustment(consignor, vendor, subcontracting_terms="prohibited")
    header = ["委託ID (id)", "親委託ID (parent_id)", "委託先法人番号 (contractor_corporate_number)",
              "委託する個人データ (data_set)", "再委託の条件 (subcontracting_terms)"]
    subcontract = ["", str(top.id), printer.corporate_number, "発送データ", ""]
    alone = importexport.preview(SYSTEM, importexport.parse_upload(
        "entrustments", "e.csv", csv_bytes([header, subcontract])))
    assert alone.rows[0].action == "error" and "prohibit" in alone.rows[0].errors[0][1]
    together = importexport.preview(SYSTEM, importexport.parse_upload("entrustments", "e.csv", csv_bytes([
        header, [str(top.id), "", vendor.corporate_number, top.data_set, "事前の書面承認が必要"], subcontract])))
    first, second = together.rows
    assert first.action == "update"
    assert first.changes == [["再委託の条件 (subcontracting_terms)", "再委託禁止", "事前の書面承認が必要"]]
    assert (second.action, second.status, second.state) == ("create", "proposed", "pending")
    assert db.session.get(Entrustment, top.id).subcontracting_terms == "prohibited"  # only a preview


def test_a_subcontract_found_in_an_audit_is_previewed_as_unapproved(two_consignors_one_contractor):
    chain = two_consignors_one_contractor
    hidden = gen_organisation("無断再委託先")
    content = csv_bytes([["親委託ID (parent_id)", "委託先名称 (contractor_name)", "委託する個人データ (data_set)",
                          "記録の経緯 (origin)"],
                         [str(chain["toto_hokuto"].id), "無断再委託先", "発送", "監査で発覚"]])
    row = importexport.preview(SYSTEM, importexport.parse_upload("entrustments", "e.csv", content)).rows[0]
    assert (row.action, row.state) == ("create", "unapproved")
    assert hidden.name in row.label


def test_entrustment_rows_name_the_column_of_each_error(buyer):
    vendor = registry.create_organisation(buyer, {"name": "トト・システム", "corporate_number": corporate_number()})
    content = csv_bytes([["委託元名称 (consignor_name)", "委託先名称 (contractor_name)",
                          "委託する個人データ (data_set)", "再委託の条件 (subcontracting_terms)",
                          "委託開始日 (start_on)"],
                         ["", "存在しない会社", "顧客", "sometimes", "2026-13-01"],
                         ["かえで生命", vendor.name, "顧客", "", ""],
                         ["", vendor.name, "顧客", "再委託禁止", "2026/04/01"]])
    rows = importexport.preview(buyer, importexport.parse_upload("entrustments", "e.csv", content)).rows
    columns = {heading for heading, _ in rows[0].errors}
    assert columns == {"委託先名称 (contractor_name)", "再委託の条件 (subcontracting_terms)", "委託開始日 (start_on)"}
    assert "Unknown value “sometimes”" in " ".join(m for _, m in rows[0].errors)
    assert rows[1].errors[0][0] == "委託元名称 (consignor_name)"
    assert rows[2].action == "create" and rows[2].label == "顧客（さくらホールディングス株式会社 → トト・システム）"


def test_unknown_choice_codes_and_duplicate_corporate_numbers_are_row_errors(buyer):
    number = corporate_number()
    content = csv_bytes([ORG_HEADER,
                         ["トト・システム株式会社", number, "corp", ""],
                         ["北斗印刷", corporate_number(), "company", ""],
                         ["トト・システム（重複）", number, "company", ""]])
    rows = rows_by_number(importexport.preview(buyer, importexport.parse_upload("organisations", "v.csv", content)))
    assert rows[2].errors == [["区分 (kind)", "Unknown value “corp”. Allowed: company, public_body"]]
    assert rows[3].action == "create"
    assert rows[4].errors[0][0] == "法人番号 (corporate_number)"
    assert "Row 2 of the file already has this value" in rows[4].errors[0][1]


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("vendors.pdf", b"%PDF-1.7\n", "Upload a CSV (.csv) or Excel (.xlsx) file."),
    ("vendors.xlsx", "名称 (name),法人番号 (corporate_number)\nトト,\n".encode(), "not a real Excel workbook"),
    ("vendors.csv", b"", "The file is empty."),
    ("vendors.xlsx", b"", "The file is empty."),
    ("vendors.csv", b"\xef\xbb\xbf\r\n\r\n", "The file is empty."),
    ("vendors.csv", "所在地 (address),区分 (kind)\n東京都,company\n".encode(),
     "Required column missing: 名称 (name), 法人番号 (corporate_number)"),
    ("vendors.csv", "名称 (name),法人番号 (corporate_number)\n".encode(), "no rows to import"),
    ("vendors.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "(.xls)"),
    ("vendors.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "password-protected"),
    ("vendors.csv", b"PK\x03\x04" + b"\x00" * 100, "This is an Excel workbook, not a CSV file"),
    ("vendors.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV text file."),
    ("vendors.csv", "委託先名称 (contractor_name),委託する個人データ (data_set)\nトト,顧客\n".encode(),
     "This looks like a file of entrustments."),
], ids=["pdf", "renamed-txt", "empty-csv", "empty-xlsx", "blank-lines", "missing-column", "header-only", "xls",
        "protected", "xlsx-as-csv", "binary-as-csv", "wrong-kind"])
def test_a_bad_file_is_refused_with_a_clear_message(filename, content, message):
    assert message in refusal("organisations", filename, content)


def test_a_zip_bomb_pretending_to_be_a_workbook_is_refused_before_unpacking(monkeypatch):
    monkeypatch.setattr(importexport.parsing, "MAX_UNPACKED_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (2 * 1024 * 1024))
    assert len(buffer.getvalue()) < 20_000
    assert "unpacks to more than 1 MB" in refusal("organisations", "vendors.xlsx", buffer.getvalue())


def test_a_damaged_workbook_is_refused():
    content = xlsx_bytes([["名称 (name)", "法人番号 (corporate_number)"], ["トト", ""]])
    damaged = content[:len(content) // 2]
    assert "Excel" in refusal("organisations", "vendors.xlsx", damaged)


def test_more_rows_than_the_limit_are_refused_with_the_limit_named():
    rows = [["名称 (name)", "法人番号 (corporate_number)"]] + [[f"会社{n}", ""] for n in range(5_001)]
    assert "more than 5,000 rows" in refusal("organisations", "vendors.csv", csv_bytes(rows))
    assert len(importexport.parse_upload("organisations", "v.csv", csv_bytes(rows[:5_001]))[0].rows) == 5_000


def test_unknown_columns_are_reported_and_reference_columns_ignored(buyer):
    content = csv_bytes([ORG_HEADER[:2] + ["担当者メモ", "連絡先（参照用） (contacts)"],
                         ["トト・システム株式会社", corporate_number(), "要確認", "偽: 誰か"]])
    result = importexport.preview(buyer, importexport.parse_upload("organisations", "v.csv", content))
    assert result.notices == ["These columns were not recognised and are ignored: 担当者メモ"]
    assert result.rows[0].action == "create"


def test_an_organisation_without_a_corporate_number_is_matched_by_its_exact_name(buyer):
    overseas = registry.create_organisation(buyer, {"name": "Pacific Data Pte. Ltd.", "corporate_number": ""})
    numbered = registry.create_organisation(buyer, {"name": "トト・システム", "corporate_number": corporate_number()})
    content = csv_bytes([ORG_HEADER, [overseas.name, "", "company", "Singapore"],
                         [numbered.name, "", "company", ""]])
    rows = importexport.preview(buyer, importexport.parse_upload("organisations", "v.csv", content)).rows
    assert rows[0].action == "update" and rows[0].changes == [["所在地 (address)", "", "Singapore"]]
    assert rows[1].action == "error" and numbered.corporate_number in rows[1].errors[0][1]


def test_a_new_organisation_and_an_entrustment_to_it_import_together_from_one_workbook(buyer):
    number = corporate_number()
    workbook = Workbook()
    entrustments = workbook.active
    entrustments.title = "entrustments"  # first in the workbook, yet imported after the organisations
    entrustments.append(["委託先法人番号 (contractor_corporate_number)", "委託する個人データ (data_set)"])
    entrustments.append([number, "会員データ"])
    organisations = workbook.create_sheet("organisations")
    organisations.append(["名称 (name)", "法人番号 (corporate_number)"])
    organisations.append(["新規委託先株式会社", number])
    buffer = io.BytesIO()
    workbook.save(buffer)
    alone = importexport.preview(buyer, importexport.parse_upload("entrustments", "台帳.xlsx", buffer.getvalue()))
    assert alone.rows[0].action == "error"
    batch = importexport.stage_import(buyer, "both", "台帳.xlsx", buffer.getvalue())
    result = importexport.import_result(batch)
    assert [(o.sheet, o.row, o.action) for o in result.rows] == [("organisations", 2, "create"),
                                                                 ("entrustments", 2, "create")]
    assert organisation_count() == 1  # still only a preview
    importexport.apply_import(buyer, batch.id)
    e = db.session.scalars(select(Entrustment)).one()
    assert (e.consignor.name, e.contractor.name) == ("さくらホールディングス株式会社", "新規委託先株式会社")


def test_both_kinds_at_once_need_a_workbook_with_the_sheets_of_an_export():
    assert "need an Excel workbook (.xlsx) with two sheets" in refusal("both", "v.csv", b"a,b\n1,2\n")
    content = xlsx_bytes([["名称 (name)", "法人番号 (corporate_number)"], ["トト", ""]], title="Sheet1")
    assert "needs a sheet named “organisations” or “entrustments”" in refusal("both", "v.xlsx", content)


def test_a_corporate_number_mangled_by_excel_gets_a_hint(buyer):
    content = csv_bytes([ORG_HEADER, ["トト・システム株式会社", "1.23457E+12", "company", ""]])
    row = importexport.preview(buyer, importexport.parse_upload("organisations", "v.csv", content)).rows[0]
    assert row.errors[0][0] == "法人番号 (corporate_number)"
    assert "Excel turned this corporate number into “1.23457E+12”" in row.errors[0][1]


def test_a_buyers_trading_status_and_notes_import_into_its_own_record_only(buyer):
    vendor = gen_organisation("北斗データ株式会社")
    other = gen_user(gen_organisation("はなまる銀行"), role="procurement")
    registry.create_organisation(other, {"name": vendor.name, "corporate_number": vendor.corporate_number,
                                         "record": {"notes": "はなまるのメモ"}})
    registry.create_organisation(buyer, {"name": vendor.name, "corporate_number": vendor.corporate_number})
    content = csv_bytes([ORG_HEADER[:2] + ["取引状況 (status)", "備考 (notes)"],
                         [vendor.name, vendor.corporate_number, "取引停止", "監査で指摘"]])

    row = importexport.preview(buyer, importexport.parse_upload("organisations", "v.csv", content)).rows[0]
    assert row.action == "update"
    assert row.changes == [["備考 (notes)", "", "監査で指摘"], ["取引状況 (status)", "取引中", "取引停止"]]
    batch = importexport.stage_import(buyer, "organisations", "v.csv", content)
    importexport.apply_import(buyer, batch.id)

    assert (registry.own_record(buyer, vendor.id).status, registry.own_record(buyer, vendor.id).notes) == \
        ("suspended", "監査で指摘")
    assert registry.own_record(other, vendor.id).notes == "はなまるのメモ"
    exported = {r["名称 (name)"]: r for r in exported_rows(buyer, "organisations")}
    assert "はなまるのメモ" not in str(exported)
    assert exported[vendor.name]["備考 (notes)"] == "監査で指摘"


def test_a_buyer_cannot_rewrite_the_public_facts_of_a_numbered_company_by_import(buyer):
    vendor = gen_organisation("北斗データ株式会社")
    registry.create_organisation(buyer, {"name": vendor.name, "corporate_number": vendor.corporate_number})
    content = csv_bytes([ORG_HEADER, ["北斗データ（改名）", vendor.corporate_number, "company", ""]])

    row = importexport.preview(buyer, importexport.parse_upload("organisations", "v.csv", content)).rows[0]

    assert row.action == "error" and "public facts" in row.errors[0][1]
