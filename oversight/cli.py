"""`flask` commands: first admin, demo data, trail verification, API tokens (the Art. 26 assessment, `flask
assess`, is oversight.incidents.cli: an entry point that needs no app)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import click
from flask import current_app
from sqlalchemy import func, select

from oversight.extensions import db


@dataclass(frozen=True)
class SystemActor:
    """The actor for work done from the command line (recorded as such in the trail)."""

    name: str = "cli"
    role: str = "admin"
    id: int | None = None
    organisation_id: int | None = None
    is_authenticated: bool = True

    @property
    def email(self) -> str:
        return f"system:{self.name}"


def init_app(app) -> None:
    from oversight import scheduler

    app.cli.add_command(create_admin)
    app.cli.add_command(load_demo)
    app.cli.add_command(verify_trail)
    app.cli.add_command(create_token)
    scheduler.init_app(app)  # `flask scheduler`, `flask outbox-deliver`
    from oversight.launcher import run_demo

    app.cli.add_command(run_demo)  # `make run`: the web server and the clock
    from oversight.notifications.cli import file_notification, verify_notification

    app.cli.add_command(file_notification)
    app.cli.add_command(verify_notification)


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", default="管理者")
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create an operator admin (the first user of a new installation)."""
    from oversight.accounts.services import create_user
    from oversight.errors import ValidationFailed

    try:
        user = create_user(None, {"email": email, "name": name, "role": "admin", "password": password})
    except ValidationFailed as error:
        for field, messages in error.errors.items():
            for message in messages:
                click.echo(f"{field}: {message}", err=True)
        sys.exit(1)
    click.echo(f"admin {user.email} created")


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if organisations already exist.")
def load_demo(if_empty: bool) -> None:
    """Load the Japanese demo registry and print how to log in."""
    from oversight import demo
    from oversight.registry.models import Organisation

    if if_empty and db.session.scalar(select(func.count(Organisation.id))):
        click.echo("demo data already present")
    else:
        demo.load(SystemActor(name="demo"))
        click.echo("demo data loaded")
    click.echo(demo.login_help(current_app.config["BASE_URL"]))


@click.command("verify-trail")
def verify_trail() -> None:
    """Check the audit trail's whole hash chain and compare it with every checkpoint in the anchor file.

    Exit status: 0 intact; 1 a record was altered, removed or inserted (its hash or link does not hold);
    2 truncated (records a checkpoint covers are gone); 3 rewritten (a record differs from its checkpoint:
    recomputed with the key); 4 the chain holds but the anchor file has lines without a valid signature.
    """
    from oversight.timeutil import to_jst
    from oversight.trail import checks

    report = checks.full_check()
    result, anchor_file = report.result, report.anchor_file
    last = anchor_file.last

    def moment(anchor) -> str:
        return f"{to_jst(anchor.at):%Y-%m-%d %H:%M} JST"

    if result.ok:
        click.echo(f"trail OK: {result.count} records")
        if last is None:
            click.echo(f"not anchored yet (no checkpoint in {anchor_file.path}): removing the newest records "
                       f"would not show", err=True)
        else:
            click.echo(f"matches the checkpoint of {moment(last)} (record {last.seq}); "
                       f"{result.last_seq - last.seq} newer records are not anchored yet")
    elif result.problem == "truncated":
        click.echo(f"trail TRUNCATED: {result.first_bad_seq - 1} records, but the checkpoint of "
                   f"{moment(last)} covers record {last.seq}: records {result.first_bad_seq} to {last.seq} "
                   f"are gone", err=True)
    elif result.problem == "diverged":
        anchor = report.anchor_at(result.first_bad_seq)
        click.echo(f"trail REWRITTEN at record {result.first_bad_seq}: it differs from the checkpoint of "
                   f"{moment(anchor)} (its hashes were recomputed, with the key)", err=True)
    else:
        click.echo(f"trail BROKEN at record {result.first_bad_seq}: {result.reason}", err=True)
    if anchor_file.damaged:
        click.echo(f"anchor file DAMAGED: line(s) {', '.join(map(str, anchor_file.damaged))} of "
                   f"{anchor_file.path} carry no valid signature", err=True)
    sys.exit(report.exit_status)


@click.command("create-token")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="cli")
def create_token(email: str, name: str) -> None:
    """Issue an API token for a user and print it once."""
    from oversight.accounts.models import User
    from oversight.accounts.services import issue_token

    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        click.echo(f"no user {email}", err=True)
        sys.exit(1)
    _token, secret = issue_token(user, name)
    click.echo(secret)
    current_app.logger.info("token issued for %s", email)
