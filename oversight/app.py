"""The application factory: configuration, extensions, and the one visible list of areas (`areas()`)."""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from oversight import api as oversight_api
from oversight import cli, errors, inputs, security, templating, uow
from oversight.config import REPO_ROOT, Config
from oversight.extensions import api, babel, csrf, db, limiter, login_manager, migrate


def create_app(config: type[Config] | None = None, overrides: dict | None = None) -> Flask:
    """Build the app from a Config class (default: read from the environment) and optional overrides."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder="static",
    )
    app.config.from_object(config or Config)
    app.json.ensure_ascii = False  # Japanese as UTF-8 text, not \u escapes (flask-smorest answers through it too)
    app.config.update(overrides or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'oversight.db'}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    if not app.config["TRAIL_KEY"]:
        app.config["TRAIL_KEY"] = _instance_secret(Path(app.instance_path), "trail_key")
    if not app.config["TRAIL_ANCHOR_PATH"]:
        app.config["TRAIL_ANCHOR_PATH"] = str(Path(app.instance_path) / "trail-anchors.jsonl")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Tokyo")
    login_manager.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    errors.init_app(app)  # after the Api, which registers a JSON handler for every HTTP error
    inputs.init_app(app)

    templating.init_app(app)
    for area in areas():
        area.init_app(app)
    oversight_api.init_app(app)
    cli.init_app(app)
    security.init_app(app)

    @app.get("/favicon.ico")
    def favicon():
        return app.send_static_file("favicon.ico")

    @app.before_request
    def _request_id():
        g.request_id = request.headers.get("X-Request-ID", "")[:40] or uuid.uuid4().hex

    @app.teardown_request
    def _end_transaction(error):
        # The request's transaction ends with it, as when its app context ends the session: a context that outlives
        # the request (a test's) must not carry an open read, or changes a failed request left, into the next one.
        db.session.rollback()

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if errors.wants_json():
            response.vary.add("Accept-Language")
        return response

    return app


def areas() -> tuple:
    """Every area, in the order it plugs in: each registers its blueprints, API, commands, jobs and visibility rules
    in its own init_app (the registry before the areas whose objects hang on its entrustments)."""
    import audits
    import contracts
    from oversight import accounts, dashboard, incidents, jobs, notifications, outbox, packs, registry, trail

    return (accounts, outbox, registry, dashboard, incidents, notifications, trail, contracts, jobs, audits, packs)


LOCALES = ("ja_JP", "en")
# Accept-Language tags the API answers in (werkzeug also matches ja-JP to ja, en-GB to en), and their catalogue.
API_LANGUAGES = {"ja": "ja_JP", "en": "en"}


def select_locale() -> str:
    """The language of this request's messages.

    Pages: the language chosen with the switch (this browser session), else the account's saved language, else
    Japanese — the browser's Accept-Language is not consulted: staff of Japanese organisations often browse
    with English-language systems, and the product speaks Japanese first. API calls carry no session: the
    Accept-Language header, else the token user's saved language, else Japanese.
    """
    if not request:
        return "ja_JP"
    if errors.wants_json():
        chosen = API_LANGUAGES.get(request.accept_languages.best_match(API_LANGUAGES) or "")
        user = g.get("api_user")  # set once the token is checked; a refusal before that has no user
        if not chosen and user is not None:
            chosen = user.locale or None
    else:
        chosen = session.get("lang")
        if not chosen and current_user and getattr(current_user, "is_authenticated", False):
            chosen = current_user.locale or None
    return chosen if chosen in LOCALES else "ja_JP"


def _instance_secret(instance: Path, name: str = "secret_key") -> str:
    """A per-installation secret kept in the instance folder (mode 0600), so it survives a restart."""
    path = instance / name
    if not path.exists():
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process (a second gunicorn worker) made it first
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
    return path.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    # Let SQLAlchemy emit BEGIN itself (below) so writers take the lock up front: a read transaction
    # that later writes would otherwise fail "database is locked" whatever the busy timeout.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={uow.BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    # Writers take the write lock up front (BEGIN IMMEDIATE, waiting up to the busy timeout): a read transaction
    # that later writes would fail "database is locked" at once, whatever the timeout. Reads take no lock (BEGIN
    # DEFERRED): a slow page must not hold up the filings. A request that only reads (GET, HEAD) reads; the CLI,
    # the scheduler and the other methods write unless a block says it only reads (uow.read_only).
    if connection.dialect.name != "sqlite":
        return
    reading = connection.get_execution_options().get(uow.READ_ONLY_OPTION)
    if reading is None:
        reading = uow.reading_request()
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


@event.listens_for(Session, "before_flush")
def _no_writes_in_read_requests(session, flush_context, instances):
    # A GET that writes through the request's own transaction would, on SQLite, upgrade a DEFERRED read to a write
    # and fail "database is locked" under load: its bookkeeping goes through uow.write_apart instead.
    if uow.reading_request() and (session.new or session.dirty or session.deleted):
        if current_app.testing:
            raise RuntimeError(f"{request.method} {request.path} writes through the request's transaction")
        current_app.logger.warning("%s %s writes through the request's transaction", request.method, request.path)
