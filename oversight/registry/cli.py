"""`flask entrustment create|activate --as EMAIL`: recording and starting entrustments from a script, through the
same services as the pages and the API (the activation checks areas plug in included: `--override-reason`)."""

from __future__ import annotations

import json
import sys

import click


def init_app(app) -> None:
    """Register the entrustment commands on the Flask CLI."""
    app.cli.add_command(entrustment_group)


def _fail(errors: dict) -> None:
    for field, messages in errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(2)


def _user(email: str):
    from sqlalchemy import select

    from oversight.accounts.models import User
    from oversight.extensions import db

    user = db.session.scalar(select(User).where(User.email == email.strip().lower(), User.is_enabled.is_(True)))
    if user is None:
        _fail({"as": [f"no enabled user {email}"]})
    return user


def _run(use_case):
    from oversight.errors import DomainError, ValidationFailed

    try:
        e = use_case()
    except ValidationFailed as error:
        _fail({k: [str(m) for m in v] for k, v in error.errors.items()})
    except DomainError as error:
        _fail({"error": [str(error.message)]})
    click.echo(json.dumps({"id": e.id, "status": e.status, "consignor": e.consignor.name,
                           "contractor": e.contractor.name, "data_set": e.data_set}, ensure_ascii=False, indent=2))


AS = click.option("--as", "email", required=True, help="The e-mail of the user who acts.")
REASON = click.option("--override-reason", default=None,
                      help="Why it starts although a required check is missing (e.g. no selection review), where the "
                           "policy allows it; kept in the audit trail.")


@click.group("entrustment")
def entrustment_group() -> None:
    """Entrustments: record a direct one, start an approved subcontract."""


@entrustment_group.command("create")
@AS
@click.option("--contractor-id", type=int, required=True, help="The contractor's organisation id.")
@click.option("--data-set", required=True, help="The data entrusted.")
@click.option("--consignor-id", type=int, default=None, help="The consignor (default: the user's organisation).")
@click.option("--person-count", type=int, default=None, help="How many persons' data.")
@REASON
def create(email: str, contractor_id: int, data_set: str, consignor_id: int | None, person_count: int | None,
           override_reason: str | None) -> None:
    """Record a direct entrustment of the user's organisation (it starts active); print it as JSON."""
    from oversight.registry import services

    user = _user(email)
    data = {"consignor_id": consignor_id or user.organisation_id, "contractor_id": contractor_id,
            "data_set": data_set, "override_reason": override_reason}
    if person_count is not None:
        data["person_count"] = person_count
    _run(lambda: services.create_entrustment(user, data))


@entrustment_group.command("activate")
@click.argument("entrustment_id", type=int)
@AS
@REASON
def activate(entrustment_id: int, email: str, override_reason: str | None) -> None:
    """Start an approved subcontract (approved → active); print it as JSON."""
    from oversight.registry import services

    user = _user(email)
    _run(lambda: services.transition_entrustment(user, entrustment_id, "activate", override_reason=override_reason))
