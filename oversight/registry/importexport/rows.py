"""Running the rows of an upload through the real registry services: in a transaction rolled back for a preview
(one savepoint per row, so an earlier row can make a later one valid), or for real when it is applied."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from oversight import corporate_number, uow
from oversight import permissions as perm
from oversight.choices import ENTRUSTMENT_ORIGIN, ChoiceSet
from oversight.errors import DomainError, ValidationFailed
from oversight.extensions import db
from oversight.registry import services
from oversight.registry.importexport.columns import BOTH, COLUMN_BY_CODE, KINDS, RECORD_COLUMNS
from oversight.registry.importexport.exporting import display, kept_values
from oversight.registry.importexport.parsing import Sheet
from oversight.registry.importexport.results import ImportResult, RowOutcome
from oversight.registry.models import Entrustment, Organisation
from oversight.registry.validation import clean_entrustment, clean_organisation
from oversight.trail.services import diff


def _differs(new, old) -> bool:
    if isinstance(new, str) and isinstance(old, str):
        return new.replace("\r\n", "\n") != old.replace("\r\n", "\n")
    if isinstance(new, list):
        return set(new) != set(old or [])
    return new != old


def _choice_code(choices: ChoiceSet, raw: str) -> str | None:
    code = choices.from_label(raw)
    if code is not None:
        return code
    wanted = unicodedata.normalize("NFKC", raw).strip().lower()
    for c in choices:
        if wanted in (unicodedata.normalize("NFKC", text).lower() for text in (c.code, c.ja, c.en)):
            return c.code
    return None


def _tolerate_choices(kind: str, values: dict[str, str]) -> dict[str, str]:
    """Choice cells with half-width brackets or odd case become codes; the rest go to the services as typed."""
    out = dict(values)
    for code, text in values.items():
        column = COLUMN_BY_CODE[kind][code]
        if column.type == "choice" and text.strip():
            out[code] = _choice_code(column.choices, text) or text
    return out


def _excel_mangled(text: str) -> bool:
    return re.fullmatch(r"\d(\.\d+)?E\+\d+", (text or "").strip(), re.IGNORECASE) is not None


def _excel_mangled_message(value: str):
    return _l("Excel turned this corporate number into “%(value)s”. Format the column as text before saving "
              "the CSV, or use .xlsx.", value=value)


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFC", name or "").strip()


class _Directory:
    """What the actor can see, looked up once per run (not per row: visibility is a recursive query) and kept
    current as rows register or rename organisations. The services still check every row themselves."""

    def __init__(self, actor):
        self.actor = actor
        self.entries: dict[int, tuple[str | None, str]] = {}
        self.by_number: dict[str, int] = {}
        self.by_name: dict[str, set[int]] = {}
        query = perm.restrict(
            select(Organisation.id, Organisation.corporate_number, Organisation.name), actor, "organisation")
        for org_id, number, name in db.session.execute(query):
            self._add(org_id, number, name)
        self.entrustment_ids = set(db.session.scalars(perm.restrict(select(Entrustment.id), actor, "entrustment"))) \
            if perm.allows(actor, "entrustment.view") else set()

    def _add(self, org_id: int, number: str | None, name: str) -> None:
        self.entries[org_id] = (number, name)
        if number:
            self.by_number[number] = org_id
        self.by_name.setdefault(name, set()).add(org_id)

    def remember(self, org: Organisation) -> None:
        """Record a registered or changed organisation (its registrant keeps a record of it, so sees it)."""
        old = self.entries.pop(org.id, None)
        if old is not None:
            if old[0]:
                self.by_number.pop(old[0], None)
            self.by_name.get(old[1], set()).discard(org.id)
        self._add(org.id, org.corporate_number, org.name)

    def organisations(self, *, number: str = "", name: str = "") -> list[Organisation]:
        """At most two visible organisations with this corporate number, or else this exact name."""
        ids = [self.by_number[number]] if number in self.by_number else [] if number \
            else sorted(self.by_name.get(_name_key(name), ()))[:2]
        return [db.session.get(Organisation, org_id) for org_id in ids]

    def entrustment(self, entrustment_id: int) -> Entrustment | None:
        return db.session.get(Entrustment, entrustment_id) if entrustment_id in self.entrustment_ids else None


class _Rows:
    """Runs rows one by one through the services, each in its own savepoint."""

    def __init__(self, actor, sheet: Sheet, directory: _Directory):
        self.actor = actor
        self.sheet = sheet
        self.directory = directory
        self.seen: dict[str, int] = {}

    def attempt(self, outcome: RowOutcome, step: Callable[[], None]) -> bool:
        try:
            with uow.savepoint():
                step()
        except ValidationFailed as error:
            self.report(outcome, error)
        except DomainError as error:
            outcome.fail("", error.message)
        except IntegrityError:
            outcome.fail("", _l("The row conflicts with existing data."))
        return not outcome.errors

    def report(self, outcome: RowOutcome, error: ValidationFailed) -> None:
        for key, messages in error.errors.items():
            for message in messages:
                outcome.fail(self.sheet.header(key.removeprefix("record.").split("[")[0].split(".")[0]), message)

    def once(self, outcome: RowOutcome, column: str, key: str) -> bool:
        """False (and an error) if another row of the file already names the same record."""
        if key in self.seen:
            outcome.fail(self.sheet.header(column), _l("Row %(row)s of the file already has this value; "
                                                       "each record may appear only once.", row=self.seen[key]))
            return False
        self.seen[key] = outcome.row
        return True

    def changes(self, before: dict, after: dict) -> list[list[str]]:
        columns = COLUMN_BY_CODE[self.sheet.kind]
        return [[self.sheet.header(key), str(display(columns[key], old)), str(display(columns[key], new))]
                for key, old, new in diff(before, after) if key in columns]


class _OrganisationRows(_Rows):
    def run(self, number: int, raw: dict[str, str]) -> RowOutcome:
        values = _tolerate_choices("organisations", raw)
        outcome = RowOutcome(row=number, sheet="organisations", label=values.get("name", "").strip())
        if _excel_mangled(values.get("corporate_number", "")):
            outcome.fail(self.sheet.header("corporate_number"), _excel_mangled_message(values["corporate_number"]))
            return outcome
        cn = corporate_number.normalise(values.get("corporate_number", ""))
        if cn and not self.once(outcome, "corporate_number", cn):
            return outcome
        existing = self.match(outcome, cn, values.get("name", ""))
        if outcome.errors:
            return outcome
        if existing is None:
            data = _split_record(values)
            if not any(str(v).strip() for v in data.get("record", {}).values()):
                data.pop("record", None)  # blank status and notes: the defaults, and no record for an operator

            def create():
                org = services.create_organisation(self.actor, data)
                self.directory.remember(org)
                outcome.label = org.name
            if self.attempt(outcome, create):
                outcome.action = "create"
            return outcome
        return self.update(outcome, existing, values)

    def match(self, outcome: RowOutcome, cn: str, name: str) -> Organisation | None:
        """The visible organisation with this corporate number; without one, the only one of that name."""
        if cn:
            found = self.directory.organisations(number=cn)
            return found[0] if found else None
        if not _name_key(name):
            return None
        found = self.directory.organisations(name=name)
        if len(found) > 1:
            outcome.fail(self.sheet.header("name"), _l(
                "Several organisations are named “%(name)s”. Give the corporate number.", name=name))
        elif found and found[0].corporate_number:
            outcome.fail(self.sheet.header("corporate_number"), _l(
                "%(name)s is registered with corporate number %(number)s. Put the number in this row.",
                name=found[0].name, number=found[0].corporate_number))
        return found[0] if len(found) == 1 else None

    def update(self, outcome: RowOutcome, org: Organisation, values: dict[str, str]) -> RowOutcome:
        outcome.label = org.name
        try:
            cleaned = clean_organisation(_split_record(values), partial=True)
        except ValidationFailed as error:
            self.report(outcome, error)
            return outcome
        before = kept_values(org, services.own_record(self.actor, org.id))
        record = {k: values[k] for k, v in cleaned.pop("record", {}).items() if _differs(v, before[k])}
        changed = {k: values[k] for k, v in cleaned.items() if _differs(v, before[k])}
        if not (changed or record):
            outcome.action = "unchanged"
            return outcome

        def change():
            updated = services.update_organisation(self.actor, org.id, {**changed, **({"record": record} if record
                                                                                       else {})})
            self.directory.remember(updated)
            outcome.changes = self.changes(before, kept_values(updated, services.own_record(self.actor, org.id)))
        if self.attempt(outcome, change):
            outcome.action = "update" if outcome.changes else "unchanged"
        return outcome


def _split_record(values: dict[str, str]) -> dict:
    """A row's cells as the service takes them: identity fields, and the importer's own record beside them."""
    data = {k: v for k, v in values.items() if k not in RECORD_COLUMNS}
    record = {k: values[k] for k in RECORD_COLUMNS if k in values}
    if record:
        data["record"] = record
    return data


class _EntrustmentRows(_Rows):
    def run(self, number: int, raw: dict[str, str]) -> RowOutcome:
        values = _tolerate_choices("entrustments", raw)
        outcome = RowOutcome(row=number, sheet="entrustments", label=values.get("data_set", "").strip())
        entrustment_id = self.whole_number(outcome, "id", values.pop("id", ""))
        parent_id = self.whole_number(outcome, "parent_id", values.pop("parent_id", ""))
        origin = self.origin(outcome, values.pop("origin", ""))
        parties = {role: (values.pop(f"{role}_corporate_number", "").strip(), values.pop(f"{role}_name", "").strip())
                   for role in ("consignor", "contractor")}
        if outcome.errors:
            return outcome
        if entrustment_id is not None:
            if not self.once(outcome, "id", str(entrustment_id)):
                return outcome
            return self.update(outcome, entrustment_id, values, parties, parent_id, origin)
        return self.create(outcome, values, parties, parent_id, origin)

    def whole_number(self, outcome: RowOutcome, column: str, text: str) -> int | None:
        text = unicodedata.normalize("NFKC", text or "").strip().lstrip("#")
        if not text:
            return None
        if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**31:
            outcome.fail(self.sheet.header(column), _l("Must be a whole number."))
            return None
        return int(text)

    def origin(self, outcome: RowOutcome, text: str) -> str | None:
        if not text.strip():
            return None
        code = _choice_code(ENTRUSTMENT_ORIGIN, text)
        if code is None:
            outcome.fail(self.sheet.header("origin"), _l("Unknown value “%(value)s”. Allowed: %(allowed)s",
                                                         value=text, allowed=", ".join(ENTRUSTMENT_ORIGIN.codes)))
        return code

    def party(self, outcome: RowOutcome, role: str, number: str, name: str) -> Organisation | None:
        """The visible organisation named by corporate number (preferred) or by exact name."""
        if _excel_mangled(number):
            outcome.fail(self.sheet.header(f"{role}_corporate_number"), _excel_mangled_message(number))
            return None
        if number:
            cn = corporate_number.normalise(number)
            found = self.directory.organisations(number=cn)
            if not found:
                outcome.fail(self.sheet.header(f"{role}_corporate_number"), _l(
                    "No organisation you can see has the corporate number %(number)s. Register it first.",
                    number=number))
            return found[0] if found else None
        found = self.directory.organisations(name=name)
        if len(found) == 1:
            return found[0]
        outcome.fail(self.sheet.header(f"{role}_name"), _l(
            "Several organisations are named “%(name)s”. Give the corporate number.", name=name) if found else _l(
            "No organisation you can see is named “%(name)s”. Register it first, or give its corporate number.",
            name=name))
        return None

    def field_errors(self, outcome: RowOutcome, values: dict[str, str]) -> None:
        """Report the row's field errors too, so one round of corrections fixes the whole row."""
        try:
            clean_entrustment(values)
        except ValidationFailed as error:
            self.report(outcome, error)

    def update(self, outcome, entrustment_id, values, parties, parent_id, origin) -> RowOutcome:
        e = self.directory.entrustment(entrustment_id)
        if e is None:
            outcome.fail(self.sheet.header("id"), _l("No entrustment with this ID that you can see. "
                                                     "Leave the ID empty to record a new one."))
            return outcome
        outcome.label = str(e)
        try:
            cleaned = clean_entrustment(values, partial=True)
        except ValidationFailed as error:
            self.report(outcome, error)
            cleaned = {}
        changed = {k: values[k] for k, v in cleaned.items() if _differs(v, getattr(e, k))}
        for role, current in (("consignor", e.consignor), ("contractor", e.contractor)):
            number, name = parties[role]
            same = corporate_number.normalise(number) == current.corporate_number if number \
                else not name or _name_key(name) == current.name
            if not same:
                org = self.party(outcome, role, number, name)
                if org is not None and org.id != current.id:
                    changed[f"{role}_id"] = org.id  # the service refuses: parties are fixed once recorded
        if parent_id is not None and parent_id != e.parent_id:
            changed["parent_id"] = parent_id
        if origin is not None and origin != e.origin:
            changed["origin"] = origin
        if outcome.errors:
            return outcome
        if not changed:
            outcome.action = "unchanged"
            return outcome
        before = e.snapshot()

        def change():
            updated = services.update_entrustment(self.actor, e.id, changed)
            outcome.changes = self.changes(before, updated.snapshot())
        if self.attempt(outcome, change):
            outcome.action = "update" if outcome.changes else "unchanged"
        return outcome

    def create(self, outcome, values, parties, parent_id, origin) -> RowOutcome:
        consignor_ref, contractor_ref = parties["consignor"], parties["contractor"]
        contractor = consignor = None
        if any(contractor_ref):
            contractor = self.party(outcome, "contractor", *contractor_ref)
        else:
            outcome.fail(self.sheet.header("contractor_id"), _l("This field is required."))
        if any(consignor_ref):
            consignor = self.party(outcome, "consignor", *consignor_ref)
        parent = None
        if parent_id is not None:
            parent = self.directory.entrustment(parent_id)
            if parent is None:
                outcome.fail(self.sheet.header("parent_id"), _l("No entrustment with this ID that you can see."))
        if parent is not None and consignor is not None and consignor.id != parent.contractor_id:
            outcome.fail(self.sheet.header("consignor_id"), _l(
                "In a subcontract the consignor is the contractor of the parent entrustment (%(name)s).",
                name=parent.contractor.name))
        if parent_id is None and origin not in (None, "planned"):
            outcome.fail(self.sheet.header("origin"), _l(
                "Only a subcontract (with a parent ID) can be recorded as found or declared late."))
        if outcome.errors:
            self.field_errors(outcome, values)
            return outcome

        def record():
            data = {**values, "contractor_id": contractor.id}
            if parent is not None:
                e = services.propose_subcontract(self.actor, parent.id, data, origin=origin or "planned")
                outcome.note = str(_l("Subcontract under entrustment #%(id)s", id=parent.id))
            else:
                # A vendor list from procurement has no consignor column: the consignor is the user's own.
                data["consignor_id"] = consignor.id if consignor else getattr(self.actor, "organisation_id", None)
                e = services.create_entrustment(self.actor, data, recorded=True)  # as it stands, not started now
                outcome.note = str(_l("Direct entrustment"))
            outcome.label = str(e)
            outcome.status = e.status
            state = services.link_states([e.id]).get(e.id) if e.parent_id else None
            outcome.state = state.state if state else "direct"
        if self.attempt(outcome, record):
            outcome.action = "create"
        return outcome


def run_sheets(actor, sheets: list[Sheet], progress: Callable[[int, int], object] | None = None) -> ImportResult:
    """Run every row through the registry services in the caller's transaction (organisations first);
    `progress(done, total)` is called after each row."""
    outcomes, notices = [], []
    directory = _Directory(actor)
    total = sum(len(sheet.rows) for sheet in sheets)
    for sheet in sorted(sheets, key=lambda s: KINDS.index(s.kind)):
        rows = (_OrganisationRows if sheet.kind == "organisations" else _EntrustmentRows)(actor, sheet, directory)
        if sheet.ignored:
            notices.append(str(_l("These columns were not recognised and are ignored: %(columns)s",
                                  columns=", ".join(sheet.ignored))))
        for number, values in sheet.rows:
            outcomes.append(rows.run(number, values))
            if progress is not None:
                progress(len(outcomes), total)
    kind = sheets[0].kind if len(sheets) == 1 else BOTH
    return ImportResult(kind, outcomes, notices)


def preview(actor, sheets: list[Sheet]) -> ImportResult:
    """What importing the sheets would do, found by doing it with the real services and rolling back."""
    perm.require(actor, "data.import")
    with uow.atomic(dry_run=True):
        return run_sheets(actor, sheets)
