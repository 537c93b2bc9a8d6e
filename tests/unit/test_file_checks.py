"""Uploads are judged by their bytes, not their names: one table of files that notifications, imports and
evidence uploads meet, with what `oversight.files.check` makes of each."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import cache

import pytest
from docx import Document
from openpyxl import Workbook
from reportlab.pdfgen import canvas

from oversight import files

MB = 1024 * 1024
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


def real_pdf() -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, "Incident report")
    pdf.save()
    return buffer.getvalue()


def real_xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["name", "corporate_number"])
    workbook.save(buffer)
    return buffer.getvalue()


def real_docx() -> bytes:
    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("事故報告書 / Incident report")
    document.save(buffer)
    return buffer.getvalue()


def real_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    one_white_pixel = zlib.compress(b"\x00\xff\xff\xff")
    return (files.PNG_MAGIC + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", one_white_pixel) + chunk(b"IEND", b""))


@cache
def zip_bomb() -> bytes:
    """A small .docx that declares a document of 101 MB of zeros: more than 100 times its size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        with package.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(101):
                member.write(b"\x00" * MB)
    return buffer.getvalue()


CASES = {
    # name: (filename, content, accepted, (media type, refusal code))
    "a real PDF": ("report.pdf", real_pdf, files.DOCUMENTS, ("application/pdf", None)),
    "a real Word document": ("報告書.docx", real_docx, files.DOCUMENTS, (files.MEDIA_TYPES["docx"], None)),
    "a real workbook": ("list.xlsx", real_xlsx, files.DOCUMENTS, (files.MEDIA_TYPES["xlsx"], None)),
    "an old Word file": ("old.doc", lambda: files.OLE2_MAGIC + b"\x00" * 512, files.DOCUMENTS,
                         ("application/msword", None)),
    "a real PNG where images are taken": ("photo.png", real_png, ("png", "pdf"), ("image/png", None)),
    "an executable renamed to .pdf": ("invoice.pdf", lambda: EXE, files.DOCUMENTS, ("", "not_really")),
    "an executable renamed to .docx": ("invoice.docx", lambda: EXE, files.DOCUMENTS, ("", "not_really")),
    "an executable under its own name": ("setup.exe", lambda: EXE, files.DOCUMENTS, ("", "unsupported_type")),
    "a PNG where only documents are taken": ("photo.png", real_png, files.DOCUMENTS, ("", "unsupported_type")),
    "a PNG renamed to .pdf": ("photo.pdf", real_png, files.DOCUMENTS, ("", "not_really")),
    "a workbook renamed to .docx": ("list.docx", real_xlsx, files.DOCUMENTS, ("", "not_really")),
    "a Word document renamed to .xlsx": ("report.xlsx", real_docx, files.DOCUMENTS, ("", "not_really")),
    "a PDF cut off before its end": ("report.pdf", lambda: real_pdf()[:-100], files.DOCUMENTS, ("", "not_really")),
    "a zip that is not a package": ("report.docx", lambda: b"PK\x03\x04 not really a zip", files.DOCUMENTS,
                                    ("", "not_really")),
    "a zip bomb dressed as a Word document": ("report.docx", zip_bomb, files.DOCUMENTS, ("", "not_really")),
    "an empty file": ("empty.pdf", lambda: b"", files.DOCUMENTS, ("", "empty")),
    "a file over the size limit": ("big.pdf", lambda: real_pdf() + b"\x00" * MB, files.DOCUMENTS,
                                   ("", "too_large")),
    "a file without an extension": ("README", real_pdf, files.DOCUMENTS, ("", "unsupported_type")),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_file_is_taken_or_refused_by_its_bytes(case):
    filename, content, accepted, expected = CASES[case]
    media_type, refusal = files.check(filename, content(), MB, accepted)
    assert (media_type, refusal and refusal.code) == expected


def test_a_refusal_carries_what_its_message_names():
    _media_type, too_large = files.check("big.pdf", b"%PDF-" + b"\x00" * (3 * MB), 2 * MB)
    assert too_large.values == {"name": "big.pdf", "mb": 2}
    _media_type, unsupported = files.check("setup.exe", EXE, MB)
    assert unsupported.values["allowed"] == ".pdf, .docx, .xlsx, .pptx, .doc, .xls, .ppt"


def test_a_package_is_read_from_its_directory_without_unpacking():
    package = files.package(zip_bomb())
    assert package.unpacked > 101 * MB and len(zip_bomb()) < MB
    assert package.inflates_beyond(files.ratio_limit(zip_bomb()))
    assert files.package(real_pdf()) is None


def test_a_package_with_too_many_members_is_a_bomb_whatever_its_size():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(11):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", "")
    package = files.package(buffer.getvalue())
    assert package.inflates_beyond(MB, max_members=10)
    assert not package.inflates_beyond(MB, max_members=11)
