"""Gap analysis against policy, and the keyword heuristic on uploaded .docx files."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from contracts import gaps, notice_period
from contracts.assembly import assemble, load_library, request_from_mapping, resolve
from contracts.docx_render import render_docx
from tests.contracts.conftest import base_request


def _facts(request: dict, registry_terms: str | None = None) -> gaps.ContractFacts:
    return gaps.facts_from_resolved(resolve(request_from_mapping(request), load_library()), registry_terms)


def _codes(found) -> dict[str, str]:
    return {g.code: g.severity for g in found}


def test_the_default_full_contract_meets_the_policy():
    assert gaps.analyse(_facts(base_request())) == []


def test_a_weak_contract_shows_each_shortfall_with_its_severity_and_ground():
    weak = base_request(params={"notice_hours": 72, "audit_interval_months": 24, "return_days": 60},
                        omit=["forensic_cooperation", "monthly_report"], variants={"audit": "documentary_only"})
    found = gaps.analyse(_facts(weak, registry_terms="notice_after"))
    assert _codes(found) == {
        "weak:notice_hours": "high", "missing:forensic_cooperation": "high",
        "missing:monthly_report": "medium", "weak:audit_interval": "medium", "weak:audit:documentary_only": "medium",
        "registry:notice_after": "medium", "weak:return_days": "low"}
    assert found[0].severity == "high"
    notice = next(g for g in found if g.code == "weak:notice_hours")
    assert "72時間" in notice.message.ja and "24 hours" in notice.message.en and notice.ground.startswith("000")


def test_a_memorandum_without_a_penalty_clause_is_a_low_gap():
    request = base_request(template="memorandum")
    request["params"]["base_agreement"] = "業務委託基本契約"
    assert _codes(gaps.analyse(_facts(request))) == {"missing:penalty": "low"}


def test_policy_can_be_stricter_than_the_defaults(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(gaps.POLICY_FILE.read_text(encoding="utf-8").replace("max_notice_hours: 24",
                                                                          "max_notice_hours: 12"), encoding="utf-8")
    assert "weak:notice_hours" in _codes(gaps.analyse(_facts(base_request()), gaps.load_policy(policy)))


def _without_article(data: bytes, heading_prefix: str) -> bytes:
    document = docx.Document(io.BytesIO(data))
    removing = False
    for paragraph in list(document.paragraphs):
        if paragraph.style.style_id in ("ArticleHeading", "ArticleHeadingEn"):
            removing = paragraph.text.startswith(heading_prefix)
        if removing:
            paragraph._p.getparent().remove(paragraph._p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_generated_contract_passes_the_docx_heuristic():
    result = gaps.check_docx(render_docx(assemble(base_request())))
    assert result.gaps == ()
    assert all(f.found for f in result.findings)
    assert result.notice_hours == 24


def test_an_english_generated_contract_passes_too():
    result = gaps.check_docx(render_docx(assemble(base_request(language="en", params={"notice_hours": 6}))))
    assert result.gaps == () and result.notice_hours == 6


def test_a_contract_without_the_notice_clause_is_flagged():
    data = _without_article(render_docx(assemble(base_request())), "第9条（事故発生時の報告）")
    result = gaps.check_docx(data)
    codes = _codes(result.gaps)
    assert codes["missing:incident_notice"] == "high"
    assert "missing:incident_contents" in codes
    assert "missing:subcontracting_approval" not in codes


def test_a_72_hour_notice_period_is_flagged_as_above_policy():
    result = gaps.check_docx(render_docx(assemble(base_request(params={"notice_hours": 72}))))
    assert result.notice_hours == 72 and _codes(result.gaps) == {"weak:notice_hours": "high"}


def _docx_with(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_kanji_numerals_and_full_width_digits_are_read_as_hours():
    assert [notice_period.kanji_to_int(n) for n in ("二十四", "七十二", "百二十")] == [24, 72, 120]
    result = gaps.check_docx(_docx_with("乙は、個人データの漏えいのおそれを知ったときは、四十八時間以内に甲に報告。"))
    assert result.notice_hours == 48
    result = gaps.check_docx(_docx_with("乙は、事故を知ったときは、２４時間以内に甲に報告する。"))
    assert result.notice_hours == 24


NOTICE_CASES = [
    # (the contract's notice sentence, the period's label on a Japanese page, the gap and its severity)
    ("乙は、事故の発生を知ったときは、7日以内に甲に報告する。", "7日以内（168時間相当）", "weak:notice_days", "high"),
    ("乙は、漏えい事故を知ったときは、七日以内に甲に報告する。", "七日以内（168時間相当）", "weak:notice_days", "high"),
    ("乙は、事故を知ったときは、１日以内に甲に報告する。", "1日以内（24時間相当）", "weak:notice_days", "medium"),
    ("乙は、事故を知ったときは、3営業日以内に甲に報告する。",
     "3営業日以内（72時間以上。週末・祝日を挟むとさらに長くなります）", "weak:notice_business_days", "high"),
    ("乙は、事故を知ったときは、一営業日以内に甲に報告する。",
     "一営業日以内（24時間以上。週末・祝日を挟むとさらに長くなります）", "weak:notice_business_days", "medium"),
    ("乙は、事故を知ったときは、直ちに甲に報告する。", "直ちに（期間の定めなし）",
     "weak:notice_hours_unspecified", "medium"),
    ("乙は、事故の発生を知ったときは、遅滞なく甲に報告するものとする。", "遅滞なく（期間の定めなし）",
     "weak:notice_hours_unspecified", "medium"),
    ("乙は、事故の発生を知ったときは、速やかに甲に報告するものとする。", "速やかに（期間の定めなし）",
     "weak:notice_hours_unspecified", "medium"),
    ("乙は、事故を知ったときは、直ちに、遅くとも12時間以内に甲に報告する。", "12時間以内", None, None),
    ("When the Contractor becomes aware of an incident it shall report it within 7 days.",
     "within 7 days（168時間相当）", "weak:notice_days", "high"),
    ("When the Contractor becomes aware of a breach it shall notify the Consignor within three (3) business days.",
     "within three (3) business days（72時間以上。週末・祝日を挟むとさらに長くなります）",
     "weak:notice_business_days", "high"),
    ("When the Contractor becomes aware of a breach it shall notify the Consignor within seventy-two (72) hours.",
     "within seventy-two (72) hours", "weak:notice_hours", "high"),
    ("When the Contractor becomes aware of an incident it shall report it to the Consignor immediately.",
     "immediately（期間の定めなし）", "weak:notice_hours_unspecified", "medium"),
    ("When the Contractor learns of an incident it shall report it without undue delay.",
     "without undue delay（期間の定めなし）", "weak:notice_hours_unspecified", "medium"),
    ("When the Contractor learns of a breach it shall promptly notify the Consignor.", "promptly（期間の定めなし）",
     "weak:notice_hours_unspecified", "medium"),
]


@pytest.mark.parametrize(("sentence", "label", "code", "severity"), NOTICE_CASES,
                         ids=[case[1] for case in NOTICE_CASES])
def test_a_notice_period_in_days_business_days_or_words_is_read_and_judged(sentence, label, code, severity):
    result = gaps.check_docx(_docx_with(sentence))
    assert next(f for f in result.findings if f.provision.code == "incident_notice").found
    assert result.notice.label("ja") == label
    notice_gaps = {g.code: g.severity for g in result.gaps if g.code.startswith("weak:notice")}
    assert notice_gaps == ({code: severity} if code else {})


def test_the_gap_message_says_which_period_was_found_and_why_it_is_weak():
    seven_days = next(g for g in gaps.check_docx(_docx_with("乙は、事故を知ったときは、7日以内に甲に報告する。")).gaps
                      if g.code == "weak:notice_days")
    assert seven_days.message.ja == "事故の報告期限が7日以内（168時間相当）で、方針の上限（24時間）を超えています。"
    assert seven_days.message.en == ("The incident notice period is 7日以内 (168 hours), longer than the policy "
                                     "maximum of 24 hours.")
    one_day = next(g for g in gaps.check_docx(_docx_with("乙は、事故を知ったときは、1日以内に甲に報告する。")).gaps
                   if g.code == "weak:notice_days")
    assert "初日を算入しない（民法140条）" in one_day.message.ja and "最長48時間" in one_day.message.ja
    business = next(g for g in gaps.check_docx(_docx_with("乙は、事故を知ったときは、1営業日以内に甲に報告する。")).gaps
                    if g.code == "weak:notice_business_days")
    assert "週末・祝日を挟むとさらに長くなります" in business.message.ja
    word = next(g for g in gaps.check_docx(_docx_with("乙は、事故を知ったときは、直ちに甲に報告する。")).gaps
                if g.code == "weak:notice_hours_unspecified")
    assert word.message.ja.startswith("事故の報告期限が「直ちに」（本文：直ちに）とされ、期間の定めがありません。")


def test_the_shortest_number_binds_when_the_first_report_and_the_written_report_differ():
    result = gaps.check_docx(_docx_with("乙は、事故を知ったときは、24時間以内に第一報を、7日以内に書面で報告する。"))
    assert (result.notice.unit, result.notice.amount, result.notice_hours) == ("hours", 24, 24)
    assert not [g for g in result.gaps if g.code.startswith("weak:notice")]


def test_promptly_without_hours_is_reported_as_no_hour_limit():
    result = gaps.check_docx(_docx_with("乙は、事故の発生を知ったときは、速やかに甲に報告するものとする。"))
    assert "weak:notice_hours_unspecified" in _codes(result.gaps)
    assert result.caveat.ja.startswith("これはキーワードによる簡易判定です")


def test_a_negated_provision_still_counts_as_present_which_the_caveat_explains():
    result = gaps.check_docx(_docx_with("甲は、乙に対する監査を行わない。"))
    assert next(f for f in result.findings if f.provision.code == "audit").found
    assert "Negations" in result.caveat.en


@pytest.mark.parametrize("data", [b"not a zip at all", b"PK\x03\x04broken"])
def test_a_file_that_is_not_a_docx_is_refused(data):
    with pytest.raises(gaps.UnreadableDocx):
        gaps.check_docx(data)


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<" + b"a" * (gaps.MAX_DOCUMENT_XML_BYTES + 10))
    with pytest.raises(gaps.UnreadableDocx) as error:
        gaps.check_docx(out.getvalue())
    assert "too large once unpacked" in error.value.message.en


def test_entities_in_the_document_xml_are_not_expanded():
    xml = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "\xe7\x9b\xa3\xe6\x9f\xbb">]>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           b"<w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", xml)
    assert gaps.extract_paragraphs(out.getvalue()) == []
