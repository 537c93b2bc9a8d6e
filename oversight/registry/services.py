"""Use cases of the registry. Each owns its transaction and writes the trail in the same one.

The web views, the JSON API, the importer and the CLI call these and nothing below them.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from oversight import corporate_number, uow
from oversight import permissions as perm
from oversight.errors import Conflict, Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry import chain
from oversight.registry.models import Certification, Contact, Entrustment, Organisation
from oversight.registry.validation import Cleaner, clean_entrustment, clean_organisation
from oversight.timeutil import today_jst, utcnow
from oversight.trail import services as trail


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


# ---------------------------------------------------------------- organisations

def get_organisation(actor, organisation_id: int) -> Organisation:
    """The organisation if the actor may see it; NotFound otherwise (never reveal what exists)."""
    perm.require(actor, "org.view")
    org = db.session.get(Organisation, organisation_id)
    if org is None or not perm.can_see_organisation(actor, organisation_id):
        raise NotFound(_l("Organisation not found."))
    return org


def _check_unique_corporate_number(number: str | None, own_id: int | None) -> None:
    if not number:
        return
    query = select(Organisation.id).where(Organisation.corporate_number == number)
    if own_id:
        query = query.where(Organisation.id != own_id)
    if db.session.scalar(query) is not None:
        raise ValidationFailed({"corporate_number": [
            _l("Another organisation already has this corporate number.")]})


def _apply_organisation(org: Organisation, values: dict) -> None:
    for key, value in values.items():
        if key == "contacts":
            org.contacts = [Contact(**row) for row in value]
        elif key == "certifications":
            org.certifications = [Certification(**row) for row in value]
        else:
            setattr(org, key, value)


def _commit_unique() -> None:
    try:
        uow.commit()
    except IntegrityError as error:
        uow.rollback()
        if "corporate_number" in str(error.orig):
            raise ValidationFailed({"corporate_number": [
                _l("Another organisation already has this corporate number.")]}) from error
        raise Conflict(_l("The change conflicts with existing data. Nothing was saved.")) from error


def create_organisation(actor, data: Mapping) -> Organisation:
    """Register an organisation (a vendor, a consignor or a public body)."""
    perm.require(actor, "org.create")
    values = clean_organisation(data)
    _check_unique_corporate_number(values.get("corporate_number"), None)
    org = Organisation(registered_by_org_id=getattr(actor, "organisation_id", None))
    _apply_organisation(org, values)
    db.session.add(org)
    db.session.flush()
    trail.record(actor, "create", "organisation", org.id, label=org.name, after=org.snapshot())
    _commit_unique()
    return org


def update_organisation(actor, organisation_id: int, data: Mapping) -> Organisation:
    """Change the given fields; contacts and certifications, when given, replace the lists."""
    org = get_organisation(actor, organisation_id)
    if not perm.can_edit_organisation(actor, org):
        raise Forbidden(_l("You may not edit this organisation."))
    values = clean_organisation(data, partial=True)
    _check_unique_corporate_number(values.get("corporate_number"), org.id)
    before = org.snapshot()
    _apply_organisation(org, values)
    db.session.flush()
    after = org.snapshot()
    if after != before:
        trail.record(actor, "update", "organisation", org.id, label=org.name, before=before, after=after)
    _commit_unique()
    return org


def add_contact(actor, organisation_id: int, contact: Mapping) -> Organisation:
    """Append one contact (the web form's use case), validated like a full update."""
    org = get_organisation(actor, organisation_id)
    rows = [c.snapshot() for c in org.contacts] + [dict(contact)]
    return update_organisation(actor, organisation_id, {"contacts": rows})


def remove_contact(actor, organisation_id: int, contact_id: int) -> Organisation:
    org = get_organisation(actor, organisation_id)
    rows = [c.snapshot() for c in org.contacts if c.id != contact_id]
    return update_organisation(actor, organisation_id, {"contacts": rows})


def add_certification(actor, organisation_id: int, certification: Mapping) -> Organisation:
    org = get_organisation(actor, organisation_id)
    rows = [c.snapshot() for c in org.certifications] + [dict(certification)]
    return update_organisation(actor, organisation_id, {"certifications": rows})


def remove_certification(actor, organisation_id: int, certification_id: int) -> Organisation:
    org = get_organisation(actor, organisation_id)
    rows = [c.snapshot() for c in org.certifications if c.id != certification_id]
    return update_organisation(actor, organisation_id, {"certifications": rows})


def delete_organisation(actor, organisation_id: int) -> None:
    """Delete an organisation that is party to no entrustment and has no users."""
    from oversight.accounts.models import User

    org = get_organisation(actor, organisation_id)
    if not perm.can_delete_organisation(actor, org):
        raise Forbidden(_l("You may not delete this organisation."))
    in_use = db.session.scalar(select(func.count()).select_from(Entrustment).where(
        or_(Entrustment.consignor_id == org.id, Entrustment.contractor_id == org.id)))
    users = db.session.scalar(select(func.count()).select_from(User).where(User.organisation_id == org.id))
    if in_use or users:
        raise Conflict(_l("This organisation is party to entrustments or has users; "
                          "end those first. Nothing was deleted."))
    trail.record(actor, "delete", "organisation", org.id, label=org.name, before=org.snapshot())
    db.session.delete(org)
    uow.commit()


def certification_state(cert: Certification, today: date, warning_days: int = 90) -> str:
    """valid / expiring (within the warning window) / expired / open (no expiry date)."""
    if cert.expires_on is None:
        return "open"
    if cert.expires_on < today:
        return "expired"
    if cert.expires_on <= today + timedelta(days=warning_days):
        return "expiring"
    return "valid"


def _search_text(q: str | None) -> str:
    """Search input without control characters (PostgreSQL refuses NUL), NFKC-normalised."""
    q = unicodedata.normalize("NFKC", q or "")
    return "".join(ch for ch in q if unicodedata.category(ch) != "Cc").strip()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def search_organisations(actor, *, q: str = "", kind: str = "", certification: str = "", status: str = "",
                         page: int = 1, per_page: int = 50, today: date | None = None) -> Page:
    """Visible organisations matching name, kana or corporate number, filtered and paginated."""
    perm.require(actor, "org.view")
    today = today or today_jst()
    query = perm.restrict_organisations(select(Organisation), actor)
    q = _search_text(q)
    if q:
        digits = q.replace("-", "")
        conditions = [func.lower(Organisation.name).like(_like(q), escape="\\"),
                      func.lower(Organisation.name_kana).like(_like(q), escape="\\")]
        if digits.isdigit():
            conditions.append(Organisation.corporate_number.like(f"{digits}%"))
        query = query.where(or_(*conditions))
    if kind:
        query = query.where(Organisation.kind == kind)
    if status:
        query = query.where(Organisation.status == status)
    if certification == "expired":
        query = query.where(exists().where(and_(Certification.organisation_id == Organisation.id,
                                                Certification.expires_on < today)))
    elif certification == "expiring":
        query = query.where(exists().where(and_(
            Certification.organisation_id == Organisation.id, Certification.expires_on >= today,
            Certification.expires_on <= today + timedelta(days=90))))
    elif certification == "none":
        query = query.where(~exists().where(Certification.organisation_id == Organisation.id))
    elif certification:
        query = query.where(exists().where(and_(
            Certification.organisation_id == Organisation.id, Certification.scheme == certification,
            or_(Certification.expires_on.is_(None), Certification.expires_on >= today))))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, page)
    items = db.session.scalars(
        query.options(selectinload(Organisation.certifications))
        .order_by(Organisation.name_kana, Organisation.name, Organisation.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    flags = violations_by_contractor([o.id for o in items])
    return Page(items, total, page, per_page, extra={"violations": flags, "today": today})


# ---------------------------------------------------------------- the chain

def _link_columns():
    return (Entrustment.id, Entrustment.parent_id, Entrustment.consignor_id, Entrustment.contractor_id,
            Entrustment.status, Entrustment.subcontracting_terms, Entrustment.origin,
            Entrustment.approved_at)


def _to_link(row) -> chain.Link:
    return chain.Link(id=row.id, parent_id=row.parent_id, consignor_id=row.consignor_id,
                      contractor_id=row.contractor_id, status=row.status,
                      subcontracting_terms=row.subcontracting_terms, origin=row.origin,
                      approved=row.approved_at is not None)


def _with_ancestors(seed_ids_query):
    """Rows of the seed entrustments and every ancestor of them (recursive CTE upward)."""
    up = select(Entrustment.id, Entrustment.parent_id).where(Entrustment.id.in_(seed_ids_query))
    up = up.cte(recursive=True)
    parent = aliased(Entrustment)
    up = up.union(select(parent.id, parent.parent_id).join(up, parent.id == up.c.parent_id))
    return db.session.execute(select(*_link_columns()).where(Entrustment.id.in_(select(up.c.id)))).all()


def _with_descendants(seed_ids_query):
    down = select(Entrustment.id).where(Entrustment.id.in_(seed_ids_query)).cte(recursive=True)
    child = aliased(Entrustment)
    down = down.union(select(child.id).join(down, child.parent_id == down.c.id))
    return select(down.c.id)


def link_states(entrustment_ids) -> dict[int, chain.LinkState]:
    """Approval state of the given entrustments, judged with all their ancestors."""
    ids = list(entrustment_ids)
    if not ids:
        return {}
    rows = _with_ancestors(select(Entrustment.id).where(Entrustment.id.in_(ids)))
    return chain.assess(_to_link(r) for r in rows)


def violations_by_contractor(organisation_ids: list[int]) -> dict[int, int]:
    """How many unapproved or prohibited subcontracts each organisation holds as contractor."""
    if not organisation_ids:
        return {}
    seeds = select(Entrustment.id).where(Entrustment.contractor_id.in_(organisation_ids),
                                         Entrustment.parent_id.is_not(None),
                                         Entrustment.status != "terminated")
    rows = _with_ancestors(seeds)
    counts: dict[int, int] = {}
    for state in chain.assess(_to_link(r) for r in rows).values():
        if state.violation and state.link.contractor_id in organisation_ids \
                and state.link.status != "terminated":
            counts[state.link.contractor_id] = counts.get(state.link.contractor_id, 0) + 1
    return counts


def link_state(e: Entrustment) -> chain.LinkState:
    """The approval state of one entrustment, judged with its ancestors (walked through the session)."""
    links = [chain.Link(id=x.id, parent_id=x.parent_id, consignor_id=x.consignor_id, contractor_id=x.contractor_id,
                        status=x.status, subcontracting_terms=x.subcontracting_terms, origin=x.origin,
                        approved=x.approved_at is not None) for x in chain_path(e)]
    return chain.assess(links)[e.id]


def original_consignor_id(e: Entrustment) -> int:
    """The consignor at the top of this entrustment's chain (委託元)."""
    top = e
    while top.parent is not None:
        top = top.parent
    return top.consignor_id


def chain_path(e: Entrustment) -> list[Entrustment]:
    """Entrustments from the top of the chain down to `e`."""
    path = [e]
    while path[-1].parent is not None:
        path.append(path[-1].parent)
    return list(reversed(path))


@dataclass
class ChainView:
    """A tree (downward) or a set of paths (upward), with states and the organisations they name."""

    roots: list[chain.LinkState]
    organisations: dict[int, Organisation]
    entrustments: dict[int, Entrustment]
    paths: list[list[chain.LinkState]] = field(default_factory=list)


def _load_view(rows, actor, detail: bool = True) -> ChainView:
    """States of the given links plus what a page shows of them: full rows with certifications (`detail`),
    or only ids, data sets and names (the API's chain, which must stay close to the raw query's cost)."""
    states = chain.assess(_to_link(r) for r in rows)
    ids = list(states)
    org_ids = {s.link.consignor_id for s in states.values()} | {s.link.contractor_id for s in states.values()}
    if not ids:
        return ChainView(roots=[], organisations={}, entrustments={})
    if detail:
        entrustments = {e.id: e for e in db.session.scalars(select(Entrustment).where(Entrustment.id.in_(ids)))}
        organisations = {o.id: o for o in db.session.scalars(
            select(Organisation).where(Organisation.id.in_(org_ids))
            .options(selectinload(Organisation.certifications)))}
    else:
        entrustments = {r.id: r for r in db.session.execute(
            select(Entrustment.id, Entrustment.data_set).where(Entrustment.id.in_(ids)))}
        organisations = {r.id: r for r in db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids)))}
    return ChainView(roots=chain.roots(states), organisations=organisations, entrustments=entrustments)


