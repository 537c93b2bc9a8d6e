"""Deadline reminders: a sweeper (run by `flask scheduler`) queues a mail in the outbox before each report a
party still owes. Each reminder has a key naming the party, the report, its due day and the stage, so running
the sweeper again — after a restart, or twice at once — never queues a second copy; a due day that moves (new
facts) gets its own reminders.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from oversight.accounts.models import User
from oversight.extensions import db
from oversight.incidents.models import Incident, IncidentParty
from oversight.outbox import services as outbox
from oversight.outbox.models import OutboxMessage
from oversight.registry.contacts import incident_addresses
from oversight.timeutil import today_jst

# Days before the due day on which a reminder goes out; "overdue" once the day has passed.
STAGES = {"notice": (1, 0), "quick": (2, 0), "final": (7, 3, 1, 0)}
REPORT_NAMES = {"notice": ("委託元への通知（目安）", "notice to the consignor (guideline target)"),
                "quick": ("速報（目安）", "quick report (guideline target)"), "final": ("確報", "final report")}
RECIPIENT_ROLES = ("privacy_office", "incident_team")


def stage_for(kind: str, due: date, today: date) -> str | None:
    """The reminder stage that applies today: the nearest one not yet passed, or "overdue" (None: too early)."""
    days_left = (due - today).days
    if days_left < 0:
        return "overdue"
    reached = [s for s in STAGES[kind] if days_left <= s]
    return f"{min(reached)}d" if reached else None


def recipients(organisation_id: int, kept_by: Iterable[int] = ()) -> list[str]:
    """The organisation's incident contacts (its own, and those the organisations `kept_by` — parties to the same
    matter — keep in their records of it) and its privacy-office and incident-team users."""
    users = select(User.email).where(
        User.organisation_id == organisation_id, User.role.in_(RECIPIENT_ROLES), User.is_enabled.is_(True))
    return sorted(set(incident_addresses(organisation_id, kept_by)) | set(db.session.scalars(users)))


def _text(party: IncidentParty, kind: str, due: date, stage: str, today: date) -> tuple[str, str]:
    incident = party.incident
    ja, en = REPORT_NAMES[kind]
    days_left = (due - today).days
    if stage == "overdue":
        when_ja, when_en = f"期限を{-days_left}日過ぎています", f"{-days_left} day(s) overdue"
    elif days_left == 0:
        when_ja, when_en = "本日が期限です", "due today"
    else:
        when_ja, when_en = f"期限まで残り{days_left}日", f"due in {days_left} day(s)"
    subject = f"【oversight】{ja}：{when_ja}（{incident.title}） / {en}: {when_en}"
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    link = f"{base}/incidents/{incident.id}"
    body = (
        f"{party.organisation.name} 御中\n\n"
        f"事案「{incident.title}」について、貴組織の{ja}の期限は {due.isoformat()}（日本時間）です。{when_ja}。\n"
        f"報告先・根拠・未記入の報告事項は事案の画面で確認できます：{link}\n"
        "提出後は同じ画面で提出日時を記録してください（記録されるまで通知が続きます）。\n\n"
        "---\n"
        f"Incident \"{incident.title}\": your {en} is due on {due.isoformat()} (Japan time): {when_en}.\n"
        f"The destination, the legal grounds and the report items still missing are on the incident page: {link}\n"
        "Record the date you sent it on the same page (reminders continue until you do).\n"
    )
    return subject, body


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
        to = recipients(party.organisation_id, [p.organisation_id for p in party.incident.parties])
        if key in sent_before or not to:
            continue
        subject, body = _text(party, kind, day, stage, today)
        outbox.enqueue(key, to, subject, body, object_type="incident", object_id=party.incident_id)
        queued += 1
    db.session.commit()
    return queued

