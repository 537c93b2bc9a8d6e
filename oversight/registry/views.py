"""Web pages of the registry: organisations, entrustments, chains. Each view parses, calls one service."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from oversight import inputs
from oversight import permissions as perm
from oversight.accounts.auth import requires
from oversight.errors import Forbidden, ValidationFailed
from oversight.extensions import db
from oversight.forms import ActionForm, attach_errors, flash_errors, flash_form_expired, form_data
from oversight.registry import permissions as rules
from oversight.registry import services
from oversight.registry.forms import (
    IDENTITY_FIELDS,
    RECORD_FIELDS,
    CertificationForm,
    ContactForm,
    DecisionForm,
    EntrustmentForm,
    NewEntrustmentForm,
    OrganisationForm,
    SubcontractForm,
)
from oversight.registry.models import Organisation

bp = Blueprint("registry", __name__)


def _page_arg() -> int:
    return inputs.page_number(request.args.get("page"))


def _visible_organisations():
    return db.session.scalars(perm.restrict(
        select(Organisation).order_by(Organisation.name_kana, Organisation.name), current_user, "organisation")).all()


# ---------------------------------------------------------------- organisations

@bp.get("/organisations")
@requires("org.view")
def organisations():
    args = request.args
    page = services.search_organisations(
        current_user, q=args.get("q", ""), kind=args.get("kind", ""),
        certification=args.get("certification", ""), status=args.get("status", ""), page=_page_arg(),
        per_page=current_app.config["PAGE_SIZE"])
    return render_template("registry/organisations.html", page=page, args=args)


def _organisation_input(form: OrganisationForm) -> dict:
    """The form's values as the service takes them: identity fields, and the record's beside them."""
    data = form_data(form)
    record = {key: data.pop(key) for key in RECORD_FIELDS if key in data}
    if record:
        data["record"] = record
    return data


def _attach_organisation_errors(form: OrganisationForm, error: ValidationFailed) -> list[str]:
    flat = {key.removeprefix("record."): messages for key, messages in error.errors.items()}
    return attach_errors(form, ValidationFailed(flat))


@bp.route("/organisations/new", methods=["GET", "POST"])
@requires("org.create")
def organisation_new():
    form = OrganisationForm()
    if current_user.organisation_id is None:  # an operator admin keeps no record
        for name in RECORD_FIELDS:
            delattr(form, name)
    stray = []
    if form.validate_on_submit():
        try:
            org = services.create_organisation(current_user, _organisation_input(form))
        except ValidationFailed as error:
            stray = _attach_organisation_errors(form, error)
        else:
            flash(_("Organisation %(name)s registered.", name=org.name), "success")
            return redirect(url_for("registry.organisation", organisation_id=org.id))
    return render_template("registry/organisation_form.html", form=form, stray=stray, org=None), \
        (422 if form.errors or stray else 200)


@bp.get("/organisations/<int:organisation_id>")
@requires("org.view")
def organisation(organisation_id: int):
    seen = services.seen_organisation(current_user, organisation_id)
    entrustments = services.search_entrustments(current_user, organisation_id=organisation_id, per_page=200)
    return render_template(
        "registry/organisation.html", org=seen.organisation, seen=seen, entrustments=entrustments,
        contact_form=ContactForm(prefix="contact"), certification_form=CertificationForm(prefix="cert"),
        action_form=ActionForm(), cert_state=services.certification_state,
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@requires("org.edit")
def organisation_edit(organisation_id: int):
    seen = services.seen_organisation(current_user, organisation_id)
    if not (seen.can_edit_identity or seen.can_keep_record):
        raise Forbidden(_("You may not edit this organisation."))
    org = seen.organisation
    form = OrganisationForm(obj=org)
    for name in (() if seen.can_edit_identity else IDENTITY_FIELDS) + (() if seen.can_keep_record else RECORD_FIELDS):
        delattr(form, name)
    if request.method == "GET" and seen.can_keep_record and seen.record is not None:
        form.status.data, form.notes.data = seen.record.status, seen.record.notes
    stray = []
    if form.validate_on_submit():
        try:
            services.update_organisation(current_user, org.id, _organisation_input(form))
        except ValidationFailed as error:
            stray = _attach_organisation_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("registry.organisation", organisation_id=org.id))
    return render_template("registry/organisation_form.html", form=form, stray=stray, org=org, seen=seen), \
        (422 if form.errors or stray else 200)


@bp.post("/organisations/<int:organisation_id>/delete")
@requires("org.delete")
def organisation_delete(organisation_id: int):
    form = ActionForm()
    if form.validate_on_submit():
        services.delete_organisation(current_user, organisation_id)
        flash(_("Organisation deleted."), "success")
    return redirect(url_for("registry.organisations"))


def _sub_form_post(organisation_id: int, form, service):
    services.get_organisation(current_user, organisation_id)  # another tenant's id: 404 before anything
    if form.validate_on_submit():
        try:
            service(current_user, organisation_id, form_data(form))
        except ValidationFailed as error:
            flash_errors(error)
        else:
            flash(_("Saved."), "success")
    else:
        flash_errors(ValidationFailed(form.errors))
    return redirect(url_for("registry.organisation", organisation_id=organisation_id))


@bp.post("/organisations/<int:organisation_id>/contacts")
@requires("org.edit")
def contact_add(organisation_id: int):
    return _sub_form_post(organisation_id, ContactForm(prefix="contact"), services.add_contact)


@bp.post("/organisations/<int:organisation_id>/contacts/<int:contact_id>/delete")
@requires("org.edit")
def contact_remove(organisation_id: int, contact_id: int):
    if ActionForm().validate_on_submit():
        services.remove_contact(current_user, organisation_id, contact_id)
        flash(_("Saved."), "success")
    return redirect(url_for("registry.organisation", organisation_id=organisation_id))


@bp.post("/organisations/<int:organisation_id>/certifications")
@requires("org.edit")
def certification_add(organisation_id: int):
    return _sub_form_post(organisation_id, CertificationForm(prefix="cert"), services.add_certification)


@bp.post("/organisations/<int:organisation_id>/certifications/<int:certification_id>/delete")
@requires("org.edit")
def certification_remove(organisation_id: int, certification_id: int):
    if ActionForm().validate_on_submit():
        services.remove_certification(current_user, organisation_id, certification_id)
        flash(_("Saved."), "success")
    return redirect(url_for("registry.organisation", organisation_id=organisation_id))


@bp.get("/organisations/<int:organisation_id>/chain")
@requires("org.view")
def chain(organisation_id: int):
    direction = "up" if request.args.get("direction") == "up" else "down"
    org = services.get_organisation(current_user, organisation_id)
    view = (services.chain_up if direction == "up" else services.chain_down)(current_user, organisation_id)
    return render_template("registry/chain.html", org=org, view=view, direction=direction)


# ---------------------------------------------------------------- entrustments

@bp.get("/entrustments")
@requires("entrustment.view")
def entrustments():
    args = request.args
    page = services.search_entrustments(
        current_user, q=args.get("q", ""), status=args.get("status", ""),
        flagged=args.get("flagged") == "1", page=_page_arg())
    return render_template("registry/entrustments.html", page=page, args=args)


@bp.route("/entrustments/new", methods=["GET", "POST"])
@requires("entrustment.create")
def entrustment_new():
    form = NewEntrustmentForm(organisations=_visible_organisations())
    if request.method == "GET" and current_user.organisation_id:
        form.consignor_id.data = current_user.organisation_id
    stray = []
    if form.validate_on_submit():
        try:
            e = services.create_entrustment(current_user, form_data(form))
        except ValidationFailed as error:
            stray = attach_errors(form, error)
        else:
            flash(_("Entrustment recorded."), "success")
            return redirect(url_for("registry.entrustment", entrustment_id=e.id))
    return render_template("registry/entrustment_form.html", form=form, stray=stray, parent=None, e=None), \
        (422 if form.errors or stray else 200)


@bp.get("/entrustments/<int:entrustment_id>")
@requires("entrustment.view")
def entrustment(entrustment_id: int):
    e = services.get_entrustment(current_user, entrustment_id)
    path = [p for p in services.chain_path(e) if perm.can_see(current_user, "entrustment", p.id)]
    states = services.link_states([p.id for p in path] + [c.id for c in e.children])
    top = services.original_consignor_id(e)
    children = [c for c in e.children if perm.can_see(current_user, "entrustment", c.id)]
    return render_template(
        "registry/entrustment.html", e=e, path=path, states=states, children=children,
        can_edit=rules.can_edit_entrustment(current_user, e),
        can_propose=rules.can_propose_under(current_user, e) and e.status not in ("terminated", "rejected"),
        can_record=rules.can_record_discovered_under(current_user, e, top)
        and e.status not in ("terminated", "rejected"),
        can_decide=e.parent is not None and rules.can_decide(current_user, top)
        and e.status in ("proposed", "active") and e.approved_at is None,
        can_transition=rules.can_transition(current_user, e, top),
        decision_form=DecisionForm(), action_form=ActionForm(),
    )


@bp.route("/entrustments/<int:entrustment_id>/edit", methods=["GET", "POST"])
@requires("entrustment.edit", "entrustment.propose")
def entrustment_edit(entrustment_id: int):
    e = services.get_entrustment(current_user, entrustment_id)
    if not rules.can_edit_entrustment(current_user, e):
        raise Forbidden(_("You may not edit this entrustment."))
    form = EntrustmentForm(obj=e, organisations=[e.consignor, e.contractor])
    del form.consignor_id, form.contractor_id
    stray = []
    if form.validate_on_submit():
        try:
            services.update_entrustment(current_user, e.id, form_data(form))
        except ValidationFailed as error:
            stray = attach_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("registry.entrustment", entrustment_id=e.id))
    return render_template("registry/entrustment_form.html", form=form, stray=stray, parent=e.parent, e=e), \
        (422 if form.errors or stray else 200)


@bp.route("/entrustments/<int:entrustment_id>/subcontracts/new", methods=["GET", "POST"])
@requires("entrustment.propose", "entrustment.record_discovered")
def subcontract_new(entrustment_id: int):
    parent = services.get_entrustment(current_user, entrustment_id)
    can_propose = rules.can_propose_under(current_user, parent)
    if not can_propose and not rules.can_record_discovered_under(
            current_user, parent, services.original_consignor_id(parent)):
        raise Forbidden(_("Only the contractor holding the data can propose a subcontractor."))
    form = SubcontractForm(organisations=[o for o in _visible_organisations()
                                          if o.id not in (parent.consignor_id, parent.contractor_id)])
    if not can_propose:
        form.origin.choices = [c for c in form.origin.choices if c.value != "planned"]
    if request.method == "GET":
        form.data_set.data = parent.data_set
        form.purpose.data = parent.purpose
        form.data_categories.data = parent.data_categories
        form.data_items.data = list(parent.data_items or [])
        form.person_count.data = parent.person_count
        form.includes_sensitive.data = parent.includes_sensitive
        form.includes_my_number.data = parent.includes_my_number
        form.origin.data = "planned"
    stray = []
    if form.validate_on_submit():
        data = form_data(form)
        origin = data.pop("origin") or "planned"
        try:
            e = services.propose_subcontract(current_user, parent.id, data, origin=origin)
        except ValidationFailed as error:
            stray = attach_errors(form, error)
        else:
            flash(_("Subcontract recorded.") if origin != "planned" else _("Subcontractor proposed."), "success")
            return redirect(url_for("registry.entrustment", entrustment_id=e.id))
    return render_template("registry/entrustment_form.html", form=form, stray=stray, parent=parent, e=None), \
        (422 if form.errors or stray else 200)


@bp.post("/entrustments/<int:entrustment_id>/decision")
@requires("entrustment.decide")
def entrustment_decide(entrustment_id: int):
    form = DecisionForm()
    if not form.validate_on_submit():
        flash_form_expired()
        return redirect(url_for("registry.entrustment", entrustment_id=entrustment_id))
    try:
        services.decide_subcontract(current_user, entrustment_id, approve=form.decision.data == "approve",
                                    conditions=form.conditions.data or "", scope=form.scope.data or "",
                                    reason=form.reason.data or "")
    except ValidationFailed as error:
        flash_errors(error)
    else:
        flash(_("Approved.") if form.decision.data == "approve" else _("Rejected."), "success")
    return redirect(url_for("registry.entrustment", entrustment_id=entrustment_id))


@bp.post("/entrustments/<int:entrustment_id>/<any(activate, terminate):action>")
@requires("entrustment.transition")
def entrustment_transition(entrustment_id: int, action: str):
    if ActionForm().validate_on_submit():
        try:
            services.transition_entrustment(current_user, entrustment_id, action,
                                            override_reason=request.form.get("override_reason") or None)
        except ValidationFailed as error:
            flash_errors(error)
        else:
            flash(_("Status changed."), "success")
    return redirect(url_for("registry.entrustment", entrustment_id=entrustment_id))
