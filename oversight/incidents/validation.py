"""The facts an incident workspace accepts, checked through the engine's own validation, with messages in the
user's language. One path for the web form, the API, the CLI and notifications from contractors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from oversight.errors import ValidationFailed
from oversight.incidents import fact_messages
from oversight.incidents.art26 import FactsError, parse_facts
from oversight.registry.models import Organisation
from oversight.timeutil import JST, utcnow

# The engine's keys that the workspace derives from the registry instead of asking the user.
DERIVED_KEYS = frozenset({"handler_kind", "report_authority", "chain", "incident_at"})
FACT_KEYS = frozenset({
    "data_kind", "events", "certainty", "data_items", "cause", "max_persons", "max_persons_known_at",
    "high_grade_encryption", "recovered_before_viewed", "provided_intentionally", "same_data_kept_elsewhere",
    "deleted_for_reasonable_reason", "other_items",
    "occurred_on", "known_at", "report_items", "person_notice", "my_number"})
# What each consignor's data decides: its persons and data items (incidents.chains.consignor_facts).
DATA_KEYS = frozenset({"max_persons", "max_persons_known_at", "data_items", "other_items"})
# What a consignor records for its own assessment (or the organisation where it happened records for it).
PARTY_FACT_KEYS = frozenset({"max_persons", "max_persons_known_at", "data_items", "other_items",
                             "high_grade_encryption", "report_items", "person_notice", "persons_reason"})
CLOCK_SKEW = timedelta(minutes=5)

# The engine's error codes in the user's language (msgids in fact_messages, shared with `flask assess`).
FACT_MESSAGES = {code: _l(msgid) for code, msgid in fact_messages.FACT_MESSAGES.items()}


def _message(entry: Mapping) -> str:
    return fact_messages.translated(entry, gettext)


def facts_error(error: FactsError, rename: Mapping[str, str] | None = None) -> ValidationFailed:
    """The engine's field errors as a ValidationFailed in the user's language (field names kept)."""
    rename = rename or {}
    errors: dict[str, list[str]] = {}
    for field, entries in error.errors.items():
        errors.setdefault(rename.get(field, field), []).extend(_message(e) for e in entries)
    return ValidationFailed(errors)


def parse(raw) -> object:
    """Engine facts from a JSON-shaped dict, or ValidationFailed naming each bad field."""
    try:
        return parse_facts(raw)
    except FactsError as error:
        raise facts_error(error) from None


def moment(value, field: str) -> datetime | None:
    """A stored UTC moment from an ISO string with a time zone (a bare date: 00:00 Japan time)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        found = value
    else:
        try:
            found = datetime.fromisoformat(str(value))
        except ValueError:
            raise ValidationFailed({field: [FACT_MESSAGES["invalid_datetime"]]}) from None
        if len(str(value)) == 10:
            found = found.replace(tzinfo=JST)
    if found.tzinfo is None:
        raise ValidationFailed({field: [FACT_MESSAGES["timezone_required"]]})
    return found.astimezone(JST)


def facts_object(data: Mapping) -> dict:
    """The `facts` of a request (an object of changes; absent: none); ValidationFailed naming `facts` otherwise."""
    raw = data.get("facts") or {}
    if not isinstance(raw, Mapping):
        raise ValidationFailed({"facts": [_l("Expected an object.")]})
    return dict(raw)


def clean(raw, *, stored: Mapping | None = None, allowed: frozenset[str] = FACT_KEYS) -> dict:
    """The stored facts with `raw` laid over them, empty values dropped; unknown keys refused."""
    if not isinstance(raw, Mapping):
        raise ValidationFailed({"facts": [_l("Expected an object.")]})
    errors = {str(k): [FACT_MESSAGES["unknown_field"]] for k in raw.keys() - allowed - {"notified_consignor_at"}}
    if errors:
        raise ValidationFailed(errors)
    return {k: v for k, v in {**(stored or {}), **raw}.items() if k in allowed and v not in (None, "", [], {})}


def check(facts: Mapping, organisation: Organisation, notified: datetime | None) -> None:
    """Run the engine's own validation over the facts as one chain would see them; name the user's fields."""
    probe = {k: v for k, v in facts.items() if k != "persons_reason"}
    probe["handler_kind"] = "company"
    if notified is not None:
        probe["chain"] = [{"name": "consignor"}, {"name": organisation.name,
                                                  "notified_consignor_at": notified.isoformat()}]
        probe["incident_at"] = 1
    try:
        parsed = parse_facts(probe)
    except FactsError as error:
        raise facts_error(error, {"chain[1].notified_consignor_at": "notified_consignor_at"}) from None
    known = parsed.known_at
    known_moment = known if isinstance(known, datetime) else datetime.combine(known, datetime.min.time(), JST)
    if known_moment > utcnow() + CLOCK_SKEW:
        raise ValidationFailed({"known_at": [_l("The date it became known cannot be in the future.")]})
    if notified is not None and notified > utcnow() + CLOCK_SKEW:
        raise ValidationFailed({"notified_consignor_at": [_l("The notice cannot be dated in the future.")]})


def validate_facts(raw, organisation: Organisation, *, stored: Mapping | None = None) -> dict:
    """The facts as stored (empty values dropped), after the engine's own validation; ValidationFailed names
    each bad field and a future known date. Used by the workspace and by notifications from contractors."""
    facts = clean(raw, stored=stored)
    check(facts, organisation, None)
    return facts


def validate_party_facts(raw, *, stored: Mapping, incident_facts: Mapping, entrusted_persons: int | None) -> dict:
    """A consignor's own facts over what it recorded before: only its data's keys; a count above the persons it
    entrusted needs a reason (the registry may be out of date)."""
    if isinstance(raw, Mapping):
        shared = sorted(set(raw) & (FACT_KEYS - PARTY_FACT_KEYS))
        if shared:
            raise ValidationFailed({k: [_l("Only the organisation where the incident happened records this.")]
                                    for k in shared})
    cleared = {k for k, v in raw.items() if v in (None, "", [], {})} if isinstance(raw, Mapping) else set()
    facts = {k: v for k, v in clean(raw, stored=stored, allowed=PARTY_FACT_KEYS).items() if k not in cleared}
    reason = str(facts.get("persons_reason") or "").strip()
    if reason:
        facts["persons_reason"] = reason[:2000]
    count = facts.get("max_persons")
    if isinstance(count, int) and not isinstance(count, bool) and entrusted_persons is not None \
            and count > entrusted_persons and not reason:
        raise ValidationFailed({"max_persons": [_l(
            "This is more than the %(n)s persons recorded for this consignor's entrustments. If the registry is "
            "out of date, say why in the reason field.", n=f"{entrusted_persons:,}")]})
    probe = {**{k: v for k, v in incident_facts.items() if k not in DATA_KEYS},
             **{k: v for k, v in facts.items() if k != "persons_reason"}}
    probe["handler_kind"] = "company"
    try:
        parse_facts(probe)
    except FactsError as error:
        own = {k: v for k, v in error.errors.items() if k.split(".")[0].split("[")[0] in PARTY_FACT_KEYS}
        raise facts_error(FactsError(own or error.errors)) from None
    return facts


def check_past(at: datetime, occurred_on: str | None) -> None:
    """A recorded moment: not in the future, not before the incident occurred."""
    if at > utcnow() + CLOCK_SKEW:
        raise ValidationFailed({"at": [_l("The date cannot be in the future.")]})
    if occurred_on and at.astimezone(JST).date() < date.fromisoformat(occurred_on):
        raise ValidationFailed({"at": [_l("The date cannot be before the incident occurred.")]})
