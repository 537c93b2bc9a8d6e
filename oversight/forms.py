"""Form helpers: WTForms renders and checks CSRF; the services do the domain validation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from oversight.errors import FORM_EXPIRED, DomainError, ValidationFailed


class ActionForm(FlaskForm):
    """CSRF only: a button, or fields generated from data files and read from request.form by the view."""


def one_button(use_case, success: str | None = None, *, flash_refusals: bool = False):
    """A one-button form on a detail page: check CSRF, run the use case, flash the outcome.

    Returns the use case's result, or None when the form had expired or the service refused (both flashed;
    the service rolled its refusal back). With `flash_refusals`, any other refusal but "not found" and
    "forbidden" (a conflict: already done, no longer possible) is flashed too instead of answered as an error."""
    from flask import flash

    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return None
    try:
        result = use_case()
    except ValidationFailed as error:
        flash_errors(error)
        return None
    except DomainError as error:
        if not flash_refusals or error.status in (403, 404):
            raise
        flash(str(error.message), "error")
        return None
    if success:
        flash(success, "success")
    return result


def form_data(form: FlaskForm) -> dict:
    """The submitted values, without the CSRF token and buttons."""
    return {name: field.data for name, field in form._fields.items()
            if name not in ("csrf_token", "submit")}


def attach_errors(form: FlaskForm, error: ValidationFailed) -> list[str]:
    """Put each field error on its field; return the messages that belong to no field on the form."""
    stray = []
    for field_name, messages in error.errors.items():
        field = form._fields.get(field_name.split(".")[0].split("[")[0])
        if field is not None:
            field.errors = list(field.errors or []) + [str(m) for m in messages]
        else:
            stray.extend(str(m) for m in messages)
    return stray


def flash_errors(error: ValidationFailed) -> None:
    """For one-button forms on a detail page: show each refusal as a message after the redirect."""
    from flask import flash

    for messages in error.errors.values():
        for message in messages:
            flash(str(message), "error")


def flash_form_expired() -> None:
    """A POST whose CSRF token is missing or stale: say so; the caller redirects and nothing changes."""
    from flask import flash

    flash(str(FORM_EXPIRED), "error")


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]
