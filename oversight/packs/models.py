"""An evidence pack (監督証跡パック): one zip per contractor and period, built by the worker as the user who asked
for it, kept as a file in the instance folder; this row is its record (who, what, when, and the hashes)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oversight.choices import Choice, ChoiceSet
from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.registry.models import Organisation
from oversight.timeutil import utcnow

PACK_STATUS = ChoiceSet(
    "pack_status",
    Choice("queued", "作成待ち", "Queued"),
    Choice("running", "作成中", "Building"),
    Choice("failed", "失敗", "Failed"),
    Choice("ready", "ダウンロード可", "Ready"),
    Choice("expired", "保存期間切れ", "Expired"),
)


class EvidencePack(db.Model):
    """One pack: its contractor and period, the job that builds it, and once built its file and hashes."""

    __tablename__ = "evidence_pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)  # the requester's (None: an operator)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    requested_by_name: Mapped[str] = mapped_column(String(254), default="")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))
    # Set when built: the file in the pack folder (emptied when it expires), its size and SHA-256, the manifest's
    # SHA-256, files inside.
    file_name: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    manifest_sha256: Mapped[str] = mapped_column(String(64), default="")
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    built_at = mapped_column(UTCDateTime)

    contractor: Mapped[Organisation] = relationship(foreign_keys=[contractor_id])
    job = relationship("Job")

    __table_args__ = (CheckConstraint("period_to >= period_from", name="period"),)

    @property
    def status(self) -> str:
        """queued, running, failed (its job's), ready once the file is built, expired once the file is deleted."""
        if self.built_at is not None:
            return "ready" if self.file_name else "expired"
        return self.job.status if self.job is not None and self.job.status != "succeeded" else "queued"

    @property
    def download_name(self) -> str:
        """The name the browser saves it under."""
        return f"evidence-pack-{self.id}-{self.period_from:%Y%m%d}-{self.period_to:%Y%m%d}.zip"

    def snapshot(self) -> dict:
        """Plain fields for the audit trail."""
        return {"contractor_id": self.contractor_id, "period_from": self.period_from.isoformat(),
                "period_to": self.period_to.isoformat()}
