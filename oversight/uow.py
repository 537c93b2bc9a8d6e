"""The unit of work: services commit through here, so several of them can run as one transaction.

Outside `atomic()`, `commit()` commits at once. Inside, it only flushes; the block commits at its end or
rolls everything back if anything raised — the importer applies a whole spreadsheet this way.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from oversight.extensions import db

_depth: ContextVar[int] = ContextVar("uow_depth", default=0)


def commit() -> None:
    """Commit now, or flush if an enclosing atomic() block will commit."""
    if _depth.get():
        db.session.flush()
    else:
        db.session.commit()


@contextmanager
def atomic(*, dry_run: bool = False):
    """Run the block as one transaction; with dry_run, roll back even on success (a preview)."""
    token = _depth.set(_depth.get() + 1)
    try:
        yield
    except BaseException:
        _depth.reset(token)
        db.session.rollback()
        raise
    _depth.reset(token)
    if _depth.get():
        return
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()


@contextmanager
def savepoint():
    """A nested transaction for one step whose failure must not undo the others (row-by-row previews)."""
    nested = db.session.begin_nested()
    try:
        yield
    except BaseException:
        nested.rollback()
        raise
    else:
        nested.commit()


def rollback() -> None:
    """Undo a failed step: the whole transaction outside atomic(), nothing inside (the block decides)."""
    if not _depth.get():
        db.session.rollback()
