"""What every API resource shares: bearer-token authentication, reading a JSON body, refusals, and the docs.

A refusal here is a DomainError like the services' own, so the app's one error handler renders all of them as
the same JSON body: {"code", "message", "errors"}.
"""

from __future__ import annotations

import json

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import Unauthorized

from oversight import inputs
from oversight.accounts.auth import api_actor
from oversight.api import idempotency
from oversight.api.schemas import ApiErrorSchema
from oversight.errors import DomainError, ValidationFailed

API_PREFIX = "/api/v1"
# Path ids are database integers; anything outside this range cannot name a row and is routed to a 404.
ID = f"int(min=1, max={inputs.MAX_ID})"


class TokenRequired(DomainError):
    """No bearer token, or one that is unknown, revoked, or belongs to a disabled user."""

    status = 401
    code = "unauthorised"


class MalformedBody(DomainError):
    """No body where one is needed, or one that is not a JSON object."""

    status = 400
    code = "bad_request"


class NotJson(DomainError):
    """A body sent with another Content-Type than JSON."""

    status = 415
    code = "unsupported_media_type"


class QueryParser(FlaskParser):
    """Query parameters refused like a domain input: 422 with the errors keyed by parameter name."""

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        messages = {}
        for location_messages in error.messages.values():
            for name, problems in location_messages.items():
                # A field's own (lazily translated) message arrives bare, not in a list.
                messages[name] = problems if isinstance(problems, list) else [problems]
        raise ValidationFailed(messages)


def _authenticate() -> None:
    try:
        api_actor()
    except Unauthorized:
        raise TokenRequired(_l("A valid API token is required: send it as “Authorization: Bearer <token>”.")) \
            from None


def _challenge(response):
    if response.status_code == 401:
        presented = request.headers.get("Authorization", "").lower().startswith("bearer ")
        # RFC 6750: tell a client whose token was refused apart from one that sent none.
        response.headers["WWW-Authenticate"] = 'Bearer realm="oversight"' + (
            ', error="invalid_token"' if presented else "")
    return response


class ApiBlueprint(Blueprint):
    """A resource of the API: every request must carry a bearer token, checked before anything else; every POST
    accepts an Idempotency-Key."""

    ARGUMENTS_PARSER = QueryParser()

    def __init__(self, name: str, import_name: str, *, url_prefix: str, description: str = ""):
        super().__init__(name, import_name, url_prefix=API_PREFIX + url_prefix, description=description)
        self.before_request(_authenticate)
        self.after_request(_challenge)

    def route(self, rule, **options):
        """Register a view; every POST may be retried safely with an Idempotency-Key (see idempotency.py)."""
        register = super().route(rule, **options)
        if "POST" not in options.get("methods", ()):
            return register
        return lambda view: register(idempotency.idempotent(view))


def actor():
    """The user behind this request's bearer token (already checked by the blueprint)."""
    return api_actor()


def json_object(*, required: bool = True) -> dict:
    """The request body as a JSON object; refused (400/413/415/422) before anything is looked up or changed.

    Without a body, `required=False` gives an empty object: the service then says what is missing. The body may
    be as large as the view declares (inputs.body_limit: the calls that carry files), API_MAX_JSON_BYTES
    otherwise. Text the database cannot store (NUL) is refused naming its field.
    """
    declared = inputs.declared_limit()
    limit = declared.size(current_app.config) if declared else current_app.config["API_MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise inputs.too_large(limit)
    # Read once and kept (an Idempotency-Key's fingerprint reads it too); a chunked body has no Content-Length,
    # and the request's own limit stops it from being read without end.
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise inputs.too_large(limit)
    if not raw.strip():
        if required:
            raise MalformedBody(_l("Send a JSON object in the request body."))
        return {}
    if not request.is_json:
        raise NotJson(_l("Send the body as JSON, with “Content-Type: application/json”."))
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        # Unpaired surrogates (from \ud800-style escapes) are valid JSON text but not storable text.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):
        raise MalformedBody(_l("The request body is not valid JSON (UTF-8).")) from None
    if not isinstance(data, dict):
        raise MalformedBody(_l("The request body must be a JSON object."))
    inputs.refuse_unstorable(inputs.unstorable_fields(data))
    return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


class Derived:
    """An object with values derived from elsewhere alongside it (an approval state, a count), for dumping."""

    def __init__(self, obj, **values):
        self._obj = obj
        self.__dict__.update(values)

    def __getattr__(self, name):
        return getattr(self._obj, name)


def page_body(page, items) -> dict:
    """The page envelope of a list: its items (as given, ready to dump) and where they sit in the whole."""
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page,
            "pages": page.pages}


# ---------------------------------------------------------------- OpenAPI

ERROR_DESCRIPTIONS = {
    400: "The body is not a JSON object. Nothing was changed.",
    401: "No valid bearer token.",
    403: "Your role does not allow this.",
    404: "No such object, or you may not see it.",
    409: "The change conflicts with existing data. Nothing was changed.",
    413: "The body is larger than the API accepts. Nothing was changed.",
    415: "The body is not sent as application/json. Nothing was changed.",
    422: "Invalid values, listed per field. Nothing was changed.",
}
READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)
LOCATION = {"Location": {"description": "URL of the new object.", "schema": {"type": "string"}}}


def documented(*, errors=READ_ERRORS, body=None, body_required: bool = True):
    """Add the request body (documentation only: the view reads it with json_object) and error responses."""

    def error(status, description):
        response = {"description": description, "content": {"application/json": {"schema": ApiErrorSchema}}}
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {
                "description": "Bearer challenge.", "required": True, "schema": {"type": "string"}}}
        return response

    responses = {status: error(status, ERROR_DESCRIPTIONS[status]) for status in errors}
    responses["default"] = error("default", "Any other refusal, in the same shape.")
    doc = {"responses": responses}
    if body is not None:
        doc["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": body}}}
    return Blueprint.doc(**doc)
