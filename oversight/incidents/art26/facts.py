"""The facts of an incident as plain, frozen data; `reading.parse_facts` builds them from a JSON-friendly dict.

The web form, the API and the CLI all hand the engine the same dict (every key optional unless marked)::

    {
      "handler_kind": "company",            # company | public_body — the business whose data it is (required)
      "data_kind": "personal_data",         # personal_data | my_number (特定個人情報)
      "events": ["leak"],                   # subset of leak / loss / damage; empty → implied by the cause
      "certainty": "occurred",              # occurred | suspected (おそれ); null → implied by the cause
      "data_items": ["name", "credit_card_number"],   # codes of oversight/vocabulary/data_items.yaml
      "cause": "unauthorised_access",       # a code of oversight/incidents/vocabulary/causes.yaml
      "max_persons": 1200,                  # the largest possible number of persons; null = unknown
      "max_persons_known_at": null,         # when that number became known (a count that grew later)
      "high_grade_encryption": false,       # 高度な暗号化その他の…措置
      "recovered_before_viewed": false,     # all recovered before any third party viewed it
      "provided_intentionally": false,      # the business gave it out on purpose
      "same_data_kept_elsewhere": false,    # the same data is kept elsewhere (backup)
      "deleted_for_reasonable_reason": false,  # deleted on purpose for a reasonable reason (retention rules)
      "other_items": [                      # data items outside the vocabulary (給与額, 購買履歴 …)
        {"name": "給与額", "sensitive": false, "financial": false, "reason": ""}
      ],
      "occurred_on": "2025-04-01",          # date
      "known_at": "2025-04-03T10:00:00+09:00",  # when the party where it happened knew (required); a date is "that day"
      "report_authority": "ppc",            # a code of oversight.choices.REPORT_AUTHORITY
      "chain": [                            # outsourcing chain, original consignor first
        {"name": "A社", "kind": "company", "notified_consignor_at": null, "known_at": null},
        {"name": "B社", "notified_consignor_at": "2025-04-03T15:00:00+09:00"}
      ],
      "incident_at": 1,                     # index in the chain, or "consignor"; required with two tiers or more
      "report_items": {"overview": "…"},    # what is already written of the nine report items (施行規則8条1項)
      "person_notice": {"contact_available": true},
      "my_number": {"designated_system": false, "malicious_use": false, "malicious_provision": false,
                    "used_against_art9": false, "provided_against_art19": false, "public_exposure": null}
    }

Each tier's `known_at` is when it learned of the incident by itself (say, from the news); a consignor otherwise
knows when its contractor's notice arrives. An other item counts as sensitive (要配慮) or financial (施行規則7条2号)
only when the user flags it so and gives the reason. Bad input raises one `FactsError` naming every field at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

HANDLER_KINDS = ("company", "public_body")
DATA_KINDS = ("personal_data", "my_number")
MAX_PERSONS = 200_000_000  # more than everyone in Japan: a typo, not a count
MAX_OTHER_ITEMS = 50
MAX_OTHER_ITEM_NAME = 100
MAX_OTHER_ITEM_REASON = 1000
MY_NUMBER_FLAGS = ("designated_system", "malicious_use", "malicious_provision", "used_against_art9",
                   "provided_against_art19")
TOP_KEYS = frozenset({
    "handler_kind", "data_kind", "events", "certainty", "data_items", "cause", "max_persons", "max_persons_known_at",
    "high_grade_encryption", "recovered_before_viewed", "provided_intentionally", "same_data_kept_elsewhere",
    "deleted_for_reasonable_reason", "other_items", "occurred_on", "known_at", "report_authority", "chain",
    "incident_at", "report_items", "person_notice", "my_number",
})
TIER_KEYS = frozenset({"name", "kind", "notified_consignor_at", "known_at"})
NOTICE_KEYS = frozenset({"contact_available"})
MY_NUMBER_KEYS = frozenset({*MY_NUMBER_FLAGS, "public_exposure"})
OTHER_ITEM_KEYS = frozenset({"name", "sensitive", "financial", "reason"})

Moment = datetime | date

MESSAGES = {
    "required": "This field is required.",
    "unknown_field": "Unknown field.",
    "unknown_code": "Unknown code: {value}.",
    "not_a_list": "Expected a list.",
    "not_an_object": "Expected an object.",
    "not_a_boolean": "Expected true or false.",
    "not_an_integer": "Expected a whole number.",
    "not_a_string": "Expected text.",
    "negative": "Cannot be negative.",
    "absurd": "More than 200,000,000 persons cannot be right.",
    "invalid_date": "Expected a date (YYYY-MM-DD).",
    "invalid_datetime": "Expected a date, or a date and time with its time zone.",
    "timezone_required": "A date and time needs its time zone (e.g. +09:00).",
    "known_before_occurrence": "The business cannot have known before the incident occurred.",
    "notice_before_occurrence": "The notice to the consignor is dated before the incident occurred.",
    "notice_before_known": "The notice to the consignor is dated before this tier knew of the incident.",
    "consignor_has_no_consignor": "The original consignor has no consignor to notify.",
    "not_in_chain": "No such tier in the chain.",
    "my_number_item_missing": "My Number data needs the data item my_number.",
    "conflicts_with_handler_kind": "The original consignor is the business assessed: its kind is handler_kind.",
    "item_name_required": "Name the data item (for example 給与額).",
    "item_name_too_long": "The name of a data item can be at most 100 characters.",
    "reason_too_long": "The reason can be at most 1,000 characters.",
    "too_many_other_items": "At most 50 other data items.",
    "reason_required": "Give the reason why this item is sensitive or can cause financial damage.",
}


class FactsError(ValueError):
    """Invalid facts: `errors` maps each field to a list of {code, message} (English; codes are stable)."""

    def __init__(self, errors: dict[str, list[dict[str, str]]]):
        self.errors = errors
        super().__init__("; ".join(f"{f}: {', '.join(e['code'] for e in es)}" for f, es in errors.items()))

    def codes(self) -> dict[str, list[str]]:
        """{field: [code, …]} — what the web layer translates."""
        return {field: [e["code"] for e in entries] for field, entries in self.errors.items()}


@dataclass(frozen=True)
class Tier:
    """One organisation in the outsourcing chain (委託元 → 委託先 → 再委託先 …)."""

    name: str
    kind: str = "company"
    notified_consignor_at: Moment | None = None
    known_at: Moment | None = None


@dataclass(frozen=True)
class MyNumberFacts:
    """The facts only the My Number rules ask (番号法29条の4, 特定個人情報漏えい等報告規則2条)."""

    designated_system: bool = False
    malicious_use: bool = False
    malicious_provision: bool = False
    used_against_art9: bool = False
    provided_against_art19: bool = False
    public_exposure: bool | None = None


@dataclass(frozen=True)
class OtherItem:
    """A data item outside the vocabulary. It is sensitive or financial only as the user says, with a reason."""

    name: str
    sensitive: bool = False
    financial: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Facts:
    """The facts of one incident as the Art. 26 engine reads them (see the module docstring)."""

    handler_kind: str
    known_at: Moment
    data_kind: str = "personal_data"
    events: frozenset[str] = frozenset()
    certainty: str | None = None
    data_items: frozenset[str] = frozenset()
    cause: str | None = None
    max_persons: int | None = None
    max_persons_known_at: Moment | None = None
    high_grade_encryption: bool = False
    recovered_before_viewed: bool = False
    provided_intentionally: bool = False
    same_data_kept_elsewhere: bool = False
    deleted_for_reasonable_reason: bool = False
    other_items: tuple[OtherItem, ...] = ()
    occurred_on: date | None = None
    report_authority: str = "ppc"
    chain: tuple[Tier, ...] = ()
    incident_at: int = 0
    report_items: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    contact_available: bool | None = None
    my_number: MyNumberFacts = MyNumberFacts()
