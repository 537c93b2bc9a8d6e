"""Choice sets with Japanese and English labels, used by models, forms, templates, API and imports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    code: str
    ja: str
    en: str

    def label(self, lang: str) -> str:
        return self.ja if lang.startswith("ja") else self.en


class ChoiceSet:
    """An ordered set of codes, each with a Japanese and an English label."""

    def __init__(self, name: str, *choices: Choice):
        self.name = name
        self.choices = choices
        self._by_code = {c.code: c for c in choices}

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self):
        return iter(self.choices)

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.choices]

    def label(self, code: str | None, lang: str = "ja") -> str:
        choice = self._by_code.get(code or "")
        return choice.label(lang) if choice else (code or "")

    def form_choices(self, lang: str, blank: str | None = None) -> list[tuple[str, str]]:
        options = [(c.code, c.label(lang)) for c in self.choices]
        return ([("", blank)] if blank is not None else []) + options

    def from_label(self, text: str) -> str | None:
        """Accept a code, a Japanese label or an English label (spreadsheets carry labels)."""
        text = (text or "").strip()
        for c in self.choices:
            if text in (c.code, c.ja, c.en) or text.lower() == c.en.lower():
                return c.code
        return None


ORGANISATION_KIND = ChoiceSet(
    "organisation_kind",
    Choice("company", "個人情報取扱事業者（民間）", "Business (private sector)"),
    Choice("public_body", "行政機関等", "Public body"),
)

ORGANISATION_STATUS = ChoiceSet(
    "organisation_status",
    Choice("active", "取引中", "Active"),
    Choice("candidate", "選定中", "Candidate"),
    Choice("suspended", "取引停止", "Suspended"),
    Choice("ended", "取引終了", "Ended"),
)

# Authorities that receive leak reports: the PPC unless its power is delegated (APPI Art. 150).
REPORT_AUTHORITY = ChoiceSet(
    "report_authority",
    Choice("ppc", "個人情報保護委員会", "Personal Information Protection Commission"),
    Choice("fsa", "金融庁", "Financial Services Agency"),
    Choice("mic", "総務省", "Ministry of Internal Affairs and Communications"),
    Choice("mhlw", "厚生労働省", "Ministry of Health, Labour and Welfare"),
    Choice("meti", "経済産業省", "Ministry of Economy, Trade and Industry"),
    Choice("mlit", "国土交通省", "Ministry of Land, Infrastructure, Transport and Tourism"),
    Choice("maff", "農林水産省", "Ministry of Agriculture, Forestry and Fisheries"),
    Choice("mext", "文部科学省", "Ministry of Education, Culture, Sports, Science and Technology"),
)

CERTIFICATION_SCHEME = ChoiceSet(
    "certification_scheme",
    Choice("iso27001", "ISMS（ISO/IEC 27001）", "ISMS (ISO/IEC 27001)"),
    Choice("pmark", "プライバシーマーク", "Privacy Mark"),
    Choice("soc2", "SOC 2", "SOC 2"),
    Choice("iso27701", "ISO/IEC 27701", "ISO/IEC 27701"),
    Choice("iso27017", "ISO/IEC 27017（クラウド）", "ISO/IEC 27017 (cloud)"),
    Choice("other", "その他", "Other"),
)

CONTACT_ROLE = ChoiceSet(
    "contact_role",
    Choice("incident", "インシデント窓口（24時間）", "Incident contact (24/7)"),
    Choice("privacy", "個人情報保護管理者", "Privacy officer"),
    Choice("contract", "契約窓口", "Contract contact"),
    Choice("general", "一般窓口", "General contact"),
)

ENTRUSTMENT_STATUS = ChoiceSet(
    "entrustment_status",
    Choice("proposed", "承認申請中", "Proposed"),
    Choice("approved", "承認済み", "Approved"),
    Choice("rejected", "却下", "Rejected"),
    Choice("active", "委託中", "Active"),
    Choice("terminated", "終了", "Terminated"),
)

SUBCONTRACTING_TERMS = ChoiceSet(
    "subcontracting_terms",
    Choice("prior_approval", "事前の書面承認が必要", "Prior written approval"),
    Choice("notice_after", "事後通知で可", "Notice after the fact"),
    Choice("prohibited", "再委託禁止", "Prohibited"),
)

ENTRUSTMENT_ORIGIN = ChoiceSet(
    "entrustment_origin",
    Choice("planned", "通常の手続", "Recorded in the normal course"),
    Choice("audit", "監査で発覚", "Found in an audit"),
    Choice("filing", "届出・事故報告で発覚", "Found in a filing or incident report"),
    Choice("declared_late", "事後申告", "Declared late by the contractor"),
)

# The approval state of one entrustment, derived by registry.chain.
APPROVAL_STATE = ChoiceSet(
    "approval_state",
    Choice("direct", "直接委託", "Direct entrustment"),
    Choice("approved", "承認済み", "Approved"),
    Choice("notified", "事後通知済み", "Notified after the fact"),
    Choice("pending", "承認待ち", "Awaiting approval"),
    Choice("rejected", "却下", "Rejected"),
    Choice("unapproved", "無承認再委託", "Unapproved subcontracting"),
    Choice("prohibited", "再委託禁止違反", "Subcontracting despite prohibition"),
)

ROLE = ChoiceSet(
    "role",
    Choice("admin", "運営管理者", "Operator admin"),
    Choice("privacy_office", "個人情報保護管理部門", "Privacy office"),
    Choice("procurement", "調達部門", "Procurement"),
    Choice("legal", "法務部門", "Legal"),
    Choice("auditor", "監査担当", "Auditor"),
    Choice("incident_team", "インシデント対応チーム", "Incident team"),
    Choice("contractor_user", "委託先担当者", "Contractor staff"),
    Choice("viewer", "閲覧者", "Viewer"),
)

ALL_CHOICE_SETS = {
    cs.name: cs
    for cs in (
        ORGANISATION_KIND,
        ORGANISATION_STATUS,
        REPORT_AUTHORITY,
        CERTIFICATION_SCHEME,
        CONTACT_ROLE,
        ENTRUSTMENT_STATUS,
        SUBCONTRACTING_TERMS,
        ENTRUSTMENT_ORIGIN,
        APPROVAL_STATE,
        ROLE,
    )
}
