"""`flask check-questionnaires`: validate the questionnaire library (importable without the app)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from audits.library import QUESTIONNAIRES_DIR, LibraryError, freeze, load_all


def init_app(app) -> None:
    """Register the questionnaire commands on the Flask CLI."""
    app.cli.add_command(check_questionnaires)


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
