"""Selection pages: selections and their candidates, the questionnaire a vendor answers (autosave, evidence,
submit), the score explained, the comparison of candidates and the decision. Each view parses, calls one service
(audits.selection, audits.responses), renders or redirects."""

from __future__ import annotations

import io

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from audits import conditions, labels, links, responses, reuse, selection
from audits.models import QuestionnaireRequest
from audits.visibility import get_request, get_selection, is_requester, is_respondent, restrict_requests
from oversight import inputs
from oversight import permissions as perm
from oversight.accounts.auth import requires
from oversight.errors import DomainError, ValidationFailed
from oversight.extensions import db
from oversight.forms import ActionForm, flash_errors, flash_form_expired, one_button
from oversight.notifications import attachments
from oversight.registry.models import Organisation
from oversight.timeutil import today_jst

bp = Blueprint("audits", __name__, static_folder="static", static_url_path="/audits/static")

READERS = ("selection.view", "questionnaire.answer")
bp.context_processor(lambda: {"labels": labels})
evidence_upload = inputs.body_limit(
    lambda config: attachments.request_limit(config["ATTACHMENT_MAX_BYTES"], 1, base64=False, other=attachments.MB),
    lambda config: attachments.limit_refusal(config["ATTACHMENT_MAX_BYTES"], 1))


def _errors(error: ValidationFailed) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in error.errors.items()}


def _vendors():
    query = perm.restrict(select(Organisation), current_user, "organisation").order_by(Organisation.name_kana,
                                                                                    Organisation.id)
    return [o for o in db.session.scalars(query.limit(500)) if o.id != current_user.organisation_id]


@bp.get("/selections")
@requires("selection.view")
def selections():
    return render_template("audits/selections.html", selections=selection.list_selections(current_user),
                           conditions=selection.open_conditions(current_user))


@bp.route("/selections/new", methods=["GET", "POST"])
@requires("selection.edit")
def selection_new():
    data, errors, status = {}, {}, 200
    if request.method == "POST":
        data = {"title": request.form.get("title", ""), "purpose": request.form.get("purpose", ""),
                "data_items": request.form.getlist("data_items"), "person_count": request.form.get("person_count"),
                "includes_sensitive": "includes_sensitive" in request.form}
        if not ActionForm().validate_on_submit():
            flash_form_expired()
            status = 400
        else:
            try:
                created = selection.create_selection(current_user, data)
            except ValidationFailed as error:
                errors, status = _errors(error), 422
            else:
                flash(_("Selection “%(title)s” opened.", title=created.title), "success")
                return redirect(url_for("audits.selection_page", selection_id=created.id))
    return render_template("audits/selection_new.html", data=data, errors=errors, form=ActionForm()), status


def _selection_page(selection_id: int, errors: dict | None = None, data: dict | None = None, status: int = 200):
    s = get_selection(current_user, selection_id)
    rows = [(r, responses.current_score(r)) for r in s.requests]
    can_edit = perm.allows(current_user, "selection.edit") and current_user.organisation_id == s.consignor_id
    return render_template("audits/selection.html", s=s, rows=rows, can_edit=can_edit,
                           vendors=_vendors() if can_edit else [], errors=errors or {}, data=data or {},
                           questionnaires=selection.SENDABLE, form=ActionForm()), status


@bp.get("/selections/<int:selection_id>")
@requires("selection.view")
def selection_page(selection_id: int):
    return _selection_page(selection_id)


