"""Reading one field of a submitted form or JSON body alike in every audits use case: the clean value, or a
message under the field's name in `errors` (the caller raises ValidationFailed once, with every field's message)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l

REQUIRED = _l("This field is required.")


def text(data: Mapping, name: str, errors: dict, *, limit: int = 2000, required: bool | str = False) -> str:
    """A stripped text of at most `limit` characters; `required` may be the message to give when it is empty."""
    value = data.get(name)
    value = "" if value is None else value
    if not isinstance(value, str):
        errors[name] = [_l("Enter text.")]
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = [REQUIRED if required is True else required]
    elif len(value) > limit:
        errors[name] = [_l("At most %(max)s characters.", max=limit)]
    return value


def day(data: Mapping, name: str, errors: dict, *, required: bool = False, not_before: date | None = None,
        default: date | None = None) -> date | None:
    """A date (YYYY-MM-DD, or a date), not before `not_before`; `default` when it is left empty."""
    raw = data.get(name)
    if raw in (None, ""):
        if required and default is None:
            errors[name] = [REQUIRED]
        return default
    try:
        value = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    except ValueError:
        errors[name] = [_l("Enter a date (YYYY-MM-DD).")]
        return None
    if not_before is not None and value < not_before:
        errors[name] = [_l("This date cannot be in the past.")]
    return value
