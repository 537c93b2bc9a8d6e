"""`flask assess`: the Art. 26 assessment of a facts file, without building the web app.

Registered through the `flask.commands` entry point (pyproject.toml), which Flask's command line finds before
it loads the application; so this module imports neither the app nor the database, only the pure engine.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click

from oversight.config import Config
from oversight.incidents import art26
from oversight.incidents.fact_messages import catalogue, translated

MAX_FACTS_FILE = 1024 * 1024


@click.command("assess")
@click.argument("facts_file", type=click.File("rb"))
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Assess as of this day (Japan time); default: now.")
def assess(facts_file, as_of) -> None:
    """Assess the facts in FACTS_FILE (JSON, or - for stdin) under Art. 26 and print the assessment as JSON.

    The file holds the engine's input (see oversight/incidents/art26/facts.py). Bad input prints one line per
    field to stderr and exits with status 2; nothing is stored either way.
    """
    raw = facts_file.read(MAX_FACTS_FILE + 1)
    if len(raw) > MAX_FACTS_FILE:
        click.echo("facts: the file is larger than 1 MB", err=True)
        sys.exit(2)
    try:
        facts = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        click.echo(f"facts: not valid UTF-8 JSON ({error})", err=True)
        sys.exit(2)
    try:
        parsed = art26.parse_facts(facts)
    except art26.FactsError as error:
        translate = catalogue(Config.BABEL_DEFAULT_LOCALE)
        for field, entries in error.errors.items():
            for entry in entries:
                click.echo(f"{field}: {translated(entry, translate)}", err=True)
        sys.exit(2)
    result = art26.assess(parsed, as_of.date() if as_of else datetime.now(UTC)).to_dict()
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))
