"""Logging in and out: the password check, the lockout per e-mail address, and their trail records.

The lockout counts failures per e-mail address as typed, whether or not an account has it, so that its
message and its timing say nothing about which addresses exist. It lives in the database, so every worker
sees it; the per-address limit (Flask-Limiter, on the log-in view) is the other half of the throttling.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select

from oversight import mail, uow
from oversight.accounts.models import LoginThrottle, User, new_session_token
from oversight.accounts.services import check_password, hash_password
from oversight.errors import DomainError, ValidationFailed
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.templating import format_datetime
from oversight.timeutil import utcnow
from oversight.trail import services as trail

LABEL_LENGTH = 100
FORGET_AFTER = timedelta(days=1)  # a day without failures starts the backoff again


class LoginRefused(DomainError):
    status = 401
    code = "login_refused"


class LoginPaused(LoginRefused):
    """Too many failures for this e-mail address: no password is checked until `until`."""

    status = 429
    code = "login_paused"

    def __init__(self, until: datetime):
        super().__init__(_l("Too many failed attempts: logging in with this e-mail address is paused until "
                            "%(until)s. Try again then.", until=format_datetime(until)))
        self.until = until


@dataclass(frozen=True)
class Requester:
    """Who tried to log in, as the trail records a refusal: nobody known, only the address the request came from."""

    address: str

    @property
    def name(self) -> str:
        return f"anonymous ({self.address or '?'})"


def log_in(email: str, password: str, *, address: str = "", now: datetime | None = None) -> User:
    """The enabled user with this e-mail and password, else LoginRefused (LoginPaused while the address is
    locked out). Every outcome goes to the trail; the account's owner is mailed at each lockout."""
    now = now or utcnow()
    typed = (email or "").strip()
    key = account_key(typed)
    user = db.session.scalar(select(User).where(func.lower(User.email) == typed.lower()))
    if (until := _locked_until(db.session.get(LoginThrottle, key), now)) is not None:
        raise _paused(user, typed, address, until)
    if user is None:
        hash_password(password or "x")  # the same work whether or not the address exists
        reason = "unknown_account"
    elif not check_password(user, password or ""):
        reason = "wrong_password"
    else:
        reason = "" if user.is_enabled else "disabled"
    # The password was checked outside the lock (it is slow); whether the address got locked meanwhile is
    # read again under it, so that concurrent guesses on several workers count as they would one by one.
    trail.lock()
    throttle = db.session.get(LoginThrottle, key, populate_existing=True)
    if (until := _locked_until(throttle, now)) is not None:
        raise _paused(user, typed, address, until)
    with uow.atomic():  # the failure is counted even though the caller gets an exception
        if not reason:
            if throttle is not None:
                db.session.delete(throttle)
            user.last_login_at = now
            trail.record(user, "login", "user", user.id, label=user.email)
            return user
        until = _count_failure(throttle, key, user, typed, address, reason, now)
    if until is not None:
        raise LoginPaused(until)
    raise LoginRefused(_l("Wrong e-mail address or password."))


@uow.atomic()
def log_out(user: User) -> None:
    """End every session of the user (the session token rotates) and record it."""
    user.session_token = new_session_token()
    trail.record(user, "logout", "user", user.id, label=user.email)


def account_key(email: str) -> str:
    """The key failures are counted under: a keyed hash of the address, so mistyped addresses are not stored."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def lockout_length(lockouts: int) -> timedelta:
    """The n-th lockout in a row lasts twice as long as the one before, up to the maximum."""
    config = current_app.config
    minutes = min(config["LOGIN_LOCKOUT_MINUTES"] * 2 ** (lockouts - 1), config["LOGIN_LOCKOUT_MAX_MINUTES"])
    return timedelta(minutes=minutes)


def _locked_until(throttle: LoginThrottle | None, now: datetime) -> datetime | None:
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        return throttle.locked_until
    return None


@uow.atomic()
def _paused(user: User | None, typed: str, address: str, until: datetime) -> LoginPaused:
    """Record an attempt refused during a lockout (no password was checked, nothing is counted)."""
    _record_failure(user, typed, address, "locked")
    return LoginPaused(until)


def _count_failure(throttle: LoginThrottle | None, key: str, user: User | None, typed: str, address: str,
                   reason: str, now: datetime) -> datetime | None:
    """Count one failure (the trail's lock is held); at the threshold, lock the address out and return until when."""
    if throttle is not None and throttle.last_failure_at < now - FORGET_AFTER:
        throttle.failures = throttle.lockouts = 0
    db.session.execute(delete(LoginThrottle).where(
        LoginThrottle.account_key != key, LoginThrottle.last_failure_at < now - FORGET_AFTER,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now)))
    if throttle is None:
        throttle = LoginThrottle(account_key=key, failures=0, lockouts=0)
        db.session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = now
    _record_failure(user, typed, address, reason)
    if throttle.failures < current_app.config["LOGIN_LOCKOUT_AFTER"]:
        return None
    throttle.failures = 0
    throttle.lockouts += 1
    throttle.locked_until = now + lockout_length(throttle.lockouts)
    mailed = user is not None and _mail_lockout(user, throttle.locked_until)
    trail.record(Requester(address), "lockout", "user", user.id if user else None, label=typed[:LABEL_LENGTH],
                 after={"locked_until": throttle.locked_until.isoformat(), "lockouts_in_a_row": throttle.lockouts,
                        "address": address, "owner_mailed": mailed})
    return throttle.locked_until


def _record_failure(user: User | None, typed: str, address: str, reason: str) -> None:
    trail.record(Requester(address), "login_failed", "user", user.id if user else None, label=typed[:LABEL_LENGTH],
                 after={"reason": reason, "address": address})


def _mail_lockout(user: User, until: datetime) -> bool:
    """Tell the account's owner; False when the account has no address mail can go to."""
    subject, body = mail.render("accounts/lockout", user=user, until=until)
    try:
        outbox.enqueue(f"login-lockout:{user.id}:{until.isoformat()}", [user.email], subject, body,
                       object_type="user", object_id=user.id)
    except ValidationFailed:
        return False  # the lockout holds all the same; its trail record says nobody was mailed
    return True
