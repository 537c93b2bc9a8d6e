"""`flask generate-contract PARAMS.json -o out.docx` and `flask check-clauses`: the same assembly and renderer."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from contracts import assembly
from contracts.docx_render import render_docx

MAX_PARAMS_FILE = 1024 * 1024


def init_app(app) -> None:
    """Register the contract commands on the Flask CLI."""
    app.cli.add_command(generate_contract)
    app.cli.add_command(check_clauses)


def generate(params_file: Path, output: Path) -> assembly.Document:
    """Assemble and render the request in `params_file` into `output` (written only if all is valid)."""
    if params_file.stat().st_size > MAX_PARAMS_FILE:
        raise assembly.AssemblyError([assembly.Problem("request", "the parameter file is larger than 1 MB",
                                                       "パラメータファイルが1MBを超えています")])
    try:
        data = json.loads(params_file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise assembly.AssemblyError([assembly.Problem("request", f"not valid UTF-8 JSON ({error})",
                                                       "UTF-8のJSONではありません")]) from error
    document = assembly.assemble(data)
    content = render_docx(document)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=".contract-", suffix=".docx")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return document


@click.command("generate-contract")
@click.argument("params_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the .docx.")
def generate_contract(params_file: Path, output: Path) -> None:
    """Generate a contract (.docx) from a JSON parameter file.

    The file holds {"template": "full" | "memorandum" | "subcontract", "language": "ja" | "en" | "bilingual",
    "layout": "stacked" | "columns", "params": {...}, "omit": [clause ids], "variants": {clause: variant}}.
    Bad input prints one line per problem, naming the parameter, writes nothing and exits with status 2.
    """
    try:
        document = generate(params_file, output)
    except assembly.AssemblyError as error:
        for problem in error.problems:
            click.echo(f"{problem.field}: {problem.en}", err=True)
        sys.exit(2)
    click.echo(f"{output}: {len(document.articles)} articles, template {document.template_id}, "
               f"clause library {document.library_version}")


@click.command("check-clauses")
def check_clauses() -> None:
    """Load the clause library and report every problem in it (exit 1 if there is one)."""
    try:
        library = assembly.load_library()
    except assembly.LibraryError as error:
        for problem in error.problems:
            click.echo(problem)
        sys.exit(1)
    click.echo(f"clause library OK: {len(library.clauses)} clauses, {len(library.templates)} templates, "
               f"version {library.version}")
