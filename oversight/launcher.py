"""`flask run-demo`: the single-command run (`make run`) — the web server, the clock and the worker side by side.

A small supervisor starts each process of `demo_processes` as a child with the same environment, and stops
them all when one of them ends or on Ctrl-C / SIGTERM. The clock is a process of its own, exactly one, never
a thread inside the web server: the development server's reloader would start a second one, and in
production each gunicorn worker would (oversight/scheduler.py says why). Production does not use this: it
runs gunicorn and, beside it, one `flask scheduler` and the `flask worker` processes (README). The worker, too,
is a process of its own, never a thread of the web server: jobs outlive requests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import click

STOP_TIMEOUT = 15  # seconds a child has to finish its work after SIGTERM before it is killed
POLL_INTERVAL = 0.5


@dataclass(frozen=True)
class Process:
    """One long-running command of the demo: a name for the log and its argv."""

    name: str
    argv: tuple[str, ...]


def demo_processes(host: str, port: int) -> list[Process]:
    """What `make run` runs: the development web server, the one clock and the background worker."""
    flask = (sys.executable, "-m", "flask", "--app", "oversight")
    return [
        Process("web", (*flask, "run", "--host", host, "--port", str(port))),
        Process("clock", (*flask, "scheduler")),
        Process("worker", (*flask, "worker")),
    ]


def supervise(processes: Sequence[Process], *, env: Mapping[str, str] | None = None,
              echo: Callable[[str], object] = print) -> int:
    """Start every process, wait until one ends (its exit status is returned) or until Ctrl-C or SIGTERM
    (0 is returned), then stop the others: SIGTERM, and SIGKILL after STOP_TIMEOUT."""
    children: list[tuple[Process, subprocess.Popen]] = []

    def _terminate(signum, frame):
        raise KeyboardInterrupt

    # SIGTERM stops the demo as Ctrl-C does; SIGINT is set too, since a shell starts a background job with
    # SIGINT ignored (and Python then leaves it so).
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGINT)}
    status = 0
    try:
        for process in processes:
            child = subprocess.Popen(process.argv, env=dict(env) if env is not None else None)  # noqa: S603
            children.append((process, child))
            echo(f"run-demo: {process.name} started (pid {child.pid})")
        status = _wait_for_first_exit(children, echo)
    except KeyboardInterrupt:
        echo("run-demo: stopping")
    finally:
        _stop(children, echo)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _wait_for_first_exit(children, echo) -> int:
    while True:
        for process, child in children:
            status = child.poll()
            if status is not None:
                echo(f"run-demo: {process.name} ended (status {status}); stopping the others")
                return status or 1  # a process of the demo that ends at all is a failure
        time.sleep(POLL_INTERVAL)


def _stop(children, echo) -> None:
    for _process, child in children:
        if child.poll() is None:
            child.terminate()
    for process, child in children:
        try:
            child.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            echo(f"run-demo: {process.name} did not stop; killing it")
            child.kill()
            child.wait()


@click.command("run-demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run_demo(host: str, port: int) -> None:
    """Serve the demo and run its clock (`flask scheduler`) and its worker (`flask worker`) beside it, until Ctrl-C."""
    env = dict(os.environ)
    env.setdefault("BASE_URL", f"http://{host}:{port}")  # links in the demo's mail point to this server
    env.setdefault("PYTHONUNBUFFERED", "1")  # the children's log lines appear as they happen
    sys.exit(supervise(demo_processes(host, port), env=env, echo=click.echo))
