"""Who may do what (the role table), and which objects each user may see: every list, page, export and API call
asks here (in the spirit of NetBox's restrict()).

This module knows no area. Each area declares the rules for its own object types in its visibility.py, registered
by its init_app: `register_visibility(object_type, column, ids, ...)`. Then `restrict(query, actor, object_type)`
limits a select to what the actor may see, `can_see(actor, object_type, id)` answers for one object, and
`visible_ids(actor)` fetches everything at once for a page that names many objects (the trail). Operator admins
see everything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from oversight.errors import Forbidden
from oversight.extensions import db

VIEW = {"org.view", "entrustment.view"}
AUDIT_ACTIONS = {"audit.view", "audit.run", "audit.review", "finding.manage", "pack.build"}
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        VIEW | {"org.create", "org.edit", "org.delete", "entrustment.create", "entrustment.edit",
                "entrustment.propose", "entrustment.decide", "entrustment.record_discovered",
                "entrustment.transition", "data.import", "data.export", "trail.view", "user.manage",
                "contract.view", "contract.edit", "incident.view", "incident.edit", "notification.view",
                "notification.file", "outbox.view", "selection.view", "selection.edit", "selection.decide",
                "selection.condition", *AUDIT_ACTIONS}
    ),
    "privacy_office": frozenset(
        VIEW | {"org.create", "org.edit", "org.delete", "entrustment.create", "entrustment.edit",
                "entrustment.propose", "entrustment.decide", "entrustment.record_discovered",
                "entrustment.transition", "data.import", "data.export", "trail.view", "contract.view",
                "contract.edit", "incident.view", "incident.edit", "notification.view", "notification.file",
                "selection.view", "selection.condition", *AUDIT_ACTIONS}
    ),
    "procurement": frozenset(
        VIEW | {"org.create", "org.edit", "entrustment.create", "entrustment.edit", "entrustment.propose",
                "entrustment.transition", "data.import", "data.export", "contract.view", "incident.view",
                "notification.view", "selection.view", "selection.edit", "selection.decide",
                "selection.condition", "audit.view"}
    ),
    "legal": frozenset(VIEW | {"data.export", "contract.view", "contract.edit", "incident.view",
                               "notification.view"}),
    "auditor": frozenset(VIEW | {"entrustment.record_discovered", "data.export", "trail.view", "contract.view",
                                 "incident.view", "notification.view", "selection.view", *AUDIT_ACTIONS}),
    "incident_team": frozenset(VIEW | {"data.export", "contract.view", "incident.view", "incident.edit",
                                       "notification.view", "notification.file"}),
    "contractor_user": frozenset(VIEW | {"org.create", "org.edit", "entrustment.propose",
                                         "entrustment.record_discovered", "incident.view", "incident.edit",
                                         "notification.view", "notification.file", "questionnaire.answer",
                                         "finding.remediate"}),
    "viewer": frozenset(VIEW | {"incident.view", "notification.view"}),
}
# Monthly handling reports (月次の取扱状況報告, audits/handling_reports.py): the consignor's privacy office or
# procurement switches them on per entrustment and reads them with its auditors; the contractor's staff file them.
HANDLING_REPORT_ACTIONS = {
    "admin": {"handling_report.view", "handling_report.configure"},
    "privacy_office": {"handling_report.view", "handling_report.configure"},
    "procurement": {"handling_report.view", "handling_report.configure"},
    "auditor": {"handling_report.view"},
    "contractor_user": {"handling_report.view", "handling_report.file"},
}
for _role, _actions in HANDLING_REPORT_ACTIONS.items():
    ROLE_ACTIONS[_role] = ROLE_ACTIONS[_role] | _actions


def is_admin(actor) -> bool:
    """An operator admin: sees everything."""
    return getattr(actor, "role", None) == "admin"


def allows(actor, action: str) -> bool:
    """Role-level check: may this kind of user ever do `action`?"""
    if actor is None or not getattr(actor, "is_authenticated", True):
        return False
    return action in ROLE_ACTIONS.get(actor.role, frozenset())


def require(actor, action: str) -> None:
    """Refuse (Forbidden) unless the actor's role allows `action`: the role-level check every service starts with."""
    if not allows(actor, action):
        raise Forbidden(_l("Your role does not allow this action."))


