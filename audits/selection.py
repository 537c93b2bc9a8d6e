"""Use cases of procurement: open a selection, add candidates with their questionnaire, send, compare, decide.

Each checks the role, then the object's visibility (audits.visibility), validates everything before changing
anything, owns its transaction and writes the trail record in it. The web views, the API and the CLI call these.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audits import comparison_rows as rows
from audits import fields, library
from audits.models import OUTCOMES, Decision, DecisionCondition, QuestionnaireRequest, Selection
from audits.responses import current_score, questionnaire_of
from audits.selection_gaps import APPROVING
from audits.visibility import get_request, get_selection, restrict_selections
from oversight import mail, uow
from oversight import permissions as perm
from oversight.accounts.models import User
from oversight.errors import Conflict, Forbidden, ValidationFailed
from oversight.extensions import db
from oversight.outbox import services as outbox
from oversight.registry.models import Contact, OrganisationRecord
from oversight.timeutil import today_jst, utcnow
from oversight.trail import services as trail
from oversight.vocabulary import data_items

SENDABLE = ("dd-selection", "triage")  # questionnaires procurement may send at selection
MAX_CANDIDATES = 5
MAX_CONDITIONS = 20
DEFAULT_DAYS_TO_ANSWER = 14


def _as_organisation(actor) -> int:
    if actor.organisation_id is None:
        raise Forbidden(_l("Only a user of an organisation can do this."))
    return actor.organisation_id






def _clean_selection(data: Mapping) -> dict:
    errors: dict = {}
    out = {"title": fields.text(data, "title", errors, required=True, limit=200),
           "purpose": fields.text(data, "purpose", errors)}
    items = data.get("data_items") or []
    if isinstance(items, str):
        items = [i for i in (s.strip() for s in items.replace("、", ",").split(",")) if i]
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        errors["data_items"] = [_l("Must be a list of data-item codes.")]
    else:
        unknown = [i for i in items if i not in data_items()]
        if unknown:
            errors["data_items"] = [_l("Unknown data item(s): %(items)s", items=", ".join(unknown))]
        out["data_items"] = list(dict.fromkeys(items))
    count = data.get("person_count")
    if count in (None, ""):
        out["person_count"] = None
    else:
        try:
            number = int(str(count).replace(",", "")) if not isinstance(count, bool) else None
        except ValueError:
            number = None
        if number is None or number < 0 or number > 10**12:
            errors["person_count"] = [_l("Enter a whole number of 0 or more.")]
        out["person_count"] = number
    sensitive = data.get("includes_sensitive", False)
    if not isinstance(sensitive, bool):
        sensitive = str(sensitive).lower() in ("1", "true", "on", "yes", "y")
    out["includes_sensitive"] = sensitive
    if errors:
        raise ValidationFailed(errors)
    return out


def list_selections(actor) -> list[Selection]:
    """The selections the actor may see, newest first."""
    perm.require(actor, "selection.view")
    query = restrict_selections(select(Selection), actor).options(
        selectinload(Selection.requests).selectinload(QuestionnaireRequest.decision)).order_by(Selection.id.desc())
    return list(db.session.scalars(query).unique())


@uow.atomic()
def create_selection(actor, data: Mapping) -> Selection:
    """Open a selection for a piece of work of the actor's organisation (what will be entrusted, to whom: later)."""
    perm.require(actor, "selection.edit")
    consignor_id = _as_organisation(actor)
    clean = _clean_selection(data)
    selection = Selection(consignor_id=consignor_id, created_by_id=getattr(actor, "id", None), **clean)
    db.session.add(selection)
    db.session.flush()
    trail.record(actor, "selection_open", "selection", selection.id, label=selection.title,
                 after=selection.snapshot())
    return selection


def _vendor_id(actor, raw, errors: dict) -> int | None:
    try:
        vendor_id = int(raw)
    except (TypeError, ValueError):
        errors["vendor_id"] = [_l("Choose an organisation.")]
        return None
    if vendor_id == actor.organisation_id or not perm.can_see(actor, "organisation", vendor_id):
        errors["vendor_id"] = [_l("Choose an organisation.")]
        return None
    return vendor_id


