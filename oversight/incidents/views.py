"""Incident pages: the deadline board, opening an incident, the workspace (facts, assessment, records)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from oversight import inputs
from oversight import permissions as perm
from oversight.accounts.auth import requires
from oversight.errors import ValidationFailed
from oversight.extensions import db
from oversight.forms import ActionForm, flash_form_expired, one_button
from oversight.incidents import board, chains, services, workspace
from oversight.incidents.forms import (
    choices,
    facts_from_form,
    form_values,
    local_moment,
    now_local_input,
    party_facts_from_form,
)
from oversight.incidents.labels import FIELD_LABELS, describe, readable_changes
from oversight.notifications import services as notifications
from oversight.registry.models import Entrustment, Organisation
from oversight.templating import format_datetime, lang
from oversight.timeutil import today_jst

bp = Blueprint("incidents", __name__)

EVENT_LABELS = {
    "opened": _l("opened the incident"), "facts": _l("recorded facts"), "known": _l("recorded when it learned"),
    "notified_consignor": _l("recorded the notice to its consignor"), "quick_report": _l("recorded the quick report"),
    "final_report": _l("recorded the final report"), "person_notice": _l("recorded the notice to the persons"),
    "person_notice_alternative": _l("recorded an alternative to the person notice"),
    "public_notice": _l("recorded the publication"), "measure": _l("added a prevention measure"),
    "measure_done": _l("completed a prevention measure"), "closed": _l("closed the incident"),
    "notification": _l("filed a notification to its consignor"),
    "party_facts": _l("recorded the facts of a consignor's data"),
}


@bp.get("/incidents")
@requires("incident.view")
def index():
    sort = request.args.get("sort", "due")
    sort = sort if sort in board.SORTS else "due"
    status = request.args.get("status", "open")
    page = board.deadline_board(current_user, sort=sort, page=request.args.get("page", 1, type=int))
    return render_template("incidents/index.html", board=page, rows=page.rows, sort=sort, status=status,
                           incidents=services.list_incidents(current_user, status=status,
                                                             page=request.args.get("list_page", 1, type=int)),
                           can_open=perm.allows(current_user, "incident.edit"))


def _engagements(organisation_id: int | None) -> list[Entrustment]:
    if organisation_id is None:
        return []
    return list(db.session.scalars(select(Entrustment).where(
        Entrustment.contractor_id == organisation_id, Entrustment.status.not_in(("rejected",)))
        .order_by(Entrustment.id)))


def _new_page(data: dict, errors: dict | None = None, status: int = 200):
    errors = errors or {}
    organisation_id = inputs.object_id(data.get("organisation_id")) or current_user.organisation_id
    organisations = []
    if perm.is_admin(current_user):
        organisations = list(db.session.scalars(select(Organisation).order_by(Organisation.name_kana,
                                                                             Organisation.name)))
    facts, notified = data.get("facts") or {}, data.get("notified_consignor_at")
    return render_template(
        "incidents/new.html", data=data, errors=errors, values=form_values(facts, notified),
        vocab=choices(lang()), organisations=organisations, engagements=_engagements(organisation_id),
        stray=_stray(errors, True), form=ActionForm()), status


_FORM_FIELDS = {"title", "organisation_id", "scope", "entrustment_id", "events", "certainty", "data_kind",
                "other_items", "data_items", "cause", "max_persons", "max_persons_known_at", "occurred_on", "known_at",
                "notified_consignor_at", "report_items", "person_notice", "my_number", *
                (f"report_items.{code}" for code, _label in choices("ja")["report_items"])}


@bp.route("/incidents/new", methods=["GET", "POST"])
@requires("incident.edit")
def new():
    if request.method == "GET":
        data = {"scope": request.args.get("scope", "engagements"),
                "entrustment_id": inputs.object_id(request.args.get("entrustment_id")),
                "organisation_id": current_user.organisation_id, "facts": {}}
        if data["entrustment_id"]:
            data["scope"] = "entrustment"
        return _new_page(data)
    facts, notified = facts_from_form(request.form)
    data = {"title": request.form.get("title", ""), "organisation_id": request.form.get("organisation_id"),
            "scope": request.form.get("scope", ""), "entrustment_id": request.form.get("entrustment_id"),
            "facts": facts, "notified_consignor_at": notified}
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return _new_page(data, status=400)
    try:
        incident = services.open_incident(current_user, data)
    except ValidationFailed as error:
        return _new_page(data, {k: [str(m) for m in v] for k, v in error.errors.items()}, 422)
    flash(_("Incident opened. The assessment below follows the facts as you record them."), "success")
    return redirect(url_for("incidents.incident", incident_id=incident.id))


def _workspace(incident_id: int, posted: dict | None = None, errors: dict | None = None, status: int = 200):
    page = workspace.build(current_user, incident_id)
    incident = page.incident
    origin = incident.party_for(incident.organisation_id)
    if posted is not None:
        values = form_values(posted["facts"], posted.get("notified_consignor_at"))
    else:
        values = form_values(incident.facts, origin.notified_consignor_at if origin else None)
    by_org = {p.party.organisation_id: p.party for p in page.parties}
    party_values = {}
    for chain in page.chains:
        party = by_org.get(chain.consignor.id) if chain.consignor else None
        if party is not None and party.id not in party_values \
                and services.can_record_facts_for(current_user, incident, party):
            party_values[party.id] = (party, chain.facts)
    errors = errors or {}
    names = {p.party.organisation_id: p.party.organisation.name for p in page.parties}
    recordable = services.recordable_parties(current_user, [p.party for p in page.parties])
    return render_template(
        "incidents/incident.html", page=page, incident=incident, values=values, party_values=party_values,
        vocab=choices(lang()), errors=errors, recorded_label=_("recorded"), record_label=_("Record its facts"),
        stray=_stray(errors, services.can_edit_facts(current_user, incident)),
        can_edit=services.can_edit_facts(current_user, incident),
        recordable=recordable,
        consignors={p.party.id: [(c, names[c]) for c in services.direct_consignors(incident, p.party.organisation_id)
                                 if c in names] for p in page.parties if p.party.id in recordable},
        changes=lambda event_changes: readable_changes(event_changes, lang(), format_datetime, names),
        describe=lambda key, value: describe(key, value, lang(), format_datetime, names),
        field_label=lambda key: str(FIELD_LABELS.get(key, key)),
        today=today_jst(), now_local=now_local_input(), event_labels=EVENT_LABELS, form=ActionForm(),
        notices=notifications.for_incident(current_user, incident)), status


def _field(key: str) -> str:
    """The form field an error key belongs to: other_items[1].name → other_items; report_items.overview stays."""
    return key if key.startswith("report_items.") else key.split(".")[0].split("[")[0]


def _stray(errors: dict, shown_on_a_form: bool) -> list[str]:
    """The messages no field on the page shows (all of them when the posted form is not on the page)."""
    found = [m for k, v in errors.items() if not shown_on_a_form or _field(k) not in _FORM_FIELDS for m in v]
    return list(dict.fromkeys(found))


@bp.get("/incidents/<int:incident_id>")
@requires("incident.view")
def incident(incident_id: int):
    return _workspace(incident_id)


@bp.post("/incidents/<int:incident_id>/facts")
@requires("incident.edit")
def facts(incident_id: int):
    services.get_incident(current_user, incident_id)  # another tenant's id: 404 before anything
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("incidents.incident", incident_id=incident_id))
    facts, notified = facts_from_form(request.form)
    data = {"facts": facts, "notified_consignor_at": notified, "note": request.form.get("note", "")}
    try:
        services.update_facts(current_user, incident_id, data)
    except ValidationFailed as error:
        return _workspace(incident_id, data, {k: [str(m) for m in v] for k, v in error.errors.items()}, 422)
    flash(_("Facts recorded."), "success")
    return redirect(url_for("incidents.incident", incident_id=incident_id))


@bp.route("/incidents/<int:incident_id>/parties/<int:party_id>/facts", methods=["GET", "POST"])
@requires("incident.edit")
def party_facts(incident_id: int, party_id: int):
    incident = services.get_incident(current_user, incident_id)  # another tenant's id: 404 before anything
    party = services.consignor_party(current_user, incident, party_id)
    if request.method == "GET":
        return _party_facts_page(incident, party)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("incidents.party_facts", incident_id=incident_id, party_id=party_id))
    facts = party_facts_from_form(request.form)
    try:
        services.record_party_facts(current_user, incident_id, party_id,
                                    {"facts": facts, "note": request.form.get("note", "")})
    except ValidationFailed as error:
        return _party_facts_page(incident, party, facts, {k: [str(m) for m in v] for k, v in error.errors.items()},
                                 422)
    flash(_("Facts recorded."), "success")
    return redirect(url_for("incidents.incident", incident_id=incident_id) + "#consignor-facts")


def _party_facts_page(incident, party, posted: dict | None = None, errors: dict | None = None, status: int = 200):
    facts = posted if posted is not None else {**chains.facts_of(incident, party), **(party.facts or {})}
    errors = errors or {}
    shown = {"max_persons", "persons_reason", "data_items", "other_items", "high_grade_encryption",
             "person_notice", "report_items"}
    return render_template(
        "incidents/party_facts.html", incident=incident, party=party, values=form_values(facts),
        reason=facts.get("persons_reason") or "", entrusted=chains.entrusted_of(party).persons,
        vocab=choices(lang()), errors=errors, form=ActionForm(),
        stray=list(dict.fromkeys(m for k, v in errors.items() if _field(k) not in shown for m in v))), status


def _act(incident_id: int, use_case, success: str | None, anchor: str = ""):
    """A one-button form on the workspace: run the use case, flash the outcome, go back to the page."""
    services.get_incident(current_user, incident_id)  # another tenant's id: 404 before anything
    one_button(use_case, success)
    return redirect(url_for("incidents.incident", incident_id=incident_id) + anchor)


@bp.post("/incidents/<int:incident_id>/parties/<int:party_id>/<action>")
@requires("incident.edit")
def record(incident_id: int, party_id: int, action: str):
    return _act(incident_id, lambda: services.record_for_party(current_user, incident_id, party_id, action, {
        "at": local_moment(request.form.get("at", "")), "reason": request.form.get("reason", ""),
        "consignor_id": request.form.get("consignor_id")}), _("Recorded."), f"#party-{party_id}")


@bp.post("/incidents/<int:incident_id>/measures")
@requires("incident.edit")
def add_measure(incident_id: int):
    return _act(incident_id, lambda: services.add_measure(current_user, incident_id, request.form),
                _("Measure added."), "#measures")


@bp.post("/incidents/<int:incident_id>/measures/<int:measure_id>/done")
@requires("incident.edit")
def measure_done(incident_id: int, measure_id: int):
    return _act(incident_id, lambda: services.complete_measure(current_user, incident_id, measure_id,
                                                               request.form.get("done_on")), None, "#measures")


@bp.post("/incidents/<int:incident_id>/close")
@requires("incident.edit")
def close(incident_id: int):
    return _act(incident_id, lambda: services.close_incident(current_user, incident_id, request.form.get("note", "")),
                _("Incident closed."))
