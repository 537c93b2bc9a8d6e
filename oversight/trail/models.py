"""The append-only, hash-chained trail of every change that matters, and the stored result of its last check."""

from __future__ import annotations

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from oversight.dbtypes import UTCDateTime
from oversight.extensions import db


class TrailRecord(db.Model):
    __tablename__ = "trail_record"
    # The page filters by object, actor and date and pages by seq: each filter has an index ending in seq.
    __table_args__ = (
        Index("ix_trail_record_object", "object_type", "object_id", "seq"),
        Index("ix_trail_record_actor_user", "actor_user_id", "seq"),
        Index("ix_trail_record_actor_name", "actor_name", "seq"),
        Index("ix_trail_record_actor_org", "actor_org_id", "seq"),
        Index("ix_trail_record_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at = mapped_column(UTCDateTime, nullable=False)
    actor_user_id: Mapped[int | None]
    actor_name: Mapped[str] = mapped_column(String(254))
    actor_org_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    object_label: Mapped[str] = mapped_column(String(300), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    request_id: Mapped[str] = mapped_column(String(40), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class TrailCheck(db.Model):
    """The outcome of the scheduler's last check of the chain (one row): what the trail page shows instead of
    walking a million records on every view. It lives in the database, so it proves nothing by itself; the
    anchors outside the database and `flask verify-trail` do."""

    __tablename__ = "trail_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at = mapped_column(UTCDateTime, nullable=False)
    full_checked_at = mapped_column(UTCDateTime, nullable=True)
    ok: Mapped[bool]
    verified_seq: Mapped[int] = mapped_column(default=0)
    verified_hash: Mapped[str] = mapped_column(String(64), default="")
    broken_seq: Mapped[int | None]
    problem: Mapped[str] = mapped_column(String(20), default="")
    anchored_seq: Mapped[int | None]
    anchored_at = mapped_column(UTCDateTime, nullable=True)
