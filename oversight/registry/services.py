"""Use cases of the registry. Each owns its transaction and writes the trail in the same one.

The web views, the JSON API, the importer and the CLI call these and nothing below them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from oversight import permissions as perm
from oversight import uow
from oversight.accounts.models import User
from oversight.errors import Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry import activation, chain
from oversight.registry import permissions as rules
from oversight.registry.models import Entrustment, Organisation
from oversight.registry.organisations import (  # the organisation use cases, called as services.* everywhere
    add_certification,
    add_contact,
    create_organisation,
    delete_organisation,
    identify,
    remove_certification,
    remove_contact,
    update_organisation,
)
from oversight.registry.queries import (
    Page,
    certification_state,
    chain_path,
    like_pattern,
    link_columns,
    link_state,
    link_states,
    original_consignor_id,
    search_text,
    to_link,
    violations_by_contractor,
    with_ancestors,
    with_descendants,
)
from oversight.registry.seen import (
    SeenOrganisation,
    get_organisation,
    own_record,
    own_records,
    search_organisations,
    seen_certification,
    seen_certifications,
    seen_contacts,
    seen_organisation,
)
from oversight.registry.validation import Cleaner, clean_entrustment
from oversight.timeutil import utcnow
from oversight.trail import services as trail

__all__ = [
    "Page", "SeenOrganisation", "add_certification", "add_contact", "certification_state", "chain_path",
    "create_organisation", "delete_organisation", "get_organisation", "identify", "link_state", "link_states",
    "original_consignor_id", "own_record", "own_records",
    "remove_certification", "remove_contact", "search_organisations", "seen_certification", "seen_certifications",
    "seen_contacts", "seen_organisation", "to_link", "update_organisation", "violations_by_contractor",
    "with_ancestors",
]


# ---------------------------------------------------------------- the chain

@dataclass
class ChainView:
    """A tree (downward) or a set of paths (upward), with states and the organisations they name."""

    roots: list[chain.LinkState]
    organisations: dict[int, Organisation]
    entrustments: dict[int, Entrustment]
    paths: list[list[chain.LinkState]] = field(default_factory=list)
    certifications: dict[int, list] = field(default_factory=dict)  # those the actor reads, by organisation


def _load_view(rows, actor, detail: bool = True) -> ChainView:
    """States of the given links plus what a page shows of them: full rows with the certifications the actor reads
    (`detail`), or only ids, data sets and names (the API's chain, which must stay close to the raw query's cost)."""
    states = chain.assess(to_link(r) for r in rows)
    ids = list(states)
    org_ids = {s.link.consignor_id for s in states.values()} | {s.link.contractor_id for s in states.values()}
    if not ids:
        return ChainView(roots=[], organisations={}, entrustments={})
    if detail:
        entrustments = {e.id: e for e in db.session.scalars(select(Entrustment).where(Entrustment.id.in_(ids)))}
        organisations = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))}
        certifications = seen_certifications(actor, org_ids)
    else:
        entrustments = {r.id: r for r in db.session.execute(
            select(Entrustment.id, Entrustment.data_set).where(Entrustment.id.in_(ids)))}
        organisations = {r.id: r for r in db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids)))}
        certifications = {}
    return ChainView(roots=chain.roots(states), organisations=organisations, entrustments=entrustments,
                     certifications=certifications)


def chain_down(actor, organisation_id: int, detail: bool = True) -> ChainView:
    """Everyone who holds this consignor's data, at every depth, as a tree of visible entrustments."""
    get_organisation(actor, organisation_id)
    seeds = perm.restrict(
        select(Entrustment.id).where(Entrustment.consignor_id == organisation_id,
                                     Entrustment.parent_id.is_(None)), actor, "entrustment")
    ids = perm.restrict(select(Entrustment.id).where(Entrustment.id.in_(with_descendants(seeds))), actor, "entrustment")
    rows = db.session.execute(select(*link_columns()).where(Entrustment.id.in_(ids))).all()
    return _load_view(rows, actor, detail)


