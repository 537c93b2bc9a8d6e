"""The unit of work: a service that writes runs inside `atomic()`, as a decorator on the use case or as a block.

The outermost `atomic()` commits at its end and rolls everything back if anything raised, so a service failing
halfway leaves nothing written and no caller (view, API, CLI) rolls back by hand. Inside another `atomic()` a
block only flushes, and its failure goes up to the enclosing block, which decides: the importer runs many
services as one transaction this way (a `savepoint()` per row undoes just that row in a preview).
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


@contextmanager
def atomic(*, dry_run: bool = False):
    """Run the block as one transaction: commit at the end of the outermost block (with dry_run, roll back even
    on success: a preview), roll back if anything raised. A block inside another flushes at its end (a dry run
    there rolls back to its savepoint) and leaves a failure to the enclosing block."""
    outermost = not _depth.get()
    token = _depth.set(_depth.get() + 1)
    preview = db.session.begin_nested() if dry_run and not outermost else None
    try:
        yield
    except BaseException:
        if outermost:
            db.session.rollback()
        elif preview is not None and preview.is_active:
            preview.rollback()
        raise
    else:
        if preview is not None:
            preview.rollback()
        elif not outermost:
            db.session.flush()
        elif dry_run:
            db.session.rollback()
        else:
            # What runs after the commit (a job sent to an in-process queue) starts a unit of work of its own.
            _depth.reset(token)
            token = None
            _commit()
    finally:
        if token is not None:
            _depth.reset(token)


def _commit() -> None:
    try:
        db.session.commit()
    except BaseException:  # a flush refused at commit (a unique key taken meanwhile) leaves nothing half-done
        db.session.rollback()
        raise


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