@uow.atomic()
def add_candidate(actor, selection_id: int, data: Mapping) -> QuestionnaireRequest:
    """Add a candidate vendor with the questionnaire it will answer (a draft request, frozen now)."""
    perm.require(actor, "selection.edit")
    selection = get_selection(actor, selection_id)
    _as_organisation(actor)
    errors: dict = {}
    vendor_id = _vendor_id(actor, data.get("vendor_id"), errors)
    questionnaire_id = data.get("questionnaire") or "dd-selection"
    if questionnaire_id not in SENDABLE:
        errors["questionnaire"] = [_l("Choose one of the questionnaires.")]
    due_on = fields.day(data, "due_on", errors, not_before=today_jst())
    message = fields.text(data, "message", errors)
    if vendor_id is not None and any(r.vendor_id == vendor_id for r in selection.requests):
        errors["vendor_id"] = [_l("This organisation is a candidate already.")]
    if len(selection.requests) >= MAX_CANDIDATES and "vendor_id" not in errors:
        errors["vendor_id"] = [_l("At most %(n)s candidates.", n=MAX_CANDIDATES)]
    if selection.status != "open":
        errors["selection"] = [_l("This selection is decided; it takes no more candidates.")]
    if errors:
        raise ValidationFailed(errors)
    questionnaire = library.current(questionnaire_id)
    frozen, digest = library.freeze(questionnaire)
    request = QuestionnaireRequest(
        selection=selection, requester_id=selection.consignor_id, vendor_id=vendor_id,
        questionnaire_id=questionnaire.id, questionnaire_version=questionnaire.version,
        questionnaire_sha256=digest, questionnaire_frozen=frozen,
        due_on=due_on or today_jst() + timedelta(days=DEFAULT_DAYS_TO_ANSWER), message=message,
        question_count=len(questionnaire.questions))
    db.session.add(request)
    db.session.flush()
    trail.record(actor, "selection_candidate", "selection", selection.id, label=selection.title, after={
        "request_id": request.id, "vendor_id": vendor_id, "questionnaire": questionnaire.id,
        "version": questionnaire.version, "sha256": digest, "due_on": request.due_on.isoformat()})
    return request


def vendor_addresses(request: QuestionnaireRequest) -> list[str]:
    """Where the request is mailed: the vendor's staff who answer, its own contacts, and the contacts the
    requesting consignor keeps for it (none of another tenant's)."""
    users = db.session.scalars(select(User.email).where(
        User.organisation_id == request.vendor_id, User.is_enabled.is_(True), User.role == "contractor_user"))
    kept = select(OrganisationRecord.id).where(OrganisationRecord.organisation_id == request.vendor_id,
                                               OrganisationRecord.tenant_id == request.requester_id)
    contacts = db.session.scalars(select(Contact.email).where(
        Contact.organisation_id == request.vendor_id, Contact.email != "",
        (Contact.record_id.is_(None)) | Contact.record_id.in_(kept)))
    return sorted(set(users) | set(contacts))


def _announce(request: QuestionnaireRequest) -> None:
    subject, body = mail.render("audits/questionnaire_sent", request=request, selection=request.selection,
                                questionnaire=questionnaire_of(request))
    recipients = vendor_addresses(request)
    if recipients:
        outbox.enqueue(f"questionnaire-request:{request.id}:sent", recipients, subject, body,
                       object_type="questionnaire_request", object_id=request.id)


@uow.atomic()
def send_request(actor, request_id: int) -> QuestionnaireRequest:
    """Send a draft request to its vendor: it becomes visible to the vendor's staff, who are mailed."""
    perm.require(actor, "selection.edit")
    request = get_request(actor, request_id)
    if not _owns(actor, request):
        raise Forbidden(_l("Your role does not allow this action."))
    if request.status != "draft":
        raise Conflict(_l("This questionnaire was sent already."))
    if request.due_on is not None and request.due_on < today_jst():
        raise ValidationFailed({"due_on": [_l("This date cannot be in the past.")]})
    request.status, request.sent_at = "sent", utcnow()
    _announce(request)
    trail.record(actor, "questionnaire_send", "questionnaire_request", request.id,
                 label=f"{request.work_title} / {request.vendor.name}",
                 after={"selection_id": request.selection_id, "vendor_id": request.vendor_id,
                        "questionnaire": request.questionnaire_id, "version": request.questionnaire_version,
                        "sha256": request.questionnaire_sha256, "due_on": request.due_on.isoformat()})
    return request