def chain_up(actor, organisation_id: int, detail: bool = True) -> ChainView:
    """Every consignor whose data this vendor holds, directly or through others: one path per holding."""
    get_organisation(actor, organisation_id)
    seeds = perm.restrict(
        select(Entrustment.id).where(Entrustment.contractor_id == organisation_id), actor, "entrustment")
    rows = with_ancestors(seeds)
    if perm.is_admin(actor):
        visible = {r.id for r in rows}
    else:
        visible = set(db.session.scalars(perm.restrict(
            select(Entrustment.id).where(Entrustment.id.in_([r.id for r in rows])), actor, "entrustment")).all())
    view = _load_view(rows, actor, detail)
    states = {}
    for root in view.roots:
        stack = [root]
        while stack:
            node = stack.pop()
            states[node.link.id] = node
            stack.extend(node.children)
    by_id = {s.link.id: s.link for s in states.values()}
    for state in sorted(states.values(), key=lambda s: s.link.id):
        if state.link.contractor_id == organisation_id and state.link.id in visible:
            path = chain.path_to_root(state.link.id, by_id)
            # A user sees the part of an upward path that its visibility covers, never more.
            view.paths.append([states[link.id] for link in path if link.id in visible])
    return view


# ---------------------------------------------------------------- entrustments

def get_entrustment(actor, entrustment_id: int) -> Entrustment:
    """The entrustment if the actor may see it; NotFound otherwise."""
    perm.require(actor, "entrustment.view")
    e = db.session.get(Entrustment, entrustment_id)
    if e is None or not perm.can_see(actor, "entrustment", entrustment_id):
        raise NotFound(_l("Entrustment not found."))
    return e


def _organisation_for(field_name: str, organisation_id, actor) -> Organisation:
    org = db.session.get(Organisation, organisation_id) if organisation_id else None
    if org is None or not perm.can_see(actor, "organisation", org.id):
        raise ValidationFailed({field_name: [_l("Choose an existing organisation.")]})
    return org


def _subcontractor_for(actor, data: Mapping, contractor_id) -> Organisation:
    """The proposed subcontractor: one the actor can see, or a company named by its corporate number and name —
    linked to its identity if registered, registered if not, and the same answer either way (法人番号 are public;
    another tenant's record of the company stays its own)."""
    if contractor_id:
        return _organisation_for("contractor_id", contractor_id, actor)
    if data.get("contractor_corporate_number"):
        return identify(actor, data["contractor_corporate_number"], data.get("contractor_name"), fields={
            "corporate_number": "contractor_corporate_number", "name": "contractor_name"})
    raise ValidationFailed({"contractor_id": [_l("This field is required.")]})


def _label(e: Entrustment) -> str:
    return str(e)


def _starting(actor, e: Entrustment, reason: str, recorded: bool) -> list[activation.Override]:
    """The activation checks areas plugged in (oversight.registry.activation), for a person starting `e`."""
    if recorded or not isinstance(actor, User):
        return []
    return activation.check_activation(actor, e, reason)


def _record_overrides(actor, e: Entrustment, overrides: list[activation.Override], reason: str) -> None:
    if overrides:
        trail.record(actor, "activate_override", "entrustment", e.id, label=_label(e), after={
            "reason": reason, "missing": [o.to_dict() for o in overrides]})


