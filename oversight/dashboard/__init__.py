"""The dashboard: the start page's counts and to-dos, read through the other areas' public services.

`services` (what one user sees), `views` (blueprint "dashboard"). May import: the core and the other areas'
public services; nothing imports it.
"""


def init_app(app) -> None:
    """Plug the dashboard into the app: its blueprint."""
    from oversight.dashboard.views import bp

    app.register_blueprint(bp)
