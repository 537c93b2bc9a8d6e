"""Session login for the web UI (Flask-Login) and bearer tokens for the API."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from oversight import permissions as perm
from oversight.accounts.models import User
from oversight.extensions import db, login_manager


def init_app(app) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(session_token: str):
    return db.session.scalar(select(User).where(User.session_token == session_token))


def requires(*actions: str):
    """Web views: log in first, then the role must allow one of `actions` (objects are checked by services)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not any(perm.allows(current_user, action) for action in actions):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def api_actor() -> User:
    """The user behind the request's bearer token; 401 without a valid one. API requests use no cookies."""
    if "api_user" in g:
        return g.api_user
    from oversight.accounts.services import user_for_token

    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    user = user_for_token(secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None
    if user is None:
        abort(401)
    g.api_user = user
    return user
