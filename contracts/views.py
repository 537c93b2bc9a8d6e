"""Contract pages: parameters form, HTML preview, .docx generation and download, gap analysis, upload check."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from contracts import assembly, services
from contracts.docx_render import DOCX_MIME
from contracts.permissions import can_edit_contract
from oversight import inputs
from oversight.accounts.auth import requires
from oversight.errors import ValidationFailed
from oversight.forms import ActionForm, flash_errors, flash_form_expired
from oversight.templating import lang
from oversight.vocabulary import data_item_label

bp = Blueprint("contracts", __name__)


class CheckForm(FlaskForm):
    file = FileField(_l("Contract (.docx)"), validators=[FileRequired(_l("Choose a file to upload."))])


@dataclass
class Field:
    name: str
    spec: assembly.ParamSpec
    value: object  # what the form shows
    errors: list[str]


@dataclass
class ClauseGroup:
    id: str
    title: str
    included: bool
    variant: str
    variants: list[tuple[str, str]]
    fields: list[Field]
    errors: list[str]


def _display(spec: assembly.ParamSpec, value, language: str):
    if value is None:
        value = spec.default
    if isinstance(value, dict):
        return value.get(language, "")
    if spec.type == "items":
        return "、".join(data_item_label(v, language) if isinstance(v, str) else v.get(language, "")
                        for v in (value or []))
    if spec.type == "bool":
        return bool(value)
    return "" if value is None else value


def _form_model(data: dict, errors: dict[str, list[str]]):
    """The template's parties fields and one group per clause (include box, variant, parameters)."""
    library = assembly.load_library()
    language = lang()
    template = library.templates.get(data["template"]) or library.templates["full"]
    params = data.get("params") or {}
    omit = set(data.get("omit") or [])
    variants = data.get("variants") or {}
    parties = [Field(n, s, _display(s, params.get(n), language), errors.get(n, []))
               for n, s in template.params.items()]
    groups, seen = [], set(template.params)
    for cid in template.clauses:
        clause = library.clauses[cid]
        fields = []
        for name, spec in clause.params.items():
            if name not in seen:
                seen.add(name)
                fields.append(Field(name, spec, _display(spec, params.get(name), language), errors.get(name, [])))
        groups.append(ClauseGroup(
            id=cid, title=clause.title.get(language), included=cid not in omit,
            variant=variants.get(cid) or template.variants.get(cid) or clause.default_variant,
            variants=[(v, clause.variant_labels[v].get(language)) for v in clause.variants if v],
            fields=fields, errors=errors.get(f"variants.{cid}", [])))
    return template, parties, groups


def request_from_form(form, base: dict) -> dict:
    """A request mapping from the posted contract form, on top of the current request `base`."""
    library = assembly.load_library()
    language = lang()
    template_id = form.get("template") or base["template"]
    template = library.templates.get(template_id)
    data = {"template": template_id, "language": form.get("language") or base.get("language", "ja"),
            "layout": form.get("layout") or base.get("layout", "stacked"),
            "params": dict(base.get("params") or {}), "omit": [], "variants": {}}
    if template is None:
        return data
    same_template = form.get("form_template") == template_id
    for name, spec in assembly.in_scope_params(library, template, template.clauses).items():
        key = f"p.{name}"
        if spec.type == "bool":
            if same_template:
                data["params"][name] = key in form
            continue
        if key not in form:
            continue
        raw = form.get(key, "")
        current = data["params"].get(name)
        if isinstance(current, dict) and raw.strip() == current.get(language, ""):
            continue  # unchanged: keep both languages of a bilingual value
        if spec.type == "items" and raw.strip() == _display(spec, current, language):
            continue  # unchanged: keep the vocabulary codes
        data["params"][name] = raw
    if same_template:
        data["omit"] = [c for c in template.clauses if f"include.{c}" not in form]
        data["variants"] = {c: form[f"v.{c}"] for c in template.clauses if form.get(f"v.{c}")}
    else:
        data["variants"] = {k: v for k, v in (base.get("variants") or {}).items() if k in template.clauses}
    return data


