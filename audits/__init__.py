"""Audits: due diligence at selection, audit campaigns, questionnaires (data), findings, scheduled jobs.

Pure modules (no Flask, no database): `questionnaire` (the plain dataclasses), `parsing` and `library` (load and
validate the YAML library in questionnaires/), `answers`, `scoring`, `cadence`, `tiers` and `tier_policy`. `cli`
(`flask check-questionnaires`) plugs into the app through `init_app`, imported lazily so that this package stays
importable without Flask. May import: the core's pure helpers only.
"""


def init_app(app) -> None:
    """Plug audits into the app: the questionnaire commands."""
    from audits import cli

    cli.init_app(app)