@uow.atomic()
def create_entrustment(actor, data: Mapping, *, recorded: bool = False) -> Entrustment:
    """A consignor records a direct entrustment (top of a chain) to a contractor; it starts active, so a person
    recording it passes the activation checks (`override_reason` in `data` where one allows it). `recorded`: an
    entrustment as it already stands (the registry import), not started now."""
    perm.require(actor, "entrustment.create")
    data = dict(data)
    reason = activation.clean_reason(data.pop("override_reason", None))
    values = clean_entrustment(data)
    if values.get("parent_id"):
        return propose_subcontract(actor, values["parent_id"], data, override_reason=reason)
    errors = {}
    if not values.get("consignor_id"):
        errors["consignor_id"] = [_l("This field is required.")]
    if not values.get("contractor_id"):
        errors["contractor_id"] = [_l("This field is required.")]
    if errors:
        raise ValidationFailed(errors)
    consignor = _organisation_for("consignor_id", values["consignor_id"], actor)
    contractor = _organisation_for("contractor_id", values["contractor_id"], actor)
    if not perm.is_admin(actor) and consignor.id != actor.organisation_id:
        raise ValidationFailed({"consignor_id": [_l("You can only record entrustments of your own organisation.")]})
    if consignor.id == contractor.id:
        raise ValidationFailed({"contractor_id": [_l("An organisation cannot entrust data to itself.")]})
    values.pop("origin", None)
    e = Entrustment(**values, status="active", origin="planned")
    overrides = _starting(actor, e, reason, recorded)
    db.session.add(e)
    db.session.flush()
    trail.record(actor, "create", "entrustment", e.id, label=_label(e), after=e.snapshot())
    _record_overrides(actor, e, overrides, reason)
    return e


@uow.atomic()
def propose_subcontract(actor, parent_id: int, data: Mapping, origin: str = "planned", *,
                        override_reason: str | None = None) -> Entrustment:
    """The contractor of `parent_id` hands (part of) the data on to a subcontractor (再委託).

    origin="planned" asks for approval (or notifies, under notice-after terms); any other origin records a
    subcontract that already exists without approval — found in an audit, a filing, or declared late.
    """
    parent = get_entrustment(actor, parent_id)
    values = clean_entrustment({"origin": origin, **data})
    origin = values["origin"]
    path = chain_path(parent)
    top_consignor = path[0].consignor_id
    if origin == "planned":
        if not rules.can_propose_under(actor, parent):
            raise Forbidden(_l("Only the contractor holding the data can propose a subcontractor."))
    elif not rules.can_record_discovered_under(actor, parent, top_consignor):
        raise Forbidden(_l("You may not record a subcontract under this entrustment."))
    if parent.status == "terminated":
        raise ValidationFailed({"parent_id": [_l("The parent entrustment is terminated; "
                                                 "no subcontract can be added under it.")]})
    if parent.status in ("rejected",):
        raise ValidationFailed({"parent_id": [_l("The parent entrustment was rejected; "
                                                 "no subcontract can be added under it.")]})
    if origin == "planned" and parent.subcontracting_terms == "prohibited":
        raise ValidationFailed({"parent_id": [_l(
            "The terms of the parent entrustment prohibit subcontracting. "
            "The original consignor must change the terms first.")]})
    if values.get("person_count", 0) > parent.person_count > 0:
        raise ValidationFailed({"person_count": [_l(
            "A subcontract cannot cover more persons (%(n)s) than its parent entrustment (%(m)s).",
            n=f"{values['person_count']:,}", m=f"{parent.person_count:,}")]})
    contractor = _subcontractor_for(actor, data, values.get("contractor_id"))
    values["contractor_id"] = contractor.id
    links = [chain.Link(p.id, p.parent_id, p.consignor_id, p.contractor_id, p.status,
                        p.subcontracting_terms) for p in path]
    if contractor.id == parent.contractor_id or chain.would_cycle(links, contractor.id):
        if contractor.id == parent.contractor_id:
            raise ValidationFailed({"contractor_id": [_l("An organisation cannot entrust data to itself.")]})
        raise ValidationFailed({"contractor_id": [_l(
            "%(org)s already holds this data higher up the chain; a chain cannot loop back.",
            org=contractor.name)]})
    for key in ("consignor_id", "parent_id", "origin"):
        values.pop(key, None)
    if origin == "planned":
        status = "active" if parent.subcontracting_terms == "notice_after" else "proposed"
    else:
        status = "active"
    e = Entrustment(**values, consignor_id=parent.contractor_id, parent_id=parent.id, status=status,
                    origin=origin, proposed_by_id=getattr(actor, "id", None), proposed_at=utcnow())
    reason = activation.clean_reason(override_reason)
    # A subcontract found or declared late is recorded as it stands, not started.
    overrides = _starting(actor, e, reason, origin != "planned") if status == "active" else []
    db.session.add(e)
    db.session.flush()
    action = "propose" if origin == "planned" else "record_unapproved"
    trail.record(actor, action, "entrustment", e.id, label=_label(e), after=e.snapshot())
    _record_overrides(actor, e, overrides, reason)
    return e


