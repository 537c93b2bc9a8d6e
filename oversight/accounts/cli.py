"""`flask create-admin` and `flask create-token`: the first admin of an installation, API tokens."""

from __future__ import annotations

import sys

import click
from flask import current_app
from sqlalchemy import select

from oversight.extensions import db


def init_app(app) -> None:
    """Register the accounts' commands on the Flask CLI."""
    app.cli.add_command(create_admin)
    app.cli.add_command(create_token)


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
