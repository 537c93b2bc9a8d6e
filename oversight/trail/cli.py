"""`flask verify-trail`: check the whole hash chain against the anchor file's checkpoints."""

from __future__ import annotations

import sys

import click


def init_app(app) -> None:
    """Register the trail's command on the Flask CLI."""
    app.cli.add_command(verify_trail)


@click.command("verify-trail")
def verify_trail() -> None:
    """Check the audit trail's whole hash chain and compare it with every checkpoint in the anchor file.

    Exit status: 0 intact; 1 a record was altered, removed or inserted (its hash or link does not hold);
    2 truncated (records a checkpoint covers are gone); 3 rewritten (a record differs from its checkpoint:
    recomputed with the key); 4 the chain holds but the anchor file has lines without a valid signature.
    """
    from oversight.timeutil import to_jst
    from oversight.trail import checks

    report = checks.full_check()
    result, anchor_file = report.result, report.anchor_file
    last = anchor_file.last

    def moment(anchor) -> str:
        return f"{to_jst(anchor.at):%Y-%m-%d %H:%M} JST"

    if result.ok:
        click.echo(f"trail OK: {result.count} records")
        if last is None:
            click.echo(f"not anchored yet (no checkpoint in {anchor_file.path}): removing the newest records "
                       f"would not show", err=True)
        else:
            click.echo(f"matches the checkpoint of {moment(last)} (record {last.seq}); "
                       f"{result.last_seq - last.seq} newer records are not anchored yet")
    elif result.problem == "truncated":
        click.echo(f"trail TRUNCATED: {result.first_bad_seq - 1} records, but the checkpoint of "
                   f"{moment(last)} covers record {last.seq}: records {result.first_bad_seq} to {last.seq} "
                   f"are gone", err=True)
    elif result.problem == "diverged":
        anchor = report.anchor_at(result.first_bad_seq)
        click.echo(f"trail REWRITTEN at record {result.first_bad_seq}: it differs from the checkpoint of "
                   f"{moment(anchor)} (its hashes were recomputed, with the key)", err=True)
    else:
        click.echo(f"trail BROKEN at record {result.first_bad_seq}: {result.reason}", err=True)
    if anchor_file.damaged:
        click.echo(f"anchor file DAMAGED: line(s) {', '.join(map(str, anchor_file.damaged))} of "
                   f"{anchor_file.path} carry no valid signature", err=True)
    sys.exit(report.exit_status)
