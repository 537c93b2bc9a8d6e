"""One suite, two databases: SQLite always, PostgreSQL when TEST_DATABASE_URL names a server.

The schema is built by the migrations (so they are tested on both), once per session; every test starts
from empty tables.
"""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url

from oversight import create_app
from oversight.config import TestConfig
from oversight.extensions import db
from tests.helpers import WebClient
from tests.smtp import LocalSMTPServer

BACKEND = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"


def pytest_report_header(config):
    return f"database backend: {BACKEND}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    name = f"oversight_test_{uuid.uuid4().hex[:10]}"
    admin = make_url(server).set(drivername="postgresql")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections before the database is dropped


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        db.session.execute(text("PRAGMA defer_foreign_keys=ON"))  # entrustments reference each other
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def app_context(app, tmp_path, monkeypatch):
    """Each test runs inside an app context on empty tables (and an empty file of trail checkpoints)."""
    monkeypatch.setitem(app.config, "TRAIL_ANCHOR_PATH", str(tmp_path / "trail-anchors.jsonl"))
    with app.app_context():
        _empty_all_tables()
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app) -> WebClient:
    return WebClient(app.test_client())


@pytest.fixture
def make_client(app):
    """A fresh browser-like client per user (separate cookie jars)."""
    return lambda: WebClient(app.test_client())


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A running local SMTP server, and the app configured to send to it (restored afterwards)."""
    server = LocalSMTPServer()
    server.start()
    for name, value in server.mail_config().items():
        monkeypatch.setitem(app.config, name, value)
    yield server
    server.stop()


@pytest.fixture
def chain():
    """The call-centre chain the portal stories walk (tests/factories.py: gen_call_centre_chain)."""
    from tests.factories import gen_call_centre_chain

    return gen_call_centre_chain()
