"""What a person reads for a recorded change: the field's label in the user's language and its values as chosen
(causes, data items and report items by name, moments in Japan time, yes/no), never the stored codes."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from oversight.incidents.art26.vocabulary import CAUSES, CERTAINTY_LABELS, EVENT_LABELS, ITEMS, REPORT_ITEMS

FIELD_LABELS = {
    "data_kind": _l("Kind of data"), "events": _l("Events"), "certainty": _l("Certainty"),
    "data_items": _l("Data items"), "other_items": _l("Other data items"), "cause": _l("Cause"),
    "max_persons": _l("Number of persons (largest possible)"), "max_persons_known_at": _l("That number known at"),
    "persons_reason": _l("Why the number differs from the registry"),
    "high_grade_encryption": _l("Protected by high-grade encryption"),
    "recovered_before_viewed": _l("Recovered before any third party viewed it"),
    "provided_intentionally": _l("Given out on purpose"), "same_data_kept_elsewhere": _l("Same data kept elsewhere"),
    "deleted_for_reasonable_reason": _l("Deleted for a reasonable reason"),
    "occurred_on": _l("Occurred on"), "known_at": _l("Became known at"), "report_items": _l("Report items"),
    "person_notice": _l("Persons can be contacted"), "my_number": _l("My Number questions"),
    "notified_consignor_at": _l("Notice to the consignor"), "consignor_notices": _l("Notices to consignors"),
    "quick_reported_at": _l("Quick report sent"), "final_reported_at": _l("Final report sent"),
    "person_notice_at": _l("Persons notified"), "person_notice_alternative": _l("Alternative to the person notice"),
    "public_notice_at": _l("Published"), "measure": _l("Prevention measure"), "status": _l("Status"),
}
VALUE_WORDS = {"open": _l("open"), "closed": _l("closed"), "personal_data": _l("Personal data (個人データ)"),
               "my_number": _l("My Number data (特定個人情報)")}
MY_NUMBER_LABELS = {
    "designated_system": _l("In an information system used for My Number administration"),
    "malicious_use": _l("Used with a malicious purpose"),
    "malicious_provision": _l("Provided with a malicious purpose"),
    "used_against_art9": _l("Used against 番号法9条"), "provided_against_art19": _l("Provided against 番号法19条"),
    "public_exposure": _l("Exposed to an unspecified number of people electronically?"),
}


def _ja(lang: str) -> bool:
    return lang.startswith("ja")


def _moment(value: str, format_moment) -> str:
    return format_moment(value) if value else ""


def describe(field: str, value, lang: str, format_moment, names: Mapping[int, str] | None = None) -> str:
    """One stored value as a person reads it ("" for nothing)."""
    if value in (None, "", [], {}):
        return ""
    ja = _ja(lang)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "cause":
        cause = CAUSES.get(value)
        return (cause.ja if ja else cause.en) if cause else str(value)
    if field == "certainty":
        pair = CERTAINTY_LABELS.get(value)
        return pair[0 if ja else 1] if pair else str(value)
    if field == "events":
        return "、".join(EVENT_LABELS[e][0 if ja else 1] if e in EVENT_LABELS else str(e) for e in value)
    if field == "data_items":
        return "、".join((ITEMS[c].ja if ja else ITEMS[c].en) if c in ITEMS else str(c) for c in value)
    if field == "other_items":
        return "、".join(str(i.get("name", "")) if isinstance(i, Mapping) else str(i) for i in value)
    if field == "report_items" and isinstance(value, Mapping):
        labels = {code: (ja_label if ja else en_label) for code, ja_label, en_label in REPORT_ITEMS}
        return "; ".join(f"{labels.get(k, k)}: {v}" for k, v in value.items())
    if field == "person_notice" and isinstance(value, Mapping):
        return describe("contact", value.get("contact_available"), lang, format_moment)
    if field == "my_number" and isinstance(value, Mapping):
        return "; ".join(f"{MY_NUMBER_LABELS.get(k, k)}: {describe(k, v, lang, format_moment)}"
                         for k, v in value.items() if v is not None)
    if field == "consignor_notices" and isinstance(value, Mapping):
        names = names or {}
        return "; ".join(f"{names.get(int(k), '')}: {_moment(v, format_moment)}".lstrip(": ")
                         for k, v in sorted(value.items()) if int(k) in names)
    if field.endswith("_at") or field == "known_at":
        return _moment(str(value), format_moment)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str) and value in VALUE_WORDS:
        return str(VALUE_WORDS[value])
    return str(value)


def readable_changes(changes, lang: str, format_moment, names: Mapping[int, str] | None = None) -> list[tuple]:
    """(label, before, after) for each change a person would notice: a value that went from nothing to
    nothing-in-effect (an unticked box, an empty list) is left out."""
    rows = []
    for field, before, after in changes or ():
        old, new = (describe(field, v, lang, format_moment, names) for v in (before, after))
        if before in (None, False, "", [], {}) and after in (None, False, "", [], {}):
            continue
        if old == new:
            continue
        rows.append((str(FIELD_LABELS.get(field, field)), old, new))
    return rows
