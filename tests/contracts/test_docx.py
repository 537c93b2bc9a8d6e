"""The generated .docx read back with python-docx: numbering, parameters, references, fonts, dates, escaping."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from contracts.assembly import assemble
from contracts.cli import generate_contract
from contracts.docx_render import EAST_ASIAN_FONT, EAST_ASIAN_HEADING_FONT, render_docx
from tests.contracts.conftest import base_request


def _render(**changes) -> bytes:
    return render_docx(assemble(base_request(**changes)))


def _open(data: bytes):
    return docx.Document(io.BytesIO(data))


def _texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def _headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.style_id == "ArticleHeading"]


def test_articles_are_numbered_first_to_last_with_headings():
    headings = _headings(_open(_render()))
    assert headings[0] == "第1条（目的）"
    numbers = [int(re.match(r"第(\d+)条（", h).group(1)) for h in headings]
    assert numbers == list(range(1, 21))
    assert "第9条（事故発生時の報告）" in headings


def test_parameters_and_items_are_in_the_document():
    texts = _texts(_open(_render(params={"notice_hours": 12, "audit_interval_months": 6})))
    assert any("知った時から12時間以内に、甲に報告しなければならない" in t for t in texts)
    assert any(t.startswith("一\u3000事故の概要") for t in texts)
    assert any("6か月に1回以上定期に" in t for t in texts)
    assert any(t.startswith("２\u3000前項の報告は") for t in texts)


def test_cross_references_in_the_file_follow_the_numbering_after_an_omission():
    texts = _texts(_open(_render(omit=["definitions", "monthly_report"])))
    headings = [t for t in texts if re.match(r"第\d+条（", t)]
    assert headings[7] == "第8条（事故発生時の報告）"
    assert any("第8条第1項に定める報告を怠った" in t for t in texts)  # penalty → incident_notice
    assert any("第14条第2項の定めるところにより直ちに本契約を解除" in t for t in texts)


def test_east_asian_fonts_are_set_on_the_styles_not_left_to_the_theme():
    document = _open(_render())
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for rpr, face in [(defaults, EAST_ASIAN_FONT), (styles["Normal"].element.rPr, EAST_ASIAN_FONT),
                      (styles["Clause Text"].element.rPr, EAST_ASIAN_FONT),
                      (styles["Article Heading"].element.rPr, EAST_ASIAN_HEADING_FONT)]:
        fonts = rpr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == face
        assert fonts.get(qn("w:eastAsiaTheme")) is None and fonts.get(qn("w:asciiTheme")) is None
        assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == "ja-JP"
    for paragraph in document.paragraphs:
        for run in paragraph.runs:  # no run overrides the style's East Asian face
            assert run._r.rPr is None or run._r.rPr.find(qn("w:rFonts")) is None
    font_table = zipfile.ZipFile(io.BytesIO(_render())).read("word/fontTable.xml").decode()
    assert 'w:name="游明朝"' in font_table and 'w:val="Yu Mincho"' in font_table
    assert 'w:charset w:val="80"' in font_table


def test_the_page_is_a4():
    section = _open(_render()).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


@pytest.mark.parametrize(("day", "expected"), [("2019-05-01", "令和元年5月1日"), ("2019-04-30", "平成31年4月30日"),
                                               ("2026-04-01", "令和8年4月1日")])
def test_the_signing_date_is_written_in_the_japanese_era(day, expected):
    texts = _texts(_open(_render(params={"contract_date": day, "start_date": day})))
    assert expected in texts
    assert any(t.startswith(f"本契約の有効期間は、{expected}から") for t in texts)


def test_without_a_date_the_signature_block_leaves_it_blank_to_fill_in():
    assert "令和\u3000\u3000年\u3000\u3000月\u3000\u3000日" in _texts(_open(_render()))


def test_party_names_with_markup_and_control_characters_do_not_corrupt_the_file():
    data = _render(params={"consignor_name": "A&B <株式会社>\x01", "contractor_name": "\"乙\" & 'Co' ]]> \x1f"})
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "A&amp;B &lt;株式会社&gt;" in xml and "\x01" not in xml and "\x1f" not in xml
    texts = _texts(_open(data))
    assert "\u3000\u3000A&B <株式会社>" in texts
    assert "\u3000\u3000\"乙\" & 'Co' ]]>" in texts


def test_bilingual_output_puts_the_english_below_each_japanese_article():
    texts = _texts(_open(_render(language="bilingual")))
    first = texts.index("第1条（目的）")
    english = texts.index("Article 1 (Purpose)")
    second = texts.index("第2条（定義）")
    assert first < english < second
    assert any("the Japanese text prevails" in t for t in texts)


def test_bilingual_two_columns_is_a_table_with_japanese_left_and_english_right():
    document = _open(_render(language="bilingual", layout="columns"))
    table = document.tables[0]
    row = next(r for r in table.rows if r.cells[0].paragraphs[0].text == "第1条（目的）")
    assert row.cells[1].paragraphs[0].text == "Article 1 (Purpose)"
    assert len(table.columns) == 2


def test_an_english_only_document_has_english_headings():
    texts = _texts(_open(_render(language="en", params={"contract_date": "2026-04-01"})))
    assert texts[0] == "Agreement on the Entrustment of Personal Data Handling"
    assert "Article 9 (Notification of incidents)" in texts and "1 April 2026" in texts


def test_the_cli_generates_a_docx_from_a_parameter_file(app, tmp_path):
    params = tmp_path / "params.json"
    params.write_text(json.dumps(base_request(language="bilingual")), encoding="utf-8")
    out = tmp_path / "out" / "契約書.docx"
    result = app.test_cli_runner().invoke(generate_contract, [str(params), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "第1条（目的）" in _texts(_open(out.read_bytes()))


def test_the_readme_example_parameter_file_generates_the_bilingual_contract(app, tmp_path):
    example = Path(__file__).resolve().parents[2] / "examples" / "contract-params.json"
    out = tmp_path / "contract.docx"
    result = app.test_cli_runner().invoke(generate_contract, [str(example), "-o", str(out)])
    assert result.exit_code == 0, result.output
    texts = _texts(_open(out.read_bytes()))
    assert "株式会社東都システム" in "".join(texts) and "Article 1 (Purpose)" in texts
    assert any("24時間以内" in t for t in texts)


def test_the_cli_names_the_bad_parameter_and_writes_nothing(app, tmp_path):
    params = tmp_path / "params.json"
    params.write_text(json.dumps(base_request(params={"notice_hours": 10000}, omit=["nope"])), encoding="utf-8")
    out = tmp_path / "out.docx"
    result = app.test_cli_runner().invoke(generate_contract, [str(params), "-o", str(out)])
    assert result.exit_code == 2
    assert "omit: unknown clause id 'nope'" in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == [params]
