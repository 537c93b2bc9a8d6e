"""`flask findings …`: list, raise, close, reopen findings; run the cross-checks of an audit; the obligations list —
the same services as the pages and the API, acting as the user named by --as."""

from __future__ import annotations

import click

from audits.cli import AS, _run, _user


def init_app(app) -> None:
    """Register `flask findings`."""
    app.cli.add_command(findings_group)


@click.group("findings")
def findings_group() -> None:
    """Findings of periodic audits, the cross-checks and the obligations list."""


@findings_group.command("list")
@AS
def list_findings(email: str) -> None:
    """The findings the user may see: id, severity, status, due date, vendor, title."""
    from sqlalchemy import select

    from audits.audit_models import Finding
    from audits.audit_visibility import restrict_findings
    from oversight.extensions import db

    user = _user(email)
    for f in db.session.scalars(restrict_findings(select(Finding), user).order_by(Finding.due_on, Finding.id)):
        click.echo(f"{f.id}\t{f.severity}\t{f.status}\t{f.due_on.isoformat()}\t{f.vendor.name}\t{f.title}")


@findings_group.command("raise")
@AS
@click.option("--audit", "audit_id", type=int, required=True)
@click.option("--severity", required=True, type=click.Choice(["critical", "high", "medium", "low"]))
@click.option("--title", required=True)
@click.option("--detail", default="")
@click.option("--due", "due_on", default="", help="YYYY-MM-DD (default: by severity)")
def raise_(email: str, audit_id: int, severity: str, title: str, detail: str, due_on: str) -> None:
    """Raise a finding on an audit."""
    from audits.findings import raise_finding

    f = _run(lambda: raise_finding(_user(email), {"audit_id": audit_id, "severity": severity, "title": title,
                                                  "detail": detail, "due_on": due_on}))
    click.echo(f"finding {f.id} raised, due {f.due_on.isoformat()}")


@findings_group.command("close")
@AS
@click.argument("finding_id", type=int)
@click.option("--verification", default="", help="How the remediation was verified (required).")
def close(email: str, finding_id: int, verification: str) -> None:
    """Close a verified finding."""
    from audits.findings import close_finding

    f = _run(lambda: close_finding(_user(email), finding_id, {"verification": verification}))
    click.echo(f"finding {f.id} closed")


@findings_group.command("reopen")
@AS
@click.argument("finding_id", type=int)
@click.option("--reason", default="")
@click.option("--due", "due_on", default="")
def reopen(email: str, finding_id: int, reason: str, due_on: str) -> None:
    """Reopen a finding (the reason is required)."""
    from audits.findings import reopen_finding

    f = _run(lambda: reopen_finding(_user(email), finding_id, {"reason": reason, "due_on": due_on}))
    click.echo(f"finding {f.id} reopened, due {f.due_on.isoformat()}")


@findings_group.command("cross-check")
@AS
@click.argument("audit_id", type=int)
def cross_check(email: str, audit_id: int) -> None:
    """Run the cross-checks of an audit's submitted answers and print each flag with its reason."""
    from audits.crosschecks import run_cross_checks

    result = _run(lambda: run_cross_checks(_user(email), audit_id))
    for flag in result.flags:
        click.echo(f"{flag.severity}\t{flag.check}\t{flag.reason.ja}")
    click.echo(f"{len(result.flags)} flag(s), {len(result.new_findings)} new finding(s), "
               f"{len(result.recorded)} subcontract(s) recorded as found in the audit")


@findings_group.command("obligations")
@AS
def obligations(email: str) -> None:
    """Everything owed: findings, vendor-approval and subcontract-approval conditions, earliest due first."""
    from audits.obligations import list_obligations
    from oversight.timeutil import today_jst

    today = today_jst()
    for o in list_obligations(_user(email)):
        click.echo(f"{o.kind}\t{o.id}\t{o.due_on.isoformat()}{' OVERDUE' if o.overdue(today) else ''}\t{o.status}"
                   f"\t{o.vendor}\t{o.title}")
