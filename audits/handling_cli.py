"""`flask handling-reports …`: check the form, list, switch on or off, file a month's report, run the reminder sweep
once — the same services as the pages and the API."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from audits.cli import AS, _run, _user


@click.group("handling-reports")
def handling_group() -> None:
    """Monthly handling reports (月次の取扱状況報告) per entrustment."""


@handling_group.command("check-form")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_form(path: Path | None) -> None:
    """Validate the report form (default audits/report_forms/monthly.yaml); each problem on its own line, exit 1."""
    from audits import handling_form as hf

    try:
        form = hf.load_form(path or hf.FORM_FILE)
    except hf.FormError as error:
        for problem in error.problems:
            click.echo(f"{error.file}: {problem}", err=True)
        sys.exit(1)
    click.echo(f"{form.id} {form.version}: {len(form.fields)} fields, due on business day "
               f"{form.schedule.due_business_day}, reminded {form.schedule.grace_business_days} business day(s) later")


@handling_group.command("list")
@AS
def list_plans(email: str) -> None:
    """The entrustments with monthly reports the user may read, with the months missing."""
    from audits import handling_months as hm
    from audits import handling_reports as reports

    for row in _run(lambda: reports.overview(_user(email))):
        state = f"on since {hm.period_text(row.plan.since)}" if row.plan.enabled else "off"
        missing = ", ".join(hm.period_text(p) for p in row.overdue) or "none"
        click.echo(f"entrustment {row.entrustment.id}: {row.entrustment.data_set} "
                   f"({row.entrustment.consignor.name} → {row.entrustment.contractor.name}) [{state}] "
                   f"filed {row.filed}, missing: {missing}")


@handling_group.command("plan")
@AS
@click.argument("entrustment_id", type=int)
@click.option("--on/--off", "enabled", required=True, help="Switch monthly reports on or off.")
@click.option("--since", default="", help="The first month reported on, YYYY-MM (default: this month).")
def plan(email: str, entrustment_id: int, enabled: bool, since: str) -> None:
    """Switch monthly reports on or off for an entrustment (its consignor's privacy office or procurement)."""
    from audits import handling_months as hm
    from audits import handling_reports as reports

    saved = _run(lambda: reports.set_plan(_user(email), entrustment_id, {"enabled": enabled, "since": since}))
    click.echo(f"on since {hm.period_text(saved.since)}" if saved.enabled else "off")


@handling_group.command("file")
@AS
@click.argument("entrustment_id", type=int)
@click.option("--period", required=True, help="The month, YYYY-MM.")
@click.argument("answers", type=click.File("r", encoding="utf-8"))
def file_report(email: str, entrustment_id: int, period: str, answers) -> None:
    """File a month's report from a JSON file of answers (`-` reads stdin); print its id."""
    from audits import handling_reports as reports

    try:
        data = json.load(answers)
    except ValueError as error:
        raise click.BadParameter(f"not JSON: {error}", param_hint="ANSWERS") from None
    report = _run(lambda: reports.file_report(_user(email), entrustment_id, {"period": period, "answers": data}))
    click.echo(report.id)


@handling_group.command("remind")
def remind() -> None:
    """Queue the reminders of missing monthly reports now (the clock does this every hour); print how many."""
    from audits import handling_reports as reports

    click.echo(f"queued {reports.enqueue_missing_reminders()}")


@click.command("audit-dashboard")
@AS
def audit_dashboard(email: str) -> None:
    """Print the audit dashboard's figures (audits due and overdue by month, open findings, vendors by tier) as
    JSON, as the user may see them."""
    from audits import dashboard

    data = _run(lambda: dashboard.dashboard(_user(email)))
    click.echo(json.dumps(dashboard.as_json(data), ensure_ascii=False, indent=2, default=str))


def init_app(app) -> None:
    """Register the commands."""
    app.cli.add_command(handling_group)
    app.cli.add_command(audit_dashboard)
