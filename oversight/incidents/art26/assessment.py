"""Assemble the Art. 26 assessment: is it an incident, is it reportable and on which grounds, by when, who must
report and who is exempt, where to, what the person notice needs and which report items are still missing.

Deadlines at the top level run from `known_at` (the party where it happened); each party in `parties` carries
its own, counted from when that party knew (a consignor knows when its contractor's notice arrives).
Every object here is frozen and every `to_dict()` builds new dicts and lists: one answer shares nothing mutable
with another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from oversight.choices import REPORT_AUTHORITY

from . import rules
from .deadlines import JST, report_deadlines, to_jst
from .facts import Facts, Moment
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
NOTICE_ITEMS = tuple((n, code, ja, en) for n, (code, ja, en) in enumerate(REPORT_ITEMS, start=1)
                     if code in NOTICE_ITEM_CODES)
CONTACT_POINT = (
    "問い合わせ先（専用窓口の電話番号・メールアドレス等）",
    "A contact point (a dedicated desk's phone number or e-mail address)",
    "000 本人への通知義務とポイント（5項目に加え問い合わせ先も明記）",
)
ALTERNATIVE_MEASURES = (
    ("public_notice", "事案の公表", "Publish the matter"),
    ("inquiry_desk",
     "問合せ窓口を用意してその連絡先を公表し、本人が自らの個人データが対象となっているか否かを確認できるようにする",
     "Open an inquiry desk and publish its contact so persons can check whether their data is concerned"),
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
    """A moment as an aware JST datetime; a bare date is the start of that day."""
    if isinstance(moment, datetime):
        return moment.astimezone(JST)
    return datetime.combine(moment, time(0), JST)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class QuickReport:
    """The quick report (速報) window, a guideline target (通則編3-5-3-3)."""

    from_day: date
    to_day: date
    overdue: bool
    basis: str = QUICK_BASIS

    def to_dict(self) -> dict:
        return {"from": self.from_day.isoformat(), "to": self.to_day.isoformat(), "basis": self.basis,
                "guideline_target": True, "overdue": self.overdue}


@dataclass(frozen=True)
class FinalReport:
    """The final report (確報) due date (施行規則8条2項)."""

    due: date
    days: int
    basis: str
    days_left: int

    def to_dict(self) -> dict:
        return {"due": self.due.isoformat(), "days": self.days, "basis": self.basis,
                "days_left": self.days_left, "overdue": self.days_left < 0}


@dataclass(frozen=True)
class PersonNotice:
    """The notice to the persons concerned (法26条2項, 施行規則10条)."""

    required: bool
    ground: str
    contact_available: bool | None

    def to_dict(self) -> dict:
        impossible = None if self.contact_available is None else not self.contact_available
        contact_ja, contact_en, contact_ground = CONTACT_POINT
        return {
            "required": self.required,
            "ground": self.ground,
            "timing": "当該事態の状況に応じて速やかに (施行規則10条)",
            "items": [{"code": code, "report_item": n, "label_ja": ja, "label_en": en}
                      for n, code, ja, en in NOTICE_ITEMS] if self.required else [],
            "contact_point": {"recommended": True, "label_ja": contact_ja, "label_en": contact_en,
                              "ground": contact_ground} if self.required else None,
            "alternative_when_impossible": {
                "applies": impossible if self.required else False,
                "when_ja": ALTERNATIVE_WHEN[0], "when_en": ALTERNATIVE_WHEN[1],
                "measures": [{"code": code, "label_ja": ja, "label_en": en} for code, ja, en in ALTERNATIVE_MEASURES],
                "ground": ALTERNATIVE_GROUND,
            },
        }


@dataclass(frozen=True)
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
        return {
            "tier": self.tier, "name": self.name, "kind": self.kind, "role": self.role,
            "role_ja": role_ja, "role_en": role_en, "must_report": self.must_report, "exempt": self.exempt,
            "ground": self.ground.to_dict(), "knows_at": _iso(self.knows_at),
            "notified_consignor_at": _iso(self.notified_consignor_at),
            "person_notice_required": self.must_report,
            "quick_report": self.quick_report.to_dict() if self.quick_report else None,
            "final_report": self.final_report.to_dict() if self.final_report else None,
        }


@dataclass(frozen=True)
class Destination:
    """Where the report goes: the PPC, or the ministry its power is delegated to."""

    code: str
    label_ja: str
    label_en: str
    ground: str

    def to_dict(self) -> dict:
        return {"code": self.code, "label_ja": self.label_ja, "label_en": self.label_en, "ground": self.ground}


@dataclass(frozen=True)
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
        """The assessment as new JSON-ready dicts and lists; Japanese labels first, English second."""
        label_ja, label_en = CERTAINTY_LABELS[self.certainty]
        return {
            "as_of": self.as_of.isoformat(),
            "is_incident": self.is_incident,
            "not_incident_reasons": [g.to_dict() for g in self.not_incident_reasons],
            "events": [{"code": e, "label_ja": EVENT_LABELS[e][0], "label_en": EVENT_LABELS[e][1]}
                       for e in EVENTS if e in self.events],
            "certainty": {"code": self.certainty, "label_ja": label_ja, "label_en": label_en,
                          "ground": rules.CERTAINTY_GROUNDS[self.certainty].to_dict()},
            "reportable": self.reportable,
            "grounds": [g.to_dict() for g in self.grounds],
            "exceptions": [g.to_dict() for g in self.exceptions],
            "quick_report": self.quick_report.to_dict() if self.quick_report else None,
            "final_report": self.final_report.to_dict() if self.final_report else None,
            "person_notice": self.person_notice.to_dict(),
            "parties": [p.to_dict() for p in self.parties],
            "destination": self.destination.to_dict() if self.destination else None,
            "missing_report_items": list(self.missing_report_items),
            "notes": [n.to_dict() for n in self.notes],
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
    events, reasons = rules.event_exclusions(facts, rules.events_of(facts, cause))
    my_number = facts.data_kind == "my_number"
    is_incident = bool(events) or rules.my_number_incident(facts)
    if not is_incident and not reasons:
        reasons = (rules.no_event_reason(cause),)
    if cause is not None and is_incident and cause.note_ja:
        notes.append(_CAUSE_NOTES[cause.code])

    known_at = to_jst(facts.known_at)  # raises on a naive datetime, as deadlines.day_known does
    ctx = _Context(facts, cause, events, is_incident, my_number, facts.occurred_on or known_at.date(), as_of_day)
    grounds = ctx.grounds(facts.handler_kind)
    exceptions: tuple[Ground, ...] = ()
    if is_incident:
        if facts.high_grade_encryption:
            exceptions = (rules.ENCRYPTION_EXCEPTION,)
            notes.append(NOTES["encryption_key"])
        if cause is not None and cause.about_to_acquire:
            notes.append(NOTES["about_to_acquire_before_2024" if ctx.reference_day < rules.ABOUT_TO_ACQUIRE_FROM
                               else "about_to_acquire_only_item_3"])
        if facts.max_persons is None:
            notes.append(NOTES["persons_unknown"])
        if not any(g.code == "financial" for g in grounds):
            notes.extend(_NEGATIVE_NOTES[e] for e in rules.financial_negatives(facts.data_items))
    if known_at > as_of_moment:
        notes.append(NOTES["assessed_before_known"])
    reportable = bool(grounds)

    quick = final = None
    if reportable:
        quick, final = ctx.deadlines(_situation_known(facts, grounds, facts.known_at), facts.handler_kind)
        notes.append(NOTES["person_notice_timing"])

    parties = _parties(ctx, as_of_moment, notes)
    destination = _destination(facts, grounds, my_number, notes) if reportable else None
    notice_kind = facts.handler_kind
    if my_number and grounds and grounds[0].code.startswith("mn_"):
        notice_kind = "my_number" if grounds[-1].code.startswith("mn_") else f"my_number+{facts.handler_kind}"
    person_notice = PersonNotice(reportable, NOTICE_GROUND[notice_kind], facts.contact_available)
    missing = _missing_report_items(facts) if reportable else ()
    return Assessment(
        as_of=as_of_day, is_incident=is_incident, not_incident_reasons=() if is_incident else reasons,
        events=events, certainty=certainty, reportable=reportable, grounds=grounds, exceptions=exceptions,
        quick_report=quick, final_report=final, person_notice=person_notice, parties=parties,
        destination=destination, missing_report_items=missing, notes=tuple(notes),
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

    def deadlines(self, known: Moment, kind: str) -> tuple[QuickReport, FinalReport]:
        """Quick window and final due date for a party of `kind` that knew at `known`."""
        days, basis = rules.final_report_period(self.grounds(kind), kind)
        start, end, due = report_deadlines(known, days)
        return (QuickReport(start, end, self.as_of_day > end),
                FinalReport(due, days, basis, (due - self.as_of_day).days))


def _situation_known(facts: Facts, grounds: tuple[Ground, ...], known: Moment) -> Moment:
    """When the party knew of the *reportable* situation: a count that passes the threshold later makes the
    situation reportable from that moment (通則編3-5-3-1 via 002: 1,000人を超えた時点で4号に該当)."""
    later = facts.max_persons_known_at
    if later is not None and all(g.code in THRESHOLD_CODES for g in grounds) and _day_key(later) > _day_key(known):
        return later
    return known


def _parties(ctx: _Context, as_of_moment: datetime, notes: list[Note]) -> tuple[Party, ...]:
    """Each tier's duty under Art. 26(1) and its proviso, one tier at a time (000: 階層を一つずつ遡って)."""
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
        if i and notified is not None and (kind == "company" or ctx.my_number):
            parties.append(Party(i, tier.name, kind, role, False, True, EXEMPT[ctx.my_number], knows, notified,
                                 None, None))
            continue
        ground = CONTRACTOR_DUTY if i else _own_duty(kind, grounds)
        exempt_note = exempt_note or bool(i)
        if knows is None:
            informed_note = True
            parties.append(Party(i, tier.name, kind, role, True, False, ground, None, notified, None, None))
            continue
        knows = _situation_known(facts, grounds, knows)
        quick, final = ctx.deadlines(knows, kind)
        parties.append(Party(i, tier.name, kind, role, True, False, ground, knows, notified, quick, final))
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
_CAUSE_NOTES = {code: Note(f"cause_{code}", cause.note_ja, cause.note_en) for code, cause in CAUSES.items()}
_NEGATIVE_NOTES = {
    item.financial_negative: Note("not_financial", f"{item.financial_negative.ja}（{item.financial_negative.source}）",
                                  "Not Rule 7 item 2 on its own (PPC Q&A).")
    for item in ITEMS.values() if item.financial_negative
}


def _missing_report_items(facts: Facts) -> tuple[str, ...]:
    """Which of the nine report items (施行規則8条1項) the final report still lacks. Items 2–4 are also filled
    by the structured facts (data items, number of persons, cause)."""
    have = set(facts.report_items)
    if facts.data_items:
        have.add("data_items")
    if facts.max_persons is not None:
        have.add("persons")
    if facts.cause is not None and facts.cause != "other":
        have.add("cause")
    return tuple(code for code in REPORT_ITEM_CODES if code not in have)