def send_all(actor, selection_id: int) -> list[QuestionnaireRequest]:
    """Send every draft request of a selection, as one transaction."""
    perm.require(actor, "selection.edit")
    selection = get_selection(actor, selection_id)
    drafts = [r.id for r in selection.requests if r.status == "draft"]
    if not drafts:
        raise Conflict(_l("Nothing to send: every candidate has its questionnaire already."))
    with uow.atomic():
        return [send_request(actor, request_id) for request_id in drafts]


def _owns(actor, request: QuestionnaireRequest) -> bool:
    return perm.is_admin(actor) or request.requester_id == actor.organisation_id


# ---------------------------------------------------------------- comparing and deciding


def compare(actor, selection_id: int, request_ids: list[int] | None = None) -> list[dict]:
    """Two to five candidates side by side: score per category, red flags, certifications with their expiry,
    incidents in the consignor's own records, and the decision so far. A candidate the actor may not see is
    refused (404), like any unknown id."""
    perm.require(actor, "selection.view")
    selection = get_selection(actor, selection_id)
    requests = selection.requests
    if request_ids:
        by_id = {r.id: r for r in requests}
        for request_id in request_ids:
            if request_id not in by_id:
                get_request(actor, request_id)  # another consignor's or unknown: 404 before anything
                raise ValidationFailed({"candidates": [_l("Compare candidates of this selection only.")]})
        requests = [by_id[i] for i in dict.fromkeys(request_ids)]
    if len(requests) > MAX_CANDIDATES:
        raise ValidationFailed({"candidates": [_l("Compare at most %(n)s candidates.", n=MAX_CANDIDATES)]})
    # Everything a column shows is loaded for all candidates at once: the statements do not grow with their number.
    loaded = {r.id: r for r in db.session.scalars(
        select(QuestionnaireRequest).where(QuestionnaireRequest.id.in_([r.id for r in requests])).options(
            selectinload(QuestionnaireRequest.answers), selectinload(QuestionnaireRequest.vendor),
            selectinload(QuestionnaireRequest.decision).selectinload(Decision.conditions)))}
    vendor_ids = sorted({r.vendor_id for r in requests})
    consignor_id = selection.consignor_id
    extras = {"incidents": rows.incidents_by_vendor(consignor_id, vendor_ids),
              "subcontracted": rows.registry_subcontractors(consignor_id, vendor_ids),
              "late_notifications": rows.late_notifications(actor, consignor_id, vendor_ids)}
    shared_on = rows.shared_answer_dates([r.id for r in requests])
    return [{**_column(loaded[request.id], extras), "shared_answers_on": shared_on.get(request.id)}
            for request in requests]


def _column(request: QuestionnaireRequest, extras: dict) -> dict:
    q = questionnaire_of(request)
    score = current_score(request)
    certifications = [line for line in score.questions
                      if line.category == "certifications" and q.question(line.question).type == "date"
                      and line.status == "answered"]
    return {"request": request, "questionnaire": q, "score": score,
            "categories": {c.category: c for c in score.categories},
            "certifications": [(q.question(line.question), request.values().get(line.question), line)
                               for line in certifications],
            "subcontractors_declared": rows.declared_subcontractors(request, q, score),
            **dict(zip(("clauses_question", "clauses_answer"), rows.contract_clauses_answer(request, q), strict=True)),
            **{name: found.get(request.vendor_id, []) for name, found in extras.items()}}


def _conditions(raw, errors: dict) -> list[dict]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CONDITIONS:
        errors["conditions"] = [_l("Give the conditions as a list (at most %(n)s).", n=MAX_CONDITIONS)]
        return []
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            errors[f"conditions.{i}"] = [_l("Expected an object.")]
            continue
        if not any(item.get(k) for k in ("text", "owner", "due_on")):
            continue  # an empty row of the form
        found: dict = {}
        text = fields.text(item, "text", found, required=True, limit=500)
        owner = fields.text(item, "owner", found, required=True, limit=200)
        due_on = fields.day(item, "due_on", found, required=True, not_before=today_jst())
        for name, messages in found.items():
            errors[f"conditions.{i}.{name}"] = messages
        out.append({"text": text, "owner": owner, "due_on": due_on})
    return out


