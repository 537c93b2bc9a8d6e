"""The deadline board: what each party still owes in the open incidents, soonest first, a page at a time.

A row is one party: its window to notify its consignor (通則編3-5-3-5), its quick-report window (a guideline
target, 通則編3-5-3-3) and its final-report due date (施行規則8条2項), all shown from the first moment. A viewer
sees its own organisation's rows, and every party's where the incident happened at its organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from oversight import permissions as perm
from oversight.extensions import db
from oversight.incidents.models import Incident, IncidentParty
from oversight.incidents.visibility import party_rows
from oversight.registry.models import Organisation
from oversight.timeutil import today_jst

SORTS = ("due", "incident", "organisation")
PAGE_SIZE = 100
BUCKETS = ("overdue", "today", "week", "later")


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
        return bucket(self.next[1].days_left)


def bucket(days_left: int) -> str:
    """overdue, today, week (within 7 days) or later."""
    if days_left < 0:
        return "overdue"
    if days_left == 0:
        return "today"
    return "week" if days_left <= 7 else "later"


def row_for(party: IncidentParty, today: date) -> BoardRow | None:
    """The party's board row (None when it owes nothing dated)."""
    windows = {kind: Window(first, last, (last - today).days) for kind, first, last in party.owed()}
    if not windows:
        return None
    return BoardRow(party.incident, party, windows.get("notice"), windows.get("quick"), windows.get("final"))


@dataclass
class Board:
    """One page of the board and how many rows fall in each bucket overall."""

    rows: list[BoardRow]
    counts: dict[str, int]
    page: int
    pages: int


def _owing(actor):
    return (select(IncidentParty).join(Incident, Incident.id == IncidentParty.incident_id)
            .where(Incident.status == "open", IncidentParty.next_due.is_not(None), party_rows(actor)))


def deadline_board(actor, *, sort: str = "due", today: date | None = None, page: int = 1,
                   per_page: int = PAGE_SIZE) -> Board:
    """Every notice and report still owed in the open incidents, by the parties the actor may see: one page,
    soonest first (or by incident or organisation), with the count of each bucket. A constant number of queries."""
    perm.require(actor, "incident.view")
    today = today or today_jst()
    due = IncidentParty.next_due
    counted = _owing(actor).with_only_columns(
        func.count().label("total"),
        func.sum(case((due < today, 1), else_=0)).label("overdue"),
        func.sum(case((due == today, 1), else_=0)).label("today"),
        func.sum(case(((due > today) & (due <= today + timedelta(days=7)), 1), else_=0)).label("week"))
    totals = db.session.execute(counted).one()
    total = totals.total or 0
    counts = {"overdue": totals.overdue or 0, "today": totals.today or 0, "week": totals.week or 0}
    counts["later"] = total - sum(counts.values())
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    query = _owing(actor)
    if sort == "incident":
        query = query.order_by(Incident.title, due, IncidentParty.id)
    elif sort == "organisation":
        query = query.join(Organisation, Organisation.id == IncidentParty.organisation_id).order_by(
            func.coalesce(func.nullif(Organisation.name_kana, ""), Organisation.name), due, IncidentParty.id)
    else:
        query = query.order_by(due, IncidentParty.incident_id, IncidentParty.id)
    query = query.options(selectinload(IncidentParty.incident), selectinload(IncidentParty.organisation))
    parties = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    rows = [row for row in (row_for(p, today) for p in parties) if row is not None]
    return Board(rows, counts, page, pages)


def own_rows(actor, *, today: date | None = None, limit: int = 50) -> list[BoardRow]:
    """What the actor's own organisation owes, soonest first (the dashboard)."""
    perm.require(actor, "incident.view")
    today = today or today_jst()
    query = (_owing(actor).where(IncidentParty.organisation_id == getattr(actor, "organisation_id", None))
             .order_by(IncidentParty.next_due, IncidentParty.id).limit(limit)
             .options(selectinload(IncidentParty.incident), selectinload(IncidentParty.organisation)))
    return [row for row in (row_for(p, today) for p in db.session.scalars(query)) if row is not None]
