"""Accounts: users, passwords (Argon2id, with the policy of password_policy), language, and API tokens.

Logging in and out (the lockout, sessions that end) is `login.py`."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from oversight import permissions as perm
from oversight import uow
from oversight.accounts import password_policy
from oversight.accounts.models import ApiToken, User, new_session_token
from oversight.choices import ROLE
from oversight.errors import Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry.models import Organisation
from oversight.registry.validation import Cleaner
from oversight.timeutil import utcnow
from oversight.trail import services as trail


def _hasher() -> PasswordHasher:
    if current_app.config.get("PASSWORD_HASH_FAST"):
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()  # argon2-cffi's defaults follow RFC 9106's second recommendation


def hash_password(password: str) -> str:
    """The Argon2id hash of a password."""
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    """Whether `password` is the user's."""
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@uow.atomic()
def create_user(actor, data: Mapping) -> User:
    """Create a user of an organisation with a role; the first admin is created from the CLI."""
    if actor is not None and not perm.allows(actor, "user.manage"):
        raise Forbidden(_l("Your role does not allow this action."))
    c = Cleaner(data)
    c.email("email", required=True)
    c.text("name", required=True, max_length=100)
    c.choice("role", ROLE)
    c.text("password", required=True, max_length=200)
    c.integer("organisation_id", minimum=1, maximum=2**31 - 1, default=None)
    values = c.done()
    errors: dict = {}
    weak = password_policy.problems(values["password"], email=values["email"], name=values["name"])
    if weak:
        errors["password"] = weak
    if db.session.scalar(select(User.id).where(func.lower(User.email) == values["email"].lower())):
        errors["email"] = [_l("A user with this e-mail address already exists.")]
    org_id = values.get("organisation_id")
    if org_id is not None and db.session.get(Organisation, org_id) is None:
        errors["organisation_id"] = [_l("Choose an existing organisation.")]
    if values["role"] != "admin" and org_id is None:
        errors["organisation_id"] = [_l("Every user except an operator admin belongs to an organisation.")]
    if errors:
        raise ValidationFailed(errors)
    user = User(email=values["email"], name=values["name"], role=values["role"], organisation_id=org_id,
                password_hash=hash_password(values["password"]))
    db.session.add(user)
    db.session.flush()
    trail.record(actor, "create", "user", user.id, label=user.email, after=user.snapshot())
    return user


@uow.atomic()
def change_password(user: User, current: str, new: str) -> User:
    """Change one's own password; every other session ends (the caller logs the user in again with the
    returned user, whose session token is new)."""
    if not check_password(user, current):
        raise ValidationFailed({"current_password": [_l("The current password is wrong.")]})
    weak = password_policy.problems(new, email=user.email, name=user.name)
    if weak:
        raise ValidationFailed({"new_password": weak})
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    trail.record(user, "change_password", "user", user.id, label=user.email)
    return user


@uow.atomic()
def set_language(user: User, code: str) -> None:
    """Remember the user's language (ja_JP or en) and record the change."""
    if code not in current_app.config["LANGUAGES"]:
        raise ValidationFailed({"language": [_l("Choose Japanese or English.")]})
    if user.locale == code:
        return
    before = {"locale": user.locale}
    user.locale = code
    trail.record(user, "language_change", "user", user.id, label=user.email, before=before,
                 after={"locale": code})


@uow.atomic()
def issue_token(actor: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for the actor; the secret is returned once and only its digest is kept."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed({"name": [_l("Give the token a name (at most 100 characters).")]})
    secret = "ovs_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=actor.id, name=name, token_hash=ApiToken.digest(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    trail.record(actor, "issue_token", "api_token", token.id, label=f"{actor.email}: {name}")
    return token, secret


@uow.atomic()
def revoke_token(actor: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and not perm.is_admin(actor)):
        raise NotFound(_l("Token not found."))
    token.revoked_at = utcnow()
    trail.record(actor, "revoke_token", "api_token", token.id, label=token.name)


TOKEN_USE_PRECISION = timedelta(minutes=1)


def user_for_token(secret: str) -> User | None:
    """The enabled user behind a live token."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.digest(secret))
                              .options(joinedload(ApiToken.user)))
    if token is None or token.revoked_at is not None or not token.user.is_enabled:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_PRECISION:
        _stamp_use(token, now)  # to the minute: a busy client does not rewrite the row on every request
    return token.user


def _stamp_use(token: ApiToken, now) -> None:
    if not uow.reading_request():
        token.last_used_at = now  # saved with the request's own changes
        return
    # A read request never writes in its own transaction: the stamp goes in a short one of its own, and a busy
    # database skips it rather than failing the read.
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOKEN_USE_PRECISION)
    if uow.write_apart(update(ApiToken).where(ApiToken.id == token.id, stale).values(last_used_at=now)):
        set_committed_value(token, "last_used_at", now)


@uow.atomic()
def set_user_enabled(actor, user_id: int, enabled: bool) -> User:
    """Disable (or re-enable) a user; disabling ends every session and makes its API tokens useless."""
    if not perm.allows(actor, "user.manage"):
        raise Forbidden(_l("Your role does not allow this action."))
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("User not found."))
    if user.id == getattr(actor, "id", None) and not enabled:
        raise ValidationFailed({"is_enabled": [_l("You cannot disable your own account.")]})
    before = user.snapshot()
    user.is_enabled = enabled
    user.session_token = new_session_token()
    trail.record(actor, "enable" if enabled else "disable", "user", user.id, label=user.email,
                 before=before, after=user.snapshot())
    return user
