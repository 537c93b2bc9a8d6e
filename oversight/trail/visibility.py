"""Which trail records a user reads: those made by its own organisation, and those about an object it may see,
as each object type's rule declares it (oversight.permissions). A new type is covered by declaring its rule."""

from __future__ import annotations

from sqlalchemy import or_

from oversight import permissions as perm
from oversight.trail.models import TrailRecord


def restrict_trail(query, actor, visible: perm.VisibleIds | None = None):
    """Trail records about objects the actor may see, or made by its own organisation (`visible`: the actor's
    perm.visible_ids, when the caller has them already).

    Of a shared identity, only the changes made by the company itself or by an operator; of a record, only its
    own tenant's; of a shared incident, a party other than where it happened sees only the records about its own
    part (each rule says so: registry.visibility, incidents.visibility)."""
    if perm.is_admin(actor):
        return query
    visible = visible or perm.visible_ids(actor)
    about_visible = []
    for rule in perm.visibility_rules():
        clause = (TrailRecord.object_type == rule.object_type) & TrailRecord.object_id.in_(
            visible.of_trail(rule.object_type))
        if rule.trail_condition is not None:
            clause = clause & rule.trail_condition(TrailRecord)
        about_visible.append(clause)
    return query.where(or_(TrailRecord.actor_org_id == actor.organisation_id, *about_visible))
