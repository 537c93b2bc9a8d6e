"""Write the hash-chained trail. Each record's hash covers its content and the previous hash (integrity.py)."""

from __future__ import annotations

from contextlib import contextmanager

from flask import g, has_request_context
from sqlalchemy import insert, select, text

from oversight.extensions import db
from oversight.timeutil import utcnow
from oversight.trail.integrity import GENESIS, Verification, keyed_hash, record_fields, verify
from oversight.trail.models import TrailRecord

__all__ = ["GENESIS", "Verification", "compute_hash", "deferred", "diff", "lock", "record", "record_apart", "verify"]


def compute_hash(record: TrailRecord) -> str:
    """HMAC-SHA256, under the trail key, of the record's canonical form (prev_hash included)."""
    return keyed_hash(record_fields(record))


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


def diff(before: dict | None, after: dict | None) -> list[tuple[str, object, object]]:
    """The changed keys between two snapshots, for display."""
    before, after = before or {}, after or {}
    keys = sorted(set(before) | set(after))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def latest(object_type: str, object_id: int, action: str) -> TrailRecord | None:
    """The latest record of `action` on one object (e.g. why an entrustment was started without a check)."""
    return db.session.scalar(select(TrailRecord).where(
        TrailRecord.object_type == object_type, TrailRecord.object_id == object_id, TrailRecord.action == action)
        .order_by(TrailRecord.seq.desc()).limit(1))


def record_apart(actor, action: str, object_type: str, object_id: int | None, *, label: str = "",
                 before: dict | None = None, after: dict | None = None) -> None:
    """Append one record in a short transaction of its own, beside the caller's (which it neither joins nor ends):
    what a read request must record (a download). It waits for the trail like any writer; the caller's own
    transaction stays a read."""
    from oversight.uow import READ_ONLY_OPTION

    entry = TrailRecord(
        actor_user_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "email", None) or getattr(actor, "name", "system"),
        actor_org_id=getattr(actor, "organisation_id", None), action=action, object_type=object_type,
        object_id=object_id, object_label=label[:300], before=before, after=after,
        request_id=(g.get("request_id", "") if has_request_context() else ""))
    with db.engine.connect() as connection:
        connection = connection.execution_options(**{READ_ONLY_OPTION: False})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(262626)"))
            last = connection.execute(
                select(TrailRecord.seq, TrailRecord.hash).order_by(TrailRecord.seq.desc()).limit(1)).first()
            entry.seq, entry.prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
            entry.at = utcnow()
            entry.hash = compute_hash(entry)
            columns = [c.key for c in TrailRecord.__table__.columns if c.key != "id"]
            connection.execute(insert(TrailRecord).values({c: getattr(entry, c) for c in columns}))