@bp.post("/selections/<int:selection_id>/candidates")
@requires("selection.edit")
def candidate_add(selection_id: int):
    get_selection(current_user, selection_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.selection_page", selection_id=selection_id))
    data = {k: request.form.get(k, "") for k in ("vendor_id", "questionnaire", "due_on", "message")}
    try:
        added = selection.add_candidate(current_user, selection_id, data)
    except ValidationFailed as error:
        return _selection_page(selection_id, _errors(error), data, 422)
    flash(_("%(name)s added as a candidate.", name=added.vendor.name), "success")
    return redirect(url_for("audits.selection_page", selection_id=selection_id))


@bp.post("/selections/<int:selection_id>/send")
@requires("selection.edit")
def send(selection_id: int):
    get_selection(current_user, selection_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
    else:
        try:
            sent = selection.send_all(current_user, selection_id)
        except DomainError as error:
            if isinstance(error, ValidationFailed):
                flash_errors(error)
            else:
                flash(str(error.message), "error")
        else:
            flash(_("Questionnaire sent to %(n)s candidate(s).", n=len(sent)), "success")
    return redirect(url_for("audits.selection_page", selection_id=selection_id))


@bp.get("/selections/<int:selection_id>/comparison")
@requires("selection.view")
def comparison(selection_id: int):
    s = get_selection(current_user, selection_id)
    raw = request.args.getlist("candidate")
    ids = [inputs.object_id(r) or 0 for r in raw] if raw else None
    try:
        columns = selection.compare(current_user, selection_id, ids)
    except ValidationFailed as error:
        flash_errors(error)
        return redirect(url_for("audits.selection_page", selection_id=selection_id))
    categories = columns[0]["questionnaire"].categories if columns else ()
    return render_template("audits/comparison.html", s=s, columns=columns, categories=categories)


@bp.get("/questionnaire-requests")
@requires(*READERS)
def requests_index():
    query = restrict_requests(select(QuestionnaireRequest), current_user).order_by(QuestionnaireRequest.id.desc())
    return render_template("audits/requests.html", requests=list(db.session.scalars(query.limit(500))))


class Urls:
    """Where the answer page's forms go: the portal's routes, or a respondent link's (`token`)."""

    def __init__(self, request_id: int, token: str | None = None):
        self.request_id, self.token = request_id, token

    def _for(self, name: str, **args) -> str:
        if self.token:
            return url_for(f"audits.link_{name}", token=self.token, **args)
        return url_for(f"audits.{name}", request_id=self.request_id, **args)

    def save(self):
        return self._for("answers_save")

    def evidence_add(self):
        return self._for("evidence_add")

    def evidence_remove(self, evidence_id: int):
        return self._for("evidence_remove", evidence_id=evidence_id)

    def evidence(self, evidence_id: int):
        return self._for("evidence", evidence_id=evidence_id)

    def submit(self):
        return self._for("submit")


def _request_page(request_id: int, errors: dict | None = None, posted: dict | None = None, status: int = 200, *,
                  actor=None, token: str | None = None):
    actor = actor or current_user
    r = get_request(actor, request_id)
    q = responses.questionnaire_of(r)
    score = responses.current_score(r)
    values = r.values()
    if posted:
        values = {**values, **posted}
    answered, total = responses.progress(score)
    respondent = is_respondent(actor, r)
    requester = is_requester(actor, r) if token is None else False
    own = getattr(actor, "organisation_id", None) == r.requester_id
    selecting = r.selection_id is not None  # a periodic audit's questionnaire is managed from the audit's page
    can_decide = requester and perm.allows(actor, "selection.decide") and own and selecting
    can_edit = requester and perm.allows(actor, "selection.edit") and own and selecting
    can_close = requester and perm.allows(actor, "selection.condition") and own
    return render_template(
        "audits/request.html", r=r, q=q, score=score, values=values, errors=errors or {}, answered=answered,
        total=total, respondent=respondent, editable=respondent and r.is_open, requester=requester,
        can_decide=can_decide, can_edit=can_edit, can_close=can_close, today=today_jst(),
        lines={line.question: line for line in score.questions},
        files={qid: [f for f in r.evidence if f.question_id == qid] for qid in {f.question_id for f in r.evidence}},
        links=links.links_of(actor, r.id) if can_edit else [], urls=Urls(r.id, token), link_mode=token is not None,
        on_behalf={a.question_id: a.answered_by_name for a in r.answers if a.on_behalf},
        has_previous=respondent and token is None and r.is_open and reuse.previous_request(r) is not None,
        form=ActionForm()), status


@bp.get("/questionnaire-requests/<int:request_id>")
@requires(*READERS)
def request_page(request_id: int):
    return _request_page(request_id)


def answers_from_form(q, form) -> dict:
    """The answers a posted answer form holds, by question id (evidence questions take files elsewhere)."""
    values = {}
    for question in q.questions:
        key = f"a.{question.id}"
        if question.type == "evidence":
            continue
        if question.type == "multiple_choice":
            values[question.id] = form.getlist(key)
            continue
        raw = form.get(key, "")
        if question.type == "yes_no":
            values[question.id] = {"yes": True, "no": False}.get(raw)
        elif question.type == "number":
            text = raw.strip().replace(",", "")
            try:
                values[question.id] = (int(text) if text.lstrip("-").isdigit() else float(text)) if text else None
            except ValueError:
                values[question.id] = raw  # refused by the service as "Enter a number."
        else:
            values[question.id] = raw
    return values


@bp.post("/questionnaire-requests/<int:request_id>/answers")
@requires("questionnaire.answer")
def answers_save(request_id: int):
    r = get_request(current_user, request_id)
    autosave = request.headers.get("X-Autosave") == "1"
    if not ActionForm().validate_on_submit():
        if autosave:
            return jsonify({"message": _("The form expired. Reload the page and try again.")}), 400
        flash_form_expired()
        return redirect(url_for("audits.request_page", request_id=request_id))
    values = answers_from_form(responses.questionnaire_of(r), request.form)
    try:
        saved = responses.save_answers(current_user, request_id, values)
    except ValidationFailed as error:
        if autosave:
            return jsonify({"message": str(error.message), "errors": _errors(error)}), 422
        return _request_page(request_id, _errors(error), values, 422)
    except DomainError as error:
        if autosave:
            return jsonify({"message": str(error.message)}), error.status
        flash(str(error.message), "error")
        return redirect(url_for("audits.request_page", request_id=request_id))
    if autosave:
        return jsonify({"answered": saved.answered_count, "total": saved.question_count,
                        "progress": _("%(answered)s of %(total)s answered", answered=saved.answered_count,
                                      total=saved.question_count), "message": _("Saved.")})
    if request.form.get("action") == "submit":
        return _submit(request_id)
    flash(_("Answers saved."), "success")
    return redirect(url_for("audits.request_page", request_id=request_id))


def _submit(request_id: int):
    try:
        responses.submit(current_user, request_id)
    except ValidationFailed as error:
        return _request_page(request_id, _errors(error), None, 422)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Answers submitted. The requester has been told."), "success")
    return redirect(url_for("audits.request_page", request_id=request_id))


@bp.post("/questionnaire-requests/<int:request_id>/evidence")
@requires("questionnaire.answer")
@evidence_upload
def evidence_add(request_id: int):
    get_request(current_user, request_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.request_page", request_id=request_id))
    upload = request.files.get("file")
    question_id = request.form.get("question_id", "")
    try:
        added = responses.attach_evidence(current_user, request_id, question_id, upload.filename if upload else "",
                                          upload.read() if upload else b"")
    except ValidationFailed as error:
        flash_errors(error)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(_("%(name)s attached.", name=added.filename), "success")
    return redirect(url_for("audits.request_page", request_id=request_id) + f"#q-{question_id}")


@bp.post("/questionnaire-requests/<int:request_id>/evidence/<int:evidence_id>/delete")
@requires("questionnaire.answer")
def evidence_remove(request_id: int, evidence_id: int):
    get_request(current_user, request_id)
    one_button(lambda: responses.remove_evidence(current_user, request_id, evidence_id), _("File removed."),
               flash_refusals=True)
    return redirect(url_for("audits.request_page", request_id=request_id))


@bp.get("/questionnaire-requests/<int:request_id>/evidence/<int:evidence_id>")
@requires(*READERS)
def evidence(request_id: int, evidence_id: int):
    f = responses.get_evidence(current_user, request_id, evidence_id)
    response = send_file(io.BytesIO(f.content), mimetype=f.media_type, as_attachment=True, download_name=f.filename,
                         etag=f.sha256)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/questionnaire-requests/<int:request_id>/submit")
@requires("questionnaire.answer")
def submit(request_id: int):
    get_request(current_user, request_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.request_page", request_id=request_id))
    return _submit(request_id)


def decision_from_form(form) -> dict:
    """The decision a posted decision form holds: the outcome, the reason and the condition rows."""
    rows = zip(form.getlist("condition_text"), form.getlist("condition_owner"), form.getlist("condition_due_on"),
               strict=False)
    return {"outcome": form.get("outcome", ""), "reason": form.get("reason", ""),
            "conditions": [{"text": t, "owner": o, "due_on": d} for t, o, d in rows]}


@bp.post("/questionnaire-requests/<int:request_id>/decision")
@requires("selection.decide")
def decide(request_id: int):
    get_request(current_user, request_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.request_page", request_id=request_id))
    try:
        decision = selection.decide(current_user, request_id, decision_from_form(request.form))
    except ValidationFailed as error:
        return _request_page(request_id, _errors(error), None, 422)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
        return redirect(url_for("audits.request_page", request_id=request_id))
    flash(_("Decision recorded: %(outcome)s.", outcome=labels.OUTCOMES[decision.outcome]), "success")
    return redirect(url_for("audits.selection_page", selection_id=decision.request.selection_id))


@bp.post("/selection-conditions/<int:condition_id>/closing")
@requires("selection.condition")
def condition_close(condition_id: int):
    request_id = conditions.get_condition(current_user, condition_id).decision.request_id
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("audits.request_page", request_id=request_id))
    try:
        condition = conditions.close_condition(current_user, condition_id, {
            "closing": request.form.get("closing", ""), "note": request.form.get("note", "")})
    except ValidationFailed as error:
        return _request_page(request_id, {f"condition.{condition_id}.{name}": messages
                                          for name, messages in _errors(error).items()}, None, 422)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        flash(str(error.message), "error")
        return redirect(url_for("audits.request_page", request_id=request_id))
    flash(_("Condition met: recorded.") if condition.met_on else _("Condition waived: recorded."), "success")
    return redirect(url_for("audits.request_page", request_id=request_id))
