"""The shape of the engine's answer: frozen dataclasses whose `to_dict()` builds new dicts and lists each time,
so one answer shares nothing mutable with another. Japanese labels first, English second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .facts import Moment
from .rules import Ground, Note
from .vocabulary import CERTAINTY_LABELS, EVENT_LABELS, EVENTS, NOTICE_ITEM_CODES, REPORT_ITEMS

ROLES = {
    "handler": ("個人情報取扱事業者", "Business"),
    "consignor": ("委託元", "Consignor"),
    "contractor": ("委託先", "Contractor"),
    "subcontractor": ("再委託先", "Subcontractor"),
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
ALTERNATIVE_WHEN = ("保有する個人データの中に本人の連絡先が含まれていない場合、"
                    "連絡先が古いために通知を行う時点で本人へ連絡できない場合",
                    "The data holds no contact details, or the contacts are outdated (004 第13条4項; 通則編3-5-4-5)")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class Window:
    """A "promptly" target shown as known + 3 … known + 5 days: the quick report (速報, 通則編3-5-3-3) or a
    contractor's notice to its consignor (通則編3-5-3-5)."""

    from_day: date
    to_day: date
    overdue: bool
    basis: str

    def to_dict(self) -> dict:
        return {"from": self.from_day.isoformat(), "to": self.to_day.isoformat(), "basis": self.basis,
                "guideline_target": True, "overdue": self.overdue}



@dataclass(frozen=True)
class FinalReport:
    """The final report (確報) due date (施行規則8条2項; 44条2項 for public bodies)."""

    due: date
    days: int
    basis: str
    days_left: int

    def to_dict(self) -> dict:
        return {"due": self.due.isoformat(), "days": self.days, "basis": self.basis,
                "days_left": self.days_left, "overdue": self.days_left < 0}


@dataclass(frozen=True)
class PersonNotice:
    """The notice to the persons concerned (法26条2項, 施行規則10条; 法68条2項, 施行規則45条)."""

    required: bool
    ground: str
    contact_available: bool | None
    timing: str
    alternative_ground: str

    def to_dict(self) -> dict:
        impossible = None if self.contact_available is None else not self.contact_available
        contact_ja, contact_en, contact_ground = CONTACT_POINT
        return {
            "required": self.required,
            "ground": self.ground,
            "timing": self.timing,
            "items": [{"code": code, "report_item": n, "label_ja": ja, "label_en": en}
                      for n, code, ja, en in NOTICE_ITEMS] if self.required else [],
            "contact_point": {"recommended": True, "label_ja": contact_ja, "label_en": contact_en,
                              "ground": contact_ground} if self.required else None,
            "alternative_when_impossible": {
                "applies": impossible if self.required else False,
                "when_ja": ALTERNATIVE_WHEN[0], "when_en": ALTERNATIVE_WHEN[1],
                "measures": [{"code": code, "label_ja": ja, "label_en": en} for code, ja, en in ALTERNATIVE_MEASURES],
                "ground": self.alternative_ground,
            },
        }


@dataclass(frozen=True)
class Party:
    """One organisation's position: must it report, is it exempt, on what ground, and its own deadlines. A
    contractor that owes the report because it has not notified its consignor yet also gets the window for that
    notice (`consignor_notice`), which would exempt it."""

    tier: int
    name: str
    kind: str
    role: str
    must_report: bool
    exempt: bool
    ground: Ground
    knows_at: Moment | None
    notified_consignor_at: Moment | None
    quick_report: Window | None
    final_report: FinalReport | None
    consignor_notice: Window | None = None

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
            "consignor_notice": self.consignor_notice.to_dict() if self.consignor_notice else None,
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
    certainty_ground: Ground
    reportable: bool
    grounds: tuple[Ground, ...]
    exceptions: tuple[Ground, ...]
    quick_report: Window | None
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
                          "ground": self.certainty_ground.to_dict()},
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