@uow.atomic()
def decide(actor, request_id: int, data: Mapping) -> Decision:
    """Record the decision on a candidate whose answers are in: approved, conditional (each condition with an
    owner and a due date) or rejected (with the reason); who decided and when go to the trail."""
    perm.require(actor, "selection.decide")
    request = get_request(actor, request_id)
    if not _owns(actor, request):
        raise Forbidden(_l("Your role does not allow this action."))
    errors: dict = {}
    outcome = data.get("outcome")
    if outcome not in OUTCOMES:
        errors["outcome"] = [_l("Choose one of the answers.")]
    reason = fields.text(data, "reason", errors)
    conditions = _conditions(data.get("conditions"), errors)
    if outcome == "rejected" and not reason and "reason" not in errors:
        errors["reason"] = [_l("Give the reason for the rejection.")]
    if outcome == "conditional" and not conditions and not any(k.startswith("conditions") for k in errors):
        errors["conditions"] = [_l("A conditional approval needs at least one condition.")]
    if outcome == "approved" and conditions:
        errors["conditions"] = [_l("An approval with conditions is a conditional approval.")]
    if outcome in ("approved", "conditional") and request.blocked and not reason and "reason" not in errors:
        errors["reason"] = [_l("The answers raised a blocker: give the reason to approve all the same.")]
    if request.status != "submitted":
        errors["outcome"] = [_l("Decide once the vendor has submitted its answers.")]
    if request.decision is not None:
        raise Conflict(_l("This candidate is decided already."))
    if errors:
        raise ValidationFailed(errors)
    decision = Decision(request=request, outcome=outcome, reason=reason, score_percent=request.score_percent,
                        decided_by_id=getattr(actor, "id", None),
                        decided_by_name=getattr(actor, "name", "") or getattr(actor, "email", ""),
                        conditions=[DecisionCondition(**c) for c in conditions])
    db.session.add(decision)
    request.status = "closed"
    selection = request.selection
    if all(r.decision is not None or r is request for r in selection.requests):
        selection.status = "decided"
    db.session.flush()
    trail.record(actor, "selection_decide", "questionnaire_request", request.id,
                 label=f"{selection.title} / {request.vendor.name}", after={
                     "selection_id": selection.id, "vendor_id": request.vendor_id, "outcome": outcome,
                     "reason": reason, "score_percent": request.score_percent, "blocked": request.blocked,
                     "conditions": [{**c, "due_on": c["due_on"].isoformat()} for c in conditions]})
    return decision


def open_conditions(actor) -> list[DecisionCondition]:
    """The conditions of the actor's organisation's approvals that are not met yet, the earliest due first."""
    if not perm.allows(actor, "selection.view"):
        return []
    query = (select(DecisionCondition).join(Decision).join(QuestionnaireRequest).join(Selection)
             .where(DecisionCondition.met_on.is_(None), DecisionCondition.waived_on.is_(None))
             .order_by(DecisionCondition.due_on, DecisionCondition.id))
    if not perm.is_admin(actor):
        query = query.where(Selection.consignor_id == actor.organisation_id)
    return list(db.session.scalars(query.limit(50)))


def start_override_for(entrustment, decision: Decision | None):
    """The trail's record of this entrustment started without an approving review (who, when, the reason given),
    beside its selection line — for a reader decision_for shows it to, with the decision it read; None when a
    review approves the contractor or none was overridden."""
    if decision is not None and decision.outcome in APPROVING:
        return None
    return trail.latest("entrustment", entrustment.id, "activate_override")


def decision_for(actor, entrustment) -> tuple[bool, Decision | None]:
    """(shown, decision) for an entrustment's page: whether the selection line applies to the actor — a direct
    entrustment of its own organisation, read by a role that reads selections — and the latest decision of its
    organisation on that contractor (None: never selected through a review)."""
    if entrustment.parent_id is not None or not perm.allows(actor, "selection.view") or (
            not perm.is_admin(actor) and entrustment.consignor_id != actor.organisation_id):
        return False, None
    decision = db.session.scalar(
        select(Decision).join(QuestionnaireRequest).join(Selection)
        .where(Selection.consignor_id == entrustment.consignor_id,
               QuestionnaireRequest.vendor_id == entrustment.contractor_id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1))
    return True, decision
