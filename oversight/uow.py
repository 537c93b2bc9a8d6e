"""The unit of work: services commit through here, so several of them can run as one transaction.

Outside `atomic()`, `commit()` commits at once. Inside, it only flushes; the block commits at its end or
rolls everything back if anything raised — the importer applies a whole spreadsheet this way.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context, request
from sqlalchemy.exc import OperationalError

from oversight.extensions import db

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_TIMEOUT_MS = 10_000  # how long a SQLite writer waits for the write lock (app.py sets it on each connection)
APART_TIMEOUT_MS = 2_000  # a read request waits no longer than this for its bookkeeping
# The execution option the SQLite "begin" hook (app.py) reads: True begins DEFERRED (no write lock), False IMMEDIATE.
READ_ONLY_OPTION = "oversight_read_only"

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


def reading_request() -> bool:
    """True while serving a request that only reads (GET, HEAD, OPTIONS): its own transaction never writes."""
    return has_request_context() and request.method in READ_METHODS


@contextmanager
def read_only():
    """Run the block as a transaction that only reads and ends with a rollback. On SQLite it begins DEFERRED, so
    a long read (walking the trail) holds no write lock and the writers carry on. Inside a transaction already
    begun, the block simply runs in it."""
    if db.session().in_transaction():
        yield
        return
    db.session.connection(execution_options={READ_ONLY_OPTION: True})
    try:
        yield
    finally:
        db.session.rollback()


def write_apart(statement) -> bool:
    """Run one write statement in a short transaction of its own, beside the caller's (which it neither joins nor
    ends): the bookkeeping of a read request (a token's last use), which must never fail the read. On SQLite it
    waits for the write lock at most APART_TIMEOUT_MS; False, logged, if the database stayed busy."""
    try:
        with db.engine.connect() as connection:
            connection.execution_options(**{READ_ONLY_OPTION: False})
            raw = connection.connection.dbapi_connection if connection.dialect.name == "sqlite" else None
            if raw is not None:  # on the DBAPI connection: no transaction (nor write lock) just to set it
                raw.execute(f"PRAGMA busy_timeout={APART_TIMEOUT_MS}")
            try:
                with connection.begin():
                    connection.execute(statement)
            finally:
                if raw is not None:
                    raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except OperationalError as error:
        current_app.logger.warning("write apart skipped (database busy): %s", error)
        return False
    return True
