"""Cleaning of organisation and entrustment input, shared by the web forms, the API and the importer.

Input values may be strings (forms, CSV cells) or typed (JSON); the result is typed. Every problem is
reported against its field, in the user's language, and nothing is stored when there is one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from oversight import corporate_number, email_address
from oversight.choices import (
    CERTIFICATION_SCHEME,
    CONTACT_ROLE,
    ENTRUSTMENT_ORIGIN,
    ORGANISATION_KIND,
    ORGANISATION_STATUS,
    REPORT_AUTHORITY,
    SUBCONTRACTING_TERMS,
)
from oversight.errors import ValidationFailed
from oversight.vocabulary import data_items

MAX_PERSONS = 200_000_000  # more than the population of Japan is a typing error, not a data set
# Embeddings, overrides and isolates reorder what a reader sees (U+202E turns "cod.exe" into "exe.doc").
BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))


def text_problem(value: str, *, multiline: bool = False):
    """Why `value` cannot be stored as text, or None: the one check for every name, label and note.

    Nothing may carry bidirectional controls, control characters or lone surrogates. One-line text (names,
    addresses, numbers — what ends up in e-mail subjects, file names and table cells) may carry no tab, line
    break or invisible format character (zero-width spaces and joiners, direction marks, BOM) either;
    multi-line text (notes) may have line breaks and tabs. `<` and `>` are left alone: every output escapes
    them (Jinja, python-docx, file names), and they are legitimate in foreign names and addresses.
    """
    for ch in value:
        category = unicodedata.category(ch)
        if ch in BIDI_CONTROLS or (not multiline and category in ("Cf", "Zl", "Zp")):
            return _l("Contains invisible formatting characters (such as a right-to-left override).")
        if category == "Cs":
            return _l("Contains characters that are not valid text.")
        if category == "Cc" and not (multiline and ch in "\n\t"):
            if not multiline and ch in "\t\n\r":
                return _l("Must be one line, without tabs or line breaks.")
            return _l("Contains control characters.")
    return None


class Cleaner:
    """Collects typed values and field errors."""

    def __init__(self, data: Mapping, partial: bool = False):
        self.data = data
        self.partial = partial
        self.out: dict = {}
        self.errors: dict[str, list] = {}

    def fail(self, field: str, message) -> None:
        self.errors.setdefault(field, []).append(message)

    def present(self, field: str) -> bool:
        return field in self.data

    def raw(self, field: str):
        value = self.data.get(field)
        return value.strip() if isinstance(value, str) else value

    def text(self, field: str, *, required=False, max_length=200, default="", multiline=False) -> None:
        """One line of text unless `multiline` (notes, purposes), checked by `text_problem`."""
        if self.partial and not self.present(field):
            return
        value = self.raw(field)
        if value is None or value == "":
            if required:
                self.fail(field, _l("This field is required."))
                return
            self.out[field] = default
            return
        if not isinstance(value, str):
            self.fail(field, _l("Must be text."))
            return
        value = unicodedata.normalize("NFC", value)
        if multiline:
            value = value.replace("\r\n", "\n")
        problem = text_problem(value, multiline=multiline)
        if problem is not None:
            self.fail(field, problem)
            return
        if len(value) > max_length:
            self.fail(field, _l("At most %(n)s characters.", n=max_length))
            return
        self.out[field] = value

    def email(self, field: str, *, required=False) -> None:
        """An e-mail address, normalised; refused when mail can never reach it (oversight.email_address)."""
        self.text(field, required=required, max_length=254)
        if self.out.get(field):
            try:
                self.out[field] = email_address.normalise(self.out[field])
            except email_address.InvalidAddress as error:
                self.fail(field, error.message)

    def choice(self, field: str, choice_set, *, default=None) -> None:
        if self.partial and not self.present(field):
            return
        value = self.raw(field)
        if value in (None, ""):
            if default is None:
                self.fail(field, _l("This field is required."))
            else:
                self.out[field] = default
            return
        code = choice_set.from_label(str(value))
        if code is None:
            self.fail(field, _l("Unknown value “%(value)s”. Allowed: %(allowed)s",
                                value=value, allowed=", ".join(choice_set.codes)))
            return
        self.out[field] = code

    def boolean(self, field: str) -> None:
        if self.partial and not self.present(field):
            return
        value = self.raw(field)
        if isinstance(value, bool):
            self.out[field] = value
        elif value in (None, ""):
            self.out[field] = False
        elif str(value).lower() in ("1", "true", "yes", "y", "on", "はい", "有", "あり", "○"):
            self.out[field] = True
        elif str(value).lower() in ("0", "false", "no", "n", "off", "いいえ", "無", "なし", "×"):
            self.out[field] = False
        else:
            self.fail(field, _l("Must be yes or no."))

    def integer(self, field: str, *, minimum=0, maximum=MAX_PERSONS, default=0) -> None:
        if self.partial and not self.present(field):
            return
        value = self.raw(field)
        if value in (None, ""):
            self.out[field] = default
            return
        if isinstance(value, bool):
            self.fail(field, _l("Must be a whole number."))
            return
        try:
            number = int(unicodedata.normalize("NFKC", str(value)).replace(",", "")) \
                if not isinstance(value, int) else value
        except ValueError:
            self.fail(field, _l("Must be a whole number."))
            return
        if number < minimum:
            self.fail(field, _l("Must not be negative.") if minimum == 0
                      else _l("Must be at least %(n)s.", n=minimum))
        elif number > maximum:
            self.fail(field, _l("Must be at most %(n)s.", n=f"{maximum:,}"))
        else:
            self.out[field] = number

    def date(self, field: str) -> None:
        if self.partial and not self.present(field):
            return
        value = self.raw(field)
        if value in (None, ""):
            self.out[field] = None
            return
        if isinstance(value, datetime):
            self.out[field] = value.date()
            return
        if isinstance(value, date):
            self.out[field] = value
            return
        text = unicodedata.normalize("NFKC", str(value)).replace("/", "-")
        try:
            self.out[field] = date.fromisoformat(text)
        except ValueError:
            self.fail(field, _l("Must be a date (YYYY-MM-DD)."))

    def done(self) -> dict:
        if self.errors:
            raise ValidationFailed(self.errors)
        return self.out


def clean_contact(data: Mapping, prefix: str) -> tuple[dict, dict]:
    c = Cleaner(data)
    c.choice("role", CONTACT_ROLE, default="general")
    c.text("name", required=True, max_length=100)
    c.email("email")
    c.text("phone", max_length=40)
    c.boolean("available_24_7")
    if c.out.get("phone") and not re.fullmatch(r"[0-9+\-() ]{6,40}", unicodedata.normalize("NFKC", c.out["phone"])):
        c.fail("phone", _l("Not a valid phone number."))
    if c.out.get("role") == "incident" and not (c.out.get("email") and c.out.get("phone")):
        c.fail("role", _l("An incident contact needs both an e-mail address and a phone number."))
    return c.out, {f"{prefix}.{k}": v for k, v in c.errors.items()}


def clean_certification(data: Mapping, prefix: str, *, verified: bool = False) -> tuple[dict, dict]:
    c = Cleaner(data)
    c.choice("scheme", CERTIFICATION_SCHEME)
    c.text("number", max_length=100)
    c.text("scope", max_length=300)
    c.date("expires_on")
    if verified:
        c.date("verified_on")
    return c.out, {f"{prefix}.{k}": v for k, v in c.errors.items()}


def _clean_rows(c: Cleaner, data: Mapping, key: str, prefix: str, cleaner) -> None:
    """A list of contacts or certifications, each row's errors reported at its position."""
    rows = data.get(key) or []
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        c.fail(f"{prefix}{key}", _l("Must be a list of objects."))
        return
    cleaned = []
    for i, row in enumerate(rows):
        value, errors = cleaner(row, f"{prefix}{key}[{i}]")
        cleaned.append(value)
        for field, messages in errors.items():
            c.errors.setdefault(field, []).extend(messages)
    c.out[key] = cleaned


