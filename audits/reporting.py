"""Plugs monthly handling reports (audits.handling_*) and the audit dashboard (audits.dashboard*) into the app:
their tables, blueprints, API, commands, visibility rules and the clock's reminder sweep."""

from __future__ import annotations

REMINDER_SECONDS = 3600


def init_app(app) -> None:
    """Register both features (called from audits.init_app)."""
    from audits import (  # noqa: F401
        dashboard_api,
        dashboard_views,
        handling_api,
        handling_cli,
        handling_models,
        handling_reports,
        handling_views,
        handling_visibility,
    )
    from oversight.api import register_api_blueprint
    from oversight.scheduler import register_job

    for blueprint in (handling_views.bp, dashboard_views.bp):
        if blueprint.name not in app.blueprints:
            app.register_blueprint(blueprint)
    register_api_blueprint(handling_api.blp)
    register_api_blueprint(dashboard_api.blp)
    handling_cli.init_app(app)
    handling_visibility.register()
    register_job("handling-report-reminders", handling_reports.enqueue_missing_reminders, REMINDER_SECONDS)
