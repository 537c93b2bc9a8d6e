"""The printed proof shows what was filed and looks the same everywhere: the receipt PDF embeds its fonts, prints
𠮷 and emoji as filed (or, where no font has them, by their code point), and is the same bytes whenever it is made."""

import os
import shutil
import subprocess
import sys

import pytest

from oversight.notifications import documents, filing, pdf_fonts, receipt
from tests.factories import PASSWORD, SUSPECTED_LEAK
from tests.helpers import text_of

TITLE = "𠮷野家の会員データ😀と🍣\ue000"


def poppler(tool: str) -> str:
    """A poppler-utils command; skipped locally without it, a failure in CI (CI=true)."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is missing (apt-get install poppler-utils)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run([poppler("pdftotext"), "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                         check=True, timeout=60).stdout.decode()
    return "".join(out.split())


def pdf_fonts_table(pdf: bytes, tmp_path) -> list[dict[str, str]]:
    """pdffonts' table: one row per font object of the PDF (name, type, embedded, subset, ToUnicode)."""
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([poppler("pdffonts"), str(path)], capture_output=True, check=True, timeout=60).stdout
    lines = out.decode().splitlines()
    assert lines[0].split()[:3] == ["name", "type", "encoding"]
    rows = []
    for line in lines[2:]:
        *name_type, emb, sub, uni, _obj, _gen = line.split()
        rows.append({"name": name_type[0], "type": " ".join(name_type[1:-1]), "emb": emb, "sub": sub, "uni": uni})
    return rows


def file_titled(chain, title: str):
    return filing.file_new(chain.uf_staff, {"entrustment_id": chain.call_centre.id, "title": title,
                                              "facts": SUSPECTED_LEAK}, [])


def test_every_font_of_the_receipt_is_embedded_as_a_truetype_subset(chain, tmp_path):
    n = file_titled(chain, TITLE)
    _name, pdf = documents.receipt_document(chain.toto_staff, n.id)
    fonts = pdf_fonts_table(pdf, tmp_path)
    assert {f["name"].split("+")[1].split("-B")[0] for f in fonts} == {
        "IPAexGothic", "NotoSansCJKjp-Regular", "DejaVuSans"}
    for font in fonts:
        assert (font["type"], font["emb"], font["sub"], font["uni"]) == ("TrueType", "yes", "yes", "yes"), font
    assert b"/FontFile2" in pdf and b"HeiseiKakuGo" not in pdf and b"/Helvetica" not in pdf


def test_kanji_outside_jis_and_emoji_print_as_filed_and_the_rest_by_code_point(chain):
    n = file_titled(chain, TITLE)
    _name, pdf = documents.receipt_document(chain.toto_staff, n.id)
    text = pdf_text(pdf)
    assert "𠮷野家の会員データ😀と〈U+1F363〉〈U+E000〉" in text  # no font has the sushi or a private-use character
    assert "〈U+…〉は、埋め込んだフォントのいずれにもない文字" in text
    for expected in ("事故等報告受領証", n.receipt_number, "UFサポート株式会社", "株式会社東都システム",
                     "法26条1項ただし書", n.content_sha256[:40]):
        assert expected in text, expected


def test_a_receipt_in_plain_japanese_uses_only_the_main_font_and_needs_no_code_point_note(chain, tmp_path):
    n = file_titled(chain, "端末の不審通信")
    _name, pdf = documents.receipt_document(chain.toto_staff, n.id)
    assert [f["name"] for f in pdf_fonts_table(pdf, tmp_path)] == ["AAAAAA+IPAexGothic"]
    assert "〈U+" not in pdf_text(pdf)


def test_the_same_receipt_made_in_another_process_is_the_same_bytes():
    args = (("事故等報告 受領証", "Receipt"), [("件名 / Title", TITLE)], ["footer"], "oversight R1")
    here = receipt.render(*args)
    script = "import sys; from oversight.notifications import receipt; sys.stdout.buffer.write(receipt.render(" \
             f"*{args!r}))"
    there = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, timeout=120).stdout
    assert there == here


def test_without_the_japanese_font_the_receipt_is_refused_with_a_clear_message(make_client, chain, monkeypatch):
    n = file_titled(chain, "端末の不審通信")
    monkeypatch.setattr(pdf_fonts, "MAIN_FONT", "IPAexGothic-not-installed")
    monkeypatch.setattr(pdf_fonts, "MAIN_FONT_FILES", ("/nonexistent/ipaexg.ttf",))
    client = make_client()
    client.login(chain.toto_staff.email, PASSWORD)
    response = client.get(f"/notifications/{n.id}/receipt.pdf")
    assert response.status_code == 503
    assert "日本語フォント（IPAexGothic" in text_of(response) and "fonts-ipaexfont" in text_of(response)
    assert n.receipt_number in text_of(client.get(f"/notifications/{n.id}"))  # the filing itself stands