IMMUTABLE_AFTER_CREATE = ("consignor_id", "contractor_id", "parent_id", "origin")


@uow.atomic()
def update_entrustment(actor, entrustment_id: int, data: Mapping) -> Entrustment:
    """Change the descriptive fields and terms; the parties and the parent are fixed once recorded."""
    e = get_entrustment(actor, entrustment_id)
    if not rules.can_edit_entrustment(actor, e):
        raise Forbidden(_l("You may not edit this entrustment."))
    values = clean_entrustment(data, partial=True)
    changed_fixed = [k for k in IMMUTABLE_AFTER_CREATE if k in values and values[k] != getattr(e, k)]
    if changed_fixed:
        raise ValidationFailed({k: [_l("Cannot be changed after the entrustment is recorded.")]
                                for k in changed_fixed})
    for key in IMMUTABLE_AFTER_CREATE:
        values.pop(key, None)
    start = values.get("start_on", e.start_on)
    end = values.get("end_on", e.end_on)
    if start and end and end < start:
        raise ValidationFailed({"end_on": [_l("The end date is before the start date.")]})
    if e.parent and values.get("person_count", 0) > e.parent.person_count > 0:
        raise ValidationFailed({"person_count": [_l(
            "A subcontract cannot cover more persons (%(n)s) than its parent entrustment (%(m)s).",
            n=f"{values['person_count']:,}", m=f"{e.parent.person_count:,}")]})
    before = e.snapshot()
    for key, value in values.items():
        setattr(e, key, value)
    db.session.flush()
    after = e.snapshot()
    if after != before:
        trail.record(actor, "update", "entrustment", e.id, label=_label(e), before=before, after=after)
    return e


@uow.atomic()
def decide_subcontract(actor, entrustment_id: int, *, approve: bool, conditions: str = "",
                       scope: str = "", reason: str = "") -> Entrustment:
    """The original consignor approves (with conditions and the data scope allowed) or rejects."""
    e = get_entrustment(actor, entrustment_id)
    if e.parent is None:
        raise ValidationFailed({"id": [_l("A direct entrustment needs no subcontracting approval.")]})
    top = original_consignor_id(e)
    if not rules.can_decide(actor, top):
        raise Forbidden(_l("Only the original consignor can approve or reject a subcontractor."))
    if e.status not in ("proposed", "active") or e.approved_at is not None:
        raise ValidationFailed({"status": [_l("This subcontract is not awaiting a decision.")]})
    if approve and e.parent.subcontracting_terms == "prohibited":
        raise ValidationFailed({"status": [_l(
            "Subcontracting is prohibited by the terms of the parent entrustment; it cannot be approved.")]})
    if approve:
        parent_state = link_states([e.parent.id]).get(e.parent.id)
        if parent_state and not parent_state.settled:
            raise ValidationFailed({"parent_id": [_l(
                "The entrustment above is not approved yet; approve the chain from the top down.")]})
    texts = Cleaner({"conditions": conditions, "scope": scope, "reason": reason})
    for key in ("conditions", "scope", "reason"):
        texts.text(key, max_length=4000, multiline=True)
    texts = texts.done()
    conditions, scope, reason = texts["conditions"], texts["scope"], texts["reason"]
    if not approve and not reason:
        raise ValidationFailed({"reason": [_l("Give the reason for the rejection.")]})
    before = e.snapshot()
    e.decided_by_id = getattr(actor, "id", None)
    e.decided_at = utcnow()
    if approve:
        e.approved_at = e.decided_at
        e.approval_conditions = conditions.strip()
        e.approved_scope = scope.strip()
        if e.status == "proposed":
            e.status = "approved"
    else:
        e.status = "rejected"
        e.rejection_reason = reason
    db.session.flush()
    trail.record(actor, "approve" if approve else "reject", "entrustment", e.id, label=_label(e),
                 before=before, after=e.snapshot())
    return e


