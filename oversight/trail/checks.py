"""Checking the trail: the scheduler's job (incremental, stored for the page, then anchored outside the database)
and the full check of `flask verify-trail` against every checkpoint.

The job walks only the records added since the last check (the page never walks), confirms that the record it
verified last still carries the hash it had, and walks everything again once a day (FULL_CHECK_EVERY), which
also catches an old record edited in place. A new checkpoint is written when the chain is intact and its head
has moved, at most every TRAIL_ANCHOR_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from oversight import mail, uow
from oversight.extensions import db
from oversight.outbox.services import enqueue
from oversight.timeutil import JST, utcnow
from oversight.trail import anchors
from oversight.trail.integrity import PROBLEMS, Verification, as_utc, hash_at, verify
from oversight.trail.models import TrailCheck

FULL_CHECK_EVERY = timedelta(hours=24)
CHECK_ID = 1
# `flask verify-trail` exit statuses.
EXIT_OK, EXIT_BROKEN, EXIT_TRUNCATED, EXIT_REWRITTEN, EXIT_ANCHOR_DAMAGED = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Stored:
    """What the last check left, as plain values."""

    ok: bool
    verified_seq: int
    verified_hash: str
    full_checked_at: datetime | None


def last_check() -> TrailCheck | None:
    """The stored outcome of the last check (the trail page shows it), or None before the first."""
    return db.session.get(TrailCheck, CHECK_ID)


def _stored() -> Stored | None:
    check = last_check()
    if check is None:
        return None
    return Stored(check.ok, check.verified_seq, check.verified_hash, check.full_checked_at)


def _recheck_verified(stored: Stored, anchor: anchors.Anchor | None) -> Verification | None:
    """The records verified before must keep their hashes: the last one verified, and the last anchored."""
    for seq, expected in ((stored.verified_seq, stored.verified_hash),
                          (anchor.seq, anchor.hash) if anchor and anchor.seq <= stored.verified_seq else (0, "")):
        if seq == 0:
            continue
        found = hash_at(seq)
        if found != expected:
            problem = "truncated" if found is None else "diverged"
            return Verification(False, 0, seq, PROBLEMS[problem], problem)
    return None


def run_check(now: datetime | None = None, *, full: bool = False) -> str:
    """The scheduler job: check the chain (incrementally unless a full walk is due), store the outcome, and write
    a checkpoint if the head moved; a one-line summary for the log."""
    now = now or utcnow()
    anchor = anchors.read_last()
    with uow.read_only():
        stored = _stored()
        full = full or stored is None or stored.full_checked_at is None or \
            now - stored.full_checked_at >= FULL_CHECK_EVERY
        if not full and not stored.ok:
            return "broken (as stored): the next full check decides again"
        checkpoints = {anchor.seq: anchor.hash} if anchor else None
        if full:
            result = verify(checkpoints=checkpoints)
        else:
            result = _recheck_verified(stored, anchor) or verify(
                start=(stored.verified_seq, stored.verified_hash),
                checkpoints=checkpoints if anchor and anchor.seq > stored.verified_seq else None)
    written = None
    if result.ok and result.last_seq > (anchor.seq if anchor else 0) and (
            anchor is None or now - anchor.at >= timedelta(seconds=current_app.config["TRAIL_ANCHOR_SECONDS"])):
        written = anchors.sign(result.last_seq, result.last_hash, result.last_seq, now)
        anchors.append(written)
    _store(result, now, full, written or anchor)
    if written is not None:
        _mail(written)
    if not result.ok and (stored is None or stored.ok):
        _alarm(result, now)
    state = "ok" if result.ok else f"BROKEN at record {result.first_bad_seq}: {result.reason}"
    return (f"{'full' if full else 'incremental'} check, {result.count} records walked, {state}"
            + (f"; anchored record {written.seq}" if written else ""))


def _store(result: Verification, now: datetime, full: bool, anchor: anchors.Anchor | None) -> None:
    try:
        with uow.atomic():
            check = last_check() or TrailCheck(id=CHECK_ID, ok=result.ok)
            check.checked_at, check.ok = now, result.ok
            if full:
                check.full_checked_at = now
            if result.ok:
                check.verified_seq, check.verified_hash = result.last_seq, result.last_hash
                check.broken_seq, check.problem = None, ""
            else:
                check.broken_seq, check.problem = result.first_bad_seq, result.problem
            if anchor is not None:
                check.anchored_seq, check.anchored_at = anchor.seq, anchor.at
            db.session.add(check)
    except IntegrityError:  # a second scheduler stored its first check at the same moment: one is enough
        pass


def _recipients() -> list[str]:
    return [a.strip() for a in current_app.config.get("TRAIL_ANCHOR_MAIL_TO", "").split(",") if a.strip()]


@uow.atomic()
def _alarm(result: Verification, now: datetime) -> None:
    """Tell TRAIL_ANCHOR_MAIL_TO, once, that a check found the chain broken (it stays so until a full check)."""
    recipients = _recipients()
    if not recipients:
        return
    subject, body = mail.render("trail/broken", result=result, now=now)
    enqueue(f"trail-broken:{as_utc(now)}", recipients, subject, body, object_type="trail")


@uow.atomic()
def _mail(anchor: anchors.Anchor) -> None:
    """The day's first checkpoint (Japan time) to TRAIL_ANCHOR_MAIL_TO, through the outbox (one key a day)."""
    recipients = _recipients()
    if not recipients:
        return
    day = anchor.at.astimezone(JST).date().isoformat()
    subject, body = mail.render("trail/anchor", anchor=anchor, day=day, at_utc=as_utc(anchor.at))
    enqueue(f"trail-anchor:{day}", recipients, subject, body, object_type="trail", object_id=anchor.seq)


@dataclass
class Report:
    """The outcome of `flask verify-trail`: the walk, the anchor file, and the exit status they mean."""

    result: Verification
    anchor_file: anchors.AnchorFile

    @property
    def exit_status(self) -> int:
        if not self.result.ok:
            return {"truncated": EXIT_TRUNCATED, "diverged": EXIT_REWRITTEN}.get(self.result.problem, EXIT_BROKEN)
        return EXIT_ANCHOR_DAMAGED if self.anchor_file.damaged else EXIT_OK

    def anchor_at(self, seq: int | None) -> anchors.Anchor | None:
        return next((a for a in self.anchor_file.anchors if a.seq == seq), None)


def full_check(now: datetime | None = None) -> Report:
    """Walk the whole chain against every checkpoint in the anchor file and store the outcome."""
    now = now or utcnow()
    anchor_file = anchors.read_all()
    checkpoints: dict[int, str] = {}
    for anchor in anchor_file.anchors:
        if checkpoints.setdefault(anchor.seq, anchor.hash) != anchor.hash:
            anchor_file.damaged.append(anchor.line)  # two signed checkpoints disagree: the chain was re-anchored
    result = verify(checkpoints=checkpoints or None)
    _store(result, now, True, anchor_file.last)
    return Report(result, anchor_file)

