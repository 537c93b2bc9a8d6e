"""Idempotency-Key: a client that retries a POST (after a timeout, say) gets the first answer again instead of
the call being made twice — two receipts, two incidents (Stripe's model).

A key belongs to its caller (the user behind the token) and is kept IDEMPOTENCY_KEY_HOURS with a fingerprint of
the request (method, path, query, body) and, once the call succeeded, its answer (status, body, Location). The
same key with another request is refused (422); while the first call still runs, a second one gets 409; a call
that was refused or failed keeps nothing — it changed nothing — so the client may retry it with the same key.

The claim commits before the call runs, so a concurrent duplicate finds it. The answer is stored in the call's
own transaction: a call that committed has its answer kept, one that rolled back has none. A claim whose process
died (no answer, older than ABANDONED_AFTER) is taken over by the next retry.
"""

from __future__ import annotations

import hashlib
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps

from flask import Response, current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from oversight import uow
from oversight.accounts.auth import api_actor
from oversight.dbtypes import UTCDateTime
from oversight.errors import Conflict, ValidationFailed
from oversight.extensions import db
from oversight.timeutil import utcnow

HEADER = "Idempotency-Key"
MAX_KEY = 255
ABANDONED_AFTER = timedelta(minutes=10)
REPLAYED_HEADERS = ("Content-Type", "Location")

PARAMETER = {
    "in": "header", "name": HEADER, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY},
    "description": "A key of your choosing (a UUID) that makes a retry safe: the same key with the same request "
                   "within the hours the server keeps it (24 by default) answers with the first result (marked "
                   "`Idempotent-Replayed: true`) instead of doing it again. The same key with another request: "
                   "422; while the first request still runs: 409. Keys are per user.",
}
IN_FLIGHT = _l("A request with this Idempotency-Key is still being processed. Retry in a moment to get its result.")


class IdempotencyKey(db.Model):
    """A caller's key: the fingerprint of the request it was first sent with, and that call's answer once done."""

    __tablename__ = "idempotency_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    request_sha256: Mapped[str] = mapped_column(String(64))
    claimed_at = mapped_column(UTCDateTime, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    response_status: Mapped[int | None] = mapped_column(Integer)  # None: the first call is still running
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_headers: Mapped[dict | None] = mapped_column(JSON)

    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_idempotency_key_expires_at", "expires_at"),
    )


@dataclass(frozen=True)
class Claim:
    """This request runs the call: the row and the moment that make the claim its own."""

    id: int
    claimed_at: datetime


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """SHA-256 of what makes two requests the same one."""
    digest = hashlib.sha256(f"{method}\n{path}\n".encode())
    digest.update(query + b"\n" + body)
    return digest.hexdigest()


def claim(user_id: int, key: str, request_sha256: str, *, now: datetime | None = None) -> Claim | Response:
    """Claim the key for this request (committed at once), or the first call's answer to send again. Refuses the
    key with another request (ValidationFailed) and a key whose first call still runs (Conflict)."""
    now = now or utcnow()
    hours = current_app.config["IDEMPOTENCY_KEY_HOURS"]
    for _attempt in range(3):
        row = IdempotencyKey(user_id=user_id, key=key, request_sha256=request_sha256, claimed_at=now,
                             expires_at=now + timedelta(hours=hours))
        try:
            with uow.atomic():
                db.session.add(row)
            return Claim(row.id, now)
        except IntegrityError:
            pass
        first = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                               IdempotencyKey.key == key))
        if first is None:  # released or pruned meanwhile
            continue
        if first.expires_at <= now:
            with uow.atomic():
                db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == first.id,
                                                                IdempotencyKey.expires_at <= now))
            continue
        if first.request_sha256 != request_sha256:
            raise ValidationFailed({HEADER: [_l("This Idempotency-Key was already used with another request. Use a "
                                                "new key for a new request.")]})
        if first.response_status is not None:
            return _replay(first)
        if first.claimed_at > now - ABANDONED_AFTER:
            raise Conflict(IN_FLIGHT)
        with uow.atomic():
            taken = db.session.execute(update(IdempotencyKey).where(
                IdempotencyKey.id == first.id, IdempotencyKey.claimed_at == first.claimed_at,
                IdempotencyKey.response_status.is_(None)).values(claimed_at=now)).rowcount
        if taken:
            return Claim(first.id, now)
    raise Conflict(IN_FLIGHT)


def finish(claimed: Claim, response: Response) -> None:
    """Keep the answer, in the call's transaction; Conflict (rolling the call back) if the claim was lost."""
    kept = db.session.execute(update(IdempotencyKey).where(
        IdempotencyKey.id == claimed.id, IdempotencyKey.claimed_at == claimed.claimed_at).values(
        response_status=response.status_code, response_body=response.get_data(),
        response_headers={name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers},
    )).rowcount
    if not kept:
        raise Conflict(IN_FLIGHT)


def release(claimed: Claim) -> None:
    """Give the key up after a call that changed nothing, so that a retry with it runs the call."""
    with uow.atomic():
        db.session.execute(delete(IdempotencyKey).where(
            IdempotencyKey.id == claimed.id, IdempotencyKey.claimed_at == claimed.claimed_at,
            IdempotencyKey.response_status.is_(None)))


def _replay(first: IdempotencyKey) -> Response:
    response = Response(first.response_body, status=first.response_status)
    response.headers.update(first.response_headers or {})
    response.headers["Idempotent-Replayed"] = "true"
    return response


def prune_expired(now: datetime | None = None) -> int:
    """Delete the keys kept longer than IDEMPOTENCY_KEY_HOURS; the count."""
    with uow.atomic():
        deleted = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= (now or utcnow())))
    return deleted.rowcount



def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= MAX_KEY and key.isascii() and key.isprintable()


def idempotent(view):
    """Let a POST be retried safely with an Idempotency-Key (see the module); documented on the operation."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not _valid_key(key):
            raise ValidationFailed({HEADER: [_l("Send a key of 1 to %(n)s printable ASCII characters, such as a "
                                                "UUID.", n=MAX_KEY)]})
        outcome = claim(api_actor().id, key, fingerprint(
            request.method, request.path, request.query_string, request.get_data(cache=True)))
        if isinstance(outcome, Response):
            return outcome
        try:
            with uow.atomic():
                response = current_app.make_response(view(*args, **kwargs))
                if response.status_code < 400:
                    finish(outcome, response)
        except BaseException:
            release(outcome)
            raise
        if response.status_code >= 400:
            release(outcome)
        return response

    apidoc = getattr(view, "_apidoc", None)
    if apidoc is not None:
        # Beside any query parameters of the call (a parameter in the manual doc would replace them).
        arguments = apidoc.get("arguments", {})
        wrapper._apidoc = {**apidoc, "arguments": {
            **arguments, "parameters": [*arguments.get("parameters", []), deepcopy(PARAMETER)]}}
    return wrapper
