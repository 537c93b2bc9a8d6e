"""`flask file-notification` and `flask verify-notification`: filing from a script, checking a receipt later."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

MAX_NOTICE_FILE = 1024 * 1024


def _fail(errors: dict) -> None:
    for field, messages in errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(2)


@click.command("file-notification")
@click.argument("notice_file", type=click.File("rb"))
@click.option("--as", "email", required=True, help="The e-mail of the contractor's user who files it.")
@click.option("--attach", "attachments", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A PDF or Office document to attach (repeatable).")
@click.option("--draft", is_flag=True, help="Keep it as a draft instead of filing it.")
def file_notification(notice_file, email: str, attachments: tuple[str, ...], draft: bool) -> None:
    """File the notification in NOTICE_FILE (JSON, as POST /api/v1/notifications takes it) as the user EMAIL;
    print the notification with its receipt as JSON. Bad input prints one line per field and exits 2."""
    from sqlalchemy import select

    from oversight.accounts.models import User
    from oversight.errors import DomainError, ValidationFailed
    from oversight.extensions import db
    from oversight.notifications import drafts, filing

    raw = notice_file.read(MAX_NOTICE_FILE + 1)
    if len(raw) > MAX_NOTICE_FILE:
        _fail({"notice": ["the file is larger than 1 MB"]})
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        _fail({"notice": [f"not valid UTF-8 JSON ({error})"]})
    if not isinstance(data, dict):
        _fail({"notice": ["expected a JSON object"]})
    user = db.session.scalar(select(User).where(User.email == email.strip().lower(), User.is_enabled.is_(True)))
    if user is None:
        _fail({"as": [f"no enabled user {email}"]})
    uploads = [(Path(p).name, Path(p).read_bytes()) for p in attachments]
    try:
        n = (drafts.create_draft if draft else filing.file_new)(user, data, uploads)
    except ValidationFailed as error:
        _fail({k: [str(m) for m in v] for k, v in error.errors.items()})
    except DomainError as error:
        _fail({"notice": [str(error)]})
    click.echo(json.dumps({
        "id": n.id, "status": n.status, "receipt_number": n.receipt_number or None,
        "filed_at": n.filed_at.isoformat() if n.filed_at else None, "content_sha256": n.content_sha256 or None,
        "recipient": n.recipient.name, "late": n.late, "unapproved_subcontract": n.unapproved,
        "incident_id": n.incident_id}, ensure_ascii=False, indent=2))


@click.command("verify-notification")
@click.argument("notification_id", type=int)
def verify_notification(notification_id: int) -> None:
    """Check that a filed notification still matches the content hash on its receipt (exit 1 if not)."""
    from oversight.extensions import db
    from oversight.notifications import filing
    from oversight.notifications.models import Notification

    n = db.session.get(Notification, notification_id)
    if n is None or not n.is_filed:
        click.echo(f"no filed notification {notification_id}", err=True)
        sys.exit(2)
    if filing.verify(n):
        click.echo(f"{n.receipt_number}: matches its receipt ({n.content_sha256})")
        return
    click.echo(f"{n.receipt_number}: DOES NOT match its receipt: stored {filing.content_hash(n)}, "
               f"receipt {n.content_sha256}", err=True)
    sys.exit(1)
