"""The clause library and assembly: numbering, references that survive omissions, and clear refusals."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from contracts import assembly
from contracts.assembly import AssemblyError, LibraryError, assemble, load_library
from tests.contracts.conftest import base_request

REQUIRED_CLAUSES = {"purpose", "data_items", "safeguards", "access_control", "storage", "return_deletion",
                    "staff_education", "incident_notice", "subcontracting", "publication", "forensic_cooperation",
                    "audit", "monthly_report", "termination", "damages", "penalty", "survival"}


def _article(document, clause_id):
    return next(a for a in document.articles if a.clause_id == clause_id)


def _fields(error: AssemblyError) -> dict:
    return error.value.by_field("en")


def test_the_library_has_every_clause_the_issue_asks_for_with_both_languages():
    library = load_library()
    assert REQUIRED_CLAUSES <= set(library.clauses)
    assert {"full", "memorandum", "subcontract"} <= set(library.templates)
    for clause in library.clauses.values():
        assert clause.version and clause.title.ja and clause.title.en


def test_articles_are_numbered_in_template_order_with_japanese_headings():
    document = assemble(base_request())
    assert [a.number for a in document.articles] == list(range(1, len(document.articles) + 1))
    assert document.articles[0].heading.ja == "第1条（目的）"
    assert document.articles[0].heading.en == "Article 1 (Purpose)"
    notice = _article(document, "incident_notice")
    assert notice.heading.ja == f"第{notice.number}条（事故発生時の報告）"
    assert [p.marker.ja for p in notice.paragraphs[:3]] == ["", "２", "３"]
    assert [i.marker.ja for i in notice.paragraphs[1].items] == list("一二三四五六七八九")
    assert [i.marker.en for i in notice.paragraphs[1].items][:4] == ["(i)", "(ii)", "(iii)", "(iv)"]


def test_parameters_appear_in_the_text_in_both_languages():
    document = assemble(base_request(params={"notice_hours": 48, "penalty_yen": 3000000}))
    notice = _article(document, "incident_notice").paragraphs[0].text
    assert "知った時から48時間以内" in notice.ja and "within 48 hours" in notice.en
    assert "おそれがあること" in notice.ja  # suspicion triggers the duty (000)
    penalty = _article(document, "penalty").paragraphs[0].text
    assert "金3,000,000円" in penalty.ja and "JPY 3,000,000" in penalty.en
    scope = _article(document, "data_items").paragraphs[0].items
    assert [i.text.ja for i in scope] == ["項目：氏名、住所、メールアドレス", "本人の数：約12,000人"]


def test_the_notice_contents_follow_the_nine_report_items():
    items = _article(assemble(base_request()), "incident_notice").paragraphs[1].items
    assert len(items) == 9
    assert items[4].text.ja.startswith("二次被害") and items[7].text.ja == "再発防止のための措置"


def test_cross_references_are_renumbered_when_a_clause_is_left_out():
    full = assemble(base_request())
    shorter = assemble(base_request(omit=["definitions", "staff_education"]))
    numbers = {a.clause_id: a.number for a in shorter.articles}
    assert numbers["termination"] == {a.clause_id: a.number for a in full.articles}["termination"] - 2
    penalty = _article(shorter, "penalty").paragraphs[0].text
    assert f"第{numbers['subcontracting']}条の規定に違反して" in penalty.ja
    assert f"第{numbers['incident_notice']}条第1項" in penalty.ja
    assert f"Article {numbers['incident_notice']}(1)" in penalty.en
    unapproved = _article(shorter, "subcontracting").paragraphs[3].text
    assert f"第{numbers['termination']}条第2項" in unapproved.ja
    survival = _article(shorter, "survival").paragraphs[0].text.ja
    assert f"第{numbers['incident_notice']}条" in survival and "第20条" not in survival


def test_a_reference_to_a_left_out_clause_is_an_error_not_a_wrong_number():
    with pytest.raises(AssemblyError) as error:
        assemble(base_request(omit=["termination"]))
    message = "; ".join(_fields(error)["omit"])
    assert "'subcontracting' refers to clause 'termination'" in message
    assert error.value.by_field("ja")["omit"][0].startswith("条項「subcontracting」が")


def test_the_survival_clause_lists_only_the_clauses_the_document_includes():
    document = assemble(base_request(omit=["penalty"]))
    numbers = {a.clause_id: a.number for a in document.articles}
    text = _article(document, "survival").paragraphs[0].text
    assert f"第{numbers['damages']}条及び第{numbers['governing_law']}条" in text.ja
    assert "Articles 1," in text.en and f"{numbers['damages']} and {numbers['governing_law']}" in text.en


@pytest.mark.parametrize(("hours", "fragment"), [(0, "between 1 and 720 hours (was 0)"),
                                                 (10000, "between 1 and 720 hours (was 10,000)"),
                                                 ("abc", "must be a whole number"),
                                                 (True, "must be a whole number")])
def test_a_bad_notice_period_is_refused_naming_the_parameter(hours, fragment):
    with pytest.raises(AssemblyError) as error:
        assemble(base_request(params={"notice_hours": hours}))
    assert list(_fields(error)) == ["notice_hours"]
    assert "(notice_hours)" in _fields(error)["notice_hours"][0] and fragment in _fields(error)["notice_hours"][0]
    assert "「事故の報告期限（知った時から・時間）」（notice_hours）" in error.value.by_field("ja")["notice_hours"][0]


def test_full_width_digits_from_a_japanese_form_are_accepted():
    document = assemble(base_request(params={"notice_hours": "２４"}))
    assert "24時間以内" in _article(document, "incident_notice").paragraphs[0].text.ja


@pytest.mark.parametrize(("request_changes", "field", "fragment"), [
    ({"omit": ["no_such_clause"]}, "omit", "unknown clause id 'no_such_clause'"),
    ({"variants": {"subcontracting": "notice_after"}}, "variants.subcontracting",
     "no variant 'notice_after'; allowed: prior_approval, prohibited"),
    ({"variants": {"nonexistent": "x"}}, "variants.nonexistent", "unknown clause id"),
    ({"variants": {"penalty": "x"}}, "variants.penalty", "has no variants"),
    ({"template": "nda"}, "template", "unknown template 'nda'"),
    ({"language": "fr"}, "language", "must be one of"),
    ({"clauses": ["purpose", "confidentiality"]}, "clauses", "clause 'confidentiality' is not in the clause library"),
    ({"params": {"notice_hour": 24}}, "notice_hour", "unknown parameter 'notice_hour'"),
    ({"params": {"consignor_name": ""}}, "consignor_name", "Consignor’s name (consignor_name) is required"),
    ({"params": {"investigation_cost": "nobody"}}, "investigation_cost",
     "must be one of: contractor, consignor, cause"),
    ({"params": {"contract_date": "2026-02-30"}}, "contract_date", "must be a date"),
])
def test_bad_requests_get_a_clear_message_naming_what_is_wrong(request_changes, field, fragment):
    with pytest.raises(AssemblyError) as error:
        assemble(base_request(**request_changes))
    assert field in _fields(error), _fields(error)
    assert any(fragment in m for m in _fields(error)[field]), _fields(error)


def test_the_memorandum_needs_its_principal_agreement_and_speaks_of_this_memorandum():
    request = base_request(template="memorandum")
    with pytest.raises(AssemblyError) as error:
        assemble(request)
    assert "base_agreement" in _fields(error)
    request["params"]["base_agreement"] = "2024年4月1日付業務委託契約書"
    document = assemble(request)
    assert document.title.ja == "個人データの取扱いに関する覚書"
    assert "2024年4月1日付業務委託契約書（以下「原契約」という。）" in document.preamble[0].ja
    assert _article(document, "purpose").paragraphs[0].text.ja.startswith("本覚書は、原契約に基づき")
    assert _article(document, "data_items").paragraphs[0].items[0].marker.ja == "(1)"
    assert "本覚書及び原契約" in _article(document, "termination").paragraphs[1].text.ja
    assert "penalty" not in {a.clause_id for a in document.articles}


def test_the_subcontract_flows_obligations_down_and_names_the_original_consignor():
    request = base_request(template="subcontract")
    request["params"]["original_consignor_name"] = "さくらホールディングス株式会社"
    document = assemble(request)
    assert "原委託者" in document.preamble[0].ja and "同等のもの" in document.preamble[1].ja
    notice = _article(document, "incident_notice").paragraphs[-1].text.ja
    assert notice.startswith("甲は、第1項の報告を受けたときは、直ちに原委託者に報告する")
    assert any("原委託者" in p.text.ja for p in _article(document, "audit").paragraphs)
    full = assemble(base_request())
    assert not any("原委託者" in p.text.ja for a in full.articles for p in a.paragraphs)


def test_my_number_data_adds_the_my_number_act_paragraphs():
    document = assemble(base_request(params={"includes_my_number": True}))
    assert any("番号法" in p.text.ja for p in _article(document, "data_items").paragraphs)
    assert "番号法第10条第1項" in _article(document, "subcontracting").paragraphs[-1].text.ja


def test_prohibited_subcontracting_is_a_variant():
    document = assemble(base_request(variants={"subcontracting": "prohibited"}))
    assert _article(document, "subcontracting").paragraphs[0].text.ja.startswith(
        "乙は、本件業務の全部又は一部を第三者に再委託してはならない")


def test_a_template_that_names_a_removed_clause_is_refused_when_the_library_loads(tmp_path):
    copy = tmp_path / "clauses"
    shutil.copytree(assembly.CLAUSES_DIR, copy)
    (copy / "monthly_report.yaml").unlink()
    with pytest.raises(LibraryError) as error:
        load_library(copy)
    assert "template 'full' lists clause 'monthly_report', which is not in the library" in str(error.value)


def test_a_translation_that_drops_a_parameter_is_refused_when_the_library_loads(tmp_path):
    copy = tmp_path / "clauses"
    shutil.copytree(assembly.CLAUSES_DIR, copy)
    path = copy / "incident_notice.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("within {notice_hours} hours", "within 24 hours"),
                    encoding="utf-8")
    with pytest.raises(LibraryError, match=r"incident_notice\[1\]: the Japanese and English texts use different"):
        load_library(copy)


def test_control_characters_are_removed_and_markup_kept_as_text():
    document = assemble(base_request(params={"consignor_name": "A&B <株式会社>\x01\x0b"}))
    assert document.parties[0].name == "A&B <株式会社>"
    assert document.preamble[0].ja.startswith("A&B <株式会社>（以下「甲」という。）")


def test_the_pure_modules_import_neither_flask_nor_the_database_nor_python_docx():
    code = ("import sys, contracts.assembly, contracts.gaps, contracts.era\n"
            "bad = [m for m in ('flask', 'sqlalchemy', 'docx', 'flask_sqlalchemy') if m in sys.modules]\n"
            "print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
