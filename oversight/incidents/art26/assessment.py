"""Assemble the Art. 26 assessment: is it an incident, is it reportable and on which grounds, by when, who must
report and who is exempt, where to, what the person notice needs and which report items are still missing.

Deadlines at the top level run from `known_at` (the party where it happened); each party in `parties` carries
its own, counted from when that party knew (a consignor knows when its contractor's notice arrives).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from oversight.choices import REPORT_AUTHORITY

from . import rules
from .deadlines import JST, day_known, deadlines_from_day, to_jst
from .facts import Facts, Moment, positional_constructor
from .rules import Ground, Note
from .vocabulary import (
    CAUSES,
    CERTAINTY_LABELS,
    EVENT_LABELS,
    EVENTS,
    ITEMS,
    NOTICE_ITEM_CODES,
    REPORT_ITEM_CODES,
    REPORT_ITEMS,
)

THRESHOLD_CODES = frozenset({"over_threshold", "mn_over_100_leak", "mn_over_100_art9", "mn_over_100_art19"})
ROLES = {
    "handler": ("個人情報取扱事業者", "Business"),
    "consignor": ("委託元", "Consignor"),
    "contractor": ("委託先", "Contractor"),
    "subcontractor": ("再委託先", "Subcontractor"),
}
QUICK_BASIS = "施行規則8条1項「速やかに」; 通則編3-5-3-3「概ね3～5日以内」（目安）"

OWN_DUTY = {
    "company": Ground("own_duty", "法26条1項本文", "報告対象事態が生じた個人データを取り扱う事業者として報告する",
                      "Handles the data concerned: must report"),
    "public_body": Ground("own_duty", "法68条1項", "行政機関の長等として報告する", "Public body: must report"),
    "my_number": Ground("own_duty", "番号法29条の4第1項本文", "個人番号利用事務等実施者として報告する",
                        "Handles the My Number data concerned: must report"),
}
CONTRACTOR_DUTY = Ground(
    "contractor_duty", "法26条1項本文; 通則編3-5-3-2",
    "委託先で発生した場合は委託元・委託先の双方が報告義務を負う（連名での報告も可。委託元への通知により免除）",
    "When it happens at a contractor both consignor and contractor must report (jointly if they wish); notifying "
    "the consignor exempts the contractor",
    rules.Example("委託先で報告対象事態が発生したら、原則として、委託元・委託先の双方が報告義務を負う",
                  "002 委託の場合の報告"))
EXEMPT = {
    False: Ground(
        "proviso_exempt", "法26条1項ただし書; 26条2項かっこ書; 施行規則9条",
        "委託元に通知したため、報告義務及び本人への通知義務を免除される",
        "Notified its consignor: exempt from the report and from the person notice",
        rules.Example("委託先が、委託元に対し、その時点で把握している報告事項を通知したときは、委託先は報告義務を免除される",
                      "002 委託元への通知による例外（法26①但書）")),
    True: Ground(
        "proviso_exempt", "番号法29条の4第1項ただし書; 同条2項かっこ書; 番号法規則4条",
        "委託元に通知したため、報告義務及び本人への通知義務を免除される",
        "Notified its consignor: exempt from the report and from the person notice"),
}
NOT_INVOLVED = Ground(
    "not_involved", "PPC Q&A (002)", "委託元側で発生した事態について、委託先は報告義務を負わない",
    "It happened above this tier: this contractor owes nothing",
    rules.Example("委託元で報告対象事態が発生した場合は、委託先は報告義務を負わない", "002 委託の場合の報告 (Q&A)"))
NOT_REPORTABLE = Ground("not_reportable", "施行規則7条", "報告対象事態に当たらない", "Not a reportable situation")
NOT_AN_INCIDENT = Ground("not_an_incident", "法26条1項", "漏えい等に当たらない", "Not a leak, loss or damage")

NOTICE_GROUND = {
    "company": "法26条2項; 施行規則10条",
    "public_body": "法68条2項; 施行規則45条",
    "my_number": "番号法29条の4第2項; 番号法規則5条",
    "my_number+company": "番号法29条の4第2項; 番号法規則5条; 法26条2項; 施行規則10条",
    "my_number+public_body": "番号法29条の4第2項; 番号法規則5条; 法68条2項; 施行規則45条",
}
NOTICE_ITEMS = tuple(
    {"code": code, "report_item": n, "label_ja": ja, "label_en": en}
    for n, (code, ja, en) in enumerate(REPORT_ITEMS, start=1)
    if code in NOTICE_ITEM_CODES
)
CONTACT_POINT = {
    "recommended": True,
    "label_ja": "問い合わせ先（専用窓口の電話番号・メールアドレス等）",
    "label_en": "A contact point (a dedicated desk's phone number or e-mail address)",
    "ground": "000 本人への通知義務とポイント（5項目に加え問い合わせ先も明記）",
}
ALTERNATIVE_MEASURES = (
    {"code": "public_notice", "label_ja": "事案の公表", "label_en": "Publish the matter"},
    {"code": "inquiry_desk",
     "label_ja": "問合せ窓口を用意してその連絡先を公表し、"
                 "本人が自らの個人データが対象となっているか否かを確認できるようにする",
     "label_en": "Open an inquiry desk and publish its contact so persons can check whether their data is concerned"},
)
ALTERNATIVE_GROUND = "法26条2項ただし書; 通則編3-5-4-5"
ALTERNATIVE_WHEN = ("保有する個人データの中に本人の連絡先が含まれていない場合、"
                    "連絡先が古いために通知を行う時点で本人へ連絡できない場合",
                    "The data holds no contact details, or the contacts are outdated (004 第13条4項; 通則編3-5-4-5)")

NOTES = {
    "persons_unknown": Note(
        "persons_unknown", "本人の数が不明。確定できない場合も最大数で判断する（最大1,000人超なら4号）。",
        "The number of persons is unknown; judge on the largest possible number (more than 1,000 is item 4)."),
    "encryption_key": Note(
        "encryption_key", "暗号化の例外に依る前に、復元に必要な鍵が併せて漏えいしていないか確認する。",
        "Before relying on the encryption exception, check that the decryption key did not leak as well."),
    "about_to_acquire_before_2024": Note(
        "about_to_acquire_before_2024",
        "取得前の情報（スキミング等）を7条3号の対象とする改正は令和6年4月1日施行。それ以前の事態には及ばない。",
        "Information about to be acquired (skimming) is covered by item 3 only from 1 April 2024."),
    "about_to_acquire_only_item_3": Note(
        "about_to_acquire_only_item_3",
        "取得しようとしている個人情報は7条3号（不正の目的）の対象。1号・2号・4号は個人データに限られる。",
        "Information about to be acquired counts under item 3 only; items 1, 2 and 4 concern personal data."),
    "not_yet_informed": Note(
        "not_yet_informed", "この当事者はまだ事態を知らされていない。期限は知った時点から起算する。",
        "This party has not been told yet; its deadlines start when it knows."),
    "notify_consignor": Note(
        "notify_consignor",
        "委託先は、把握している報告事項を委託元に速やかに通知すれば、報告・本人通知を免除される（施行規則9条）。",
        "A contractor that promptly notifies its consignor of what it knows is exempt (施行規則9条)."),
    "public_body_destination": Note(
        "public_body_destination", "行政機関等の報告先は個人情報保護委員会（法68条1項）。",
        "Public bodies report to the PPC (Art. 68(1))."),
    "appi_report_to_authority": Note(
        "appi_report_to_authority",
        "特定個人情報の報告は個人情報保護委員会へ。個人情報保護法26条の報告は権限委任先へも行う。",
        "The My Number report goes to the PPC; the APPI Art. 26 report goes to the delegated authority."),
    "assessed_before_known": Note(
        "assessed_before_known", "評価時点が知った時点より前になっている。",
        "The assessment date is before the moment of knowing."),
    "person_notice_timing": Note(
        "person_notice_timing", "本人への通知は「当該事態の状況に応じて速やかに」（施行規則10条）。",
        "Notify persons \"promptly according to the situation\" (Rule 10)."),
}


def _day_key(moment: Moment) -> datetime:
    if isinstance(moment, datetime):
        return moment.astimezone(JST)
    return datetime.combine(moment, time(0), JST)


_DAY_ISO: dict[date, str] = {}


def _day_iso(day: date) -> str:
    """day.isoformat(), kept: a few thousand days recur in every deadline and as_of (the dict is bounded)."""
    iso = day.isoformat()
    if len(_DAY_ISO) < 65536:
        _DAY_ISO[day] = iso
    return iso


# to_dict() of frozen constants (Ground, Note, Destination, PersonNotice), by id: built once, then shared by every
# answer. The kept objects hold their ids (an id is reused only once its object is gone); bounded.
_SHARED_DICTS: dict[int, dict] = {}
_SHARED_KEPT: list = []


def _shared_dict(constant) -> dict:
    found = constant.to_dict()
    if len(_SHARED_KEPT) < 4096:
        _SHARED_KEPT.append(constant)
        _SHARED_DICTS[id(constant)] = found
    return found


_EVENT_ROWS = tuple((e, {"code": e, "label_ja": EVENT_LABELS[e][0], "label_en": EVENT_LABELS[e][1]})
                    for e in EVENTS)  # in the order of EVENTS
_EVENT_DICTS: dict[frozenset[str], tuple[dict, ...]] = {}


def _event_dicts(events: frozenset[str]) -> tuple[dict, ...]:
    found = tuple(row for e, row in _EVENT_ROWS if e in events)
    if len(_EVENT_DICTS) < 64:  # subsets of EVENTS (more only if Facts were built by hand with other codes)
        _EVENT_DICTS[events] = found
    return found


_CERTAINTY_DICTS: dict[str, dict] = {}


def _certainty_dict(certainty: str) -> dict:
    label_ja, label_en = CERTAINTY_LABELS[certainty]
    return _CERTAINTY_DICTS.setdefault(certainty, {"code": certainty, "label_ja": label_ja, "label_en": label_en,
                                                   "ground": rules.CERTAINTY_GROUNDS[certainty].to_dict()})


@dataclass(frozen=True, slots=True)
class QuickReport:
    """The quick report (速報) window, a guideline target (通則編3-5-3-3)."""

    from_day: date
    to_day: date
    overdue: bool
    basis: str = QUICK_BASIS

    def to_dict(self) -> dict:
        start, end = self.from_day, self.to_day
        return {"from": _DAY_ISO.get(start) or _day_iso(start), "to": _DAY_ISO.get(end) or _day_iso(end),
                "basis": self.basis, "guideline_target": True, "overdue": self.overdue}


@dataclass(frozen=True, slots=True)
class FinalReport:
    """The final report (確報) due date (施行規則8条2項)."""

    due: date
    days: int
    basis: str
    days_left: int

    def to_dict(self) -> dict:
        due = self.due
        return {"due": _DAY_ISO.get(due) or _day_iso(due), "days": self.days, "basis": self.basis,
                "days_left": self.days_left, "overdue": self.days_left < 0}


@dataclass(frozen=True, slots=True)
class PersonNotice:
    """The notice to the persons concerned (法26条2項, 施行規則10条)."""

    required: bool
    ground: str
    contact_available: bool | None

    def to_dict(self) -> dict:
        impossible = None if self.contact_available is None else not self.contact_available
        return {
            "required": self.required,
            "ground": self.ground,
            "timing": "当該事態の状況に応じて速やかに (施行規則10条)",
            "items": list(NOTICE_ITEMS) if self.required else [],
            "contact_point": CONTACT_POINT if self.required else None,
            "alternative_when_impossible": {
                "applies": impossible if self.required else False,
                "when_ja": ALTERNATIVE_WHEN[0], "when_en": ALTERNATIVE_WHEN[1],
                "measures": list(ALTERNATIVE_MEASURES), "ground": ALTERNATIVE_GROUND,
            },
        }


@dataclass(frozen=True, slots=True)
class Party:
    """One organisation's position: must it report, is it exempt, on what ground, and its own deadlines."""

    tier: int
    name: str
    kind: str
    role: str
    must_report: bool
    exempt: bool
    ground: Ground
    knows_at: Moment | None
    notified_consignor_at: Moment | None
    quick_report: QuickReport | None
    final_report: FinalReport | None

    @property
    def person_notice_required(self) -> bool:
        return self.must_report

    def to_dict(self) -> dict:
        role_ja, role_en = ROLES[self.role]
        knows, notified, quick, final = self.knows_at, self.notified_consignor_at, self.quick_report, self.final_report
        return {
            "tier": self.tier, "name": self.name, "kind": self.kind, "role": self.role,
            "role_ja": role_ja, "role_en": role_en, "must_report": self.must_report, "exempt": self.exempt,
            "ground": _SHARED_DICTS.get(id(self.ground)) or _shared_dict(self.ground),
            "knows_at": knows.isoformat() if knows is not None else None,
            "notified_consignor_at": notified.isoformat() if notified is not None else None,
            "person_notice_required": self.must_report,
            "quick_report": quick.to_dict() if quick is not None else None,
            "final_report": final.to_dict() if final is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Destination:
    """Where the report goes: the PPC, or the ministry its power is delegated to."""

    code: str
    label_ja: str
    label_en: str
    ground: str

    def to_dict(self) -> dict:
        return {"code": self.code, "label_ja": self.label_ja, "label_en": self.label_en, "ground": self.ground}


@dataclass(frozen=True, slots=True)
class Assessment:
    """The engine's answer for one set of facts on one day. `to_dict()` gives the JSON shape."""

    as_of: date
    is_incident: bool
    not_incident_reasons: tuple[Ground, ...]
    events: frozenset[str]
    certainty: str
    reportable: bool
    grounds: tuple[Ground, ...]
    exceptions: tuple[Ground, ...]
    quick_report: QuickReport | None
    final_report: FinalReport | None
    person_notice: PersonNotice
    parties: tuple[Party, ...]
    destination: Destination | None
    missing_report_items: tuple[str, ...]
    notes: tuple[Note, ...]

    def to_dict(self) -> dict:
        """The assessment as JSON-ready data; Japanese labels first, English second.

        The dicts of the frozen constants in it (grounds, notes, events, certainty, destination, person notice)
        are built once and shared by every answer, as CONTACT_POINT always was: read them, do not change them.
        """
        shared, share = _SHARED_DICTS.get, _shared_dict
        reasons, grounds, exceptions, notes = self.not_incident_reasons, self.grounds, self.exceptions, self.notes
        events, person_notice = self.events, self.person_notice
        quick, final, destination = self.quick_report, self.final_report, self.destination
        return {
            "as_of": _DAY_ISO.get(self.as_of) or _day_iso(self.as_of),
            "is_incident": self.is_incident,
            "not_incident_reasons": [shared(id(g)) or share(g) for g in reasons] if reasons else [],
            "events": list(_EVENT_DICTS[events] if events in _EVENT_DICTS else _event_dicts(events)),
            "certainty": _CERTAINTY_DICTS.get(self.certainty) or _certainty_dict(self.certainty),
            "reportable": self.reportable,
            "grounds": [shared(id(g)) or share(g) for g in grounds] if grounds else [],
            "exceptions": [shared(id(g)) or share(g) for g in exceptions] if exceptions else [],
            "quick_report": quick.to_dict() if quick is not None else None,
            "final_report": final.to_dict() if final is not None else None,
            "person_notice": shared(id(person_notice)) or share(person_notice),
            "parties": list(map(Party.to_dict, self.parties)),
            "destination": (shared(id(destination)) or share(destination)) if destination is not None else None,
            "missing_report_items": list(self.missing_report_items),
            "notes": [shared(id(n)) or share(n) for n in notes] if notes else [],
        }


def assess(facts: Facts, as_of: datetime | date) -> Assessment:
    """Assess `facts` under APPI Art. 26 (Art. 68 for public bodies; 番号法29条の4 for My Number data) as of
    `as_of` (a date, or a datetime; a naive one is read as Japan time): a pure function of its arguments."""
    if isinstance(as_of, datetime):
        as_of_moment = as_of.astimezone(JST) if as_of.tzinfo else as_of.replace(tzinfo=JST)
        as_of_day = as_of_moment.date()
    else:
        as_of_day = as_of
        as_of_moment = datetime.combine(as_of, time.max, JST)
    notes: list[Note] = []
    cause = CAUSES[facts.cause] if facts.cause else None
    certainty = facts.certainty or (cause.certainty if cause is not None else "occurred")
    if facts.recovered_before_viewed or facts.provided_intentionally or facts.same_data_kept_elsewhere:
        events, reasons = rules.event_exclusions(facts, rules.events_of(facts, cause))
    else:  # what rules.event_exclusions returns when no exclusion applies
        events, reasons = rules.shared(rules.events_of(facts, cause)), ()
    my_number = facts.data_kind == "my_number"
    is_incident = bool(events) or rules.my_number_incident(facts)
    if not is_incident and not reasons:
        reasons = (rules.no_event_reason(cause),)
    if cause is not None and is_incident and cause.note_ja:
        notes.append(_CAUSE_NOTES[cause.code])

    known_at = facts.known_at
    if isinstance(known_at, datetime):
        # to_jst, which raises on a naive datetime (as deadlines.day_known does), only when it would raise
        known_local = known_key = known_at.astimezone(JST) if known_at.tzinfo is not None else to_jst(known_at)
        known_day = known_key.date()
    else:
        known_local = None
        known_key = datetime.combine(known_at, _MIDNIGHT, JST)
        known_day = known_at
    kind = facts.handler_kind
    reference_day = facts.occurred_on or known_day
    assessable = is_incident and not facts.high_grade_encryption
    grounds = _grounds(facts, cause, events, assessable, my_number, reference_day, kind)
    exceptions: tuple[Ground, ...] = ()
    if is_incident:
        if facts.high_grade_encryption:
            exceptions = (rules.ENCRYPTION_EXCEPTION,)
            notes.append(NOTES["encryption_key"])
        if cause is not None and cause.about_to_acquire:
            notes.append(NOTES["about_to_acquire_before_2024" if reference_day < rules.ABOUT_TO_ACQUIRE_FROM
                               else "about_to_acquire_only_item_3"])
        if facts.max_persons is None:
            notes.append(NOTES["persons_unknown"])
        if not _has_financial(grounds):
            notes.extend(_negative_notes(facts.data_items))
    if known_key > as_of_moment:
        notes.append(NOTES["assessed_before_known"])
    reportable = bool(grounds)

    quick = final = None
    if reportable:
        known = known_at if facts.max_persons_known_at is None else _situation_known(facts, grounds, known_at)
        if known is known_at:
            quick, final = _deadlines(grounds, kind, known_day,
                                      known_local is not None and known_local.time() == _MIDNIGHT, as_of_day)
        else:
            quick, final = _deadlines(grounds, kind, *day_known(known), as_of_day)
        notes.append(NOTES["person_notice_timing"])

    if facts.chain:
        ctx = _Context(facts, cause, events, is_incident, assessable, my_number, reference_day, as_of_day)
        ctx.grounds_by_kind[kind] = grounds
        if reportable:
            ctx.deadlines_by_moment[id(known), kind] = (known, (quick, final))
        parties = _parties(ctx, as_of_moment, notes)
    elif reportable:  # _parties without a chain: the business itself, with the deadlines above
        parties = (_new_party(0, "", kind, "handler", True, False, _own_duty(kind, grounds), known, None, quick,
                              final),)
    else:
        parties = (_new_party(0, "", kind, "handler", False, False,
                              _NOT_REPORTABLE[kind, my_number] if is_incident else NOT_AN_INCIDENT, known_at, None,
                              None, None),)
    destination = _destination(facts, grounds, my_number, notes) if reportable else None
    notice_kind = facts.handler_kind
    if my_number and grounds and grounds[0].code.startswith("mn_"):
        notice_kind = "my_number" if grounds[-1].code.startswith("mn_") else f"my_number+{facts.handler_kind}"
    person_notice = _PERSON_NOTICES[reportable, notice_kind, facts.contact_available]
    missing = _missing_report_items(facts) if reportable else ()
    return _new_assessment(  # Assessment(as_of, is_incident, …): every field, in order
        as_of_day, is_incident, () if is_incident else rules.shared(reasons), events, certainty, reportable, grounds,
        exceptions, quick, final, person_notice, parties, destination, missing, rules.shared_tuple(tuple(notes)),
    )


_MIDNIGHT = time(0)
_new_assessment = positional_constructor(Assessment)
_new_party = positional_constructor(Party)
_new_quick_report = positional_constructor(QuickReport)
_new_final_report = positional_constructor(FinalReport)
# Memos keyed by what is shared (grounds tuples come from rules.shared_tuple and live for good) or by small sets:
# each holds the key's objects, so an id in a key always names the object it was made from. All are bounded.
_FINANCIAL_IN: dict[int, tuple[tuple[Ground, ...], bool]] = {}
_PERIODS: dict[tuple[int, str], tuple[tuple[Ground, ...], int, str]] = {}
_NEGATIVES: dict[frozenset[str], tuple[Note, ...]] = {}
_MISSING: dict[tuple, tuple[str, ...]] = {}
_MEMO_LIMIT = 4096


def _has_financial(grounds: tuple[Ground, ...]) -> bool:
    entry = _FINANCIAL_IN.get(id(grounds))
    if entry is None:
        entry = (grounds, any(g.code == "financial" for g in grounds))
        if len(_FINANCIAL_IN) < _MEMO_LIMIT:
            _FINANCIAL_IN[id(grounds)] = entry
    return entry[1]


def _period(grounds: tuple[Ground, ...], kind: str) -> tuple[int, str]:
    """rules.final_report_period, once per grounds tuple and kind."""
    key = (id(grounds), kind)
    entry = _PERIODS.get(key)
    if entry is None:
        entry = (grounds, *rules.final_report_period(grounds, kind))
        if len(_PERIODS) < _MEMO_LIMIT:
            _PERIODS[key] = entry
    return entry[1], entry[2]


def _negative_notes(items: frozenset[str]) -> tuple[Note, ...]:
    """The "not 7条2号 alone" notes for the items: they depend only on the items among rules.NEGATIVE_ITEMS."""
    key = items & rules.NEGATIVE_ITEMS
    if not key:
        return ()
    found = _NEGATIVES.get(key)
    if found is None:
        found = tuple(_NEGATIVE_NOTES[e] for e in rules.financial_negatives(key))
        if len(_NEGATIVES) < _MEMO_LIMIT:
            _NEGATIVES[key] = found
    return found


class _Context:
    """What the parties of a chain share: the facts read once, grounds per kind of party, deadlines per moment."""

    __slots__ = ("facts", "cause", "events", "assessable", "my_number", "reference_day", "as_of_day", "is_incident",
                 "grounds_by_kind", "deadlines_by_moment")

    def __init__(self, facts, cause, events, is_incident, assessable, my_number, reference_day, as_of_day):
        self.facts = facts
        self.cause = cause
        self.events = events
        self.is_incident = is_incident
        self.assessable = assessable
        self.my_number = my_number
        self.reference_day = reference_day
        self.as_of_day = as_of_day
        self.grounds_by_kind: dict[str, tuple[Ground, ...]] = {}
        self.deadlines_by_moment: dict[tuple[int, str], tuple[Moment, tuple[QuickReport, FinalReport]]] = {}

    def grounds(self, kind: str) -> tuple[Ground, ...]:
        """Rule 7 (Rule 43) grounds for a party of `kind`, My Number grounds first (番号法規則2条)."""
        found = self.grounds_by_kind.get(kind)
        if found is None:
            found = self.grounds_by_kind[kind] = _grounds(self.facts, self.cause, self.events, self.assessable,
                                                           self.my_number, self.reference_day, kind)
        return found

    def deadlines(self, known: Moment, kind: str) -> tuple[QuickReport, FinalReport]:
        """Quick window and final due date for a party of `kind` that knew at `known`."""
        key = (id(known), kind)  # hashing an aware datetime costs more than the rest; the entry keeps `known`
        entry = self.deadlines_by_moment.get(key)
        if entry is not None:
            return entry[1]
        found = _deadlines(self.grounds(kind), kind, *day_known(known), self.as_of_day)
        self.deadlines_by_moment[key] = (known, found)
        return found


def _grounds(facts: Facts, cause, events: frozenset[str], assessable: bool, my_number: bool, reference_day: date,
             kind: str) -> tuple[Ground, ...]:
    """Rule 7 (Rule 43) grounds for a party of `kind`, My Number grounds first (番号法規則2条)."""
    found = ()
    if assessable:
        if events:
            found = rules.personal_data_grounds(facts, cause, kind, reference_day)
        if my_number:
            found = rules.shared_tuple(rules.my_number_grounds(facts, cause, events) + found)
    return found


def _deadlines(grounds: tuple[Ground, ...], kind: str, day: date, at_midnight: bool,
               as_of_day: date) -> tuple[QuickReport, FinalReport]:
    """Quick window and final due date for a party of `kind` that knew on the JST `day` (at midnight or not)."""
    days, basis = _period(grounds, kind)
    start, end, due = deadlines_from_day(day, at_midnight, days)
    return (_quick_report(start, end, as_of_day > end),
            _final_report(due, days, basis, (due - as_of_day).days))


@lru_cache(maxsize=8192)
def _quick_report(start: date, end: date, overdue: bool) -> QuickReport:
    return _new_quick_report(start, end, overdue, QUICK_BASIS)


@lru_cache(maxsize=8192)
def _final_report(due: date, days: int, basis: str, days_left: int) -> FinalReport:
    return _new_final_report(due, days, basis, days_left)


def _situation_known(facts: Facts, grounds: tuple[Ground, ...], known: Moment) -> Moment:
    """When the party knew of the *reportable* situation: a count that passes the threshold later makes the
    situation reportable from that moment (通則編3-5-3-1 via 002: 1,000人を超えた時点で4号に該当)."""
    later = facts.max_persons_known_at
    if later is not None and all(g.code in THRESHOLD_CODES for g in grounds) and _day_key(later) > _day_key(known):
        return later
    return known


def _parties(ctx: _Context, as_of_moment: datetime, notes: list[Note]) -> tuple[Party, ...]:
    """Each tier's duty under Art. 26(1) and its proviso, one tier at a time (000: 階層を一つずつ遡って). Only
    with a chain: `assess` answers for a business alone."""
    facts = ctx.facts
    chain = facts.chain
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
            parties.append(_new_party(i, tier.name, kind, role, False, False, NOT_INVOLVED, None, notified, None, None))
            continue
        knows = facts.known_at if i == k else _earliest(received, tier.known_at)
        received = notified
        grounds = ctx.grounds(kind)
        if not grounds:
            parties.append(_new_party(i, tier.name, kind, role, False, False, _not_reportable(ctx, kind), knows,
                                 notified, None, None))
            continue
        if i and notified is not None and (kind == "company" or ctx.my_number):
            parties.append(_new_party(i, tier.name, kind, role, False, True, EXEMPT[ctx.my_number], knows, notified,
                                 None, None))
            continue
        ground = CONTRACTOR_DUTY if i else _own_duty(kind, grounds)
        exempt_note = exempt_note or bool(i)
        if knows is None:
            informed_note = True
            parties.append(_new_party(i, tier.name, kind, role, True, False, ground, None, notified, None, None))
            continue
        knows = _situation_known(facts, grounds, knows)
        quick, final = ctx.deadlines(knows, kind)
        parties.append(_new_party(i, tier.name, kind, role, True, False, ground, knows, notified, quick, final))
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
        return NOT_AN_INCIDENT
    return _NOT_REPORTABLE[kind, ctx.my_number]


_NOT_REPORTABLE = {
    (kind, mn): Ground("not_reportable", ("施行規則43条" if kind == "public_body" else "施行規則7条")
                       + ("; 番号法規則2条" if mn else ""), NOT_REPORTABLE.label_ja, NOT_REPORTABLE.label_en)
    for kind in ("company", "public_body") for mn in (False, True)
}


def _destination(facts: Facts, grounds: tuple[Ground, ...], my_number: bool, notes: list[Note]) -> Destination:
    """The PPC, or the ministry given in the facts when the PPC's power is delegated (法26条1項, 法150条);
    public bodies (法68条1項) and My Number reports (番号法29条の4第1項) go to the PPC."""
    has_mn = my_number and grounds[0].code.startswith("mn_")
    has_appi = not grounds[-1].code.startswith("mn_")
    if facts.handler_kind == "public_body":
        if facts.report_authority != "ppc":
            notes.append(NOTES["public_body_destination"])
        return _PUBLIC_BODY_DESTINATIONS[has_appi, has_mn]
    if has_mn:
        if facts.report_authority != "ppc" and has_appi:
            notes.append(NOTES["appi_report_to_authority"])
        return _MY_NUMBER_DESTINATION
    return _DESTINATIONS[facts.report_authority]


def _make_destination(code: str, ground: str) -> Destination:
    return Destination(code, REPORT_AUTHORITY.label(code, "ja"), REPORT_AUTHORITY.label(code, "en"), ground)


_DESTINATIONS = {code: _make_destination(code, "法26条1項" if code == "ppc" else "法26条1項; 法150条（権限の委任）")
                 for code in REPORT_AUTHORITY.codes}
_PUBLIC_BODY_DESTINATIONS = {
    (True, False): _make_destination("ppc", "法68条1項"),
    (False, True): _make_destination("ppc", "番号法29条の4第1項"),
    (True, True): _make_destination("ppc", "法68条1項; 番号法29条の4第1項"),
}
_MY_NUMBER_DESTINATION = _make_destination("ppc", "番号法29条の4第1項")
_PERSON_NOTICES = {
    (required, kind, contact): PersonNotice(required, NOTICE_GROUND[kind], contact)
    for required in (False, True) for kind in NOTICE_GROUND for contact in (None, False, True)
}
_CAUSE_NOTES = {code: Note(f"cause_{code}", cause.note_ja, cause.note_en) for code, cause in CAUSES.items()}
_NEGATIVE_NOTES = {
    item.financial_negative: Note("not_financial", f"{item.financial_negative.ja}（{item.financial_negative.source}）",
                                  "Not Rule 7 item 2 on its own (PPC Q&A).")
    for item in ITEMS.values() if item.financial_negative
}


def _missing_report_items(facts: Facts) -> tuple[str, ...]:
    """Which of the nine report items (施行規則8条1項) the final report still lacks. Items 2–4 are also filled
    by the structured facts (data items, number of persons, cause)."""
    written = facts.report_items
    key = (frozenset(written) if written else None, bool(facts.data_items), facts.max_persons is not None,
           facts.cause is not None and facts.cause != "other")
    found = _MISSING.get(key)
    if found is None:
        found = _missing_items(facts)
        if len(_MISSING) < _MEMO_LIMIT:
            _MISSING[key] = found
    return found


def _missing_items(facts: Facts) -> tuple[str, ...]:
    have = set(facts.report_items)
    if facts.data_items:
        have.add("data_items")
    if facts.max_persons is not None:
        have.add("persons")
    if facts.cause is not None and facts.cause != "other":
        have.add("cause")
    return rules.shared(tuple(code for code in REPORT_ITEM_CODES if code not in have))
