"""Queries the registry's use cases share, and the public chain queries other areas use: pages of results, search
text, the path of an entrustment up its chain, ancestors and descendants in one query each, links and their states."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from oversight import permissions as perm
from oversight.extensions import db
from oversight.registry import chain
from oversight.registry.models import Certification, Entrustment


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


def search_text(q: str | None) -> str:
    """Search input without control characters (PostgreSQL refuses NUL), NFKC-normalised."""
    q = unicodedata.normalize("NFKC", q or "")
    return "".join(ch for ch in q if unicodedata.category(ch) != "Cc").strip()


def like_pattern(text: str) -> str:
    """A case-insensitive LIKE pattern for `text` anywhere (use with escape="\\")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def expiry_warning_days() -> int:
    """How many days ahead a certification's expiry is flagged as expiring (CERT_EXPIRY_WARNING_DAYS)."""
    return current_app.config["CERT_EXPIRY_WARNING_DAYS"]


def certification_state(cert: Certification, today: date, warning_days: int | None = None) -> str:
    """valid / expiring (within the warning window, CERT_EXPIRY_WARNING_DAYS by default) / expired / open (no
    expiry date)."""
    if warning_days is None:
        warning_days = expiry_warning_days()
    if cert.expires_on is None:
        return "open"
    if cert.expires_on < today:
        return "expired"
    if cert.expires_on <= today + timedelta(days=warning_days):
        return "expiring"
    return "valid"


# ---------------------------------------------------------------- chain links

def link_columns():
    return (Entrustment.id, Entrustment.parent_id, Entrustment.consignor_id, Entrustment.contractor_id,
            Entrustment.status, Entrustment.subcontracting_terms, Entrustment.origin,
            Entrustment.approved_at)


def to_link(row) -> chain.Link:
    return chain.Link(id=row.id, parent_id=row.parent_id, consignor_id=row.consignor_id,
                      contractor_id=row.contractor_id, status=row.status,
                      subcontracting_terms=row.subcontracting_terms, origin=row.origin,
                      approved=row.approved_at is not None)


def with_ancestors(seed_ids_query):
    """Rows of the seed entrustments and every ancestor of them (recursive CTE upward)."""
    up = select(Entrustment.id, Entrustment.parent_id).where(Entrustment.id.in_(seed_ids_query))
    up = up.cte(recursive=True)
    parent = aliased(Entrustment)
    up = up.union(select(parent.id, parent.parent_id).join(up, parent.id == up.c.parent_id))
    return db.session.execute(select(*link_columns()).where(Entrustment.id.in_(select(up.c.id)))).all()


def with_descendants(seed_ids_query):
    """A select of the ids of the seed entrustments and everything below them."""
    down = select(Entrustment.id).where(Entrustment.id.in_(seed_ids_query)).cte(recursive=True)
    child = aliased(Entrustment)
    down = down.union(select(child.id).join(down, child.parent_id == down.c.id))
    return select(down.c.id)


def link_states(entrustment_ids) -> dict[int, chain.LinkState]:
    """Approval state of the given entrustments, judged with all their ancestors."""
    ids = list(entrustment_ids)
    if not ids:
        return {}
    rows = with_ancestors(select(Entrustment.id).where(Entrustment.id.in_(ids)))
    return chain.assess(to_link(r) for r in rows)


def violations_by_contractor(actor, organisation_ids: list[int]) -> dict[int, int]:
    """How many live unapproved or prohibited subcontracts each organisation holds as contractor, counting only
    those the actor may see: another tenant's subcontracts are neither shown nor counted (a count would tell
    that they exist, and anyone could inflate it by recording subcontracts of its own)."""
    if not organisation_ids:
        return {}
    ids = set(organisation_ids)
    seeds = select(Entrustment.id).where(Entrustment.contractor_id.in_(ids), Entrustment.parent_id.is_not(None),
                                         Entrustment.status != "terminated")
    if perm.is_admin(actor):  # sees them all: the seeds are the rows that match, found in the one walk up
        rows = with_ancestors(seeds)
        counted = {r.id for r in rows if r.contractor_id in ids and r.parent_id is not None
                   and r.status != "terminated"}
    else:
        counted = set(db.session.scalars(perm.restrict(seeds, actor, "entrustment")))
        rows = with_ancestors(list(counted)) if counted else []
    counts: dict[int, int] = {}
    # Each state is judged with its whole chain above, visible or not; only the visible ones are counted.
    for state in chain.assess(to_link(r) for r in rows).values():
        if state.link.id in counted and state.violation:
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