TRANSITIONS = {"activate": ("approved", "active"), "terminate": (None, "terminated")}


@uow.atomic()
def transition_entrustment(actor, entrustment_id: int, action: str, *,
                           override_reason: str | None = None) -> Entrustment:
    """activate (approved → active: the activation checks areas plugged in, `override_reason` where one allows it)
    or terminate (any live status → terminated, children first)."""
    e = get_entrustment(actor, entrustment_id)
    reason = activation.clean_reason(override_reason)
    if action not in TRANSITIONS:
        raise ValidationFailed({"action": [_l("Unknown action.")]})
    if not rules.can_transition(actor, e, original_consignor_id(e)):
        raise Forbidden(_l("You may not change the status of this entrustment."))
    required, target = TRANSITIONS[action]
    if required and e.status != required:
        raise ValidationFailed({"status": [_l("Only an approved entrustment can be activated.")]})
    if action == "terminate":
        if e.status == "terminated":
            raise ValidationFailed({"status": [_l("Already terminated.")]})
        live_children = [c for c in e.children if c.status not in ("terminated", "rejected")]
        if live_children:
            raise ValidationFailed({"status": [_l(
                "Terminate the %(n)s subcontract(s) under it first: the data must come back down the chain.",
                n=len(live_children))]})
    overrides = _starting(actor, e, reason, False) if action == "activate" else []
    before = e.snapshot()
    e.status = target
    db.session.flush()
    trail.record(actor, action, "entrustment", e.id, label=_label(e), before=before, after=e.snapshot())
    _record_overrides(actor, e, overrides, reason)
    return e


def search_entrustments(actor, *, q: str = "", status: str = "", organisation_id: int | None = None,
                        flagged: bool = False, page: int = 1, per_page: int = 50) -> Page:
    """Visible entrustments, with their approval states; `flagged` keeps only violations."""
    perm.require(actor, "entrustment.view")
    query = perm.restrict(select(Entrustment), actor, "entrustment")
    q = search_text(q)
    if q:
        query = query.where(func.lower(Entrustment.data_set).like(like_pattern(q), escape="\\"))
    if status:
        query = query.where(Entrustment.status == status)
    if organisation_id:
        query = query.where(or_(Entrustment.consignor_id == organisation_id,
                                Entrustment.contractor_id == organisation_id))
    if flagged:
        candidate_ids = db.session.scalars(query.with_only_columns(Entrustment.id)
                                           .where(Entrustment.parent_id.is_not(None))).all()
        states = link_states(candidate_ids)
        flagged_ids = [i for i in candidate_ids if states[i].violation]
        query = query.where(Entrustment.id.in_(flagged_ids))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, page)
    items = db.session.scalars(
        query.options(selectinload(Entrustment.consignor), selectinload(Entrustment.contractor))
        .order_by(Entrustment.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items, total, page, per_page, extra={"states": link_states([e.id for e in items])})


def pending_decisions(actor) -> list[Entrustment]:
    """Proposed subcontracts whose original consignor is the actor's organisation."""
    if not perm.allows(actor, "entrustment.decide"):
        return []
    proposed = db.session.scalars(perm.restrict(
        select(Entrustment).where(Entrustment.status == "proposed"), actor, "entrustment")).all()
    return [e for e in proposed if rules.can_decide(actor, original_consignor_id(e))]
