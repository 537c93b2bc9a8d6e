"""Assemble the Art. 26 assessment: is it an incident, is it reportable and on which grounds, by when, who must
report and who is exempt, where to, what the person notice needs and which report items are still missing.

Deadlines at the top level run from `known_at` (the party where it happened); each party in `parties` carries
its own, counted from when that party knew (a consignor knows when its contractor's notice arrives). A public
body's conclusions cite 法68条 and 施行規則43〜45条 (citations.py); the answer's shape is in answer.py.
"""

from __future__ import annotations

from datetime import date, datetime, time

from oversight.choices import REPORT_AUTHORITY

from . import rules
from .answer import Assessment, Destination, FinalReport, Party, PersonNotice, Window
from .citations import (
    ALTERNATIVE_GROUND,
    CONSIGNOR_NOTICE_BASIS,
    CONTRACTOR_DUTY,
    DESTINATION_GROUND,
    EXEMPT,
    NOT_AN_INCIDENT,
    NOT_INVOLVED,
    NOT_REPORTABLE,
    NOTES,
    NOTES_BY_KIND,
    NOTICE_GROUND,
    NOTICE_TIMING,
    OWN_DUTY,
    QUICK_BASIS,
)
from .deadlines import JST, quick_report_window, report_deadlines, to_jst
from .facts import Facts, Moment
from .rules import Ground, Note
from .vocabulary import CAUSES, ITEMS, REPORT_ITEM_CODES

__all__ = ["Assessment", "Party", "assess"]

THRESHOLD_CODES = frozenset({"over_threshold", "mn_over_100_leak", "mn_over_100_art9", "mn_over_100_art19"})


def assess(facts: Facts, as_of: datetime | date) -> Assessment:
    """Assess `facts` under APPI Art. 26 (Art. 68 for public bodies; 番号法29条の4 for My Number data) as of
    `as_of` (a date, or a datetime; a naive one is read as Japan time): a pure function of its arguments."""
    if isinstance(as_of, datetime):
        as_of_moment = as_of.astimezone(JST) if as_of.tzinfo else as_of.replace(tzinfo=JST)
        as_of_day = as_of_moment.date()
    else:
        as_of_day = as_of
        as_of_moment = datetime.combine(as_of, time.max, JST)
    kind = facts.handler_kind
    notes: list[Note] = []
    cause = CAUSES[facts.cause] if facts.cause else None
    certainty = facts.certainty or (cause.certainty if cause is not None else "occurred")
    events, reasons = rules.event_exclusions(facts, rules.events_of(facts, cause), kind)
    my_number = facts.data_kind == "my_number"
    is_incident = bool(events) or rules.my_number_incident(facts)
    if not is_incident and not reasons:
        reasons = (rules.no_event_reason(cause, kind),)
    if cause is not None and is_incident and cause.note_ja:
        notes.append(_CAUSE_NOTES[cause.code])

    known_at = to_jst(facts.known_at)  # raises on a naive datetime, as deadlines.day_known does
    ctx = _Context(facts, cause, events, is_incident, my_number, facts.occurred_on or known_at.date(), as_of_day)
    grounds = ctx.grounds(kind)
    exceptions: tuple[Ground, ...] = ()
    if is_incident:
        if facts.high_grade_encryption:
            exceptions = (rules.ENCRYPTION_EXCEPTION[kind],)
            notes.append(NOTES["encryption_key"])
        if cause is not None and cause.about_to_acquire:
            before = ctx.reference_day < rules.ABOUT_TO_ACQUIRE_FROM
            notes.append(NOTES_BY_KIND["about_to_acquire_before_2024" if before
                                       else "about_to_acquire_only_item_3"][kind])
        if facts.max_persons is None:
            notes.append(NOTES_BY_KIND["persons_unknown"][kind])
        if not any(g.code == "financial" for g in grounds):
            notes.extend(_NEGATIVE_NOTES[e, kind] for e in rules.financial_negatives(facts.data_items))
    if known_at > as_of_moment:
        notes.append(NOTES["assessed_before_known"])
    reportable = bool(grounds)

    quick = final = None
    if reportable:
        quick, final = ctx.deadlines(_situation_known(facts, grounds, facts.known_at), kind)
        notes.append(NOTES_BY_KIND["person_notice_timing"][kind])

    parties = _parties(ctx, as_of_moment, notes)
    destination = _destination(facts, grounds, my_number, notes) if reportable else None
    notice_kind = kind
    if my_number and grounds and grounds[0].code.startswith("mn_"):
        notice_kind = "my_number" if grounds[-1].code.startswith("mn_") else f"my_number+{kind}"
    person_notice = PersonNotice(reportable, NOTICE_GROUND[notice_kind], facts.contact_available,
                                 NOTICE_TIMING[kind], ALTERNATIVE_GROUND[kind])
    missing = _missing_report_items(facts) if reportable else ()
    return Assessment(
        as_of=as_of_day, is_incident=is_incident, not_incident_reasons=() if is_incident else reasons,
        events=events, certainty=certainty, certainty_ground=rules.CERTAINTY_GROUNDS[certainty, kind],
        reportable=reportable, grounds=grounds, exceptions=exceptions, quick_report=quick, final_report=final,
        person_notice=person_notice, parties=parties, destination=destination, missing_report_items=missing,
        notes=tuple(notes),
    )


