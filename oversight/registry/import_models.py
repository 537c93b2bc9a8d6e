"""An uploaded spreadsheet kept between its preview and its application, so the file applied is the one
previewed (never a re-upload), by the user who uploaded it, at most once."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.timeutil import utcnow


class ImportBatch(db.Model):
    __tablename__ = "import_batch"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    # Emptied once applied: the rows are in the registry then, and a copy of personal data is not kept.
    content: Mapped[bytes] = mapped_column(LargeBinary)
    row_count: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[dict] = mapped_column(JSON)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    applied_at = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (CheckConstraint("kind IN ('organisations', 'entrustments', 'both')", name="kind"),)