def _contract_page(entrustment_id: int, data: dict | None = None, errors: dict | None = None, status: int = 200):
    e, contract = services.get_contract(current_user, entrustment_id)
    data = data or services.current_request(e, contract)
    errors = errors or {}
    document = None
    if not errors:
        try:
            document = services.preview(current_user, e.id, data)
        except ValidationFailed as error:
            errors = {k: [str(m) for m in v] for k, v in error.errors.items()}
            status = 422 if status == 200 and contract is not None else status
    template, parties, groups = _form_model(data, errors)
    known = {f.name for f in parties} | {f.name for g in groups for f in g.fields} | \
        {f"variants.{g.id}" for g in groups}
    stray = [m for k, v in errors.items() if k not in known for m in v]
    library = assembly.load_library()
    return render_template(
        "contracts/contract.html", e=e, contract=contract, data=data, document=document, template=template,
        templates=[(t.id, t.label.get(lang())) for t in library.templates.values()], parties=parties,
        groups=groups, stray=stray, versions=services.list_versions(current_user, e.id),
        gap_row=services.gaps_for_entrustment(current_user, e.id), can_edit=can_edit_contract(current_user, e),
        form=ActionForm()), status


@bp.get("/entrustments/<int:entrustment_id>/contract")
@requires("contract.view")
def contract(entrustment_id: int):
    return _contract_page(entrustment_id)


@bp.post("/entrustments/<int:entrustment_id>/contract")
@requires("contract.edit")
def contract_save(entrustment_id: int):
    e, existing = services.get_contract(current_user, entrustment_id)
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("contracts.contract", entrustment_id=e.id))
    data = request_from_form(request.form, services.current_request(e, existing))
    if request.form.get("action") == "preview":
        return _contract_page(e.id, data)
    try:
        services.save_contract(current_user, e.id, data)
    except ValidationFailed as error:
        return _contract_page(e.id, data, {k: [str(m) for m in v] for k, v in error.errors.items()}, 422)
    flash(_("Contract saved."), "success")
    return redirect(url_for("contracts.contract", entrustment_id=e.id))


@bp.get("/entrustments/<int:entrustment_id>/contract/preview")
@requires("contract.view")
def preview(entrustment_id: int):
    e, contract = services.get_contract(current_user, entrustment_id)
    try:
        document = services.preview(current_user, e.id)
    except ValidationFailed as error:
        flash_errors(error)
        return redirect(url_for("contracts.contract", entrustment_id=e.id))
    return render_template("contracts/preview.html", e=e, document=document)


@bp.post("/entrustments/<int:entrustment_id>/contract/generate")
@requires("contract.edit")
def generate(entrustment_id: int):
    services.get_entrustment(current_user, entrustment_id)  # another tenant's id: 404 before anything
    if not ActionForm().validate_on_submit():
        flash_form_expired()
        return redirect(url_for("contracts.contract", entrustment_id=entrustment_id))
    try:
        version = services.generate(current_user, entrustment_id)
    except ValidationFailed as error:
        flash_errors(error)
    else:
        flash(_("Version %(n)s generated.", n=version.number), "success")
    return redirect(url_for("contracts.contract", entrustment_id=entrustment_id) + "#versions")


@bp.get("/contracts/versions/<int:version_id>/download")
@requires("contract.view")
def download(version_id: int):
    version = services.get_version(current_user, version_id)
    response = send_file(io.BytesIO(version.content), mimetype=DOCX_MIME, as_attachment=True,
                         download_name=version.filename, etag=version.sha256)
    response.headers["Cache-Control"] = "no-store"  # personal data and contract terms: no shared caches
    return response


@bp.get("/contracts")
@requires("contract.view")
def portfolio():
    raw = request.args.get("contractor_id")
    contractor_id = (inputs.object_id(raw) or 0) if raw else None  # 0 names no organisation: 404, like any unknown
    result = services.portfolio(current_user, contractor_id=contractor_id)
    labels = {t.id: t.label.get(lang()) for t in assembly.load_library().templates.values()}
    return render_template("contracts/portfolio.html", portfolio=result, contractor_id=contractor_id,
                           template_labels=labels)


@bp.route("/contracts/check", methods=["GET", "POST"])
@requires("contract.view")
def check():
    form = CheckForm()
    result = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read(services.MAX_UPLOAD_BYTES + 1)
        try:
            result = services.check_upload(current_user, upload.filename or "", content)
        except ValidationFailed as error:
            for field_name, messages in error.errors.items():
                getattr(form, field_name).errors = [str(m) for m in messages]
            status = 422
    elif request.method == "POST":
        status = 422
    return render_template("contracts/check.html", form=form, result=result), status
