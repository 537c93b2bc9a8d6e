"""Write and verify the hash-chained trail. Each record's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import select, text

from oversight.extensions import db
from oversight.timeutil import utcnow
from oversight.trail.models import TrailRecord

GENESIS = "0" * 64


def _canonical(record: TrailRecord) -> bytes:
    body = {
        "seq": record.seq,
        "at": record.at.isoformat(),
        "actor_user_id": record.actor_user_id,
        "actor_name": record.actor_name,
        "actor_org_id": record.actor_org_id,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "object_label": record.object_label,
        "before": record.before,
        "after": record.after,
        "request_id": record.request_id,
        "prev_hash": record.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def compute_hash(record: TrailRecord) -> str:
    """SHA-256 over the canonical JSON of the record (prev_hash included)."""
    return hashlib.sha256(_canonical(record)).hexdigest()


def _lock_chain() -> None:
    # Two writers must not both append after the same last record; SQLite already serialises writers
    # (BEGIN IMMEDIATE), PostgreSQL needs a transaction-scoped lock.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(262626)"))


def record(actor, action: str, object_type: str, object_id: int | None, *, label: str = "",
           before: dict | None = None, after: dict | None = None) -> TrailRecord:
    """Append one record in the caller's transaction (the caller commits)."""
    _lock_chain()
    last = db.session.execute(
        select(TrailRecord.seq, TrailRecord.hash).order_by(TrailRecord.seq.desc()).limit(1)
    ).first()
    entry = TrailRecord(
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor_user_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "email", None) or getattr(actor, "name", "system"),
        actor_org_id=getattr(actor, "organisation_id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=label[:300],
        before=before,
        after=after,
        request_id=(g.get("request_id", "") if has_request_context() else ""),
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = compute_hash(entry)
    db.session.add(entry)
    return entry


@dataclass
class Verification:
    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: str = ""


def verify() -> Verification:
    """Walk the whole chain in order; report the first record whose hash or link does not hold."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in db.session.scalars(select(TrailRecord).order_by(TrailRecord.seq)).yield_per(500):
        count += 1
        if entry.seq != expected_seq:
            return Verification(False, count, entry.seq, f"sequence gap: expected {expected_seq}")
        if entry.prev_hash != prev:
            return Verification(False, count, entry.seq, "link to the previous record is broken")
        if compute_hash(entry) != entry.hash:
            return Verification(False, count, entry.seq, "content does not match its hash")
        prev = entry.hash
        expected_seq += 1
    return Verification(True, count)


def diff(before: dict | None, after: dict | None) -> list[tuple[str, object, object]]:
    """The changed keys between two snapshots, for display."""
    before, after = before or {}, after or {}
    keys = sorted(set(before) | set(after))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
