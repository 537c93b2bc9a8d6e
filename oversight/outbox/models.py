"""One queued e-mail: who it goes to, what it says, and how its delivery went."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oversight.choices import Choice, ChoiceSet
from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.timeutil import utcnow

OUTBOX_STATUS = ChoiceSet(
    "outbox_status",
    Choice("pending", "送信待ち", "Waiting to be sent"),
    Choice("sending", "送信中", "Sending"),
    Choice("sent", "送信済み", "Sent"),
    Choice("failed", "送信できず", "Could not be sent"),
    # Every address was invalid: the mail is kept, to be read on the outbox page, but never sent.
    Choice("no_address", "有効な宛先なし", "No valid address"),
)
OUTBOX_STATUSES = tuple(OUTBOX_STATUS.codes)


class OutboxMessage(db.Model):
    """A plain-text e-mail; `key` is chosen by the caller so that queuing the same mail twice adds nothing."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipients: Mapped[list] = mapped_column(JSON)
    # Addresses left out because mail can never reach them: [{"address": …, "reason": "日本語 / English"}].
    skipped_recipients: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    claimed_at = mapped_column(UTCDateTime, nullable=True)
    sent_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # What the mail is about, so that its page can show how the delivery went.
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'no_address')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_object", "object_type", "object_id"),
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.key!r} {self.status}>"
