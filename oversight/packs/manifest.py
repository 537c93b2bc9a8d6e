"""The pack's manifest and its check (`flask verify-pack`): every file's size and SHA-256, read back from the zip
one chunk at a time. No Flask, no database: anyone holding the pack can run the same check.

A pack is intact when every file the manifest names is in the zip with the same size and SHA-256, and the zip holds
no other file. The manifest itself is checked against the SHA-256 recorded when the pack was built (the pack's
record and the trail), by the caller that has the database.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field

FORMAT = "oversight-evidence-pack/1"
MANIFEST_NAME = "manifest.json"
CHUNK = 1 << 20


@dataclass
class Report:
    """What the check found: files changed, added or removed, and problems that stop the check (not a zip, no
    manifest)."""

    files: int = 0
    manifest_sha256: str = ""
    about: dict = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not (self.changed or self.added or self.removed or self.problems)

    def lines(self) -> list[str]:
        """The report in words, one finding a line (Japanese, then English)."""
        out = [f"問題 / problem: {p}" for p in self.problems]
        out += [f"変更されたファイル / changed: {p}" for p in self.changed]
        out += [f"追加されたファイル / added: {p}" for p in self.added]
        out += [f"削除されたファイル / removed: {p}" for p in self.removed]
        return out


def _hash(archive: zipfile.ZipFile, name: str) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with archive.open(name) as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def verify(path) -> Report:
    """Check a pack on disk against its manifest."""
    report = Report()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        report.problems.append(f"ZIPファイルとして読めません / not a readable zip file ({error})")
        return report
    with archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
        if MANIFEST_NAME not in names:
            report.problems.append(f"{MANIFEST_NAME} がありません / {MANIFEST_NAME} is missing")
            return report
        raw = archive.read(MANIFEST_NAME)
        report.manifest_sha256 = hashlib.sha256(raw).hexdigest()
        try:
            manifest = json.loads(raw)
            listed = {f["path"]: (int(f["size"]), str(f["sha256"])) for f in manifest["files"]}
        except (ValueError, KeyError, TypeError) as error:
            report.problems.append(f"{MANIFEST_NAME} が読めません / {MANIFEST_NAME} is unreadable ({error})")
            return report
        if manifest.get("format") != FORMAT:
            report.problems.append(f"形式が違います / unknown format: {manifest.get('format')!r}")
        report.about = {k: v for k, v in manifest.items() if k != "files"}
        present = [n for n in names if n != MANIFEST_NAME]
        if len(present) != len(set(present)):
            report.added += sorted({n for n in present if present.count(n) > 1})
        for name in sorted(set(present)):
            if name not in listed:
                report.added.append(name)
                continue
            try:
                if _hash(archive, name) != listed[name]:
                    report.changed.append(name)
            except (OSError, zipfile.BadZipFile, EOFError) as error:  # a damaged entry reads as changed
                report.changed.append(f"{name} ({error})")
        report.removed = sorted(set(listed) - set(present))
        report.files = len(listed)
    return report
