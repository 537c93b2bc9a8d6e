"""Contract records: one contract per entrustment (its template and agreed parameters) and its versions."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.registry.models import Entrustment
from oversight.timeutil import utcnow

CONTRACT_STATUSES = ("draft", "generated")


class Contract(db.Model):
    """The agreement behind an entrustment: template, parameters, omitted clauses and variants (JSON)."""

    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrustment_id: Mapped[int] = mapped_column(ForeignKey("entrustment.id", ondelete="CASCADE"), unique=True)
    template: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(10), default="ja")
    layout: Mapped[str] = mapped_column(String(10), default="stacked")
    # {"params": {...}, "omit": [...], "variants": {...}} — the request minus template/language/layout
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)

    entrustment: Mapped[Entrustment] = relationship()
    versions: Mapped[list[ContractVersion]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractVersion.number.desc()",
        lazy="select")

    __table_args__ = (
        CheckConstraint("status IN ('draft', 'generated')", name="status"),
        CheckConstraint("language IN ('ja', 'en', 'bilingual')", name="language"),
        CheckConstraint("layout IN ('stacked', 'columns')", name="layout"),
    )

    def request_data(self) -> dict:
        """The stored contract as an assembly request mapping."""
        stored = self.parameters or {}
        return {"template": self.template, "language": self.language, "layout": self.layout,
                "params": dict(stored.get("params") or {}), "omit": list(stored.get("omit") or []),
                "variants": dict(stored.get("variants") or {})}

    def snapshot(self) -> dict:
        """Plain fields for the audit trail."""
        return {"contract_id": self.id, **self.request_data(), "status": self.status}


class ContractVersion(db.Model):
    """One generated document, kept with the exact request it came from and the SHA-256 of its bytes."""

    __tablename__ = "contract_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    template: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(10))
    parameters: Mapped[dict] = mapped_column(JSON)  # the full request and the document summary
    library_version: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(254), default="")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    contract: Mapped[Contract] = relationship(back_populates="versions")

    __table_args__ = (
        UniqueConstraint("contract_id", "number", name="uq_contract_version_number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )
