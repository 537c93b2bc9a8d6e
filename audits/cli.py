"""`flask check-questionnaires` (validate the questionnaire library; importable without the app) and
`flask selection …` (list, add a candidate, send, show the score, decide) — the same services as the pages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from audits.library import QUESTIONNAIRES_DIR, LibraryError, freeze, load_all


def init_app(app) -> None:
    """Register the questionnaire commands on the Flask CLI."""
    app.cli.add_command(check_questionnaires)
    app.cli.add_command(selection_group)


@click.command("check-questionnaires")
@click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=QUESTIONNAIRES_DIR, show_default=True, help="The folder of questionnaire YAML files.")
def check_questionnaires(directory: Path) -> None:
    """Load every questionnaire and report each problem on its own line (file: field: message); exit 1 if any."""
    try:
        library = load_all(directory)
    except LibraryError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(error.problems)} problem(s); nothing loaded", err=True)
        sys.exit(1)
    for (questionnaire_id, version), questionnaire in sorted(library.items()):
        _, digest = freeze(questionnaire)
        click.echo(f"{questionnaire_id} {version} ({questionnaire.purpose}): {len(questionnaire.questions)} questions "
                   f"in {len(questionnaire.categories)} categories, sha256 {digest[:12]}")
    click.echo(f"questionnaires OK: {len(library)}")
    from audits.selection_policy import SelectionPolicyError, load_policy

    try:
        policy = load_policy()
    except SelectionPolicyError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    click.echo(f"selection policy {policy.version}: activation_without_selection={policy.activation_without_selection}")


@click.group("selection")
def selection_group() -> None:
    """Vendor selection: selections, candidates and their questionnaires, scores, decisions."""


def _user(email: str):
    from sqlalchemy import select

    from oversight.accounts.models import User
    from oversight.extensions import db

    user = db.session.scalar(select(User).where(User.email == email.strip().lower(), User.is_enabled.is_(True)))
    if user is None:
        _fail({"as": [f"no enabled user {email}"]})
    return user


def _fail(errors: dict) -> None:
    for field, messages in errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(2)


def _run(use_case):
    from oversight.errors import DomainError, ValidationFailed

    try:
        return use_case()
    except ValidationFailed as error:
        _fail({k: [str(m) for m in v] for k, v in error.errors.items()})
    except DomainError as error:
        _fail({"error": [str(error.message)]})


AS = click.option("--as", "email", required=True, help="The e-mail of the user who acts.")


@selection_group.command("list")
@AS
def list_selections(email: str) -> None:
    """The selections the user may see, each with its candidates: status, progress, score, decision."""
    from audits import selection

    for s in _run(lambda: selection.list_selections(_user(email))):
        click.echo(f"#{s.id} {s.title} [{s.status}]")
        for r in s.requests:
            score = "—" if r.score_percent is None else f"{r.score_percent}%"
            flag = " BLOCKER" if r.blocked else ""
            decided = f" → {r.decision.outcome}" if r.decision else ""
            click.echo(f"  request {r.id}: {r.vendor.name} {r.questionnaire_id} {r.questionnaire_version} "
                       f"[{r.status}] {r.answered_count}/{r.question_count} score {score}{flag}{decided}")


@selection_group.command("create")
@AS
@click.option("--title", required=True)
@click.option("--purpose", default="")
@click.option("--persons", "person_count", type=int, default=None)
def create(email: str, title: str, purpose: str, person_count: int | None) -> None:
    """Open a selection; print its id."""
    from audits import selection

    s = _run(lambda: selection.create_selection(_user(email), {"title": title, "purpose": purpose,
                                                               "person_count": person_count}))
    click.echo(s.id)


@selection_group.command("add")
@AS
@click.argument("selection_id", type=int)
@click.argument("vendor_id", type=int)
@click.option("--questionnaire", default="dd-selection", show_default=True)
@click.option("--due", "due_on", default="", help="YYYY-MM-DD (default: in 14 days)")
def add(email: str, selection_id: int, vendor_id: int, questionnaire: str, due_on: str) -> None:
    """Add a candidate vendor with its questionnaire; print the request id."""
    from audits import selection

    r = _run(lambda: selection.add_candidate(_user(email), selection_id, {
        "vendor_id": vendor_id, "questionnaire": questionnaire, "due_on": due_on}))
    click.echo(r.id)


@selection_group.command("send")
@AS
@click.argument("selection_id", type=int)
def send(email: str, selection_id: int) -> None:
    """Send every candidate's questionnaire not sent yet (the vendors are mailed)."""
    from audits import selection

    for r in _run(lambda: selection.send_all(_user(email), selection_id)):
        click.echo(f"request {r.id}: sent to {r.vendor.name}, due {r.due_on.isoformat()}")