def _clean_part(c: Cleaner, data: Mapping, part: str, partial: bool) -> None:
    """The `profile` or `record` object of an organisation's input, into c.out[part]; errors as `record.notes`."""
    value = data.get(part)
    if value is None:
        return
    if not isinstance(value, Mapping):
        c.fail(part, _l("Must be an object."))
        return
    inner = Cleaner(value, partial)
    if part == "record":
        inner.choice("status", ORGANISATION_STATUS, default="active")
        inner.text("notes", max_length=4000, multiline=True)
    certification = functools.partial(clean_certification, verified=part == "record")
    for key, cleaner in (("contacts", clean_contact), ("certifications", certification)):
        if key in value or not partial:
            _clean_rows(inner, value, key, f"{part}.", cleaner)
    for field, messages in inner.errors.items():
        name = field if field.startswith(f"{part}.") else f"{part}.{field}"
        c.errors.setdefault(name, []).extend(messages)
    c.out[part] = inner.out


def clean_corporate_number(raw, field: str = "corporate_number") -> tuple[str | None, dict]:
    """A corporate number as typed (full-width digits, spaces and dashes allowed), checked; or its error."""
    if raw in (None, ""):
        return None, {}
    number = corporate_number.normalise(str(raw))
    problem = corporate_number.problem(number)
    if problem == "format":
        return None, {field: [_l("A corporate number has exactly 13 digits.")]}
    if problem == "check_digit":
        return None, {field: [_l("The check digit (first digit) does not match: please check the corporate number.")]}
    return number, {}


