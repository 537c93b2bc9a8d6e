"""Signed checkpoints of the trail's head, kept outside the database: one JSON line each, appended to the file
TRAIL_ANCHOR_PATH (and the day's first one mailed to TRAIL_ANCHOR_MAIL_TO).

A line is {"seq", "hash", "count", "at", "mac"}: the newest record's number and hash, the number of records,
when (UTC), and an HMAC of the rest under a key derived from TRAIL_KEY, so that whoever can write the database
but not the key cannot forge one. Put the file where the database's owner cannot rewrite it (another host, a
mount with `chattr +a`, WORM storage): then deleting the newest records, or rewriting any record the last
checkpoint covers, shows against it even with the key.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app

from oversight.trail.integrity import as_utc, derived_key

TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class Anchor:
    """One checkpoint as written (line: its line number in the file, 1-based; 0 for a new one)."""

    seq: int
    hash: str
    count: int
    at: datetime
    mac: str
    line: int = 0

    def body(self) -> dict:
        return {"seq": self.seq, "hash": self.hash, "count": self.count, "at": as_utc(self.at)}

    def to_line(self) -> str:
        return json.dumps({**self.body(), "mac": self.mac}, sort_keys=True, separators=(",", ":")) + "\n"


@dataclass
class AnchorFile:
    """The checkpoints of a file that carry a valid signature, and the line numbers of those that do not."""

    path: str
    anchors: list[Anchor] = field(default_factory=list)
    damaged: list[int] = field(default_factory=list)

    @property
    def last(self) -> Anchor | None:
        return max(self.anchors, key=lambda a: a.seq, default=None)


def anchor_path() -> str:
    """Where the checkpoints go (set in create_app: TRAIL_ANCHOR_PATH or the instance folder)."""
    return current_app.config["TRAIL_ANCHOR_PATH"]


def _mac(body: dict, key: bytes) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def sign(seq: int, head_hash: str, count: int, at: datetime) -> Anchor:
    """A checkpoint of the head (seq, hash) and the record count at `at`, signed with the anchor key."""
    unsigned = Anchor(seq, head_hash, count, at, "")
    return Anchor(seq, head_hash, count, at, _mac(unsigned.body(), derived_key("anchor")))


def append(anchor: Anchor, path: str | None = None) -> None:
    """Append the checkpoint as one line (the file is created 0600; an exclusive lock keeps lines whole when two
    schedulers run by mistake) and flush it to disk."""
    path = path or anchor_path()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.write(anchor.to_line())
        file.flush()
        os.fsync(file.fileno())


def parse(text: str, line: int, key: bytes) -> Anchor | None:
    """The checkpoint on one line if its signature holds, else None."""
    try:
        data = json.loads(text)
        anchor = Anchor(int(data["seq"]), str(data["hash"]), int(data["count"]),
                        datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00")), str(data["mac"]), line)
    except (ValueError, KeyError, TypeError):
        return None
    return anchor if hmac.compare_digest(_mac(anchor.body(), key), anchor.mac) else None


def read_all(path: str | None = None) -> AnchorFile:
    """Every line of the file, checked (a missing file has no checkpoints)."""
    path = path or anchor_path()
    result = AnchorFile(path)
    if not os.path.exists(path):
        return result
    key = derived_key("anchor")
    with open(path, encoding="utf-8", errors="replace") as file:
        for number, text in enumerate(file, start=1):
            if not text.strip():
                continue
            anchor = parse(text, number, key)
            if anchor is None:
                result.damaged.append(number)
            else:
                result.anchors.append(anchor)
    return result


def read_last(path: str | None = None) -> Anchor | None:
    """The newest validly signed checkpoint, read from the end of the file (the scheduler asks every minute)."""
    path = path or anchor_path()
    if not os.path.exists(path):
        return None
    key = derived_key("anchor")
    with open(path, "rb") as file:
        size = file.seek(0, os.SEEK_END)
        file.seek(max(0, size - TAIL_BYTES))
        tail = file.read().decode("utf-8", errors="replace").splitlines()
    if size > TAIL_BYTES:
        tail = tail[1:]  # the first line read may be cut
    for text in reversed(tail):
        anchor = parse(text, 0, key) if text.strip() else None
        if anchor is not None:
            return anchor
    return read_all(path).last if size > TAIL_BYTES else None