class _Context:
    """What one assessment works out once and its parties share: the facts read, grounds per kind of party."""

    def __init__(self, facts, cause, events, is_incident, my_number, reference_day, as_of_day):
        self.facts = facts
        self.cause = cause
        self.events = events
        self.is_incident = is_incident
        self.assessable = is_incident and not facts.high_grade_encryption
        self.my_number = my_number
        self.reference_day = reference_day
        self.as_of_day = as_of_day
        self._grounds: dict[str, tuple[Ground, ...]] = {}

    def grounds(self, kind: str) -> tuple[Ground, ...]:
        """Rule 7 (Rule 43) grounds for a party of `kind`, My Number grounds first (番号法規則2条)."""
        if kind not in self._grounds:
            found: tuple[Ground, ...] = ()
            if self.assessable:
                if self.events:
                    found = rules.personal_data_grounds(self.facts, self.cause, kind, self.reference_day)
                if self.my_number:
                    found = rules.my_number_grounds(self.facts, self.cause, self.events) + found
            self._grounds[kind] = found
        return self._grounds[kind]

    def deadlines(self, known: Moment, kind: str) -> tuple[Window, FinalReport]:
        """Quick window and final due date for a party of `kind` that knew at `known`."""
        days, basis = rules.final_report_period(self.grounds(kind), kind)
        start, end, due = report_deadlines(known, days)
        return (Window(start, end, self.as_of_day > end, QUICK_BASIS[kind]),
                FinalReport(due, days, basis, (due - self.as_of_day).days))

    def consignor_notice(self, known: Moment) -> Window:
        """The window for a contractor's notice to its consignor, counted from when it knew (通則編3-5-3-5)."""
        start, end = quick_report_window(known)
        return Window(start, end, self.as_of_day > end, CONSIGNOR_NOTICE_BASIS[self.my_number])


def _day_key(moment: Moment) -> datetime:
    """A moment as an aware JST datetime; a bare date is the start of that day."""
    if isinstance(moment, datetime):
        return moment.astimezone(JST)
    return datetime.combine(moment, time(0), JST)


def _situation_known(facts: Facts, grounds: tuple[Ground, ...], known: Moment) -> Moment:
    """When the party knew of the *reportable* situation: a count that passes the threshold later makes the
    situation reportable from that moment (通則編3-5-3-1 via 002: 1,000人を超えた時点で4号に該当)."""
    later = facts.max_persons_known_at
    if later is not None and all(g.code in THRESHOLD_CODES for g in grounds) and _day_key(later) > _day_key(known):
        return later
    return known


def _parties(ctx: _Context, as_of_moment: datetime, notes: list[Note]) -> tuple[Party, ...]:
    """Each tier's duty under Art. 26(1) and its proviso, one tier at a time (000: 階層を一つずつ遡って).

    A company contractor is exempt once it has notified its consignor (法26条1項ただし書, which names both
    個人情報取扱事業者 and 行政機関等 as consignors); until then it owes the report and is shown the window for that
    notice. A public body has no such proviso (法68条1項): where it is a contractor it owes its own report."""
    facts = ctx.facts
    chain = facts.chain
    if not chain:
        kind = facts.handler_kind
        grounds = ctx.grounds(kind)
        if not grounds:
            return (Party(0, "", kind, "handler", False, False, _not_reportable(ctx, kind), facts.known_at,
                          None, None, None),)
        known = _situation_known(facts, grounds, facts.known_at)
        quick, final = ctx.deadlines(known, kind)
        return (Party(0, "", kind, "handler", True, False, _own_duty(kind, grounds), known, None, quick, final),)

    k = facts.incident_at
    parties = []
    received: Moment | None = None  # the notice from the tier below, once it has arrived
    informed_note = exempt_note = False
    for i in range(len(chain) - 1, -1, -1):
        tier = chain[i]
        kind = facts.handler_kind if i == 0 else tier.kind
        role = "consignor" if i == 0 else ("contractor" if i == 1 else "subcontractor")
        notified = tier.notified_consignor_at
        if notified is not None and _day_key(notified) > as_of_moment:
            notified = None  # not sent yet as of the assessment
        if i > k:
            parties.append(Party(i, tier.name, kind, role, False, False, NOT_INVOLVED, None, notified, None, None))
            continue
        knows = facts.known_at if i == k else _earliest(received, tier.known_at)
        received = notified
        grounds = ctx.grounds(kind)
        if not grounds:
            parties.append(Party(i, tier.name, kind, role, False, False, _not_reportable(ctx, kind), knows,
                                 notified, None, None))
            continue
        may_notify = i > 0 and (kind == "company" or ctx.my_number)  # the proviso is open to this tier
        if may_notify and notified is not None:
            parties.append(Party(i, tier.name, kind, role, False, True, EXEMPT[ctx.my_number], knows, notified,
                                 None, None))
            continue
        ground = CONTRACTOR_DUTY if may_notify and kind == "company" else _own_duty(kind, grounds)
        exempt_note = exempt_note or may_notify
        if knows is None:
            informed_note = True
            parties.append(Party(i, tier.name, kind, role, True, False, ground, None, notified, None, None))
            continue
        knows = _situation_known(facts, grounds, knows)
        quick, final = ctx.deadlines(knows, kind)
        notice = ctx.consignor_notice(knows) if may_notify else None
        parties.append(Party(i, tier.name, kind, role, True, False, ground, knows, notified, quick, final, notice))
    if exempt_note:
        notes.append(NOTES["notify_consignor"])
    if informed_note:
        notes.append(NOTES["not_yet_informed"])
    parties.reverse()
    return tuple(parties)