@dataclass(frozen=True)
class Visibility:
    """One object type's rule: the select of ids an actor may see (never asked for an operator admin).

    `check` may answer for one object faster than the select (None: ask the select). `trail_ids` selects the
    objects whose trail records the actor reads when that differs from what it may see; `trail_condition`, given
    the trail record class, narrows which of their records it reads."""

    object_type: str
    column: object  # the id column of the object's table
    ids: Callable[[object], Select]
    check: Callable[[object, int], bool | None] | None = None
    trail_ids: Callable[[object], Select] | None = None
    trail_condition: Callable[[type], object] | None = None


_rules: dict[str, Visibility] = {}


def register_visibility(object_type: str, column, ids: Callable[[object], Select], *,
                        check: Callable[[object, int], bool | None] | None = None,
                        trail_ids: Callable[[object], Select] | None = None,
                        trail_condition: Callable[[type], object] | None = None) -> None:
    """Declare who may see objects of `object_type` (registering again replaces the rule)."""
    _rules[object_type] = Visibility(object_type, column, ids, check, trail_ids, trail_condition)


def visibility_rules() -> list[Visibility]:
    """The declared rules, in the order they were first registered."""
    return list(_rules.values())


def rule(object_type: str) -> Visibility:
    """The rule for `object_type`; KeyError names a type no area declared."""
    try:
        return _rules[object_type]
    except KeyError:
        raise KeyError(f"no visibility rule for {object_type!r}: its area must register one") from None


def visible(actor, object_type: str) -> Select:
    """A select of the ids of every `object_type` the actor may see."""
    declared = rule(object_type)
    return select(declared.column) if is_admin(actor) else declared.ids(actor)


def restrict(query, actor, object_type: str):
    """Limit a select over `object_type` to the objects the actor may see."""
    if is_admin(actor):
        return query
    declared = rule(object_type)
    return query.where(declared.column.in_(declared.ids(actor)))


def can_see(actor, object_type: str, object_id: int) -> bool:
    """May the actor see this one object (False when there is none)?"""
    declared = rule(object_type)
    if declared.check is not None and not is_admin(actor):
        answer = declared.check(actor, object_id)
        if answer is not None:
            return answer
    query = restrict(select(declared.column).where(declared.column == object_id), actor, object_type)
    return db.session.scalar(query.limit(1)) is not None


INLINE_IDS = 5_000


@dataclass(frozen=True)
class VisibleIds:
    """What one actor may see, fetched once: for each object type the ids as a list, or beyond INLINE_IDS the
    select that finds them. A list lets the database use an index for the rows that name them (a subquery inside
    OR does not: a page of a million trail records became a scan). `trail` holds, for the types whose rule says
    so, the objects whose trail records the actor reads."""

    objects: dict[str, list[int] | Select]
    trail: dict[str, list[int] | Select]

    def of(self, object_type: str) -> list[int] | Select:
        """The ids of `object_type` the actor may see."""
        return self.objects[object_type]

    def of_trail(self, object_type: str) -> list[int] | Select:
        """The ids of `object_type` whose trail records the actor reads."""
        return self.trail.get(object_type, self.objects[object_type])

    def contains(self, object_type: str, object_id: int) -> bool | None:
        """Whether the actor may see that object; None when only the database can tell (a select)."""
        ids = self.objects.get(object_type)
        if ids is None:
            return False
        return object_id in ids if isinstance(ids, list) else None


def _ids(selectable) -> list[int] | Select:
    if not isinstance(selectable, Select):
        selectable = select(selectable.subquery())
    found = db.session.scalars(selectable.limit(INLINE_IDS + 1)).all()
    return found if len(found) <= INLINE_IDS else selectable


def visible_ids(actor) -> VisibleIds | None:
    """What the actor may see, by object type (None for an operator admin: all)."""
    if is_admin(actor):
        return None
    rules = visibility_rules()
    return VisibleIds(objects={r.object_type: _ids(r.ids(actor)) for r in rules},
                      trail={r.object_type: _ids(r.trail_ids(actor)) for r in rules if r.trail_ids is not None})
