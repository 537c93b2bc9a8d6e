"""The messages for the engine's error codes (oversight.incidents.art26.FactsError), as English msgids.

Flask-free, so that `flask assess` can answer without building the web app: the web layer wraps each msgid in
`lazy_gettext`; the command translates them with the compiled catalogue through the standard library.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
from pathlib import Path

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def N_(text: str) -> str:
    """Marks a msgid for extraction (pybabel's default keywords include N_); translated where it is shown."""
    return text


FACT_MESSAGES = {
    "required": N_("This field is required."),
    "unknown_field": N_("Unknown field."),
    "unknown_code": N_("Unknown code: %(value)s."),
    "not_a_list": N_("Expected a list."),
    "not_an_object": N_("Expected an object."),
    "not_a_boolean": N_("Expected true or false."),
    "not_an_integer": N_("Enter a whole number."),
    "not_a_string": N_("Expected text."),
    "negative": N_("The number of persons cannot be negative."),
    "absurd": N_("More than 200,000,000 persons cannot be right."),
    "invalid_date": N_("Enter a date (YYYY-MM-DD)."),
    "invalid_datetime": N_("Enter a date, or a date and time with its time zone."),
    "timezone_required": N_("A date and time needs its time zone (e.g. +09:00)."),
    "known_before_occurrence": N_("The date it became known cannot be before the date it occurred."),
    "notice_before_occurrence": N_("The notice to the consignor cannot be dated before the incident occurred."),
    "notice_before_known": N_("The notice to the consignor cannot be dated before the incident became known."),
    "consignor_has_no_consignor": N_("This organisation has no consignor to notify."),
    "not_in_chain": N_("No such tier in the chain."),
    "my_number_item_missing": N_("My Number data was chosen, but the data items do not include the My Number."),
    "conflicts_with_handler_kind": N_("The kind of the original consignor conflicts with the handler kind."),
    "item_name_required": N_("Name the data item (for example 給与額)."),
    "item_name_too_long": N_("The name of a data item can be at most 100 characters."),
    "reason_too_long": N_("The reason can be at most 1,000 characters."),
    "too_many_other_items": N_("At most 50 other data items."),
    "reason_required": N_("Give the reason why this item is sensitive or can cause financial damage."),
}


def translated(entry: Mapping[str, str], translate: Callable[[str], str]) -> str:
    """One engine error entry ({code, message}) in the user's language; unknown codes keep the engine's text."""
    msgid = FACT_MESSAGES.get(entry["code"])
    if msgid is None:
        return entry["message"]
    if entry["code"] == "unknown_code":
        value = entry["message"].removeprefix("Unknown code: ").rstrip(".")
        return translate(msgid) % {"value": value}
    return translate(msgid)


def catalogue(locale: str) -> Callable[[str], str]:
    """gettext for `locale` from the compiled catalogue (the msgid itself where none is compiled)."""
    return gettext.translation("messages", localedir=TRANSLATIONS, languages=[locale], fallback=True).gettext
