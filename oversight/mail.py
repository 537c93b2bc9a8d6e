"""The texts of every mail oversight sends: Jinja templates under `templates/email/<area>/`, Japanese first,
English second, rendered by `render`.

A template's first line is the subject and the body follows a blank line. Mail is plain text, so nothing is
HTML-escaped, and a name missing from the context is an error rather than a silent blank. Every template may
use `base_url` (the BASE_URL links start with) and the filter `in_jst` (a moment in Japan time).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from oversight.config import REPO_ROOT
from oversight.timeutil import to_jst

TEMPLATES = REPO_ROOT / "templates" / "email"


def _in_jst(moment: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_jst(moment).strftime(fmt)


_environment = Environment(loader=FileSystemLoader(TEMPLATES), trim_blocks=True, lstrip_blocks=True,
                           autoescape=False,  # noqa: S701 - plain-text mail: HTML escaping would garble it
                           undefined=StrictUndefined)
_environment.filters["in_jst"] = _in_jst


def render(template: str, **context) -> tuple[str, str]:
    """The (subject, body) of the mail `template` ("notifications/filed") for `context`."""
    base_url = current_app.config.get("BASE_URL", "").rstrip("/") if has_app_context() else ""
    text = _environment.get_template(f"{template}.txt").render(base_url=base_url, **context)
    subject, _blank, body = text.partition("\n\n")
    return subject, body


def templates() -> list[str]:
    """Every mail template's name, as `render` takes it."""
    return sorted(path.relative_to(TEMPLATES).with_suffix("").as_posix() for path in TEMPLATES.rglob("*.txt"))
