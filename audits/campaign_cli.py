"""`flask audits …`: open the audits due (as the clock does), send the reminders due, list and open audits, record
a checklist, close, show the schedule, check the checklists and the campaign policy — the same services as the
pages and the API."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time

import click

from audits.cli import AS, _fail, _run, _user


@click.group("audits")
def audits_group() -> None:
    """Periodic audits: tiers and schedule, campaigns, reminders, checklists, closing."""


def init_app(app) -> None:
    """Register `flask audits`."""
    app.cli.add_command(audits_group)


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail({"as-of": [f"not a date (YYYY-MM-DD): {text}"]})


@audits_group.command("open-due")
@click.option("--as-of", "as_of", default="", help="YYYY-MM-DD (default: today in Japan)")
@click.option("--dry-run", is_flag=True, help="List what is due without opening anything.")
def open_due(as_of: str, dry_run: bool) -> None:
    """Open every audit due within its lead time (what the clock does); safe to run again, or beside the clock."""
    from audits.campaigns import open_due_audits
    from audits.schedule import due_to_open

    day = _day(as_of)
    if dry_run:
        rows = due_to_open(day)
        for row in rows:
            click.echo(f"entrustment {row.entrustment_id}: {row.tier.level} {row.plan.kind} due "
                       f"{row.due.due_on.isoformat()} (auditor {row.auditor_id})")
        click.echo(f"{len(rows)} due")
        return
    click.echo(f"audits: {open_due_audits(day)}")


@audits_group.command("remind")
@click.option("--as-of", "as_of", default="", help="YYYY-MM-DD (default: today in Japan)")
def remind(as_of: str) -> None:
    """Queue the reminders and escalations due (what the clock does); each is queued once."""
    from audits.audit_reminders import send_due_reminders
    from oversight.incidents.art26.deadlines import JST

    day = _day(as_of)
    now = datetime.combine(day, time(9), JST) if day else None
    click.echo(f"reminders queued: {send_due_reminders(now)}")


@audits_group.command("list")
@AS
@click.option("--status", default="open", show_default=True,
              type=click.Choice(["due", "overdue", "open", "closed", "cancelled", "all"]))
def list_audits(email: str, status: str) -> None:
    """The audits the user may see."""
    from audits.audit_services import list_audits as service

    found = _run(lambda: service(_user(email), status=status))
    for a in found.audits:
        click.echo(f"#{a.id} {a.vendor.name} / {a.entrustment.data_set} [{a.kind} {a.status}] due "
                   f"{a.due_on.isoformat()} tier {a.tier}")
    click.echo(f"{len(found.audits)} audit(s)")


@audits_group.command("open")
@AS
@click.argument("entrustment_id", type=int)
@click.option("--kind", default="", type=click.Choice(["", "questionnaire", "document_review", "onsite"]))
@click.option("--due", "due_on", default="", help="YYYY-MM-DD (default: the schedule's due date)")
def open_(email: str, entrustment_id: int, kind: str, due_on: str) -> None:
    """Open an audit of an entrustment by hand; print its id."""
    from audits.campaigns import open_audit

    a = _run(lambda: open_audit(_user(email), entrustment_id, {"kind": kind, "due_on": due_on}))
    click.echo(a.id)


@audits_group.command("checklist")
@AS
@click.argument("audit_id", type=int)
@click.argument("items_json")
def checklist(email: str, audit_id: int, items_json: str) -> None:
    """Record checklist items: '{"area_control": {"result": "ok", "note": ""}}'."""
    from audits.audit_services import record_checklist

    try:
        items = json.loads(items_json)
    except ValueError as error:
        _fail({"items": [f"not JSON ({error})"]})
    a = _run(lambda: record_checklist(_user(email), audit_id, {"items": items}))
    click.echo(f"audit {a.id}: {sum(1 for i in a.checklist if i.get('result'))}/{len(a.checklist)} recorded")


@audits_group.command("close")
@AS
@click.argument("audit_id", type=int)
@click.option("--conclusion", required=True)
@click.option("--no-share", is_flag=True, help="Do not share the result up the chain.")
def close(email: str, audit_id: int, conclusion: str, no_share: bool) -> None:
    """Close an audit with its conclusion."""
    from audits.audit_services import close_audit

    a = _run(lambda: close_audit(_user(email), audit_id, {"conclusion": conclusion, "share_upward": not no_share}))
    click.echo(f"audit {a.id}: closed, score {a.score_percent if a.score_percent is not None else '—'}, shared with "
               f"{len(a.shares)} organisation(s)")


@audits_group.command("schedule")
@AS
@click.option("--tier", default=None)
@click.option("--within", "within_days", type=int, default=None, help="Only audits due within this many days.")
@click.option("--lang", default="ja", type=click.Choice(["ja", "en"]))
def show_schedule(email: str, tier: str | None, within_days: int | None, lang: str) -> None:
    """Each supervised entrustment: its tier and why, and its next due audit."""
    from audits.schedule import schedule

    view = _run(lambda: schedule(_user(email), tier=tier, within_days=within_days))
    for row in view.rows:
        e = view.entrustments[row.entrustment_id]
        flag = " OVERDUE" if row.due.overdue else ""
        click.echo(f"{e.id} {e.data_set}: {row.tier.explanation(lang)}; due {row.due.due_on.isoformat()}{flag}")
    click.echo(f"{len(view.rows)} of {view.total}; by tier {view.by_tier}")


@audits_group.command("check-data")
def check_data() -> None:
    """Load the checklists and the campaign policy; report each problem (exit 1 if any)."""
    from audits.campaign_policy import CampaignPolicyError
    from audits.checklists import KINDS, ChecklistError, load_checklist
    from audits.schedule import policies

    problems = []
    for kind in KINDS:
        try:
            c = load_checklist(kind)
            click.echo(f"checklist {c.id} {c.version}: {len(c.items)} items")
        except ChecklistError as error:
            problems += error.problems
    try:
        _tiers, campaign = policies()
        click.echo(f"campaign policy {campaign.version}: default {campaign.default.kind} "
                   f"{campaign.default.open_days_before} days before")
    except CampaignPolicyError as error:
        problems += error.problems
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
