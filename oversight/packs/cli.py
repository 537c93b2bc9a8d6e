"""`flask evidence-pack build` (ask for a pack as a user; built by the worker, or here with --here) and `flask
verify-pack PATH` (every file of a pack against its manifest, and the manifest against the pack's record)."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click


def init_app(app) -> None:
    """Register the commands."""
    app.cli.add_command(pack_group)
    app.cli.add_command(verify_pack)


@click.group("evidence-pack")
def pack_group() -> None:
    """Supervision evidence packs: one zip per contractor and period."""


def _fail(errors: dict, status: int = 2) -> None:
    for field, messages in errors.items():
        for message in messages:
            click.echo(f"{field}: {message}", err=True)
    sys.exit(status)


@pack_group.command("build")
@click.option("--contractor", "contractor_id", required=True, help="The contractor organisation's id.")
@click.option("--from", "period_from", required=True, help="First day of the period (YYYY-MM-DD).")
@click.option("--to", "period_to", required=True, help="Last day of the period (YYYY-MM-DD).")
@click.option("--as", "email", required=True, help="The e-mail of the user the pack is built as.")
@click.option("--here", is_flag=True, help="Build it in this process instead of waiting for the worker.")
@click.option("--wait", is_flag=True, help="Wait until the worker has built it.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Copy the built pack here.")
def build_command(contractor_id, period_from, period_to, email, here, wait, out) -> None:
    """Ask for a pack as a user (the same checks as the page); print its id and, once built, its hashes."""
    from sqlalchemy import select

    from oversight import uow
    from oversight.accounts.models import User
    from oversight.errors import DomainError, ValidationFailed
    from oversight.extensions import db
    from oversight.jobs import run
    from oversight.packs import services

    user = db.session.scalar(select(User).where(User.email == email.strip().lower(), User.is_enabled.is_(True)))
    if user is None:
        _fail({"as": [f"no enabled user {email}"]})
    try:
        pack = services.request_pack(user, {"contractor_id": contractor_id, "period_from": period_from,
                                            "period_to": period_to})
    except ValidationFailed as error:
        _fail({k: [str(m) for m in v] for k, v in error.errors.items()})
    except DomainError as error:
        _fail({"error": [str(error.message)]})
    pack_id, job_id = pack.id, pack.job_id
    click.echo(f"evidence pack {pack_id}: job {job_id} queued")
    if here:
        run.execute(job_id)
    if here or wait or out:
        while True:
            with uow.read_only():  # each look is a fresh read: the worker's progress shows
                pack = services.get_pack(user, pack_id)
                status, error = pack.status, pack.job.error if pack.job else ""
                built = (pack.file_count, pack.size, pack.sha256, pack.manifest_sha256, services.pack_path(pack))
            if status in ("ready", "failed"):
                break
            time.sleep(1)
        if status == "failed":
            _fail({"job": [error or "failed"]}, 1)
        files, size, sha256, manifest_sha256, path = built
        click.echo(f"built: {files} files, {size:,} bytes, sha256 {sha256}, manifest sha256 {manifest_sha256}")
        if out:
            shutil.copyfile(path, out)
            click.echo(f"written to {out}")
        else:
            click.echo(f"file: {path}")


@click.command("verify-pack")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_pack(path: Path) -> None:
    """Check a pack: every file against the SHA-256 in its manifest (changed, added, removed), and the manifest
    against the record kept when the pack was built. Exit 0 intact, 1 tampered, 2 not a pack."""
    from oversight.extensions import db
    from oversight.packs.manifest import verify
    from oversight.packs.models import EvidencePack

    report = verify(path)
    if report.problems and not report.files:
        for line in report.lines():
            click.echo(line, err=True)
        sys.exit(2)
    recorded = None
    pack_id = report.about.get("pack_id")
    if isinstance(pack_id, int):
        pack = db.session.get(EvidencePack, pack_id)
        recorded = pack.manifest_sha256 if pack is not None and pack.manifest_sha256 else None
    lines = report.lines()
    if recorded is not None and recorded != report.manifest_sha256:
        lines.insert(0, f"manifest.json が作成時の記録と違います / manifest.json differs from the record made when "
                        f"pack {pack_id} was built (recorded {recorded}, found {report.manifest_sha256})")
    if lines:
        for line in lines:
            click.echo(line, err=True)
        click.echo(f"改ざんあり / TAMPERED: {path}", err=True)
        sys.exit(1)
    against = ("作成時の記録と一致 / matches the record made when it was built" if recorded
               else "この環境に作成の記録なし / no record of it in this installation")
    click.echo(f"OK: {report.files} files match manifest.json (sha256 {report.manifest_sha256}; {against})")