@selection_group.command("score")
@AS
@click.argument("request_id", type=int)
@click.option("--lang", default="ja", type=click.Choice(["ja", "en"]))
def show_score(email: str, request_id: int, lang: str) -> None:
    """The score of a request, explained: per category, red flags, what cost what, what is unanswered."""
    from audits import responses
    from audits.visibility import get_request, is_requester

    user = _user(email)
    r = _run(lambda: get_request(user, request_id))
    if not is_requester(user, r):
        _fail({"as": ["the score is the requester's"]})
    score = responses.current_score(r)
    click.echo(f"{r.vendor.name}: {score.percent}% ({score.earned}/{score.max}) as of {score.as_of.isoformat()}"
               + (" BLOCKED" if score.blocked else ""))
    for c in score.categories:
        click.echo(f"  {c.title.get(lang)}: {'—' if c.percent is None else str(c.percent) + '%'}")
    for f in score.red_flags:
        click.echo(f"  red flag [{f.severity}] {f.question}: {f.reason.get(lang)}")
    for line in score.costs:
        click.echo(f"  -{line.lost} {line.question}: {line.why.get(lang)}")


@selection_group.command("decide")
@AS
@click.argument("request_id", type=int)
@click.option("--outcome", required=True, type=click.Choice(["approved", "conditional", "rejected"]))
@click.option("--reason", default="")
@click.option("--condition", "conditions", multiple=True, help='JSON: {"text", "owner", "due_on"} (repeatable)')
def decide(email: str, request_id: int, outcome: str, reason: str, conditions: tuple[str, ...]) -> None:
    """Record the decision on a candidate whose answers are in."""
    from audits import selection

    try:
        parsed = [json.loads(c) for c in conditions]
    except ValueError as error:
        _fail({"condition": [f"not JSON ({error})"]})
    d = _run(lambda: selection.decide(_user(email), request_id, {"outcome": outcome, "reason": reason,
                                                                 "conditions": parsed}))
    click.echo(f"request {request_id}: {d.outcome} by {d.decided_by_name}")


@selection_group.command("export")
@AS
@click.argument("request_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export(email: str, request_id: int, output: Path) -> None:
    """Write a request's questionnaire as .xlsx, with the answers so far (fill in column H)."""
    from audits import roundtrip

    _name, content = _run(lambda: roundtrip.export_workbook(_user(email), request_id))
    output.write_bytes(content)
    click.echo(f"{output}: {len(content):,} bytes")


@selection_group.command("import")
@AS
@click.argument("request_id", type=int)
@click.argument("workbook_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(email: str, request_id: int, workbook_file: Path) -> None:
    """Apply the answers of a filled workbook, all or nothing; each bad cell is printed (exit 2)."""
    from audits import roundtrip

    r = _run(lambda: roundtrip.import_workbook(_user(email), request_id, workbook_file.read_bytes()))
    click.echo(f"request {r.id}: {r.answered_count}/{r.question_count} answered")


@selection_group.command("close-condition")
@AS
@click.argument("condition_id", type=int)
@click.option("--closing", required=True, type=click.Choice(["met", "waived"]))
@click.option("--note", default="", help="How it was met; the reason, to waive it (required then).")
def close_condition(email: str, condition_id: int, closing: str, note: str) -> None:
    """Mark a condition of an approval met or waived."""
    from audits import conditions

    c = _run(lambda: conditions.close_condition(_user(email), condition_id, {"closing": closing, "note": note}))
    click.echo(f"condition {c.id}: {closing} on {(c.met_on or c.waived_on).isoformat()} by {c.closed_by_name}")


@selection_group.command("keep-answers")
@AS
@click.argument("request_id", type=int)
def keep_answers(email: str, request_id: int) -> None:
    """Keep a submitted request's answers as the vendor's company answers to that questionnaire version."""
    from audits import company_answers

    a = _run(lambda: company_answers.save_from_request(_user(email), request_id))
    click.echo(f"company answers {a.id}: {a.questionnaire_id} {a.questionnaire_version}, {len(a.values)} answers, "
               f"answer date {a.answered_on.isoformat()}")


@selection_group.command("share")
@AS
@click.argument("request_id", type=int)
def share(email: str, request_id: int) -> None:
    """Share the vendor's company answers with the consignor of an open request (fills it in from them)."""
    from audits import company_answers

    s = _run(lambda: company_answers.share_into_request(_user(email), request_id))
    given = s.answered_on.isoformat() if s.answered_on else "—"
    click.echo(f"request {request_id}: {len(s.questions)} answers shared (answer date {given}) by {s.shared_by_name}")
