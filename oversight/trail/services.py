"""Write and verify the hash-chained trail. Each record's hash covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
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


def lock() -> None:
    """Hold the trail for the rest of the transaction (a writer that also takes other locks takes this first).

    Two writers must not both append after the same last record; SQLite already serialises writers
    (BEGIN IMMEDIATE), PostgreSQL needs a transaction-scoped lock (taking it again is a no-op)."""
    if db.engine.dialect.name != "postgresql":
        return
    transaction = db.session().get_transaction()
    if transaction is not None and db.session.info.get("trail_locked_in") is transaction:
        return  # already held: it lasts until this transaction ends
    db.session.execute(text("SELECT pg_advisory_xact_lock(262626)"))
    db.session.info["trail_locked_in"] = db.session().get_transaction()


def record(actor, action: str, object_type: str, object_id: int | None, *, label: str = "",
           before: dict | None = None, after: dict | None = None) -> TrailRecord:
    """Append one record in the caller's transaction (the caller commits); inside `deferred()`, at its end."""
    entry = TrailRecord(
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
    )
    pending = db.session.info.get("trail_deferred")
    if pending is not None:
        pending.append(entry)
    else:
        _append([entry])
    return entry


def _append(entries: list[TrailRecord]) -> None:
    with db.session.no_autoflush:  # the rest of the transaction is flushed once, at its commit
        lock()
        if any(isinstance(obj, TrailRecord) for obj in db.session.new):
            db.session.flush()  # a record added earlier in this transaction must be the one these follow
        last = db.session.execute(
            select(TrailRecord.seq, TrailRecord.hash).order_by(TrailRecord.seq.desc()).limit(1)
        ).first()
    seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS)
    at = utcnow()
    for entry in entries:
        seq += 1
        entry.seq, entry.at, entry.prev_hash = seq, at, prev_hash
        entry.hash = prev_hash = compute_hash(entry)
        db.session.add(entry)


@contextmanager
def deferred():
    """Collect the records of the block and append them when it ends, in order: the trail's lock (one for the
    whole database) is then held only from the end of the block to the commit, not through the block's work."""
    if db.session.info.get("trail_deferred") is not None:
        yield  # an enclosing block appends them
        return
    pending: list[TrailRecord] = []
    db.session.info["trail_deferred"] = pending
    try:
        yield
    finally:
        db.session.info.pop("trail_deferred", None)
    if pending:
        _append(pending)


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