def chain_down(actor, organisation_id: int, detail: bool = True) -> ChainView:
    """Everyone who holds this consignor's data, at every depth, as a tree of visible entrustments."""
    get_organisation(actor, organisation_id)
    seeds = perm.restrict_entrustments(
        select(Entrustment.id).where(Entrustment.consignor_id == organisation_id,
                                     Entrustment.parent_id.is_(None)), actor)
    ids = perm.restrict_entrustments(select(Entrustment.id).where(Entrustment.id.in_(_with_descendants(seeds))),
                                     actor)
    rows = db.session.execute(select(*_link_columns()).where(Entrustment.id.in_(ids))).all()
    return _load_view(rows, actor, detail)


def chain_up(actor, organisation_id: int, detail: bool = True) -> ChainView:
    """Every consignor whose data this vendor holds, directly or through others: one path per holding."""
    get_organisation(actor, organisation_id)
    seeds = perm.restrict_entrustments(
        select(Entrustment.id).where(Entrustment.contractor_id == organisation_id), actor)
    rows = _with_ancestors(seeds)
    if perm.is_admin(actor):
        visible = {r.id for r in rows}
    else:
        visible = set(db.session.scalars(perm.restrict_entrustments(
            select(Entrustment.id).where(Entrustment.id.in_([r.id for r in rows])), actor)).all())
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
    if e is None or not perm.can_see_entrustment(actor, entrustment_id):
        raise NotFound(_l("Entrustment not found."))
    return e


