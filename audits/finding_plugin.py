"""How review, findings, cross-checks and obligations plug into the app (called from audits.init_app): the
"findings" blueprint, its API and commands, the clock's reminder sweep, and the vendor's history on the
organisation page (a section registered through the core's page-section seam)."""

from __future__ import annotations


def init_app(app) -> None:
    """Register the blueprint, the API, the commands, the job and the organisation page's section."""
    from audits import (  # noqa: F401
        finding_api,
        finding_cli,
        finding_labels,
        finding_reminders,
        finding_views,
        labels,
        obligation_models,
    )
    from oversight.api import register_api_blueprint
    from oversight.scheduler import register_job
    from oversight.templating import register_section

    if "findings" not in app.blueprints:
        app.register_blueprint(finding_views.bp)
    register_api_blueprint(finding_api.blp)
    finding_cli.init_app(app)
    register_job("finding-reminders", finding_reminders.enqueue_reminders, 3600)
    register_section("organisation", "audits/_organisation_history.html")
    app.jinja_env.globals["vendor_history"] = finding_views.vendor_history
    app.jinja_env.globals["fl"] = finding_labels  # the codes of reviews, findings, obligations in words
    app.jinja_env.globals["rl"] = labels  # the questionnaire requests' codes in words
