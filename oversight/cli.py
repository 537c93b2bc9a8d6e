"""The core's `flask` commands: demo data (`load-demo`), the demo server with its clock (`run-demo`) and the clock
itself (`flask scheduler`). Each area registers its own commands in its init_app (its cli.py); the Art. 26
assessment, `flask assess`, is oversight.incidents.cli: an entry point that needs no app."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import func, select

from oversight.extensions import db


def init_app(app) -> None:
    """Register the core's commands."""
    from oversight import scheduler
    from oversight.launcher import run_demo

    app.cli.add_command(load_demo)
    scheduler.init_app(app)  # `flask scheduler`
    app.cli.add_command(run_demo)  # `make run`: the web server and the clock


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if organisations already exist.")
def load_demo(if_empty: bool) -> None:
    """Load the Japanese demo registry and print how to log in."""
    from oversight import demo
    from oversight.accounts.system import SystemActor
    from oversight.registry.models import Organisation

    if if_empty and db.session.scalar(select(func.count(Organisation.id))):
        click.echo("demo data already present")
    else:
        demo.load(SystemActor(name="demo"))
        click.echo("demo data loaded")
    click.echo(demo.login_help(current_app.config["BASE_URL"]))