MOVED_TO_RECORD = ("status", "notes", "contacts", "certifications")


def clean_organisation(data: Mapping, *, partial: bool = False) -> dict:
    """Typed identity fields, plus `profile` (the company's own contacts and certifications) and `record` (a
    tenant's status, notes, contacts and verified certifications) when given; or ValidationFailed."""
    c = Cleaner(data, partial)
    c.text("name", required=True, max_length=200)
    c.text("name_kana", max_length=200)
    if "name_kana" in c.out:
        c.out["name_kana"] = unicodedata.normalize("NFKC", c.out["name_kana"])
    c.choice("kind", ORGANISATION_KIND, default="company")
    c.text("industry", max_length=100)
    c.text("address", max_length=300)
    c.choice("report_authority", REPORT_AUTHORITY, default="ppc")
    if not (partial and not c.present("corporate_number")):
        number, errors = clean_corporate_number(c.raw("corporate_number"))
        c.errors.update(errors)
        if not errors:
            c.out["corporate_number"] = number
    for key in MOVED_TO_RECORD:
        if key in data:
            c.fail(key, _l("Give it inside “record” (your organisation's own record of the company) or, for the "
                           "company's own contacts and certifications, inside “profile”."))
    for part in ("profile", "record"):
        _clean_part(c, data, part, partial)
    return c.done()


def clean_entrustment(data: Mapping, *, partial: bool = False) -> dict:
    """Typed entrustment fields, or ValidationFailed. Parties and parent are checked by the service."""
    c = Cleaner(data, partial)
    c.text("data_set", required=True, max_length=200)
    c.text("purpose", max_length=4000, multiline=True)
    c.text("data_categories", max_length=300)
    c.integer("person_count")
    c.boolean("includes_sensitive")
    c.boolean("includes_my_number")
    c.choice("subcontracting_terms", SUBCONTRACTING_TERMS, default="prior_approval")
    c.date("start_on")
    c.date("end_on")
    if not (partial and not c.present("storage_country")):
        country = unicodedata.normalize("NFKC", str(c.raw("storage_country") or "JP")).upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            c.fail("storage_country", _l("Use the two-letter country code (JP, US, SG …)."))
        else:
            c.out["storage_country"] = country
    if not (partial and not c.present("data_items")):
        items = c.raw("data_items") or []
        if isinstance(items, str):
            items = [i.strip() for i in re.split(r"[,、;\s]+", items) if i.strip()]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            c.fail("data_items", _l("Must be a list of data-item codes."))
        else:
            vocabulary = data_items()
            by_label = {e[lang]: code for code, e in vocabulary.items() for lang in ("ja", "en")}
            codes = [i if i in vocabulary else by_label.get(i, i) for i in items]
            unknown = [i for i in codes if i not in vocabulary]
            if unknown:
                c.fail("data_items", _l("Unknown data item(s): %(items)s", items=", ".join(unknown)))
            else:
                c.out["data_items"] = list(dict.fromkeys(codes))
    for id_field in ("consignor_id", "contractor_id", "parent_id"):
        if c.present(id_field) and c.raw(id_field) not in (None, ""):
            c.integer(id_field, minimum=1, maximum=2**31 - 1)
    if c.present("origin"):
        c.choice("origin", ENTRUSTMENT_ORIGIN, default="planned")
    start, end = c.out.get("start_on"), c.out.get("end_on")
    if start and end and end < start:
        c.fail("end_on", _l("The end date is before the start date."))
    if c.out.get("includes_my_number") and "data_items" in c.out and "my_number" not in c.out["data_items"]:
        c.out["data_items"].append("my_number")
    return c.done()
