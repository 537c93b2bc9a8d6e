"""Deadline reminders: a sweeper (run by `flask scheduler`) queues a mail in the outbox before each report a
party still owes. Each reminder has a key naming the party, the report, its due day and the stage, so running
the sweeper again — after a restart, or twice at once — never queues a second copy; a due day that moves (new
facts) gets its own reminders.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from oversight import mail, uow
from oversight.extensions import db
from oversight.incidents.models import Incident, IncidentParty
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.registry.recipients import incident_recipients
from oversight.timeutil import today_jst

# Days before the due day on which a reminder goes out; "overdue" once the day has passed.
STAGES = {"notice": (1, 0), "quick": (2, 0), "final": (7, 3, 1, 0)}


def stage_for(kind: str, due: date, today: date) -> str | None:
    """The reminder stage that applies today: the nearest one not yet passed, or "overdue" (None: too early)."""
    days_left = (due - today).days
    if days_left < 0:
        return "overdue"
    reached = [s for s in STAGES[kind] if days_left <= s]
    return f"{min(reached)}d" if reached else None


@uow.atomic()
def enqueue_due_reminders(now: datetime | None = None) -> int:
    """Queue the reminders due today for every notice and report still owed in open incidents; returns how many
    are new. Each kind is reminded on its own: the final report's from the first day, not only after the quick."""
    today = today_jst(now)
    parties = db.session.scalars(
        select(IncidentParty).join(Incident).where(Incident.status == "open", IncidentParty.next_due.is_not(None))
        .options(selectinload(IncidentParty.incident), selectinload(IncidentParty.organisation)))
    wanted = []
    for party in parties:
        for kind, _first, last in party.owed():
            stage = stage_for(kind, last, today)
            if stage:
                key = f"incident-reminder:{party.id}:{kind}:{last.isoformat()}:{stage}"
                wanted.append((key, party, (kind, last), stage))
    sent_before = set(db.session.scalars(select(OutboxMessage.key).where(
        OutboxMessage.key.in_([key for key, *_rest in wanted])))) if wanted else set()
    queued = 0
    for key, party, (kind, day), stage in wanted:
        to = incident_recipients(party.organisation_id, [p.organisation_id for p in party.incident.parties])
        if key in sent_before or not to:
            continue
        subject, body = mail.render("incidents/reminder", organisation=party.organisation, incident=party.incident,
                                    kind=kind, due=day, stage=stage, days_left=(day - today).days)
        outbox.enqueue(key, to, subject, body, object_type="incident", object_id=party.incident_id)
        queued += 1
    return queued