def _organisation_for(field_name: str, organisation_id, actor) -> Organisation:
    org = db.session.get(Organisation, organisation_id) if organisation_id else None
    if org is None or not perm.can_see_organisation(actor, org.id):
        raise ValidationFailed({field_name: [_l("Choose an existing organisation.")]})
    return org


def _subcontractor_for(actor, contractor_id, corporate_number_text) -> Organisation:
    """The proposed subcontractor: one the actor can see, or any registered one named by its corporate
    number — 法人番号 are public, and a contractor must be able to name a vendor another tenant registered."""
    if contractor_id:
        return _organisation_for("contractor_id", contractor_id, actor)
    if corporate_number_text:
        number = corporate_number.normalise(str(corporate_number_text))
        org = db.session.scalar(select(Organisation).where(Organisation.corporate_number == number))
        if org is None:
            raise ValidationFailed({"contractor_corporate_number": [_l(
                "No organisation with this corporate number is registered; register it first.")]})
        return org
    raise ValidationFailed({"contractor_id": [_l("This field is required.")]})


def _label(e: Entrustment) -> str:
    return str(e)


def create_entrustment(actor, data: Mapping) -> Entrustment:
    """A consignor records a direct entrustment (top of a chain) to a contractor."""
    perm.require(actor, "entrustment.create")
    values = clean_entrustment(data)
    if values.get("parent_id"):
        return propose_subcontract(actor, values["parent_id"], data)
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
    db.session.add(e)
    db.session.flush()
    trail.record(actor, "create", "entrustment", e.id, label=_label(e), after=e.snapshot())
    uow.commit()
    return e


