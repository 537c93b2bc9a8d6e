"""Organisations (個人情報取扱事業者・行政機関等) and entrustments (委託) down the outsourcing chain."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.timeutil import utcnow


class Organisation(db.Model):
    """A company or public body: its identity, which every tenant naming it shares, and its own profile.

    The identity is public fact (法人番号, name, address, kind, the authority receiving its leak reports). The
    profile — `contacts` and `certifications` — is what the company's own users keep and share with its
    consignors. What any other tenant records about it lives in that tenant's `OrganisationRecord`, never
    here. An organisation is the node of the chain: entrustments point at it and users belong to it.
    """

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200), default="")
    corporate_number: Mapped[str | None] = mapped_column(String(13), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="company")
    industry: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    report_authority: Mapped[str] = mapped_column(String(10), default="ppc")
    # The tenant that created the identity: it may correct an identity without a corporate number (one only it
    # can name) until the company has users of its own.
    registered_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="and_(Contact.organisation_id == Organisation.id, Contact.record_id.is_(None))",
        cascade="all, delete-orphan", order_by="Contact.id")
    certifications: Mapped[list[Certification]] = relationship(
        primaryjoin="and_(Certification.organisation_id == Organisation.id, Certification.record_id.is_(None))",
        cascade="all, delete-orphan", order_by="Certification.expires_on")

    __table_args__ = (
        CheckConstraint("kind IN ('company', 'public_body')", name="kind"),
        Index("ix_organisation_name_kana", "name_kana"),
    )

    def __str__(self) -> str:
        return self.name

    def snapshot(self) -> dict:
        """The identity's plain fields for the audit trail."""
        return {field: getattr(self, field) for field in IDENTITY_FIELDS}

    def profile_snapshot(self) -> dict:
        """The company's own profile for the audit trail."""
        return {"contacts": [c.snapshot() for c in self.contacts],
                "certifications": [c.snapshot() for c in self.certifications]}


IDENTITY_FIELDS = ("name", "name_kana", "corporate_number", "kind", "industry", "address", "report_authority")


class OrganisationRecord(db.Model):
    """One tenant's private record of an organisation: its trading status with it, its notes, the contacts it
    keeps there, the certifications as it verified them (and, later, its scores and decisions).

    Only the tenant's users read it (operator admins read all); nobody else learns that it exists.
    """

    __tablename__ = "organisation_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tenant: Mapped[Organisation] = relationship(foreign_keys=[tenant_id])
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="Contact.id")
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="Certification.expires_on")

    __table_args__ = (
        UniqueConstraint("tenant_id", "organisation_id", name="uq_organisation_record_tenant"),
        CheckConstraint("tenant_id <> organisation_id", name="not_of_itself"),
        CheckConstraint("status IN ('active', 'candidate', 'suspended', 'ended')", name="status"),
    )

    def snapshot(self) -> dict:
        """Plain fields for the audit trail."""
        return {
            "status": self.status,
            "notes": self.notes,
            "contacts": [c.snapshot() for c in self.contacts],
            "certifications": [c.snapshot() for c in self.certifications],
        }


