"""What a notification may carry: PDF and Office documents, recognised by their bytes, not by their name.

A file whose name says .pdf but whose bytes do not start a PDF, or a .docx that is not an Office Open XML
package of the right kind, is refused: the receipt's hash would otherwise certify a document nobody can open.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc/.xls/.ppt
# Office Open XML: the main part every package of that kind must contain.
OOXML_MAIN_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
ALLOWED = ", ".join(f".{ext}" for ext in MEDIA_TYPES)
MAX_UNPACKED_RATIO = 100  # a package that unpacks to more than this many times its size is a zip bomb


MB = 1024 * 1024


def request_limit(max_bytes: int, max_files: int, *, base64: bool, other: int) -> int:
    """The largest request that can carry `max_files` files of `max_bytes` each and `other` bytes besides: as
    form uploads, or as base64 in JSON (4 characters per 3 bytes, plus room for a client that writes the "/" of
    base64 as "\\/", as PHP's json_encode does)."""
    per_file = math.ceil(max_bytes / 3) * 4 * 65 // 64 if base64 else max_bytes
    return per_file * max_files + other


def limit_refusal(max_bytes: int, max_files: int):
    """What a request too large to carry its attachments is told: the real limits."""
    return _l("The request is too large: a notification carries at most %(n)s attachments of up to %(mb)s MB each.",
              n=max_files, mb=max_bytes // MB)


@dataclass(frozen=True)
class Refusal:
    """Why a file cannot be attached: a code and the values its message needs."""

    code: str  # too_large | empty | unsupported_type | not_really | too_many_files
    values: dict


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def check(filename: str, content: bytes, max_bytes: int) -> tuple[str, Refusal | None]:
    """The media type of an acceptable attachment, or the reason it is refused (the media type is then "")."""
    ext = extension(filename)
    if len(content) > max_bytes:
        return "", Refusal("too_large", {"name": filename, "mb": max_bytes // MB})
    if not content:
        return "", Refusal("empty", {"name": filename})
    if ext not in MEDIA_TYPES:
        return "", Refusal("unsupported_type", {"name": filename, "allowed": ALLOWED})
    if not _content_is(ext, content):
        return "", Refusal("not_really", {"name": filename, "ext": ext.upper()})
    return MEDIA_TYPES[ext], None


def _content_is(ext: str, content: bytes) -> bool:
    if ext == "pdf":
        # A PDF starts with its header (readers allow a little junk first) and ends with %%EOF.
        return b"%PDF-" in content[:1024] and b"%%EOF" in content[-2048:]
    if ext in ("doc", "xls", "ppt"):
        return content.startswith(OLE2_MAGIC)
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = package.namelist()
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    if unpacked > MAX_UNPACKED_RATIO * max(len(content), 1024 * 1024):
        return False
    return "[Content_Types].xml" in names and any(n.startswith(OOXML_MAIN_PART[ext]) for n in names)