def propose_subcontract(actor, parent_id: int, data: Mapping, origin: str = "planned") -> Entrustment:
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
        if not perm.can_propose_under(actor, parent):
            raise Forbidden(_l("Only the contractor holding the data can propose a subcontractor."))
    elif not perm.can_record_discovered_under(actor, parent, top_consignor):
        raise Forbidden(_l("You may not record a subcontract under this entrustment."))
    contractor = _subcontractor_for(actor, values.get("contractor_id"), data.get("contractor_corporate_number"))
    values["contractor_id"] = contractor.id
    if parent.status == "terminated":
        raise ValidationFailed({"parent_id": [_l("The parent entrustment is terminated; "
                                                 "no subcontract can be added under it.")]})
    if parent.status in ("rejected",):
        raise ValidationFailed({"parent_id": [_l("The parent entrustment was rejected; "
                                                 "no subcontract can be added under it.")]})
    if contractor.id == parent.contractor_id:
        raise ValidationFailed({"contractor_id": [_l("An organisation cannot entrust data to itself.")]})
    links = [chain.Link(p.id, p.parent_id, p.consignor_id, p.contractor_id, p.status,
                        p.subcontracting_terms) for p in path]
    if chain.would_cycle(links, contractor.id):
        raise ValidationFailed({"contractor_id": [_l(
            "%(org)s already holds this data higher up the chain; a chain cannot loop back.",
            org=contractor.name)]})
    if origin == "planned" and parent.subcontracting_terms == "prohibited":
        raise ValidationFailed({"parent_id": [_l(
            "The terms of the parent entrustment prohibit subcontracting. "
            "The original consignor must change the terms first.")]})
    if values.get("person_count", 0) > parent.person_count > 0:
        raise ValidationFailed({"person_count": [_l(
            "A subcontract cannot cover more persons (%(n)s) than its parent entrustment (%(m)s).",
            n=f"{values['person_count']:,}", m=f"{parent.person_count:,}")]})
    for key in ("consignor_id", "parent_id", "origin"):
        values.pop(key, None)
    if origin == "planned":
        status = "active" if parent.subcontracting_terms == "notice_after" else "proposed"
    else:
        status = "active"
    e = Entrustment(**values, consignor_id=parent.contractor_id, parent_id=parent.id, status=status,
                    origin=origin, proposed_by_id=getattr(actor, "id", None), proposed_at=utcnow())
    db.session.add(e)
    db.session.flush()
    action = "propose" if origin == "planned" else "record_unapproved"
    trail.record(actor, action, "entrustment", e.id, label=_label(e), after=e.snapshot())
    uow.commit()
    return e