class Contact(db.Model):
    """A person to reach at `organisation`: in its own profile (`record_id` empty) or in a tenant's record."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("organisation_record.id", ondelete="CASCADE"),
                                                  index=True)
    role: Mapped[str] = mapped_column(String(20), default="general")
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    available_24_7: Mapped[bool] = mapped_column(default=False)

    organisation: Mapped[Organisation] = relationship(viewonly=True)
    record: Mapped[OrganisationRecord | None] = relationship(back_populates="contacts")

    def snapshot(self) -> dict:
        return {
            "role": self.role,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "available_24_7": self.available_24_7,
        }


class Certification(db.Model):
    """A certification of `organisation`: as the company declares it in its profile (`record_id` empty), or
    as a tenant verified it in its record (`verified_on`, `verified_by`)."""

    __tablename__ = "certification"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("organisation_record.id", ondelete="CASCADE"),
                                                  index=True)
    scheme: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(100), default="")
    scope: Mapped[str] = mapped_column(String(300), default="")
    expires_on: Mapped[date | None] = mapped_column(index=True)
    verified_on: Mapped[date | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship(viewonly=True)
    record: Mapped[OrganisationRecord | None] = relationship(back_populates="certifications")
    verified_by = relationship("User", foreign_keys=[verified_by_id])

    def snapshot(self) -> dict:
        row = {
            "scheme": self.scheme,
            "number": self.number,
            "scope": self.scope,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
        }
        if self.record_id is not None or self.verified_on is not None:
            row["verified_on"] = self.verified_on.isoformat() if self.verified_on else None
        return row


class Entrustment(db.Model):
    """A consignor (委託元) entrusts the handling of a data set to a contractor (委託先).

    A subcontract (再委託) is an entrustment whose parent is another entrustment; the chain is the path
    of parents. `parent_id` never changes after creation, so a chain is a tree.
    """

    __tablename__ = "entrustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    consignor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("entrustment.id", ondelete="RESTRICT"), index=True)
    data_set: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    data_categories: Mapped[str] = mapped_column(String(300), default="")
    data_items: Mapped[list] = mapped_column(JSON, default=list)
    person_count: Mapped[int] = mapped_column(default=0)
    includes_sensitive: Mapped[bool] = mapped_column(default=False)
    includes_my_number: Mapped[bool] = mapped_column(default=False)
    storage_country: Mapped[str] = mapped_column(String(2), default="JP")
    start_on: Mapped[date | None]
    end_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    subcontracting_terms: Mapped[str] = mapped_column(String(20), default="prior_approval")
    origin: Mapped[str] = mapped_column(String(20), default="planned")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    proposed_at = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at = mapped_column(UTCDateTime, nullable=True)
    approved_at = mapped_column(UTCDateTime, nullable=True)
    approval_conditions: Mapped[str] = mapped_column(Text, default="")
    approved_scope: Mapped[str] = mapped_column(Text, default="")
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, default=utcnow)
    updated_at = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    consignor: Mapped[Organisation] = relationship(foreign_keys=[consignor_id])
    contractor: Mapped[Organisation] = relationship(foreign_keys=[contractor_id])
    parent: Mapped[Entrustment | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Entrustment]] = relationship(back_populates="parent", order_by="Entrustment.id")

    __table_args__ = (
        CheckConstraint("consignor_id <> contractor_id", name="not_to_itself"),
        CheckConstraint("person_count >= 0", name="person_count_not_negative"),
        CheckConstraint("end_on IS NULL OR start_on IS NULL OR end_on >= start_on", name="end_after_start"),
        CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected', 'active', 'terminated')", name="status"
        ),
        CheckConstraint(
            "subcontracting_terms IN ('prior_approval', 'notice_after', 'prohibited')", name="terms"
        ),
    )

    @property
    def is_subcontract(self) -> bool:
        return self.parent_id is not None

    def __str__(self) -> str:
        return f"{self.data_set}（{self.consignor.name} → {self.contractor.name}）"

    def snapshot(self) -> dict:
        """Plain fields for the audit trail."""
        return {
            "consignor_id": self.consignor_id,
            "contractor_id": self.contractor_id,
            "parent_id": self.parent_id,
            "data_set": self.data_set,
            "purpose": self.purpose,
            "data_categories": self.data_categories,
            "data_items": list(self.data_items or []),
            "person_count": self.person_count,
            "includes_sensitive": self.includes_sensitive,
            "includes_my_number": self.includes_my_number,
            "storage_country": self.storage_country,
            "start_on": self.start_on.isoformat() if self.start_on else None,
            "end_on": self.end_on.isoformat() if self.end_on else None,
            "status": self.status,
            "subcontracting_terms": self.subcontracting_terms,
            "origin": self.origin,
            "approval_conditions": self.approval_conditions,
            "approved_scope": self.approved_scope,
            "rejection_reason": self.rejection_reason,
        }
