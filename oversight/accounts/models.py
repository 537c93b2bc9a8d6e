"""Users, their organisation and role, and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oversight.dbtypes import UTCDateTime
from oversight.extensions import db
from oversight.registry.models import Organisation
from oversight.timeutil import utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(String(10), default="")
    # Flask-Login keeps this in the cookie instead of the id: rotating it ends every session at once.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_login_at = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    def get_id(self) -> str:
        return self.session_token

    def snapshot(self) -> dict:
        return {
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "organisation_id": self.organisation_id,
            "is_enabled": self.is_enabled,
        }


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at = mapped_column(UTCDateTime, default=utcnow)
    last_used_at = mapped_column(UTCDateTime, nullable=True)
    revoked_at = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class LoginThrottle(db.Model):
    """Failed log-ins for one e-mail address as typed, known or not (so a lockout reveals nothing), kept in the
    database so that every worker sees them."""

    __tablename__ = "login_throttle"

    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # keyed hash of the address
    failures: Mapped[int] = mapped_column(default=0)  # since the last lockout
    lockouts: Mapped[int] = mapped_column(default=0)  # in a row: each one lasts twice as long as the one before
    locked_until = mapped_column(UTCDateTime, nullable=True)
    last_failure_at = mapped_column(UTCDateTime, nullable=False, index=True)

    __table_args__ = (
        CheckConstraint("failures >= 0 AND lockouts >= 0", name="counts_not_negative"),
    )
