"""LibreOffice headless and pdftotext, to prove a generated contract opens: shared by the contract tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

TIMEOUT = 120


def office_tools() -> tuple[str, str]:
    """(soffice, pdftotext); skipped locally without them, a failure in CI (CI=true)."""
    soffice = shutil.which("libreoffice") or shutil.which("soffice")
    pdftotext = shutil.which("pdftotext")
    if not soffice or not pdftotext:
        message = "LibreOffice or pdftotext is missing (apt-get install libreoffice-writer-nogui poppler-utils " \
                  "fonts-ipaexfont)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return soffice, pdftotext


def convert_to_pdf(soffice: str, outdir, *documents) -> None:
    """Convert .docx files to PDF in `outdir` with LibreOffice headless (fails the test if it cannot)."""
    # Its own profile per run: concurrent conversions sharing ~/.config/libreoffice collide or hang.
    profile = (outdir / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--convert-to", "pdf",
                    "--outdir", str(outdir), *map(str, documents)],
                   check=True, timeout=TIMEOUT, capture_output=True, env={**os.environ, "HOME": str(outdir)})


def pdf_text(pdftotext: str, path) -> str:
    """The PDF's text without whitespace: pdftotext puts spaces between runs in different fonts (第 1 条)."""
    result = subprocess.run([pdftotext, "-enc", "UTF-8", str(path), "-"], check=True, timeout=TIMEOUT,
                            capture_output=True)
    return re.sub(r"\s+", "", result.stdout.decode("utf-8"))


def pdf_pages(pdftotext: str, path) -> list[str]:
    """The text of each page of the PDF, line by line as laid out, without whitespace (pdftotext ends each page
    with a form feed; -layout keeps a line's words together where reading order would interleave them)."""
    result = subprocess.run([pdftotext, "-layout", "-enc", "UTF-8", str(path), "-"], check=True, timeout=TIMEOUT,
                            capture_output=True)
    return [re.sub(r"\s+", "", page) for page in result.stdout.decode("utf-8").split("\f")]
