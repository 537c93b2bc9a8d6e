"""Audits: due diligence at selection, audit campaigns, questionnaires (data), findings, scheduled jobs.

Pure modules (no Flask, no database): `questionnaire`, `parsing`, `library`, `answers`, `scoring`, `tiers`,
`tier_policy`, `cadence`. `models`, `visibility`, the services `selection` and `responses`, `views` (blueprint
"audits"), `api` and `cli` plug into the app through `init_app`; importing the package needs no Flask.
"""


def init_app(app) -> None:
    """Register the blueprint and the CLI commands (models are imported with them; the API resources are listed
    with the others in oversight.api)."""
    from audits import assist_views, cli, conditions, link_views  # noqa: F401 - routes; the reminder job
    from audits.views import bp

    if "audits" not in app.blueprints:
        app.register_blueprint(bp)
    cli.init_app(app)
    from audits.selection_gaps import unselected_gaps
    from contracts.services import add_gap_source

    add_gap_source(unselected_gaps)  # 「選定審査の記録なし」 in the contract gap analysis
    app.jinja_env.globals["selection_conditions"] = _open_conditions  # the dashboard's section (audits/_dashboard)
    app.jinja_env.globals["selection_decision"] = _decision  # the entrustment page's line (audits/_entrustment)
    app.jinja_env.globals["labels_outcome"] = _outcome_label


def _open_conditions():
    from flask_login import current_user

    from audits.selection import open_conditions

    return open_conditions(current_user) if current_user.is_authenticated else []



def _decision(entrustment):
    from flask_login import current_user

    from audits.selection import decision_for

    return decision_for(current_user, entrustment)


def _outcome_label(code: str) -> str:
    from audits.labels import OUTCOMES

    return str(OUTCOMES.get(code, code))
