"""The durable e-mail outbox: mail is queued in the caller's transaction and sent later by the scheduler.

`services.enqueue` adds a message under an idempotency key (nothing is sent inside a request);
`services.deliver_due`, run by `flask scheduler` or `flask outbox-deliver`, claims and sends due messages.
`recipients` leaves out (and reports) addresses mail can never reach; `browse` and `views` are the operator
admins' reading of every message (`/outbox`).
`cli` is `flask outbox-deliver`. May import: the core only (every area enqueues through `services`).
"""


def init_app(app) -> None:
    """Plug the outbox into the app: its models, blueprint, command and the delivery job."""
    from oversight.outbox import cli, models, services  # noqa: F401 - models: `flask db check` must see its tables
    from oversight.outbox.views import bp
    from oversight.scheduler import register_job

    app.register_blueprint(bp)
    cli.init_app(app)
    register_job("outbox-deliver", services.deliver_due, 60)
