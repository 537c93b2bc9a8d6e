"""Named domain errors, raised where a rule lives and mapped to HTTP in one place (HTML or JSON)."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

FORM_EXPIRED = _l("The form expired or was sent without its security token. Reload the page and try again.")


class DomainError(Exception):
    """A refusal the user can act on; `message` is a (lazy) translated string."""

    status = 400
    code = "invalid"

    def __init__(self, message, errors: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.errors = errors or {}

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "errors": {k: [str(m) for m in v] for k, v in self.errors.items()},
        }


class ValidationFailed(DomainError):
    """Field errors: {field: [message, ...]}."""

    status = 422
    code = "validation_failed"

    def __init__(self, errors: dict, message=None):
        super().__init__(message or _("Please correct the highlighted fields."), errors)


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unavailable(DomainError):
    """The server lacks something the request needs (a font, a tool); it works once that is installed."""

    status = 503
    code = "unavailable"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, title: str, message: str, payload: dict):
    if wants_json():
        response = jsonify(payload)
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, title=title, message=message), status


def handle_domain_error(error: DomainError):
    title = {404: _("Not found"), 403: _("Not allowed")}.get(error.status, _("Request refused"))
    return _render(error.status, title, str(error.message), error.as_json())


def handle_http_exception(error: HTTPException):
    titles = {
        400: _("Bad request"),
        401: _("Please log in"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        413: _("Request too large"),
        415: _("Unsupported media type"),
        422: _("Invalid input"),
        429: _("Too many requests"),
    }
    status = error.code or 500
    title = titles.get(status, error.name)
    description = getattr(error, "description", "") or ""
    message = _("The request was not processed. Nothing was changed.")
    if status == 404:
        message = _("There is no such page, or you are not allowed to see it.")
    elif status == 403:
        message = _("Your role does not allow this action.")
    elif status == 413:
        message = _("The upload or request body is too large.")
    elif status == 429:
        message = _("Too many attempts. Wait a few minutes and try again.")
    elif status == 400 and "CSRF" in description:
        message = FORM_EXPIRED
    payload = {"code": title if status >= 500 else str(status), "message": str(message)}
    payload["code"] = {400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found",
                       405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
                       422: "invalid", 429: "too_many_requests"}.get(status, "error")
    extra = getattr(error, "data", None)
    if isinstance(extra, dict) and extra.get("messages"):
        payload["errors"] = extra["messages"]
    response = _render(status, str(title), str(message), payload)
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if isinstance(response, tuple):
        return (*response, headers)
    response.headers.extend(headers)
    return response


def init_app(app) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
