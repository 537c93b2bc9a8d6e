"""A job: one piece of long work run by the worker (`flask worker`), with its progress and outcome.

The table, not the queue, is the truth about a job: the queue only carries a job's id to a worker, so a message
lost (a worker killed mid-job, Redis restarted without persistence) costs a re-send, never the job."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oversight.choices import Choice, ChoiceSet
from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.timeutil import utcnow

JOB_STATUS = ChoiceSet(
    "job_status",
    Choice("queued", "待機中", "Queued"),
    Choice("running", "実行中", "Running"),
    Choice("succeeded", "完了", "Succeeded"),
    Choice("failed", "失敗", "Failed"),
)
ACTIVE = ("queued", "running")


class Job(db.Model):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The same work submitted twice is one job: the submitter names it (an import batch's id, …).
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    user_name: Mapped[str] = mapped_column(String(255), default="")  # kept when the account is gone
    status: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(120), default="")  # host:pid of the worker running it
    heartbeat_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    enqueued_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    started_at = mapped_column(UTCDateTime, nullable=True)
    finished_at = mapped_column(UTCDateTime, nullable=True)

    user = relationship("User", lazy="joined")

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        CheckConstraint("attempts >= 0 AND done >= 0", name="counts_not_negative"),
        Index("ix_job_status_enqueued_at", "status", "enqueued_at"),
    )

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def percent(self) -> int | None:
        """How far the job is, 0–100, when it knows its total."""
        if self.status == "succeeded":
            return 100
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))
