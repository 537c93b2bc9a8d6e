"""The outsourcing chain as plain data: approval states, violations, trees and upward paths.

Pure: no Flask, no database. Rows come in as `Link`s built at the service boundary.
Grounds: APPI Art. 25 (supervision of contractors, including subcontractors); reference 000 on prior
approval of subcontracting (事前承認制) and the 2025 unapproved-subcontractor case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

VIOLATION_STATES = frozenset({"unapproved", "prohibited"})
SETTLED_STATES = frozenset({"direct", "approved", "notified"})


@dataclass(frozen=True)
class Link:
    id: int
    parent_id: int | None
    consignor_id: int
    contractor_id: int
    status: str
    subcontracting_terms: str
    origin: str = "planned"
    approved: bool = False


@dataclass
class LinkState:
    link: Link
    state: str
    violation: bool
    upstream_settled: bool
    depth: int
    children: list[LinkState] = field(default_factory=list)

    @property
    def settled(self) -> bool:
        """Approved here and at every step up (nothing downstream is approved unless every step up is)."""
        return self.state in SETTLED_STATES and self.upstream_settled


def approval_state(link: Link, parent_terms: str | None) -> str:
    """The approval state of one link given the subcontracting terms of its parent entrustment."""
    if link.parent_id is None:
        return "direct"
    if parent_terms == "prohibited":
        return "prohibited"
    if link.status == "rejected":
        return "rejected"
    if link.approved:
        return "approved"
    if link.origin == "planned":
        if parent_terms == "notice_after":
            return "notified"
        if link.status == "proposed":
            return "pending"
    return "unapproved"


def assess(links: Iterable[Link]) -> dict[int, LinkState]:
    """State of every link; links whose parent is absent are treated as roots of what was given."""
    by_id = {link.id: link for link in links}
    states: dict[int, LinkState] = {}

    def visit(link: Link) -> LinkState:
        if link.id in states:
            return states[link.id]
        parent = by_id.get(link.parent_id) if link.parent_id is not None else None
        parent_state = visit(parent) if parent else None
        state = approval_state(link, parent.subcontracting_terms if parent else _terms_unknown(link))
        upstream = parent_state.settled if parent_state else True
        result = LinkState(
            link=link,
            state=state,
            violation=state in VIOLATION_STATES,
            upstream_settled=upstream,
            depth=(parent_state.depth + 1) if parent_state else 0,
        )
        states[link.id] = result
        if parent_state:
            parent_state.children.append(result)
        return result

    for link in sorted(by_id.values(), key=lambda item: item.id):
        visit(link)
    return states


def _terms_unknown(link: Link) -> str | None:
    # A subcontract whose parent was not given cannot be judged on terms; judge on its own record.
    return None if link.parent_id is None else "prior_approval"


def roots(states: dict[int, LinkState]) -> list[LinkState]:
    """Top-level nodes (no parent among the given links), in id order."""
    return [s for s in states.values() if s.link.parent_id is None or s.link.parent_id not in states]


def path_to_root(link_id: int, by_id: dict[int, Link]) -> list[Link]:
    """The chain from the top entrustment down to `link_id`."""
    path = []
    current = by_id.get(link_id)
    seen = set()
    while current is not None:
        if current.id in seen:
            raise ValueError(f"cycle at entrustment {current.id}")
        seen.add(current.id)
        path.append(current)
        current = by_id.get(current.parent_id) if current.parent_id is not None else None
    return list(reversed(path))


def organisations_on_path(path: list[Link]) -> list[int]:
    """Organisation ids along a chain, top consignor first."""
    if not path:
        return []
    return [path[0].consignor_id] + [link.contractor_id for link in path]


def would_cycle(path: list[Link], contractor_id: int) -> bool:
    """True if adding `contractor_id` below `path` would bring the data back to an organisation above."""
    return contractor_id in organisations_on_path(path)
