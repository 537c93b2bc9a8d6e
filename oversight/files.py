"""Uploaded files, checked by their bytes rather than their names: what kind of file it is, whether it is too
large, and whether a package (an Office document is a zip) would unpack to far more than it weighs (a zip bomb).

Notifications' attachments, the registry's imports and audit evidence all check uploads here. A file whose name
says .pdf but whose bytes do not start a PDF, or a .docx that is not an Office Open XML package of the right kind,
is refused: a receipt's hash would otherwise certify a document nobody can open.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

MB = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc/.xls/.ppt
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
# Office Open XML: the folder of the main part every package of that kind must contain.
OOXML_MAIN_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
DOCUMENTS = ("pdf", "docx", "xlsx", "pptx", "doc", "xls", "ppt")  # what a notification may carry
MAX_UNPACKED_RATIO = 100  # a package that unpacks to more than this many times its size (1 MB at least) is a bomb


@dataclass(frozen=True)
class Package:
    """What a zip file declares about itself: its member names, how many, and their total unpacked size."""

    names: frozenset[str]
    members: int
    unpacked: int

    def is_ooxml(self, ext: str) -> bool:
        """True if this is an Office Open XML package of the kind `ext` names (docx, xlsx, pptx)."""
        return "[Content_Types].xml" in self.names and any(n.startswith(OOXML_MAIN_PART[ext]) for n in self.names)

    def inflates_beyond(self, max_unpacked: int, max_members: int | None = None) -> bool:
        """True if unpacking it would exceed `max_unpacked` bytes or `max_members` members (a zip bomb).
        zipfile never inflates a member past its declared size, so the declared sizes bound the work."""
        return self.unpacked > max_unpacked or (max_members is not None and self.members > max_members)


def package(content: bytes) -> Package | None:
    """The zip package in `content`, read from its directory without unpacking anything; None if it is none."""
    if not content.startswith(ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    return Package(frozenset(m.filename for m in members), len(members), sum(m.file_size for m in members))


def ratio_limit(content: bytes) -> int:
    """The most a package of this size may unpack to before it counts as a zip bomb."""
    return MAX_UNPACKED_RATIO * max(len(content), MB)


def extension(filename: str) -> str:
    """The lower-case extension of a file name ("" without one)."""
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def content_is(ext: str, content: bytes) -> bool:
    """True if the bytes are a real file of the kind `ext` names (and, for a package, not a zip bomb)."""
    if ext == "pdf":
        # A PDF starts with its header (readers allow a little junk first) and ends with %%EOF.
        return b"%PDF-" in content[:1024] and b"%%EOF" in content[-2048:]
    if ext in ("doc", "xls", "ppt"):
        return content.startswith(OLE2_MAGIC)
    if ext == "png":
        return content.startswith(PNG_MAGIC)
    if ext in ("jpg", "jpeg"):
        return content.startswith(JPEG_MAGIC)
    found = package(content)
    return ext in OOXML_MAIN_PART and found is not None and not found.inflates_beyond(ratio_limit(content)) \
        and found.is_ooxml(ext)


@dataclass(frozen=True)
class Refusal:
    """Why a file cannot be taken: a code and the values its message needs."""

    code: str  # too_large | empty | unsupported_type | not_really
    values: dict


def check(filename: str, content: bytes, max_bytes: int,
          accepted: Collection[str] = DOCUMENTS) -> tuple[str, Refusal | None]:
    """The media type of an acceptable upload of one of the `accepted` kinds, or the reason it is refused (the
    media type is then "")."""
    ext = extension(filename)
    if len(content) > max_bytes:
        return "", Refusal("too_large", {"name": filename, "mb": max_bytes // MB})
    if not content:
        return "", Refusal("empty", {"name": filename})
    if ext not in accepted:
        return "", Refusal("unsupported_type", {"name": filename, "allowed": ", ".join(f".{e}" for e in accepted)})
    if not content_is(ext, content):
        return "", Refusal("not_really", {"name": filename, "ext": ext.upper()})
    return MEDIA_TYPES[ext], None


REFUSALS = {
    "too_large": _l("%(name)s is larger than %(mb)s MB. Send a smaller file (or split it)."),
    "empty": _l("%(name)s is empty."),
    "unsupported_type": _l("%(name)s cannot be attached: only %(allowed)s files are accepted."),
    "not_really": _l("%(name)s is not a real %(ext)s file: its content does not match its name."),
}


def refusal_message(refusal: Refusal) -> str:
    """Why an upload was refused, in the user's language, naming the file."""
    return REFUSALS[refusal.code] % refusal.values
