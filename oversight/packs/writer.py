"""Writing a pack: a zip on disk, one file at a time, each hashed (SHA-256) as it is written, so that memory holds
one file's chunk at most; then the manifest of every file. No Flask, no database."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from oversight.packs.manifest import FORMAT, MANIFEST_NAME

CHUNK = 1 << 20
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\/:*?\"<>|]+")
# Evidence files are mostly compressed already (PDF, images, Office files are zips): stored as they are, they cost
# no CPU; text the pack writes itself is deflated.
_STORED_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".gif", ".zip", ".docx", ".xlsx", ".pptx", ".gz", ".webp"}


def safe_name(name: str, fallback: str = "file") -> str:
    """A file name safe as one component of a path in the zip (no separators, no control characters)."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    return cleaned[:150] or fallback


@dataclass(frozen=True)
class Entry:
    path: str
    size: int
    sha256: str


class PackWriter:
    """A zip being written: add files by bytes, by chunks or as CSV rows; `finish` writes the manifest."""

    def __init__(self, path, when: datetime):
        self._file = open(path, "wb")  # noqa: SIM115 - closed by finish or abort
        self._zip = zipfile.ZipFile(self._file, "w", allowZip64=True)
        self._when = when.timetuple()[:6]
        self.entries: list[Entry] = []
        self._names: set[str] = set()

    def _unique(self, path: str) -> str:
        path = str(PurePosixPath(*[p for p in PurePosixPath(path).parts if p not in ("", ".", "..", "/")]))
        if path == MANIFEST_NAME:
            path = f"_{path}"
        candidate, n = path, 1
        while candidate in self._names:
            n += 1
            stem, dot, suffix = path.rpartition(".")
            candidate = f"{stem}-{n}.{suffix}" if dot and "/" not in suffix else f"{path}-{n}"
        self._names.add(candidate)
        return candidate

    def add_chunks(self, path: str, chunks: Iterable[bytes], *, size_hint: int = 0) -> Entry:
        """Write a file from an iterable of byte chunks; returns its entry (path as written, size, SHA-256)."""
        path = self._unique(path)
        info = zipfile.ZipInfo(path, self._when)
        stored = PurePosixPath(path).suffix.lower() in _STORED_SUFFIXES
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        digest, size = hashlib.sha256(), 0
        with self._zip.open(info, "w", force_zip64=size_hint > (1 << 31) - 1) as out:
            for chunk in chunks:
                if not chunk:
                    continue
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        entry = Entry(path, size, digest.hexdigest())
        self.entries.append(entry)
        return entry

    def add_bytes(self, path: str, data: bytes) -> Entry:
        """Write a file from bytes (handed over in chunks, so no second copy is made)."""
        view = memoryview(data)
        return self.add_chunks(path, (view[i:i + CHUNK] for i in range(0, len(view), CHUNK)), size_hint=len(data))

    def add_csv(self, path: str, header: Iterable[str], rows: Iterable[Iterable]) -> Entry:
        """Write a CSV (UTF-8 with BOM, for Excel), row by row."""
        def chunks():
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(list(header))
            yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
            for row in rows:
                buffer.seek(0)
                buffer.truncate()
                writer.writerow(["" if v is None else _cell(v) for v in row])
                yield buffer.getvalue().encode("utf-8")
        return self.add_chunks(path, chunks())

    def add_json(self, path: str, value) -> Entry:
        """Write a JSON file (UTF-8, keys sorted, Japanese as text)."""
        return self.add_bytes(path, json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True,
                                               default=str).encode("utf-8"))

    def finish(self, about: dict) -> tuple[bytes, int]:
        """Write the manifest (what the pack is, and every file's size and SHA-256) and close the zip; returns the
        manifest's bytes and the number of files besides it."""
        manifest = {"format": FORMAT, **about,
                    "files": [{"path": e.path, "size": e.size, "sha256": e.sha256}
                              for e in sorted(self.entries, key=lambda e: e.path)]}
        data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
        info = zipfile.ZipInfo(MANIFEST_NAME, self._when)
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, data)
        self._zip.close()
        self._file.close()
        return data, len(self.entries)

    def abort(self) -> None:
        """Close the zip after a failure (the caller deletes the file)."""
        try:
            self._zip.close()
        finally:
            self._file.close()


def _cell(value) -> str:
    text = str(value)
    # A cell that starts like a formula would run in Excel (CSV injection): make it text.
    return "'" + text if isinstance(value, str) and text.startswith(("=", "+", "-", "@", "\t", "\r")) else text
