"""The trail's tamper evidence: each record's hash is an HMAC-SHA256, under a key kept outside the database
(TRAIL_KEY), of its content and the previous record's hash; and the walk that checks the chain.

Records written before the key existed were hashed with plain SHA-256. They are accepted only as the chain's
leading run, sealed by the first keyed record: the migration that introduced the key appended it (action
`trail_keyed`, after = {"legacy_until": n}), and since its HMAC covers the hash of record n, rewriting the old
records (and recomputing their plain hashes) breaks the link to it; deleting it leaves them unsealed.
Re-hashing the old records under the key instead would itself have been a rewrite that nothing could tell
from a forgery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from oversight import uow
from oversight.extensions import db
from oversight.timeutil import utcnow
from oversight.trail.models import TrailRecord

GENESIS = "0" * 64
SWITCH_ACTION = "trail_keyed"
SCHEME = "HMAC-SHA256"
FIELDS = ("seq", "at", "actor_user_id", "actor_name", "actor_org_id", "action", "object_type", "object_id",
          "object_label", "before", "after", "request_id", "prev_hash")
PROBLEMS = {
    "gap": "sequence gap: record {seq} is missing",
    "link": "link to the previous record is broken",
    "content": "content does not match its hash",
    "unsigned": "records hashed without the trail key and not sealed by the switch to the key",
    "diverged": "the record differs from the one anchored outside the database",
    "truncated": "records anchored outside the database are gone",
}


def canonical(fields: Mapping) -> bytes:
    """The bytes a record's hash covers: its fields (prev_hash included) as sorted, compact JSON."""
    body = {name: fields[name] for name in FIELDS}
    body["at"] = body["at"].isoformat()
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def record_fields(record: TrailRecord) -> dict:
    """The hashed fields of a record object."""
    return {name: getattr(record, name) for name in FIELDS}


@lru_cache(maxsize=16)
def _derived(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), purpose, hashlib.sha256).digest()


def derived_key(purpose: str, secret: str | None = None) -> bytes:
    """A key for one purpose ("chain", "anchor") derived from TRAIL_KEY, so that one use cannot stand for another."""
    secret = secret if secret is not None else current_app.config.get("TRAIL_KEY", "")
    if not secret:
        raise RuntimeError("TRAIL_KEY is not set: the trail cannot be written or checked without its key")
    return _derived(secret, purpose.encode())


