"""Configuration read from the environment; tests use a subclass."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class Config:
    """Production-shaped defaults: SQLite in the instance folder unless DATABASE_URL is set."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 5 * 1024 * 1024))
    API_MAX_JSON_BYTES = 256 * 1024
    BABEL_DEFAULT_LOCALE = "ja_JP"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    LANGUAGES = ("ja_JP", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PAGE_SIZE = 50
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")  # links in e-mail
    CERT_EXPIRY_WARNING_DAYS = 90

    # Served over HTTPS (README "Security"): Secure cookies and HSTS. Behind a reverse proxy, TRUSTED_PROXY_COUNT
    # says how many proxies set X-Forwarded-For/-Proto, so that the client's address is the one throttled.
    HTTPS = _flag("HTTPS")  # also on when BASE_URL starts with https:// (oversight/security.py)
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE") or 365 * 24 * 3600)
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or 0)
    # Log-in throttling: failed attempts per client address (Flask-Limiter; memory is per process, so give the
    # workers a shared store such as redis://127.0.0.1:6379), and per e-mail address a lockout kept in the
    # database that doubles each time, from LOGIN_LOCKOUT_MINUTES up to LOGIN_LOCKOUT_MAX_MINUTES.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    LOGIN_LOCKOUT_AFTER = int(os.environ.get("LOGIN_LOCKOUT_AFTER") or 5)
    LOGIN_LOCKOUT_MINUTES = float(os.environ.get("LOGIN_LOCKOUT_MINUTES") or 5)
    LOGIN_LOCKOUT_MAX_MINUTES = float(os.environ.get("LOGIN_LOCKOUT_MAX_MINUTES") or 24 * 60)

    # Outgoing mail (the outbox); an empty MAIL_SERVER leaves queued mail pending, with the reason shown.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")  # STARTTLS on a plain connection
    MAIL_USE_SSL = _flag("MAIL_USE_SSL")  # TLS from the first byte (SMTPS)
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or (465 if MAIL_USE_SSL else 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "")
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT") or 30)
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS") or 8)
    # Contractor notifications: the largest attachment, and how long a notification may stay unacknowledged
    # by its consignor before it is escalated.
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES") or 20 * 1024 * 1024)
    NOTIFICATION_ACK_HOURS = float(os.environ.get("NOTIFICATION_ACK_HOURS") or 4)
    # How long the answer to an API call sent with an Idempotency-Key is kept for a retry.
    IDEMPOTENCY_KEY_HOURS = float(os.environ.get("IDEMPOTENCY_KEY_HOURS") or 24)
    # The audit trail: the key of its HMAC chain (outside the database; empty: generated once into
    # instance/trail_key), the append-only file of its signed checkpoints (empty: instance/trail-anchors.jsonl),
    # the least time between two checkpoints, and who gets the day's first checkpoint by mail.
    TRAIL_KEY = os.environ.get("TRAIL_KEY", "")
    TRAIL_ANCHOR_PATH = os.environ.get("TRAIL_ANCHOR_PATH", "")
    TRAIL_ANCHOR_SECONDS = int(os.environ.get("TRAIL_ANCHOR_SECONDS") or 300)
    TRAIL_ANCHOR_MAIL_TO = os.environ.get("TRAIL_ANCHOR_MAIL_TO", "")

    # The background worker (`flask worker`): its queue is a SQLite file in the instance folder (JOB_QUEUE_PATH),
    # or Redis when REDIS_URL is set (several workers, several machines). A running job whose worker is gone is
    # queued again: on the worker's host as soon as its process has ended, elsewhere JOB_LEASE_SECONDS after its
    # last heartbeat; a job queued JOB_RESEND_SECONDS ago that no worker took is sent again (the message was lost).
    REDIS_URL = os.environ.get("REDIS_URL", "")
    JOB_QUEUE_PATH = os.environ.get("JOB_QUEUE_PATH", "")
    EVIDENCE_PACK_DIR = os.environ.get("EVIDENCE_PACK_DIR", "")  # built evidence packs; empty: instance/packs
    # A built pack's file is deleted this many days after it was built (its record and hashes stay); 0 keeps them all.
    EVIDENCE_PACK_KEEP_DAYS = int(os.environ.get("EVIDENCE_PACK_KEEP_DAYS") or 90)
    JOB_QUEUE_NAME = os.environ.get("JOB_QUEUE_NAME") or "oversight"
    JOBS_IMMEDIATE = _flag("JOBS_IMMEDIATE")  # run each job inside the request that submits it (tests only)
    JOB_LEASE_SECONDS = float(os.environ.get("JOB_LEASE_SECONDS") or 300)
    JOB_RESEND_SECONDS = float(os.environ.get("JOB_RESEND_SECONDS") or 600)
    JOB_SHUTDOWN_SECONDS = float(os.environ.get("JOB_SHUTDOWN_SECONDS") or 10)  # SIGTERM: time to finish a job
    # A registry import of more rows than this is applied by the worker, its progress on the jobs page.
    IMPORT_WORKER_ROWS = int(os.environ.get("IMPORT_WORKER_ROWS") or 1000)

    API_TITLE = "oversight API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {
        "info": {"description": "Registry of organisations and entrustments (委託) down the outsourcing chain."},
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearerAuth": []}],
    }


class TestConfig(Config):
    """Used by the test suite: CSRF stays on (a test proves it), fast password hashing."""

    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    TRAIL_KEY = "test-trail-key"  # noqa: S105
    PASSWORD_HASH_FAST = True
    MAIL_SERVER = ""  # whatever the environment says: a test starts its own SMTP server
    HTTPS = False
    TRUSTED_PROXY_COUNT = 0
    # Every test client comes from 127.0.0.1 and the memory store outlives a test: the throttling tests turn
    # the per-address limit on (and reset it); the lockout lives in the tables emptied before each test.
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_RATE_LIMIT = ""
    LOGIN_LOCKOUT_AFTER = 5
    LOGIN_LOCKOUT_MINUTES = 5
    LOGIN_LOCKOUT_MAX_MINUTES = 24 * 60
    # Jobs run where they are submitted (Huey's immediate mode); tests/jobs/ also start a real `flask worker`.
    JOBS_IMMEDIATE = True
    REDIS_URL = ""
