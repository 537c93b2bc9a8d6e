"""The append-only, hash-chained trail of every change that matters."""

from __future__ import annotations

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from oversight.extensions import db
from oversight.timeutil import UTCDateTime


class TrailRecord(db.Model):
    __tablename__ = "trail_record"

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
