"""`parse_facts`: the one validation path from the JSON-friendly dict of facts (described in facts.py) to the
frozen `Facts`. Bad input raises one `FactsError` naming every field at fault."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType

from oversight.choices import REPORT_AUTHORITY

from .deadlines import JST
from .facts import (
    DATA_KINDS,
    HANDLER_KINDS,
    MAX_OTHER_ITEM_NAME,
    MAX_OTHER_ITEM_REASON,
    MAX_OTHER_ITEMS,
    MAX_PERSONS,
    MESSAGES,
    MY_NUMBER_FLAGS,
    MY_NUMBER_KEYS,
    NOTICE_KEYS,
    OTHER_ITEM_KEYS,
    TIER_KEYS,
    TOP_KEYS,
    Facts,
    FactsError,
    Moment,
    MyNumberFacts,
    OtherItem,
    Tier,
)
from .vocabulary import CAUSES, CERTAINTY_LABELS, EVENTS, ITEMS, MY_NUMBER_ITEMS, REPORT_ITEM_CODES


class _Reader:
    """Reads one field at a time and collects every problem, so one FactsError names all fields at fault."""

    def __init__(self):
        self.errors: dict[str, list[dict[str, str]]] = {}

    def fail(self, field: str, code: str, **values) -> None:
        self.errors.setdefault(field, []).append({"code": code, "message": MESSAGES[code].format(**values)})

    def unknown_keys(self, raw: Mapping, allowed: frozenset[str], prefix: str = "") -> None:
        for key in raw.keys() - allowed:
            self.fail(f"{prefix}{key}", "unknown_field")

    def choice(self, raw: Mapping, key: str, allowed, default=None, required=False):
        value = raw.get(key)
        if value is None:
            if required:
                self.fail(key, "required")
            return default
        if not isinstance(value, str) or value not in allowed:
            self.fail(key, "unknown_code", value=value)
            return default
        return value

    def boolean(self, raw: Mapping, key: str, field: str | None = None, default=False):
        value = raw.get(key)
        if value is None:
            return default
        if value is True or value is False:
            return value
        self.fail(field or key, "not_a_boolean")
        return default

    def count(self, raw: Mapping, key: str) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, "not_an_integer")
            return None
        if value < 0:
            self.fail(key, "negative")
            return None
        if value > MAX_PERSONS:
            self.fail(key, "absurd")
            return None
        return value

    def moment(self, value, field: str, required=False) -> Moment | None:
        if value is None or value == "":
            if required:
                self.fail(field, "required")
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                self.fail(field, "timezone_required")
                return None
            return value
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                if len(value) == 10:
                    return date.fromisoformat(value)
                parsed = datetime.fromisoformat(value)
            except ValueError:
                self.fail(field, "invalid_datetime")
                return None
            if parsed.tzinfo is None:
                self.fail(field, "timezone_required")
                return None
            return parsed
        self.fail(field, "invalid_datetime")
        return None

    def day(self, value, field: str) -> date | None:
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            self.fail(field, "invalid_date")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(field, "invalid_date")
        return None

    def codes(self, raw: Mapping, key: str, allowed) -> frozenset[str]:
        value = raw.get(key)
        if value is None:
            return frozenset()
        if not isinstance(value, (list, tuple, set, frozenset)):
            self.fail(key, "not_a_list")
            return frozenset()
        good = []
        for i, code in enumerate(value):
            if isinstance(code, str) and code in allowed:
                good.append(code)
            else:
                self.fail(f"{key}[{i}]", "unknown_code", value=code)
        return frozenset(good)


def _jst_day(moment: Moment) -> date:
    return moment.astimezone(JST).date() if isinstance(moment, datetime) else moment


def _before(earlier: Moment, later: Moment) -> bool:
    """True if `earlier` is strictly before `later`; a bare date is compared as a JST day."""
    if isinstance(earlier, datetime) and isinstance(later, datetime):
        return earlier < later
    return _jst_day(earlier) < _jst_day(later)


def parse_facts(raw: Mapping) -> Facts:
    """Validate a plain dict (module docstring) into `Facts`, or raise `FactsError` naming each bad field."""
    if not isinstance(raw, Mapping):
        raise FactsError({"": [{"code": "not_an_object", "message": MESSAGES["not_an_object"]}]})
    r = _Reader()
    r.unknown_keys(raw, TOP_KEYS)

    handler_kind = r.choice(raw, "handler_kind", HANDLER_KINDS, required=True)
    data_kind = r.choice(raw, "data_kind", DATA_KINDS, default="personal_data")
    events = r.codes(raw, "events", EVENTS)
    certainty = r.choice(raw, "certainty", CERTAINTY_LABELS)
    data_items = r.codes(raw, "data_items", ITEMS)
    cause = r.choice(raw, "cause", CAUSES)
    report_authority = r.choice(raw, "report_authority", REPORT_AUTHORITY, default="ppc")
    max_persons = r.count(raw, "max_persons")
    high_grade_encryption = r.boolean(raw, "high_grade_encryption")
    recovered_before_viewed = r.boolean(raw, "recovered_before_viewed")
    provided_intentionally = r.boolean(raw, "provided_intentionally")
    same_data_kept_elsewhere = r.boolean(raw, "same_data_kept_elsewhere")
    deleted_for_reasonable_reason = r.boolean(raw, "deleted_for_reasonable_reason")
    other_items = _read_other_items(r, raw.get("other_items"))

    occurred_on = r.day(raw.get("occurred_on"), "occurred_on")
    known_at = r.moment(raw.get("known_at"), "known_at", required=True)
    max_persons_known_at = r.moment(raw.get("max_persons_known_at"), "max_persons_known_at")
    if known_at is not None and occurred_on is not None and _jst_day(known_at) < occurred_on:
        r.fail("known_at", "known_before_occurrence")

    chain = _read_chain(r, raw.get("chain"), occurred_on, handler_kind)
    incident_at = _read_incident_at(r, raw.get("incident_at"), chain)
    if chain and known_at is not None and incident_at < len(chain):
        notified = chain[incident_at].notified_consignor_at
        if notified is not None and _before(notified, known_at):
            r.fail(f"chain[{incident_at}].notified_consignor_at", "notice_before_known")

    report_items = _read_report_items(r, raw.get("report_items"))
    contact_available = _read_person_notice(r, raw.get("person_notice"))
    my_number = _read_my_number(r, raw.get("my_number"))

    if data_kind == "my_number" and not (data_items & MY_NUMBER_ITEMS) and "data_items" not in r.errors:
        r.fail("data_items", "my_number_item_missing")

    if r.errors:
        raise FactsError(r.errors)
    return Facts(
        handler_kind=handler_kind, known_at=known_at, data_kind=data_kind, events=events, certainty=certainty,
        data_items=data_items, cause=cause, max_persons=max_persons, max_persons_known_at=max_persons_known_at,
        high_grade_encryption=high_grade_encryption, recovered_before_viewed=recovered_before_viewed,
        provided_intentionally=provided_intentionally, same_data_kept_elsewhere=same_data_kept_elsewhere,
        deleted_for_reasonable_reason=deleted_for_reasonable_reason, other_items=other_items,
        occurred_on=occurred_on, report_authority=report_authority, chain=chain, incident_at=incident_at,
        report_items=report_items, contact_available=contact_available, my_number=my_number,
    )


def _read_other_items(r: _Reader, value) -> tuple[OtherItem, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        r.fail("other_items", "not_a_list")
        return ()
    if len(value) > MAX_OTHER_ITEMS:
        r.fail("other_items", "too_many_other_items")
        return ()
    items = []
    for i, raw in enumerate(value):
        field = f"other_items[{i}]"
        if not isinstance(raw, Mapping):
            r.fail(field, "not_an_object")
            continue
        r.unknown_keys(raw, OTHER_ITEM_KEYS, f"{field}.")
        name = _text(r, raw.get("name"), f"{field}.name", MAX_OTHER_ITEM_NAME, "item_name_too_long")
        if not name:
            if f"{field}.name" not in r.errors:
                r.fail(f"{field}.name", "item_name_required")
            continue
        sensitive = r.boolean(raw, "sensitive", f"{field}.sensitive")
        financial = r.boolean(raw, "financial", f"{field}.financial")
        reason = _text(r, raw.get("reason"), f"{field}.reason", MAX_OTHER_ITEM_REASON, "reason_too_long")
        if (sensitive or financial) and not reason and f"{field}.reason" not in r.errors:
            r.fail(f"{field}.reason", "reason_required")
        items.append(OtherItem(name=name, sensitive=sensitive, financial=financial, reason=reason))
    return tuple(items)


def _text(r: _Reader, value, field: str, limit: int, too_long: str) -> str:
    """Text with its surrounding blanks removed ("" when absent or blank); errors for non-text and overlong."""
    if value is None:
        return ""
    if not isinstance(value, str):
        r.fail(field, "not_a_string")
        return ""
    text = value.strip()
    if len(text) > limit:
        r.fail(field, too_long)
        return ""
    return text


def _read_chain(r: _Reader, value, occurred_on: date | None, handler_kind: str | None) -> tuple[Tier, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        r.fail("chain", "not_a_list")
        return ()
    tiers = []
    for i, raw in enumerate(value):
        field = f"chain[{i}]"
        if not isinstance(raw, Mapping):
            r.fail(field, "not_an_object")
            continue
        r.unknown_keys(raw, TIER_KEYS, f"{field}.")
        name = raw.get("name")
        if name is None or name == "":
            r.fail(f"{field}.name", "required")
            name = ""
        elif not isinstance(name, str):
            r.fail(f"{field}.name", "not_a_string")
            name = ""
        kind = raw.get("kind") or (handler_kind if i == 0 else "company") or "company"
        if not isinstance(kind, str) or kind not in HANDLER_KINDS:
            r.fail(f"{field}.kind", "unknown_code", value=kind)
            kind = "company"
        elif i == 0 and handler_kind and kind != handler_kind:
            r.fail(f"{field}.kind", "conflicts_with_handler_kind")
        notified = r.moment(raw.get("notified_consignor_at"), f"{field}.notified_consignor_at")
        if notified is not None and i == 0:
            r.fail(f"{field}.notified_consignor_at", "consignor_has_no_consignor")
        if notified is not None and occurred_on is not None and _jst_day(notified) < occurred_on:
            r.fail(f"{field}.notified_consignor_at", "notice_before_occurrence")
        known = r.moment(raw.get("known_at"), f"{field}.known_at")
        tiers.append(Tier(name=name, kind=kind, notified_consignor_at=notified, known_at=known))
    return tuple(tiers)


def _read_incident_at(r: _Reader, value, chain: tuple[Tier, ...]) -> int:
    if value is None:
        if len(chain) > 1:
            r.fail("incident_at", "required")
        return 0
    if value == "consignor":
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        r.fail("incident_at", "not_an_integer")
        return 0
    if not 0 <= value < max(len(chain), 1):
        r.fail("incident_at", "not_in_chain")
        return 0
    return value


def _read_report_items(r: _Reader, value) -> Mapping[str, str]:
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, Mapping):
        r.fail("report_items", "not_an_object")
        return MappingProxyType({})
    items = {}
    for code, text in value.items():
        if code not in REPORT_ITEM_CODES:
            r.fail(f"report_items.{code}", "unknown_code", value=code)
        elif text is not None and not isinstance(text, str):
            r.fail(f"report_items.{code}", "not_a_string")
        elif text and text.strip():
            items[code] = text
    return MappingProxyType(items)


def _read_person_notice(r: _Reader, value) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        r.fail("person_notice", "not_an_object")
        return None
    r.unknown_keys(value, NOTICE_KEYS, "person_notice.")
    return r.boolean(value, "contact_available", "person_notice.contact_available", None)


def _read_my_number(r: _Reader, value) -> MyNumberFacts:
    if value is None:
        return MyNumberFacts()
    if not isinstance(value, Mapping):
        r.fail("my_number", "not_an_object")
        return MyNumberFacts()
    r.unknown_keys(value, MY_NUMBER_KEYS, "my_number.")
    flags = {key: r.boolean(value, key, f"my_number.{key}") for key in MY_NUMBER_FLAGS}
    exposure = r.boolean(value, "public_exposure", "my_number.public_exposure", None)
    return MyNumberFacts(**flags, public_exposure=exposure)