def keyed_hash(fields: Mapping, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the record's canonical form under the chain key."""
    return hmac.new(key or derived_key("chain"), canonical(fields), hashlib.sha256).hexdigest()


def legacy_hash(fields: Mapping) -> str:
    """Plain SHA-256 of the canonical form: how records were hashed before the key (and how anyone can)."""
    return hashlib.sha256(canonical(fields)).hexdigest()


def chain_rows(rows: Iterable[dict], after: tuple[int, str] = (0, GENESIS), *, key: bytes | None = None,
               hasher=None) -> tuple[int, str]:
    """Number and hash plain rows (dicts of every field but seq, prev_hash and hash) as the continuation of the
    chain after (seq, hash), in place, for bulk loads; the new (seq, hash) of the head."""
    key = key or derived_key("chain")
    hasher = hasher or (lambda fields: keyed_hash(fields, key))
    seq, prev = after
    for row in rows:
        seq += 1
        row["seq"], row["prev_hash"] = seq, prev
        row["hash"] = prev = hasher(row)
    return seq, prev


def seal_legacy(connection, secret: str) -> int | None:
    """Append the record that switches the chain to the key, sealing the records hashed before it (the migration
    calls this once); the sealed head's seq, or None if the trail was empty."""
    table = TrailRecord.__table__
    last = connection.execute(select(table.c.seq, table.c.hash).order_by(table.c.seq.desc()).limit(1)).first()
    if last is None:
        return None
    row = {"at": utcnow(), "actor_user_id": None, "actor_name": "system:migration", "actor_org_id": None,
           "action": SWITCH_ACTION, "object_type": "trail", "object_id": None, "object_label": "",
           "before": None, "after": {"legacy_until": last.seq, "scheme": SCHEME}, "request_id": ""}
    chain_rows([row], (last.seq, last.hash), key=derived_key("chain", secret))
    connection.execute(table.insert(), [row])
    return last.seq


@dataclass
class Verification:
    """The outcome of a walk: ok, or the first record at fault (`problem` is a key of PROBLEMS)."""

    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: str = ""
    problem: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS


def _broken(count: int, seq: int, problem: str) -> Verification:
    return Verification(False, count, seq, PROBLEMS[problem].format(seq=seq), problem)


def _seals(fields: Mapping, unsigned_from: int) -> bool:
    after = fields["after"] or {}
    return (fields["action"] == SWITCH_ACTION and unsigned_from == 1
            and after.get("legacy_until") == fields["seq"] - 1)


def verify(*, start: tuple[int, str] | None = None, checkpoints: Mapping[int, str] | None = None) -> Verification:
    """Walk the chain in order (from the genesis, or after (seq, hash) verified before) in a read-only
    transaction; the first record whose sequence, link or hash does not hold, or that differs from a checkpoint
    (seq → hash anchored outside the database); and a chain that ends before its last checkpoint."""
    key = derived_key("chain")
    seq, prev = start or (0, GENESIS)
    keyed_seen = start is not None and seq > 0  # a verified chain ends with a keyed record
    table = TrailRecord.__table__
    query = (select(*(table.c[name] for name in FIELDS), table.c.hash).where(table.c.seq > seq)
             .order_by(table.c.seq).execution_options(yield_per=2000))
    with uow.read_only():
        # streamed (a server-side cursor on PostgreSQL): closed however it ends
        rows = db.session.execute(query).mappings()
        try:
            return _walk(rows, seq, prev, keyed_seen, key, checkpoints)
        finally:
            rows.close()


def _walk(rows, seq: int, prev: str, keyed_seen: bool, key: bytes, checkpoints: Mapping[int, str] | None
          ) -> Verification:
    unsigned_from: int | None = None
    count = 0
    for fields in rows:
        count += 1
        if fields["seq"] != seq + 1:
            return _broken(count, seq + 1, "gap")
        if fields["prev_hash"] != prev:
            return _broken(count, fields["seq"], "link")
        if keyed_hash(fields, key) == fields["hash"]:
            if unsigned_from is not None and not _seals(fields, unsigned_from):
                return _broken(count, unsigned_from, "unsigned")
            keyed_seen, unsigned_from = True, None
        elif not keyed_seen and legacy_hash(fields) == fields["hash"]:
            unsigned_from = unsigned_from or fields["seq"]
        else:
            return _broken(count, fields["seq"], "content")
        if checkpoints and checkpoints.get(fields["seq"], fields["hash"]) != fields["hash"]:
            return _broken(count, fields["seq"], "diverged")
        seq, prev = fields["seq"], fields["hash"]
    if unsigned_from is not None:
        return _broken(count, unsigned_from, "unsigned")
    if checkpoints and max(checkpoints) > seq:
        return _broken(count, seq + 1, "truncated")
    return Verification(True, count, last_seq=seq, last_hash=prev)


def head() -> tuple[int, str] | None:
    """(seq, hash) of the newest record, or None for an empty trail."""
    last = db.session.execute(select(TrailRecord.seq, TrailRecord.hash).order_by(TrailRecord.seq.desc())
                              .limit(1)).first()
    return (last.seq, last.hash) if last else None


def hash_at(seq: int) -> str | None:
    """The stored hash of record `seq`, or None if there is no such record."""
    return db.session.scalar(select(TrailRecord.hash).where(TrailRecord.seq == seq))


def as_utc(value: datetime) -> str:
    """A moment as ISO text in UTC (checkpoints and mails)."""
    return value.isoformat().replace("+00:00", "Z")
