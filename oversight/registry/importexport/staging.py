"""Stored uploads: an upload previewed and kept for its user, applied once, all rows or none."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from oversight import permissions as perm
from oversight import uow
from oversight.errors import Conflict, NotFound
from oversight.extensions import db
from oversight.registry.import_models import ImportBatch
from oversight.registry.importexport.parsing import base_name, parse_upload
from oversight.registry.importexport.results import ImportResult
from oversight.registry.importexport.rows import preview, run_sheets
from oversight.timeutil import utcnow

PREVIEW_LIFETIME = timedelta(hours=24)


def _owned(actor):
    user_id = getattr(actor, "id", None)
    return ImportBatch.user_id == user_id if user_id is not None else ImportBatch.user_id.is_(None)


def stage_import(actor, kind: str, filename: str, content: bytes) -> ImportBatch:
    """Check and preview an upload, and keep it (for this user only) so that exactly it can be applied."""
    perm.require(actor, "data.import")
    sheets = parse_upload(kind, filename, content)
    result = preview(actor, sheets)  # its own transaction, rolled back
    with uow.atomic():
        db.session.execute(delete(ImportBatch).where(ImportBatch.created_at < utcnow() - PREVIEW_LIFETIME))
        batch = ImportBatch(
            id=secrets.token_hex(16), user_id=getattr(actor, "id", None), kind=kind,
            filename=base_name(filename) or kind, sha256=hashlib.sha256(content).hexdigest(), content=content,
            row_count=sum(len(s.rows) for s in sheets), outcome=result.to_json(), created_at=utcnow(),
        )
        db.session.add(batch)
    return batch


def get_import(actor, batch_id: str) -> ImportBatch:
    """An upload of the actor's, previewed or applied; NotFound for anyone else's."""
    perm.require(actor, "data.import")
    batch = db.session.scalar(select(ImportBatch).where(ImportBatch.id == str(batch_id)[:32], _owned(actor)))
    if batch is None:
        raise NotFound(_l("This import does not exist, has expired, or belongs to someone else."))
    return batch


def import_result(batch: ImportBatch) -> ImportResult:
    """The stored preview, or after applying, what was done."""
    return ImportResult.from_json(batch.outcome)


def recent_imports(actor) -> list[ImportBatch]:
    """The actor's uploads that can still be looked at, newest first."""
    if not perm.allows(actor, "data.import"):
        return []
    return db.session.scalars(select(ImportBatch).where(
        _owned(actor), ImportBatch.created_at >= utcnow() - PREVIEW_LIFETIME
    ).order_by(ImportBatch.created_at.desc()).limit(10)).all()


class _Refused(Exception):
    def __init__(self, result: ImportResult, message):
        super().__init__(str(message))
        self.result = result
        self.message = message


def apply_import(actor, batch_id: str, *, progress: Callable[[int, int], object] | None = None) -> ImportResult:
    """Apply a previewed upload, all rows or none, once; refused if a row fails or the plan has changed.
    `progress(done, total)` is called after each row (the worker shows it)."""
    batch = get_import(actor, batch_id)
    if batch.applied_at is not None:
        raise Conflict(_l("This import has already been applied. Nothing was changed. "
                          "To import the file again, upload it again."))
    if batch.created_at < utcnow() - PREVIEW_LIFETIME:
        raise Conflict(_l("This preview has expired. Upload the file again."))
    previewed = batch.outcome.get("digest")
    sheets = parse_upload(batch.kind, batch.filename, batch.content)
    try:
        with uow.atomic():
            claimed = db.session.execute(
                update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.applied_at.is_(None))
                .values(applied_at=utcnow()).execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                raise Conflict(_l("This import has already been applied. Nothing was changed. "
                                  "To import the file again, upload it again."))
            result = run_sheets(actor, sheets, progress)
            if result.has_errors:
                raise _Refused(result, _l(
                    "Nothing was imported: %(n)s row(s) have errors. Correct the file and upload it again.",
                    n=result.counts["error"]))
            if result.digest() != previewed:
                raise _Refused(result, _l(
                    "Nothing was imported: the registry changed since the preview. "
                    "Check the updated preview and apply again."))
            batch.outcome = result.to_json()
            batch.content = b""
    except _Refused as refused:
        with uow.atomic():  # the plan as it stands now, for the preview page
            batch.outcome = refused.result.to_json()
        raise Conflict(refused.message) from None
    return result
