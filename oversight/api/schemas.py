"""What every resource's schemas share: refusals, pages, query parameters checked in the user's language.
Each area keeps its own resources' schemas (e.g. oversight.registry.api_schemas)."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from oversight.inputs import MAX_PAGE

MAX_PER_PAGE = 200


def always_present(schema: type[Schema]) -> type[Schema]:
    """Mark every field of an output schema required, so the document promises what each response holds."""
    for field in schema._declared_fields.values():
        field.required = True
    return schema


def choice_codes(choice_set, description: str = "") -> dict:
    """The OpenAPI description of a field that takes a code of `choice_set`."""
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
    """A query parameter: a whole number between `minimum` and `maximum`, refused in the user's language."""
    return fields.Integer(validate=_Between(minimum, maximum),
                          error_messages={"invalid": _l("Must be a whole number.")}, **kwargs)


def one_of(codes, **kwargs):
    """A query parameter: one of `codes`, refused naming the allowed ones."""
    return fields.String(validate=_OneOf(list(codes)), **kwargs)


def search_text(description: str):
    """A query parameter: search text of at most 200 characters, without control characters."""
    return fields.String(load_default="", metadata={"description": description}, validate=[
        _AtMost(max=200), validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error=_l("Contains control characters."))])


class ListQuerySchema(Schema):
    """The page and page size every list takes."""

    page = whole_number(1, MAX_PAGE, load_default=1)
    per_page = whole_number(1, MAX_PER_PAGE, load_default=50)
