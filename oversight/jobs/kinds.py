"""The kinds of job: what each does when a worker runs it, and how its page names it and shows its result.

A module that moves long work into the worker registers its kind when it is imported (as the clock's sweepers
do); `register_kind` again under the same name replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oversight.choices import Choice

if TYPE_CHECKING:
    from oversight.jobs.models import Job
    from oversight.jobs.run import JobRun


@dataclass(frozen=True)
class JobKind:
    """`handler(run)` does the work (returns a JSON-able result, or None) and reports progress through `run`;
    `action` is the permission the submitter needs; `summary(job)` says in words what a finished job did and
    `link(job)` where to see it (a URL, or None). A `system` kind may also be submitted by the clock (a SystemActor,
    no user): the worker runs it as that system actor."""

    name: str
    label: Choice
    handler: Callable[[JobRun], dict | None]
    action: str | None = None
    summary: Callable[[Job], str] | None = None
    link: Callable[[Job], str | None] | None = None
    system: bool = False


_kinds: dict[str, JobKind] = {}


def register_kind(name: str, handler: Callable, *, ja: str, en: str, action: str | None = None,
                  summary: Callable | None = None, link: Callable | None = None, system: bool = False) -> JobKind:
    """Add (or replace) a kind of job."""
    kind = JobKind(name, Choice(name, ja, en), handler, action, summary, link, system)
    _kinds[name] = kind
    return kind


def kind(name: str) -> JobKind | None:
    """The registered kind of that name, or None."""
    return _kinds.get(name)


def label(name: str, lang: str) -> str:
    """The kind's name in the language of the page (its code when unknown)."""
    found = _kinds.get(name)
    return found.label.label(lang) if found else name
