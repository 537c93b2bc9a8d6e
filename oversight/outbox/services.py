"""Queue e-mail in the caller's transaction; deliver it later with retries, never twice from two processes.

Delivery claims each message with a conditional UPDATE committed before the SMTP conversation, so two
schedulers (or a scheduler and `flask outbox-deliver`) never send the same message. The one duplicate left
is a process dying between the send and its record: the message stays 'sending', is put back after
STUCK_AFTER and sent again with the same Message-ID (derived from its key), which lets a receiver drop it.

Texts stored in `last_error` are shown on pages to users of either language: Japanese first, then English.
"""

from __future__ import annotations

import hashlib
import hmac
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from oversight import uow
from oversight.errors import Conflict, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.outbox.recipients import sort_out, warn_owners
from oversight.timeutil import utcnow

KEY_LENGTH = 200
SUBJECT_LENGTH = 500
ERROR_LENGTH = 2000
STUCK_AFTER = timedelta(minutes=15)
MAX_BACKOFF = timedelta(minutes=60)
NO_ADDRESS = ("有効な宛先がないため送信しません（無効なアドレスは下記のとおり）。"
              " / Not sent: no valid recipient address (the invalid ones are listed).")


@dataclass
class DeliveryReport:
    """What one delivery run did; `unconfigured` explains why nothing was sent when mail is not set up."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0
    unconfigured: str = ""

    def __str__(self) -> str:
        return f"sent {self.sent}, retried {self.retried}, failed {self.failed}, recovered {self.recovered}"


@dataclass(frozen=True)
class _Claimed:
    id: int
    key: str
    attempts: int
    recipients: list[str]
    subject: str
    body: str


def enqueue(key: str, recipients: Iterable[str], subject: str, body: str, *, object_type: str | None = None,
            object_id: int | None = None, fresh_key: bool = False) -> OutboxMessage:
    """Queue a plain-text mail in the caller's transaction, which commits it (so it is sent only if the change
    it reports is committed). A message with the same `key` already queued or sent is returned instead.

    An address that mail can never reach does not stop the caller: it is left out and recorded on the message
    (`skipped_recipients`), its organisation's privacy office and the operator admins are told by a mail of
    their own, and a message left with no address at all is kept, unsent, as 'no_address'. Refuses
    (ValidationFailed) only what is the caller's mistake: no recipient given at all, or an empty subject.
    `fresh_key`: the key names a row this transaction created, so nobody else can have queued it (no look-up,
    no savepoint).
    """
    return _queue(key, recipients, subject, body, object_type=object_type, object_id=object_id,
                  fresh_key=fresh_key, warn=True)


def _queue(key: str, recipients: Iterable[str], subject: str, body: str, *, object_type: str | None = None,
           object_id: int | None = None, fresh_key: bool = False, warn: bool = False) -> OutboxMessage:
    if not key or len(key) > KEY_LENGTH:
        raise ValueError(f"an outbox key has 1 to {KEY_LENGTH} characters: {key!r}")
    addresses = sort_out(recipients)
    errors: dict = {}
    if not addresses.valid and not addresses.skipped:
        errors["recipients"] = [_l("This field is required.")]
    subject = " ".join(str(subject or "").split())  # a header cannot hold a line break
    if not subject:
        errors["subject"] = [_l("This field is required.")]
    elif len(subject) > SUBJECT_LENGTH:
        errors["subject"] = [_l("At most %(n)s characters.", n=SUBJECT_LENGTH)]
    if errors:
        raise ValidationFailed(errors)

    existing = None if fresh_key else _by_key(key)
    if existing is not None:
        return existing
    deliverable = bool(addresses.valid)
    message = OutboxMessage(
        key=key, recipients=addresses.valid, skipped_recipients=addresses.skipped, subject=subject,
        body=str(body or ""), status="pending" if deliverable else "no_address",
        last_error=None if deliverable else NO_ADDRESS, attempts=0, next_attempt_at=utcnow(),
        object_type=object_type, object_id=object_id)
    if fresh_key:
        db.session.add(message)
    else:
        # A concurrent transaction may insert the same key between the look-up and the insert: the unique
        # constraint refuses ours, and the savepoint keeps the caller's transaction usable.
        try:
            with db.session.begin_nested():
                db.session.add(message)
        except IntegrityError:
            existing = _by_key(key)
            if existing is None:
                raise
            return existing
    if warn and addresses.skipped:
        warn_owners(message, _queue)
    return message


def _by_key(key: str) -> OutboxMessage | None:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))


def configuration_problem(config) -> str:
    """Why mail cannot be sent with this configuration (Japanese / English), or "" when it can."""
    if not config.get("MAIL_SERVER"):
        return ("メールサーバーが設定されていないため、送信を待っています（MAIL_SERVER）。"
                " / Waiting: no mail server is configured (MAIL_SERVER).")
    if "@" not in parseaddr(config.get("MAIL_FROM") or "")[1]:
        return ("送信元アドレスが設定されていないため、送信を待っています（MAIL_FROM）。"
                " / Waiting: no sender address is configured (MAIL_FROM).")
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        return ("MAIL_USE_TLS と MAIL_USE_SSL は同時に指定できないため、送信を待っています。"
                " / Waiting: MAIL_USE_TLS and MAIL_USE_SSL cannot both be set.")
    return ""


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_due(now: datetime | None = None, *, limit: int = 100) -> DeliveryReport:
    """Send up to `limit` pending messages that are due, committing after each step (call it outside any
    transaction of yours). `now` fixes the clock (tests); by default every step reads the current time.
    """
    clock = (lambda: now) if now is not None else utcnow
    config = current_app.config
    report = DeliveryReport()
    _recover_stuck(clock(), config["MAIL_MAX_ATTEMPTS"], report)
    report.unconfigured = configuration_problem(config)
    if report.unconfigured:
        _explain_waiting(clock(), report.unconfigured)
        return report

    with uow.atomic():  # ended at once: on SQLite even a read holds the write lock until its transaction ends
        due = db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= clock())
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        ).all()
    connection = _Connection(config)
    try:
        for message_id in due:
            claimed = _claim(message_id, clock())
            if claimed is None:
                continue  # another process took it
            # Any failure, expected (SMTP, network, TLS) or not, is recorded on the message, which is retried.
            try:
                smtp = connection.open()
            except Exception as error:
                _record_failure(claimed, error, clock(), config, report)
                break  # the server is unreachable: the other messages keep their attempts for a later run
            try:
                email = _compose(claimed, clock(), config)
                refused = smtp.send_message(email, from_addr=_envelope_sender(config), to_addrs=claimed.recipients)
            except Exception as error:
                connection.close()
                _record_failure(claimed, error, clock(), config, report)
                continue
            _record_sent(claimed, refused, clock())
            report.sent += 1
    finally:
        connection.close()
    return report


def _recover_stuck(at: datetime, max_attempts: int, report: DeliveryReport) -> None:
    stuck = (OutboxMessage.status == "sending", OutboxMessage.claimed_at < at - STUCK_AFTER)
    note = "送信中に処理が中断されました。 / Sending was interrupted."
    with uow.atomic():
        gave_up = db.session.execute(
            update(OutboxMessage).where(*stuck, OutboxMessage.attempts >= max_attempts)
            .values(status="failed", last_error=f"{note} {_gave_up_text(max_attempts)}")
            .execution_options(synchronize_session=False)
        ).rowcount
        put_back = db.session.execute(
            update(OutboxMessage).where(*stuck)
            .values(status="pending", next_attempt_at=at, last_error=f"{note} 再送します。 / It will be sent again.")
            .execution_options(synchronize_session=False)
        ).rowcount
    report.failed += gave_up
    report.recovered += gave_up + put_back
    if gave_up or put_back:
        current_app.logger.warning("outbox: %d message(s) stuck in 'sending' recovered", gave_up + put_back)


def _explain_waiting(at: datetime, problem: str) -> None:
    with uow.atomic():
        explained = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= at,
                   or_(OutboxMessage.last_error.is_(None), OutboxMessage.last_error != problem))
            .values(last_error=problem)
            .execution_options(synchronize_session=False)
        ).rowcount
    if explained:  # once per message, not on every run
        current_app.logger.warning("outbox: %d message(s) waiting: %s", explained, problem)


@uow.atomic()  # the claim is durable before the SMTP conversation starts, and no lock is held
def _claim(message_id: int, at: datetime) -> _Claimed | None:
    taken = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending",
               OutboxMessage.next_attempt_at <= at)
        .values(status="sending", claimed_at=at, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        return None
    row = db.session.execute(
        select(OutboxMessage.key, OutboxMessage.attempts, OutboxMessage.recipients, OutboxMessage.subject,
               OutboxMessage.body).where(OutboxMessage.id == message_id)
    ).one()
    return _Claimed(message_id, row.key, row.attempts, list(row.recipients), row.subject, row.body)


def _compose(claimed: _Claimed, at: datetime, config) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = claimed.subject
    email["From"] = config["MAIL_FROM"]
    # Recipients of one mail may belong to different organisations (an escalation reaches the consignor and
    # its contractor): none sees another's address unless the mail has only one.
    email["To"] = claimed.recipients[0] if len(claimed.recipients) == 1 else "undisclosed-recipients:;"
    email["Date"] = format_datetime(at)
    email["Message-ID"] = message_id_for(claimed.key, config)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies are not sent back
    email.set_content(claimed.body, charset="utf-8", cte="base64")  # passes any relay, even one without 8BITMIME
    return email


def message_id_for(key: str, config) -> str:
    """The Message-ID of the mail queued under `key`: the same on every attempt, so a receiver can drop a
    copy sent again after a crash; keyed with SECRET_KEY so that two installations never share one."""
    digest = hmac.new(str(config["SECRET_KEY"]).encode(), key.encode(), hashlib.sha256).hexdigest()[:32]
    domain = _envelope_sender(config).rpartition("@")[2]
    if not domain.isascii() or not domain:
        domain = "oversight.invalid"
    return f"<{digest}.outbox@{domain}>"


def _envelope_sender(config) -> str:
    return parseaddr(config.get("MAIL_FROM") or "")[1]


def _record_sent(claimed: _Claimed, refused: dict, at: datetime) -> None:
    note = None
    if refused:
        note = _clip("一部の宛先が受け取りを拒否しました。 / Some recipients were refused: "
                     + _describe_refused(refused))
    # Recorded whatever happened meanwhile: the mail has gone, so it must not be sent again.
    with uow.atomic():
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == claimed.id)
            .values(status="sent", sent_at=at, last_error=note)
            .execution_options(synchronize_session=False)
        )
    current_app.logger.info("outbox: message %s (%s) sent to %d recipient(s)", claimed.id, claimed.key,
                            len(claimed.recipients) - len(refused or {}))


def _record_failure(claimed: _Claimed, error: Exception, at: datetime, config, report: DeliveryReport) -> None:
    detail = _describe(error)
    max_attempts = config["MAIL_MAX_ATTEMPTS"]
    if claimed.attempts >= max_attempts:
        values = {"status": "failed", "last_error": _clip(f"{_gave_up_text(claimed.attempts)} {detail}")}
        report.failed += 1
    else:
        wait = backoff(claimed.attempts)
        minutes = int(wait.total_seconds() // 60)
        values = {
            "status": "pending",
            "next_attempt_at": at + wait,
            "last_error": _clip(f"送信できませんでした（{claimed.attempts}回目）。{minutes}分後に再送します。"
                                f" / Not sent (attempt {claimed.attempts}); retrying in {minutes} min. {detail}"),
        }
        report.retried += 1
    with uow.atomic():
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == claimed.id, OutboxMessage.status == "sending")
            .values(**values).execution_options(synchronize_session=False)
        )
    unexpected = not isinstance(error, smtplib.SMTPException | OSError)
    current_app.logger.warning("outbox: message %s (%s) not sent, attempt %d: %s", claimed.id, claimed.key,
                               claimed.attempts, detail, exc_info=error if unexpected else None)


def _gave_up_text(attempts: int) -> str:
    return (f"{attempts}回送信を試みましたが送信できませんでした。管理者が再送できます。"
            f" / Gave up after {attempts} attempts; an administrator can send it again.")


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _describe_refused(error.recipients)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"SMTP {error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _describe_refused(refused: dict) -> str:
    return "; ".join(f"{address}: {code} {_text(reply)}" for address, (code, reply) in refused.items())


def _text(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _clip(text: str) -> str:
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


class _Connection:
    """One SMTP session reused for a run's messages, opened on first use and again after a failure."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.smtp is not None:
            return self.smtp
        c = self.config
        if c["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"],
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(c["MAIL_SERVER"], c["MAIL_PORT"], timeout=c["MAIL_TIMEOUT"])
        try:
            if c["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        self.smtp = smtp
        return smtp

    def close(self) -> None:
        """End the session; after a failure this makes the next message open a new one."""
        if self.smtp is None:
            return
        smtp, self.smtp = self.smtp, None
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


@uow.atomic()
def retry(message_id: int) -> OutboxMessage:
    """Put a failed message back in the queue with a fresh set of attempts (an administrator's action).

    A pending message is returned unchanged; one being sent or already sent is refused (Conflict).
    """
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(_l("There is no such mail in the outbox."))
    if message.status == "pending":
        return message
    if message.status != "failed":
        raise Conflict(_l("Only a mail whose delivery failed can be sent again."))
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    return message


def recent_for(object_type: str, object_id: int, *, limit: int = 20) -> list[OutboxMessage]:
    """The latest mails about one object, newest first, for its page to show how their delivery went."""
    return list(db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.object_type == object_type, OutboxMessage.object_id == object_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ))
