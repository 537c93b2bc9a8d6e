"""The import / export page as a user works it: download, upload, read the preview, apply."""

import codecs
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from oversight.extensions import db
from oversight.registry import services as registry
from oversight.registry.import_models import ImportBatch
from oversight.registry.models import Organisation
from oversight.timeutil import today_jst
from tests.factories import corporate_number, gen_entrustment, gen_organisation, gen_subcontract, gen_user
from tests.helpers import text_of

ORG_HEADER = ["名称 (name)", "法人番号 (corporate_number)", "区分 (kind)"]


def csv_bytes(rows, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def organisation_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


@pytest.fixture
def buyer():
    return gen_user(gen_organisation("さくらホールディングス株式会社"), role="procurement")


@pytest.fixture
def signed_in(make_client):
    """A browser logged in as `user`, reading the pages in English."""
    def sign_in(user):
        client = make_client()
        client.login(user.email)
        client.post("/language/en", {"next": "/data"})
        return client
    return sign_in


def upload(client, content: bytes, filename: str, kind: str = "organisations"):
    return client.post("/data/import", {"kind": kind, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data", follow_redirects=True)


def apply(client, response):
    """Press the apply button of the preview page the client is on."""
    batch_id = response.request.path.rsplit("/", 1)[1]
    return client.post(f"/data/import/{batch_id}/apply", follow_redirects=True)


def test_the_data_page_offers_downloads_and_the_upload_form(buyer, signed_in):
    page = signed_in(buyer).get("/data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="export-entrustments-xlsx"' in html and 'enctype="multipart/form-data"' in html
    assert "Upload and preview" in text_of(page)


def test_a_legal_user_may_download_but_not_upload(buyer, signed_in):
    client = signed_in(gen_user(buyer.organisation, role="legal"))
    page = client.get("/data")
    assert page.status_code == 200 and 'id="export-organisations-csv"' in page.get_data(as_text=True)
    assert "Upload and preview" not in text_of(page)
    content = csv_bytes([ORG_HEADER, ["トト・システム株式会社", corporate_number(), "company"]])
    assert upload(client, content, "vendors.csv").status_code == 403


def test_contractor_staff_have_neither_import_nor_export(signed_in):
    client = signed_in(gen_user(gen_organisation(), role="contractor_user"))
    assert client.get("/data").status_code == 403
    assert client.get("/data/export/entrustments.csv").status_code == 403


def test_a_download_is_a_dated_csv_with_a_bom_or_a_workbook(buyer, signed_in):
    client = signed_in(buyer)
    download = client.get("/data/export/organisations.csv")
    assert download.status_code == 200
    assert f"organisations-{today_jst():%Y%m%d}.csv" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    assert download.data.startswith(codecs.BOM_UTF8 + "名称 (name)".encode())
    assert "さくらホールディングス株式会社" in download.data.decode("utf-8-sig")
    workbook_download = client.client.get("/data/export/entrustments.xlsx")  # binary: not read as a page
    assert workbook_download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(workbook_download.data), read_only=True)
    assert workbook.sheetnames == ["entrustments"]
    workbook.close()
    both = client.client.get("/data/export/both.xlsx")
    assert f"registry-{today_jst():%Y%m%d}.xlsx" in both.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(both.data), read_only=True)
    assert workbook.sheetnames == ["organisations", "entrustments"]
    workbook.close()
    assert client.client.get("/data/export/both.csv").status_code == 404


def test_a_subcontractors_download_has_no_sibling_consignors_rows(signed_in):
    sakura, kaede, toto, hokuto = (gen_organisation(n) for n in ("さくら銀行", "かえで生命", "トト", "北斗"))
    top = gen_entrustment(sakura, toto, data_set="さくら顧客")
    gen_entrustment(kaede, toto, data_set="かえで契約者")
    gen_subcontract(top, hokuto, data_set="さくら顧客（発送）")
    text = signed_in(gen_user(hokuto, role="auditor")).get("/data/export/entrustments.csv").data.decode("utf-8-sig")
    assert "さくら顧客（発送）" in text
    assert "かえで" not in text and "さくら銀行" not in text


def test_an_exported_workbook_uploaded_back_shows_every_row_unchanged(buyer, signed_in):
    for name in ("トト・システム株式会社", "北斗印刷株式会社"):
        registry.create_organisation(buyer, {"name": name, "corporate_number": corporate_number()})
    client = signed_in(buyer)
    exported = client.client.get("/data/export/organisations.xlsx")
    preview = upload(client, exported.data, "organisations-20261123.xlsx")
    text = text_of(preview)
    assert preview.status_code == 200
    assert "0 to create 0 to change 3 unchanged 0 errors" in text
    assert "Nothing to import: every row already matches the registry." in text
    assert 'id="apply"' not in preview.get_data(as_text=True)


def test_a_vendor_list_is_previewed_then_applied_once_and_a_second_apply_is_refused(buyer, signed_in):
    client = signed_in(buyer)
    before = organisation_count()
    content = csv_bytes([ORG_HEADER, ["トト・システム株式会社", corporate_number(), "company"],
                         ["北斗印刷株式会社", corporate_number(), "個人情報取扱事業者（民間）"]])
    preview = upload(client, content, "vendors.csv")
    text = text_of(preview)
    assert "Import preview: vendors.csv" in text and "2 to create 0 to change 0 unchanged 0 errors" in text
    assert "2 Create トト・システム株式会社" in text and "3 Create 北斗印刷株式会社" in text
    assert organisation_count() == before  # a preview saves nothing
    applied = apply(client, preview)
    assert "Imported: 2 created, 0 changed, 0 unchanged." in text_of(applied)
    assert "This import cannot be applied again." in text_of(applied)
    assert "vendors.csv Organisations 2" in text_of(client.get("/data"))  # listed under recent imports
    assert organisation_count() == before + 2
    again = apply(client, preview)
    assert "This import has already been applied. Nothing was changed." in text_of(again)
    assert organisation_count() == before + 2


def test_an_update_shows_the_field_before_and_after(buyer, signed_in):
    vendor = registry.create_organisation(buyer, {"name": "トト・システム株式会社", "corporate_number": "",
                                                  "kind": "company"})
    client = signed_in(buyer)
    preview = upload(client, csv_bytes([ORG_HEADER, [vendor.name, "", "行政機関等"]]), "vendors.csv")
    assert "区分 (kind): 個人情報取扱事業者（民間） → 行政機関等" in text_of(preview)
    apply(client, preview)
    assert db.session.get(Organisation, vendor.id).kind == "public_body"


def test_a_vendor_list_with_one_bad_row_shows_the_error_and_cannot_be_applied(buyer, signed_in):
    client = signed_in(buyer)
    before = organisation_count()
    content = csv_bytes([ORG_HEADER, ["トト・システム株式会社", corporate_number(), "company"],
                         ["誤記株式会社", "1000012050002", "company"]])
    preview = upload(client, content, "vendors.csv")
    text = text_of(preview)
    assert "1 to create 0 to change 0 unchanged 1 errors" in text
    assert "3 Error 誤記株式会社 法人番号 (corporate_number):" in text
    assert "1 row(s) have errors. Nothing can be imported until they are corrected" in text
    assert 'id="apply"' not in preview.get_data(as_text=True)
    forced = apply(client, preview)
    assert "Nothing was imported: 1 row(s) have errors." in text_of(forced)
    assert organisation_count() == before


def test_a_shift_jis_file_from_japanese_excel_is_previewed_in_japanese(buyer, signed_in):
    content = csv_bytes([["名称", "法人番号", "区分"], ["髙島屋システム株式会社", corporate_number(), "行政機関等"]],
                        encoding="cp932")
    assert "2 Create 髙島屋システム株式会社" in text_of(upload(signed_in(buyer), content, "一覧.csv"))


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("vendors.xlsx", "名称 (name),法人番号 (corporate_number)\nトト,\n".encode(),
     "The file is not a real Excel workbook (.xlsx)."),
    ("vendors.txt", b"name\n", "Upload a CSV (.csv) or Excel (.xlsx) file."),
    ("vendors.csv", b"", "The file is empty."),
    ("vendors.csv", "所在地 (address)\n東京都\n".encode(), "Required column missing: 名称 (name)"),
], ids=["renamed-txt", "txt", "empty", "missing-column"])
def test_a_bad_upload_is_refused_on_the_form_and_nothing_is_kept(buyer, signed_in, filename, content, message):
    response = upload(signed_in(buyer), content, filename)
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_an_upload_without_a_file_asks_for_one(buyer, signed_in):
    response = signed_in(buyer).post("/data/import", {"kind": "organisations"}, follow_redirects=True)
    assert response.status_code == 422 and "Choose a file to upload." in text_of(response)


def test_an_upload_without_the_security_token_is_refused(buyer, signed_in):
    client = signed_in(buyer)
    response = client.post("/data/import", {"kind": "organisations", "file": (io.BytesIO(b"x"), "v.csv")},
                           csrf=False, content_type="multipart/form-data")
    assert response.status_code == 400


def test_a_colleague_cannot_open_or_apply_someone_elses_preview(buyer, signed_in):
    content = csv_bytes([ORG_HEADER, ["トト・システム株式会社", corporate_number(), "company"]])
    preview = upload(signed_in(buyer), content, "vendors.csv")
    colleague = signed_in(gen_user(buyer.organisation, role="procurement"))
    assert colleague.get(preview.request.path).status_code == 404
    assert apply(colleague, preview).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
