"""A generated contract opens in LibreOffice: convert it to PDF headless and read the text back.

Needs `libreoffice` (Debian: libreoffice-writer-nogui), `pdftotext` (poppler-utils) and a Japanese font
(fonts-ipaexfont). Locally the test is skipped without them; in CI (CI=true) their absence is a failure.
"""

from __future__ import annotations

import pytest

from contracts.assembly import assemble
from contracts.docx_render import render_docx
from tests.contracts.conftest import base_request
from tests.contracts.office import convert_to_pdf, office_tools, pdf_text


@pytest.fixture
def tools():
    return office_tools()


def test_a_generated_contract_converts_to_pdf_with_its_articles_and_parties(tools, tmp_path):
    soffice, pdftotext = tools
    stacked = tmp_path / "stacked.docx"
    stacked.write_bytes(render_docx(assemble(base_request(
        language="bilingual", params={"consignor_name": "A&B <株式会社>\x01", "contract_date": "2019-05-01"}))))
    columns = tmp_path / "columns.docx"
    columns.write_bytes(render_docx(assemble(base_request(language="bilingual", layout="columns"))))
    convert_to_pdf(soffice, tmp_path, stacked, columns)

    text = pdf_text(pdftotext, tmp_path / "stacked.pdf")
    assert "第1条（目的）" in text and "第9条（事故発生時の報告）" in text and "Article1(Purpose)" in text
    assert "A&B<株式会社>" in text and "株式会社東都システム" in text
    assert "令和元年5月1日" in text
    text = pdf_text(pdftotext, tmp_path / "columns.pdf")
    assert "第1条（目的）" in text and "さくら商事株式会社" in text and "株式会社東都システム" in text
