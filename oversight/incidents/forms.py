"""The facts form: concrete questions (what leaked, how, how many, when) to and from the engine's dict.

Date-and-time inputs are Japan time (the browser's datetime-local has no zone); they go to the engine with
+09:00 so that a moment is never read in the server's zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from oversight.incidents.art26.vocabulary import CAUSES, EVENTS, ITEMS, REPORT_ITEMS
from oversight.timeutil import JST

FLAGS = ("high_grade_encryption", "recovered_before_viewed", "provided_intentionally", "same_data_kept_elsewhere",
         "deleted_for_reasonable_reason")
OTHER_ITEM_ROWS = 3  # empty rows offered for data items outside the vocabulary
MY_NUMBER_FLAGS = ("designated_system", "malicious_use", "malicious_provision", "used_against_art9",
                   "provided_against_art19")
MOMENTS = ("known_at", "max_persons_known_at")


def local_input(value) -> str:
    """A stored ISO moment (or date) as the value of a datetime-local input, in Japan time."""
    if not value:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(JST).strftime("%Y-%m-%dT%H:%M")
    text = str(value)
    if len(text) == 10:
        return f"{text}T00:00"
    try:
        return datetime.fromisoformat(text).astimezone(JST).strftime("%Y-%m-%dT%H:%M")
    except ValueError:
        return text


def local_moment(text: str) -> str | None:
    """A datetime-local input (Japan time) as an ISO moment with +09:00; other text is passed on as typed."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) == 16 and text[10] == "T":  # datetime-local: Japan time
        return f"{text}:00+09:00"
    return text  # anything else goes to the engine as typed, which names the field if it is wrong


def other_items_from_form(form: Mapping) -> list[dict] | None:
    """Data items outside the vocabulary, one row each (other.N.name / sensitive / financial / reason); a row left
    wholly empty is no item, a row with a flag or a reason but no name goes to the engine, which names the field."""
    rows = sorted({int(key.split(".")[1]) for key in form if key.startswith("other.") and key.count(".") == 2
                   and key.split(".")[1].isdigit()})
    items = []
    for n in rows:
        name = (form.get(f"other.{n}.name") or "").strip()
        reason = (form.get(f"other.{n}.reason") or "").strip()
        sensitive, financial = bool(form.get(f"other.{n}.sensitive")), bool(form.get(f"other.{n}.financial"))
        if name or reason or sensitive or financial:
            items.append({"name": name, "sensitive": sensitive, "financial": financial, "reason": reason})
    return items or None


def other_item_rows(items) -> list[dict]:
    """The rows the form shows: the recorded items, then a few empty ones."""
    blank = {"name": "", "sensitive": False, "financial": False, "reason": ""}
    return [{**blank, **item} for item in items or []] + [dict(blank) for _ in range(OTHER_ITEM_ROWS)]


def now_local_input() -> str:
    """Now in Japan time, as the value of a datetime-local input (the default of "when did it happen")."""
    return datetime.now(JST).strftime("%Y-%m-%dT%H:%M")


def _integer(text: str):
    text = (text or "").strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # the engine answers "Enter a whole number" for this field


def facts_from_form(form: Mapping) -> tuple[dict, str | None]:
    """The engine's facts dict (every key, None where empty) and the origin's notice moment."""
    facts: dict = {
        "events": [e for e in EVENTS if form.get(f"event.{e}")],
        "certainty": form.get("certainty") or None,
        "data_kind": form.get("data_kind") or "personal_data",
        "data_items": [code for code in ITEMS if form.get(f"item.{code}")],
        "other_items": other_items_from_form(form),
        "cause": form.get("cause") or None,
        "max_persons": _integer(form.get("max_persons", "")),
        "occurred_on": (form.get("occurred_on") or "").strip() or None,
        "report_items": {code: form.get(f"report.{code}", "").strip() for code, _ja, _en in REPORT_ITEMS
                         if form.get(f"report.{code}", "").strip()},
    }
    for key in MOMENTS:
        facts[key] = local_moment(form.get(key, ""))
    for key in FLAGS:
        facts[key] = bool(form.get(key))
    contact = form.get("contact_available", "")
    facts["person_notice"] = {"contact_available": contact == "yes"} if contact in ("yes", "no") else None
    if facts["data_kind"] == "my_number":
        my_number = {key: bool(form.get(f"mn.{key}")) for key in MY_NUMBER_FLAGS}
        exposure = form.get("mn.public_exposure", "")
        if exposure in ("yes", "no"):
            my_number["public_exposure"] = exposure == "yes"
        facts["my_number"] = my_number
    else:
        facts["my_number"] = None
    return facts, local_moment(form.get("notified_consignor_at", ""))


def party_facts_from_form(form: Mapping) -> dict:
    """A consignor's own facts from its form: its persons (and why they differ from the registry), its data items,
    encryption, whether its persons can be contacted, and its report items (None clears)."""
    contact = form.get("contact_available", "")
    return {
        "max_persons": _integer(form.get("max_persons", "")),
        "persons_reason": (form.get("persons_reason") or "").strip() or None,
        "max_persons_known_at": local_moment(form.get("max_persons_known_at", "")),
        "data_items": [code for code in ITEMS if form.get(f"item.{code}")] or None,
        "other_items": other_items_from_form(form),
        "high_grade_encryption": bool(form.get("high_grade_encryption")) or None,
        "person_notice": {"contact_available": contact == "yes"} if contact in ("yes", "no") else None,
        "report_items": {code: form.get(f"report.{code}", "").strip() for code, _ja, _en in REPORT_ITEMS
                         if form.get(f"report.{code}", "").strip()} or None,
    }


def form_values(facts: Mapping, notified=None) -> dict:
    """What the facts form shows for stored (or just posted) facts."""
    my_number = facts.get("my_number") or {}
    notice = facts.get("person_notice") or {}
    contact = notice.get("contact_available")
    exposure = my_number.get("public_exposure")
    return {
        "events": set(facts.get("events") or ()), "certainty": facts.get("certainty") or "",
        "data_kind": facts.get("data_kind") or "personal_data", "data_items": set(facts.get("data_items") or ()),
        "cause": facts.get("cause") or "",
        "other_items": other_item_rows(facts.get("other_items")),
        "max_persons": "" if facts.get("max_persons") is None else facts.get("max_persons"),
        "occurred_on": facts.get("occurred_on") or "",
        "known_at": local_input(facts.get("known_at")),
        "max_persons_known_at": local_input(facts.get("max_persons_known_at")),
        "flags": {k for k in FLAGS if facts.get(k)},
        "report_items": dict(facts.get("report_items") or {}),
        "contact_available": "" if contact is None else ("yes" if contact else "no"),
        "my_number": {k for k in MY_NUMBER_FLAGS if my_number.get(k)},
        "public_exposure": "" if exposure is None else ("yes" if exposure else "no"),
        "notified_consignor_at": local_input(notified),
    }


def choices(lang: str) -> dict:
    """The vocabularies as (code, label) pairs in the user's language, for the form."""
    ja = lang.startswith("ja")
    return {
        "causes": [(c.code, c.ja if ja else c.en) for c in CAUSES.values()],
        "items": [(i.code, i.ja if ja else i.en, i.sensitive, i.financial_alone or bool(i.financial_with))
                  for i in ITEMS.values()],
        "report_items": [(code, label_ja if ja else label_en) for code, label_ja, label_en in REPORT_ITEMS],
    }