def _earliest(a: Moment | None, b: Moment | None) -> Moment | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if _day_key(a) <= _day_key(b) else b


def _own_duty(kind: str, grounds: tuple[Ground, ...]) -> Ground:
    if grounds[-1].code.startswith("mn_"):  # My Number grounds come first: all of them are
        return OWN_DUTY["my_number"]
    return OWN_DUTY[kind]


def _not_reportable(ctx: _Context, kind: str) -> Ground:
    if not ctx.is_incident:
        return NOT_AN_INCIDENT[kind]
    return NOT_REPORTABLE[kind, ctx.my_number]


def _destination(facts: Facts, grounds: tuple[Ground, ...], my_number: bool, notes: list[Note]) -> Destination:
    """The PPC, or the ministry given in the facts when the PPC's power is delegated (法26条1項, 法150条);
    public bodies (法68条1項) and My Number reports (番号法29条の4第1項) go to the PPC."""
    has_mn = my_number and grounds[0].code.startswith("mn_")
    has_appi = not grounds[-1].code.startswith("mn_")
    if facts.handler_kind == "public_body":
        if facts.report_authority != "ppc":
            notes.append(NOTES["public_body_destination"])
        laws = ([DESTINATION_GROUND["public_body"]] if has_appi else []) + (
            [DESTINATION_GROUND["my_number"]] if has_mn else [])
        return _make_destination("ppc", "; ".join(laws))
    if has_mn:
        if facts.report_authority != "ppc" and has_appi:
            notes.append(NOTES["appi_report_to_authority"])
        return _make_destination("ppc", DESTINATION_GROUND["my_number"])
    if facts.report_authority == "ppc":
        return _make_destination("ppc", DESTINATION_GROUND["company"])
    return _make_destination(facts.report_authority, f"{DESTINATION_GROUND['company']}; 法150条（権限の委任）")


def _make_destination(code: str, ground: str) -> Destination:
    return Destination(code, REPORT_AUTHORITY.label(code, "ja"), REPORT_AUTHORITY.label(code, "en"), ground)


_CAUSE_NOTES = {code: Note(f"cause_{code}", cause.note_ja, cause.note_en) for code, cause in CAUSES.items()}
_NOT_ITEM_2 = {"company": "Not Rule 7 item 2 on its own (PPC Q&A).",
               "public_body": "Not Rule 43 item 2 on its own (PPC Q&A on the same words in Rule 7 item 2)."}
_NEGATIVE_NOTES = {
    (item.financial_negative, kind): Note(
        "not_financial", f"{item.financial_negative.ja}（{item.financial_negative.source}）", _NOT_ITEM_2[kind])
    for item in ITEMS.values() if item.financial_negative for kind in rules.KINDS
}


def _missing_report_items(facts: Facts) -> tuple[str, ...]:
    """Which of the nine report items (施行規則8条1項; 44条1項 for public bodies) the final report still lacks.
    Items 2–4 are also filled by the structured facts (data items and other items, number of persons, cause)."""
    have = set(facts.report_items)
    if facts.data_items or facts.other_items:
        have.add("data_items")
    if facts.max_persons is not None:
        have.add("persons")
    if facts.cause is not None and facts.cause != "other":
        have.add("cause")
    return tuple(code for code in REPORT_ITEM_CODES if code not in have)
