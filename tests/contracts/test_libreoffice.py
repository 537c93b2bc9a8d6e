"""A generated contract opens in LibreOffice: convert it to PDF headless and read the text back.

Needs `libreoffice` (Debian: libreoffice-writer-nogui), `pdftotext` (poppler-utils) and a Japanese font
(fonts-ipaexfont). Locally the test is skipped without them; in CI (CI=true) their absence is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from contracts.assembly import assemble
from contracts.docx_render import render_docx
from tests.contracts.conftest import base_request

TIMEOUT = 120


@pytest.fixture
def tools():
    soffice = shutil.which("libreoffice") or shutil.which("soffice")
    pdftotext = shutil.which("pdftotext")
    if not soffice or not pdftotext:
        message = "LibreOffice or pdftotext is missing (apt-get install libreoffice-writer-nogui poppler-utils " \
                  "fonts-ipaexfont)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return soffice, pdftotext


def _convert(soffice: str, tmp_path, *documents) -> None:
    # Its own profile per run: concurrent conversions sharing ~/.config/libreoffice collide or hang.
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *map(str, documents)],
                   check=True, timeout=TIMEOUT, capture_output=True, env={**os.environ, "HOME": str(tmp_path)})


def _pdf_text(pdftotext: str, path) -> str:
    result = subprocess.run([pdftotext, "-enc", "UTF-8", str(path), "-"], check=True, timeout=TIMEOUT,
                            capture_output=True)
    # pdftotext puts spaces between runs in different fonts (第 1 条): compare without whitespace.
    return re.sub(r"\s+", "", result.stdout.decode("utf-8"))


def test_a_generated_contract_converts_to_pdf_with_its_articles_and_parties(tools, tmp_path):
    soffice, pdftotext = tools
    stacked = tmp_path / "stacked.docx"
    stacked.write_bytes(render_docx(assemble(base_request(
        language="bilingual", params={"consignor_name": "A&B <株式会社>\x01", "contract_date": "2019-05-01"}))))
    columns = tmp_path / "columns.docx"
    columns.write_bytes(render_docx(assemble(base_request(language="bilingual", layout="columns"))))
    _convert(soffice, tmp_path, stacked, columns)

    text = _pdf_text(pdftotext, tmp_path / "stacked.pdf")
    assert "第1条（目的）" in text and "第9条（事故発生時の報告）" in text and "Article1(Purpose)" in text
    assert "A&B<株式会社>" in text and "株式会社東都システム" in text
    assert "令和元年5月1日" in text
    text = _pdf_text(pdftotext, tmp_path / "columns.pdf")
    assert "第1条（目的）" in text and "さくら商事株式会社" in text and "株式会社東都システム" in text
