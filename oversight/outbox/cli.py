"""`flask outbox-deliver`: send the due mail once, as the scheduler's job does (for cron and scripts)."""

from __future__ import annotations

import click


def init_app(app) -> None:
    """Register the outbox's command on the Flask CLI."""
    app.cli.add_command(outbox_deliver)


@click.command("outbox-deliver")
@click.option("--limit", default=100, show_default=True, help="At most this many messages.")
def outbox_deliver(limit: int) -> None:
    """Send the due mail of the outbox once and print the counts."""
    from oversight.outbox.services import deliver_due

    report = deliver_due(limit=limit)
    click.echo(f"outbox: {report}")
    if report.unconfigured:
        click.echo(report.unconfigured, err=True)
