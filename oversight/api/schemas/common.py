"""What every resource's schemas share: the error and page shapes, choice codes, and query parameters
loaded (not only documented) with messages a client can show."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from oversight.inputs import MAX_PAGE

MAX_PER_PAGE = 200
CERTIFICATION_FILTERS = ("expired", "expiring", "none")


def always_present(schema: type[Schema]) -> type[Schema]:
    """Mark every field of an output schema required, so the document promises what each response holds."""
    for field in schema._declared_fields.values():
        field.required = True
    return schema


def codes(choice_set, description: str = "") -> dict:
    """The metadata documenting a choice field: its codes, and that a label is accepted too."""
    text = f"{description} One of the codes; its Japanese or English label is accepted too.".strip()
    return {"enum": choice_set.codes, "description": text}


# ---------------------------------------------------------------- errors and pages

class ApiErrorSchema(Schema):
    """Every refusal: a stable code, a message for people, and messages per field when there are any."""

    code = fields.String(required=True, metadata={"example": "validation_failed"})
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Messages per field; list items as `contacts[0].email`."})


class PageSchema(Schema):
    total = fields.Integer(required=True, metadata={"description": "Matching objects on all pages."})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)


# ---------------------------------------------------------------- query parameters (loaded, not only documented)

class _Between(validate.Range):
    def _format_error(self, value, message) -> str:
        if self.min is not None and value < self.min:
            return gettext("Must be at least %(n)s.", n=self.min)
        return gettext("Must be at most %(n)s.", n=f"{self.max:,}")


class _OneOf(validate.OneOf):
    def _format_error(self, value) -> str:
        return gettext("Unknown value “%(value)s”. Allowed: %(allowed)s", value=value, allowed=self.choices_text)


class _AtMost(validate.Length):
    def _format_error(self, value, message) -> str:
        return gettext("At most %(n)s characters.", n=self.max)


def whole_number(minimum: int, maximum: int, **kwargs):
    """A whole-number query parameter between minimum and maximum."""
    return fields.Integer(validate=_Between(minimum, maximum),
                          error_messages={"invalid": _l("Must be a whole number.")}, **kwargs)


def one_of(codes, **kwargs):
    """A query parameter that takes one of `codes`."""
    return fields.String(validate=_OneOf(list(codes)), **kwargs)


def search_text(description: str):
    """A free-text search parameter: at most 200 characters, no control characters."""
    return fields.String(load_default="", metadata={"description": description}, validate=[
        _AtMost(max=200), validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error=_l("Contains control characters."))])


class ListQuerySchema(Schema):
    """The page parameters every list takes."""

    page = whole_number(1, MAX_PAGE, load_default=1)
    per_page = whole_number(1, MAX_PER_PAGE, load_default=50)
