"""The contractor portal: incident notifications filed up the outsourcing chain, with receipts (受領証).

`models`, `visibility` (who sees which notification: one recursive query, declared to oversight.permissions),
`services` (the lists, the path and thread of a notice), `drafts` (drafts and their attachments), `filing`
(receipt numbers and hashes, filing, forwarding, acknowledgement and their mails), `escalation` (the job),
`documents` (the receipt's wording), `attachments` (request-size limits), `receipt` and `pdf_fonts` (the receipt
PDF), `views` (blueprint "notifications"), `api` (/api/v1), `cli`
(`flask file-notification`, `verify-notification`). May import: the core, accounts, registry, incidents, outbox,
trail, contracts' services.
"""


def init_app(app) -> None:
    """Plug the portal into the app: models, visibility rule, blueprint, API, commands and the escalation job."""
    from oversight.api import register_api_blueprint
    from oversight.notifications import api, cli, escalation, models, visibility  # noqa: F401 - models: db check
    from oversight.notifications.views import bp
    from oversight.scheduler import register_job

    visibility.register()
    from oversight.notifications import pack_section

    pack_section.register()  # the evidence pack's notifications section
    app.register_blueprint(bp)
    register_api_blueprint(api.blp)
    app.cli.add_command(cli.file_notification)
    app.cli.add_command(cli.verify_notification)
    register_job("notification-escalation", escalation.escalate_unacknowledged, 300)
