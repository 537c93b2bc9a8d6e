"""The contractor portal: incident notifications filed up the outsourcing chain, with receipts (受領証).

`models`, `visibility` (who sees which notification: one recursive query, declared to oversight.permissions),
`services` (drafts, filing, forwarding, acknowledgement, escalation, receipts), `attachments`, `receipt` and
`pdf_fonts` (the receipt PDF), `views` (blueprint "notifications"), `api` (/api/v1), `cli`
(`flask file-notification`, `verify-notification`). May import: the core, accounts, registry, incidents, outbox,
trail, contracts' services.
"""


def init_app(app) -> None:
    """Plug the portal into the app: models, visibility rule, blueprint, API, commands and the escalation job."""
    from oversight.api import register_api_blueprint
    from oversight.notifications import api, cli, models, services, visibility  # noqa: F401 - models: `flask db check`
    from oversight.notifications.views import bp
    from oversight.scheduler import register_job

    visibility.register()
    app.register_blueprint(bp)
    register_api_blueprint(api.blp)
    app.cli.add_command(cli.file_notification)
    app.cli.add_command(cli.verify_notification)
    register_job("notification-escalation", services.escalate_unacknowledged, 300)
