"""Accounts: users, roles, logins (throttled), passwords, language, API tokens, and the system actor.

`models` (User, ApiToken), `services` (one function per use case), `login` (sessions and throttling), `auth` (the
login manager, `requires` for views, the API's bearer tokens), `password_policy`, `system` (SystemActor, the actor
of the command line and the demo), `views` (blueprint "accounts"), `cli` (`flask create-admin`, `create-token`).
May import: the core (oversight.extensions, errors, permissions, trail). Other areas import `auth`, `models` and
`system`.
"""


def init_app(app) -> None:
    """Plug accounts into the app: its models, login manager, blueprint and commands."""
    from oversight.accounts import auth, cli, models  # noqa: F401 - models: `flask db check` must see its tables
    from oversight.accounts.views import bp

    auth.init_app(app)
    app.register_blueprint(bp)
    cli.init_app(app)
