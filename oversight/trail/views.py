"""The audit trail page (監査証跡) and its CSV export."""

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from oversight.accounts.auth import requires
from oversight.errors import ValidationFailed
from oversight.templating import lang
from oversight.trail import browse, display

bp = Blueprint("trail", __name__)

PROBLEMS = {
    "gap": _l("a record is missing"),
    "link": _l("the link to the previous record is broken"),
    "content": _l("the content does not match its hash"),
    "unsigned": _l("records carry no signature with the trail key"),
    "diverged": _l("it differs from the checkpoint kept outside the database"),
    "truncated": _l("records covered by the checkpoint outside the database are gone"),
}


def _render(page, errors: dict, status: int = 200):
    object_types = [(code, display.object_type_label(code, lang())) for code in display.labels()["object_types"]]
    return render_template("trail/index.html", page=page, errors=errors, args=request.args,
                           object_types=object_types, problems=PROBLEMS), status


@bp.get("/trail")
@requires("trail.view")
def index():
    try:
        page = browse.page(current_user, request.args, lang())
    except ValidationFailed as error:
        return _render(None, error.errors, 400)
    return _render(page, {})


@bp.get("/trail/export.csv")
@requires("trail.view")
def export():
    try:
        chunks = browse.export_csv(current_user, request.args, lang())
    except ValidationFailed as error:
        return _render(None, error.errors, 400)
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{browse.export_filename()}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: keep it out of shared caches
    return response
