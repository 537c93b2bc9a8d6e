"""Incidents: what happened to personal data, and what the law requires of each party (Art. 26).

`art26/` (the pure engine: facts, rules, deadlines; no Flask, no database) and its vocabulary of causes in
`vocabulary/`; `models` (with `to_facts()`), `validation`, `visibility` (who sees what of a shared incident,
declared to oversight.permissions), `services` (use cases), `chains`, `board`, `workspace`, `reminders` (the
deadline mail job), `views` (blueprint "incidents"), `api` (/api/v1), `cli` (`flask assess`: an entry point
that needs no app). May import: the core, accounts, registry (`queries`, `services`, `contacts`), outbox, trail,
contracts' services.
"""


def init_app(app) -> None:
    """Plug incidents into the app: models, visibility rules, blueprint, API and the reminder job."""
    from oversight.api import register_api_blueprint
    from oversight.incidents import api, models, reminders, visibility  # noqa: F401 - models: `flask db check`
    from oversight.incidents.views import bp
    from oversight.scheduler import register_job

    visibility.register()
    from oversight.incidents import pack_section

    pack_section.register()  # the evidence pack's incidents section
    app.register_blueprint(bp)
    register_api_blueprint(api.blp)
    register_job("incident-reminders", reminders.enqueue_due_reminders, 600)
