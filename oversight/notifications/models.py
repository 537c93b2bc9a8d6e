"""Notifications (事故等の報告) from a contractor (委託先) to its direct consignor (委託元), with their receipts.

A notification is filed on one entrustment, by its contractor, to its consignor. Filing is what exempts the
contractor under 法26条1項ただし書, so a filed notification never changes: its receipt (sequence number per
recipient, server time, SHA-256 of the content) is fixed at filing. Later facts are follow-ups (続報); a
contractor that receives one passes it up the chain as a forward with its own additions.
"""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.incidents.models import Incident
from oversight.registry.models import Entrustment, Organisation
from oversight.timeutil import utcnow

NOTIFICATION_KINDS = ("original", "follow_up", "forward")
NOTIFICATION_STATUSES = ("draft", "filed")


class Notification(db.Model):
    """One notice from `filer` (the entrustment's contractor) to `recipient` (its consignor)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustment.id", ondelete="RESTRICT"), index=True)
    filer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="original")
    # follow_up: the notification it adds to; forward: the notification received from below that it passes on
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id", ondelete="RESTRICT"), index=True)
    forwarded_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification.id", ondelete="RESTRICT"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    title: Mapped[str] = mapped_column(String(200), default="")
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # the incident engine's facts, as far as known
    message: Mapped[str] = mapped_column(Text, default="")  # free text: a forwarder's additions, a follow-up's note
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    # The receipt, fixed at filing.
    filed_at = mapped_column(UTCDateTime, index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filed_by_name: Mapped[str] = mapped_column(String(254), default="")
    sequence: Mapped[int | None] = mapped_column(Integer)  # per recipient: its n-th notification received
    content_sha256: Mapped[str] = mapped_column(String(64), default="")
    # The entrustment's approval state when filed (registry.chain.approval_state); news about an unapproved
    # subcontract is accepted, and flagged.
    approval_state: Mapped[str] = mapped_column(String(30), default="direct")
    filer_known_at = mapped_column(UTCDateTime)  # when the filer knew or suspected: the contract clock starts
    notice_hours: Mapped[int | None] = mapped_column(Integer)  # the entrustment's contract term when filed
    notice_due_at = mapped_column(UTCDateTime)
    late: Mapped[bool | None] = mapped_column()  # None: no contractual term (or a follow-up)

    acknowledged_at = mapped_column(UTCDateTime)
    acknowledged_by_name: Mapped[str] = mapped_column(String(254), default="")
    escalated_at = mapped_column(UTCDateTime)

    entrustment: Mapped[Entrustment] = relationship()
    filer: Mapped[Organisation] = relationship(foreign_keys=[filer_id])
    recipient: Mapped[Organisation] = relationship(foreign_keys=[recipient_id])
    parent: Mapped[Notification | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    forwarded_from: Mapped[Notification | None] = relationship(remote_side=[id], foreign_keys=[forwarded_from_id])
    incident: Mapped[Incident | None] = relationship()
    attachments: Mapped[list[NotificationAttachment]] = relationship(
        back_populates="notification", cascade="all, delete-orphan", order_by="NotificationAttachment.id")

    __table_args__ = (
        UniqueConstraint("recipient_id", "sequence", name="uq_notification_sequence"),
        CheckConstraint("kind IN ('original', 'follow_up', 'forward')", name="kind"),
        CheckConstraint("status IN ('draft', 'filed')", name="status"),
        CheckConstraint("filer_id <> recipient_id", name="not_to_itself"),
        CheckConstraint("status = 'draft' OR (filed_at IS NOT NULL AND sequence IS NOT NULL)", name="receipt"),
        Index("ix_notification_unacknowledged", "recipient_id", "acknowledged_at"),
    )

    def __str__(self) -> str:
        return self.title

    @property
    def is_filed(self) -> bool:
        return self.status == "filed"

    @property
    def unapproved(self) -> bool:
        """Filed on a subcontract that was never approved (or under one that was not)."""
        return self.approval_state not in ("direct", "approved", "notified")

    @property
    def receipt_number(self) -> str:
        """The receipt's number as printed: recipient and sequence (受付番号)."""
        return f"R{self.recipient_id:05d}-{self.sequence:06d}" if self.sequence else ""

    @property
    def root(self) -> Notification:
        """The original notification of a thread (a follow-up's parent, or itself)."""
        return self.parent or self


class NotificationAttachment(db.Model):
    """A PDF or Office document filed with a notification; its SHA-256 is part of the receipt's content hash."""

    __tablename__ = "notification_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    notification: Mapped[Notification] = relationship(back_populates="attachments")

    def summary(self) -> dict:
        return {"id": self.id, "filename": self.filename, "media_type": self.media_type, "size": self.size,
                "sha256": self.sha256}


class ReceiptCounter(db.Model):
    """The last receipt sequence number issued by each recipient: one row, incremented under its lock."""

    __tablename__ = "receipt_counter"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                 primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)
