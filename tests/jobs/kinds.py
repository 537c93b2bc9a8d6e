"""Kinds of job the tests run, in the test process (immediate mode) and in a real `flask worker` (worker_app.py).

`test.count` counts to `steps`, reporting each step, and fails at step `fail_at` unless the file `cured` names
exists (so a retry after the cause is removed succeeds); `test.wait` reports one step and then waits for the
file `release` to exist (a job still running when its worker is killed)."""

from __future__ import annotations

import time
from pathlib import Path

from oversight.errors import Conflict
from oversight.jobs import kinds


def count(run) -> dict:
    steps = int(run.params["steps"])
    for step in range(1, steps + 1):
        fail_at = run.params.get("fail_at")
        if fail_at == step and not Path(run.params.get("cured", "/nonexistent")).exists():
            raise Conflict(f"step {step} of {steps}: the partner system is not answering")
        run.progress(step, steps, message=f"step {step}")
        time.sleep(float(run.params.get("pause", 0)))
    return {"counted": steps, "by": run.actor.email}


def wait(run) -> dict:
    run.progress(1, 2, message="waiting")
    release = Path(run.params["release"])
    deadline = time.monotonic() + 120
    while not release.exists():
        if time.monotonic() > deadline:
            raise Conflict("never released")
        time.sleep(0.05)
    run.progress(2, 2, message="released")
    return {"released": True}


kinds.register_kind("test.count", count, ja="数える", en="Count")
kinds.register_kind("test.wait", wait, ja="待つ", en="Wait")
