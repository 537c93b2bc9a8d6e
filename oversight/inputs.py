"""What a request may carry, checked in one place for every page and API call.

- Its size: MAX_CONTENT_LENGTH, unless the view declares a larger limit of its own with `body_limit` (the forms
  and API calls that carry attachments), enforced before anything reads the body — Flask-WTF's CSRF check reads
  the form first — and refused with the endpoint's own explanation.
- Text the database can store: PostgreSQL refuses NUL (U+0000) in text, so a query parameter, form field, file
  name or JSON value holding one is refused (422, naming the field) before any view or service sees it.
- Numbers that can name a row or a page: `object_id` and `page_number` are the one way pages read them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import flask
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from oversight.errors import DomainError, ValidationFailed, handle_domain_error, wants_json

MAX_ID = 2**31 - 1  # the largest INTEGER key (PostgreSQL's int4): a larger number cannot name a row
MAX_PAGE = 1_000_000
UNSTORABLE = "\x00"
UNSTORABLE_MESSAGE = _l("Contains a character that cannot be stored (NUL, U+0000). Remove it and send again.")


class TooLarge(DomainError):
    """A body larger than its endpoint accepts, refused before it is parsed."""

    status = 413
    code = "too_large"


@dataclass(frozen=True)
class BodyLimit:
    """A view's own body limit: its size from the configuration, and the refusal that states it."""

    size: Callable[[Mapping], int]
    refusal: Callable[[Mapping], str]


def body_limit(size: Callable[[Mapping], int], refusal: Callable[[Mapping], str]):
    """Let a view take bodies up to `size(config)` bytes instead of MAX_CONTENT_LENGTH; a larger one is refused
    (413) with `refusal(config)`."""

    def mark(view):
        view.body_limit = BodyLimit(size, refusal)
        return view

    return mark


def declared_limit() -> BodyLimit | None:
    """The body limit the current request's view declares, if any."""
    rule = request.url_rule
    view = current_app.view_functions.get(rule.endpoint) if rule is not None else None
    return getattr(view, "body_limit", None)


class Request(flask.Request):
    """Flask's request, with the body limit of its view (see body_limit) in force from the first read."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app:
            declared = declared_limit()
            if declared is not None:
                return declared.size(current_app.config)
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def too_large(limit: int | None = None) -> TooLarge:
    """The refusal of a body that is too large: the view's own explanation, or the limit in bytes."""
    declared = declared_limit()
    if declared is not None:
        return TooLarge(declared.refusal(current_app.config))
    limit = limit or request.max_content_length or 0
    return TooLarge(_l("The request body is larger than %(n)s bytes.", n=f"{limit:,}"))


def _refuse_too_large(error: RequestEntityTooLarge):
    return handle_domain_error(too_large())


# ---------------------------------------------------------------- text the database can store

def unstorable_fields(data, prefix: str = "") -> list[str]:
    """Where in a JSON value (objects, arrays, strings; keys included) a NUL hides, as field paths:
    `title`, `attachments[0].filename`, `facts.report_items.overview`."""
    if isinstance(data, str):
        return [prefix or "body"] if UNSTORABLE in data else []
    found = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if UNSTORABLE in str(key):
                found.append(path)
            else:
                found.extend(unstorable_fields(value, path))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(unstorable_fields(value, f"{prefix}[{i}]"))
    return found


def refuse_unstorable(fields: list[str]) -> None:
    """ValidationFailed (422) naming each field that holds text the database cannot store."""
    if fields:
        names = ", ".join(dict.fromkeys(fields))
        raise ValidationFailed({name: [UNSTORABLE_MESSAGE] for name in fields}, message=_l(
            "%(fields)s: contains a character that cannot be stored (NUL, U+0000). Remove it and send again.",
            fields=names))


def _check_request_text() -> None:
    fields = [name for name, value in request.args.items(multi=True)
              if UNSTORABLE in name or UNSTORABLE in value]
    # The API reads only JSON (json_object checks it); reading a form there would consume a body sent with the
    # wrong content type, which the API refuses as such (415).
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not wants_json():
        fields += [name for name, value in request.form.items(multi=True)
                   if UNSTORABLE in name or UNSTORABLE in value]
        fields += [name for name, upload in request.files.items(multi=True)
                   if UNSTORABLE in name or UNSTORABLE in (upload.filename or "")]
    refuse_unstorable(fields)


# ---------------------------------------------------------------- numbers

def object_id(value) -> int | None:
    """A row id from a query, a form or a JSON body; anything that cannot be one (text, 0, 2**63, true) is None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 1 <= number <= MAX_ID else None


def page_number(value) -> int:
    """A page of a list from the query: 1 for anything unreadable, at most MAX_PAGE."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def init_app(app) -> None:
    """Use the request class with per-view body limits; check every request's text; explain 413s."""
    app.request_class = Request
    app.before_request(_check_request_text)
    app.register_error_handler(RequestEntityTooLarge, _refuse_too_large)
