"""The deadline board: what each party still owes in the open incidents, soonest first.

A row is one party: its window to notify its consignor (通則編3-5-3-5), its quick-report window (a guideline
target, 通則編3-5-3-3) and its final-report due date (施行規則8条2項), all shown from the first moment. A viewer
sees its own organisation's rows, and every party's where the incident happened at its organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from oversight import permissions as perm
from oversight.extensions import db
from oversight.incidents.models import Incident, IncidentParty
from oversight.incidents.visibility import party_rows
from oversight.timeutil import today_jst

SORTS = ("due", "incident", "organisation")


@dataclass
class Window:
    """A period to act in: from the first to the last day (a single due day has no first day)."""

    first: date | None
    last: date
    days_left: int


@dataclass
class BoardRow:
    """One party that still owes a notice or a report."""

    incident: Incident
    party: IncidentParty
    notice: Window | None  # to notify its consignor
    quick: Window | None
    final: Window | None

    @property
    def next(self) -> tuple[str, Window]:
        """The soonest thing owed: ("notice" | "quick" | "final", its window)."""
        owed = [(k, w) for k, w in (("notice", self.notice), ("quick", self.quick), ("final", self.final)) if w]
        return min(owed, key=lambda kw: kw[1].last)

    @property
    def bucket(self) -> str:
        days_left = self.next[1].days_left
        if days_left < 0:
            return "overdue"
        if days_left == 0:
            return "today"
        return "week" if days_left <= 7 else "later"


def _window(first: date | None, last: date | None, today: date) -> Window | None:
    return Window(first, last, (last - today).days) if last else None


def rows_for(parties, today: date) -> list[BoardRow]:
    """Board rows of the given parties (those that owe nothing dated are left out)."""
    rows = []
    for party in parties:
        reporting = party.must_report and party.final_reported_at is None
        quick = _window(party.quick_from, party.quick_to, today) \
            if reporting and party.quick_reported_at is None else None
        final = _window(None, party.final_due, today) if reporting else None
        notice = _window(party.notice_from, party.notice_to, today)
        if notice or quick or final:
            rows.append(BoardRow(party.incident, party, notice, quick, final))
    return rows


def deadline_board(actor, *, sort: str = "due", today: date | None = None) -> list[BoardRow]:
    """Every notice and report still owed in the open incidents, by the parties the actor may see."""
    perm.require(actor, "incident.view")
    today = today or today_jst()
    query = (select(IncidentParty).join(Incident).where(
        Incident.status == "open", party_rows(actor),
        or_(IncidentParty.notice_to.is_not(None),
            IncidentParty.must_report.is_(True) & IncidentParty.final_reported_at.is_(None)))
        .options(selectinload(IncidentParty.incident), selectinload(IncidentParty.organisation)))
    rows = rows_for(db.session.scalars(query), today)
    keys = {"due": lambda r: (r.next[1].last, r.incident.id, r.party.organisation.name),
            "incident": lambda r: (r.incident.title, r.next[1].last),
            "organisation": lambda r: (r.party.organisation.name_kana or r.party.organisation.name, r.next[1].last)}
    rows.sort(key=keys.get(sort, keys["due"]))
    return rows