IMMUTABLE_AFTER_CREATE = ("consignor_id", "contractor_id", "parent_id", "origin")


def update_entrustment(actor, entrustment_id: int, data: Mapping) -> Entrustment:
    """Change the descriptive fields and terms; the parties and the parent are fixed once recorded."""
    e = get_entrustment(actor, entrustment_id)
    if not perm.can_edit_entrustment(actor, e):
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
    uow.commit()
    return e


def decide_subcontract(actor, entrustment_id: int, *, approve: bool, conditions: str = "",
                       scope: str = "", reason: str = "") -> Entrustment:
    """The original consignor approves (with conditions and the data scope allowed) or rejects."""
    e = get_entrustment(actor, entrustment_id)
    if e.parent is None:
        raise ValidationFailed({"id": [_l("A direct entrustment needs no subcontracting approval.")]})
    top = original_consignor_id(e)
    if not perm.can_decide(actor, top):
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
        texts.text(key, max_length=4000)
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
    uow.commit()
    return e


TRANSITIONS = {"activate": ("approved", "active"), "terminate": (None, "terminated")}


def transition_entrustment(actor, entrustment_id: int, action: str) -> Entrustment:
    """activate (approved → active) or terminate (any live status → terminated, children first)."""
    e = get_entrustment(actor, entrustment_id)
    if action not in TRANSITIONS:
        raise ValidationFailed({"action": [_l("Unknown action.")]})
    if not perm.can_transition(actor, e, original_consignor_id(e)):
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
    before = e.snapshot()
    e.status = target
    db.session.flush()
    trail.record(actor, action, "entrustment", e.id, label=_label(e), before=before, after=e.snapshot())
    uow.commit()
    return e


def search_entrustments(actor, *, q: str = "", status: str = "", organisation_id: int | None = None,
                        flagged: bool = False, page: int = 1, per_page: int = 50) -> Page:
    """Visible entrustments, with their approval states; `flagged` keeps only violations."""
    perm.require(actor, "entrustment.view")
    query = perm.restrict_entrustments(select(Entrustment), actor)
    q = _search_text(q)
    if q:
        query = query.where(func.lower(Entrustment.data_set).like(_like(q), escape="\\"))
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
    proposed = db.session.scalars(perm.restrict_entrustments(
        select(Entrustment).where(Entrustment.status == "proposed"), actor)).all()
    return [e for e in proposed if perm.can_decide(actor, original_consignor_id(e))]
