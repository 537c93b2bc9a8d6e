"""Trail records as people read them: the action in words, the object as a link the viewer may follow, and the
fields a record changed as a labelled before/after table, with values formatted (Japan time, はい/いいえ, labels
for codes, names for organisations the viewer may see). The labels are data: labels.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import yaml
from flask import url_for
from sqlalchemy import select

from oversight import permissions as perm
from oversight.choices import ALL_CHOICE_SETS
from oversight.extensions import db
from oversight.timeutil import to_jst
from oversight.trail.models import TrailRecord

LABELS_FILE = Path(__file__).with_name("labels.yaml")
EMPTY = "—"
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Object type → (endpoint, its id argument, the permission to follow it); contract records link to the contract.
LINKS = {
    "organisation": ("registry.organisation", "organisation_id", "org.view"),
    "entrustment": ("registry.entrustment", "entrustment_id", "entrustment.view"),
    "contract": ("contracts.contract", "entrustment_id", "contract.view"),
    "incident": ("incidents.incident", "incident_id", "incident.view"),
    "notification": ("notifications.show", "notification_id", "notification.view"),
}


@lru_cache(maxsize=1)
def labels() -> dict:
    """labels.yaml, read once."""
    with LABELS_FILE.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def _pick(entry: Mapping, lang: str) -> str:
    return entry["ja"] if lang == "ja" else entry["en"]


def words(code: str) -> str:
    """A readable stand-in for a code nobody labelled: "incident_open" → "incident open"."""
    return code.replace("_", " ").replace(".", " ").strip()


def action_label(code: str, lang: str) -> str:
    """The action in words."""
    entry = labels()["actions"].get(code)
    return _pick(entry, lang) if entry else words(code)


def object_type_label(code: str, lang: str) -> str:
    """The kind of object in words."""
    entry = labels()["object_types"].get(code)
    return _pick(entry, lang) if entry else words(code)


def field_table(record: TrailRecord) -> str:
    """Which field table names this record's fields (the action or the object type may say: contract changes on an
    entrustment, a tenant's record of an organisation)."""
    action = labels()["actions"].get(record.action) or {}
    kind = labels()["object_types"].get(record.object_type) or {}
    return action.get("fields") or kind.get("fields") or record.object_type


# ---------------------------------------------------------------- what the viewer may see

@dataclass
class References:
    """For one page: which objects the viewer may open, and the names of the organisations it may see."""

    organisations: dict[int, str] = field(default_factory=dict)
    entrustments: set[int] = field(default_factory=set)
    incidents: set[int] = field(default_factory=set)
    notifications: set[int] = field(default_factory=set)

    def visible(self, kind: str, object_id: int | None) -> bool:
        if object_id is None:
            return False
        if kind == "organisation":
            return object_id in self.organisations
        return object_id in {"entrustment": self.entrustments, "contract": self.entrustments,
                             "incident": self.incidents, "notification": self.notifications}.get(kind, set())


def _referred_ids(records: Iterable[TrailRecord]) -> dict[str, set[int]]:
    """Ids of the objects the records are about, and of the organisations their fields name."""
    wanted: dict[str, set[int]] = {"organisation": set(), "entrustment": set(), "incident": set(),
                                   "notification": set()}
    for record in records:
        if record.object_type in wanted and record.object_id is not None:
            wanted[record.object_type].add(record.object_id)
        table = labels()["fields"].get(field_table(record), {})
        for snapshot in (record.before, record.after):
            for key, value in _flatten(snapshot).items():
                kind = _spec(table, key).get("refers_to")
                if kind in wanted:
                    values = value if isinstance(value, list) else [value]
                    wanted[kind].update(v for v in values if isinstance(v, int) and not isinstance(v, bool))
    return wanted


def _visible(kind: str, ids: set[int], visible: perm.VisibleIds | None) -> set[int]:
    """Which of `ids` the actor may see: from its visible ids when they are a list, else from the database."""
    if visible is not None and all(visible.contains(kind, i) is not None for i in ids):
        return {i for i in ids if visible.contains(kind, i)}
    column = perm.rule(kind).column
    query = select(column).where(column.in_(ids))
    if visible is not None:
        query = query.where(column.in_(visible.of(kind)))
    return set(db.session.scalars(query))


def references(actor, records: list[TrailRecord], visible: perm.VisibleIds | None) -> References:
    """What the viewer may see of what the page's records name (`visible`: its perm.visible_ids)."""
    from oversight.registry.models import Organisation

    wanted = _referred_ids(records)
    refs = References()
    if wanted["organisation"]:
        ids = _visible("organisation", wanted["organisation"], visible)
        refs.organisations = dict(db.session.execute(select(Organisation.id, Organisation.name)
                                                     .where(Organisation.id.in_(ids))).all()) if ids else {}
    if wanted["entrustment"]:
        refs.entrustments = _visible("entrustment", wanted["entrustment"], visible)
    if wanted["incident"]:
        refs.incidents = _visible("incident", wanted["incident"], visible)
    if wanted["notification"]:
        refs.notifications = _visible("notification", wanted["notification"], visible)
    return refs


def object_url(actor, record: TrailRecord, refs: References) -> str | None:
    """The page of the record's object, when there is one and the viewer may open it."""
    kind = "contract" if field_table(record) == "contract" else record.object_type
    link = LINKS.get(kind)
    if link is None or not perm.allows(actor, link[2]) or not refs.visible(kind, record.object_id):
        return None
    endpoint, argument, _action = link
    return url_for(endpoint, **{argument: record.object_id})


# ---------------------------------------------------------------- fields and values

def _flatten(snapshot: Mapping | None, prefix: str = "") -> dict[str, object]:
    """Nested objects become dotted keys (facts.cause), in their order; {ja, en} texts stay whole."""
    flat: dict[str, object] = {}
    for key, value in (snapshot or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and not set(value) <= {"ja", "en"}:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _spec(table: Mapping, key: str) -> dict:
    if "." in key:
        parent, child = key.rsplit(".", 1)
        keys = (table.get(parent) or table.get(parent.rsplit(".", 1)[-1]) or {}).get("keys")
        if keys == "contract_params":
            return _contract_param_spec(child)
        if keys == "contract_clauses":
            return {"vocabulary": f"contract_variant:{child}"}
    return table.get(key) or table.get(key.rsplit(".", 1)[-1]) or {}


def _contract_param_spec(name: str) -> dict:
    """How a clause parameter's value reads: data items by their labels, a choice by its label."""
    from contracts.assembly import load_library

    param = load_library().param_spec(name)
    if param is None:
        return {}
    if param.type == "items":
        return {"vocabulary": "data_items"}
    if param.type == "choice":
        return {"vocabulary": f"contract_param:{name}"}
    return {}


def _key_label(table: Mapping, key: str, lang: str) -> str:
    if "." not in key:
        spec = table.get(key)
        return _pick(spec, lang) if spec and "ja" in spec else words(key)
    parent, child = key.rsplit(".", 1)
    named = _vocabulary_key(_spec(table, parent).get("keys"), child, lang) or _key_label(table, child, lang)
    return _key_label(table, parent, lang) + ("：" if lang == "ja" else ": ") + named


def _vocabulary_key(vocabulary: str | None, key: str, lang: str) -> str | None:
    if vocabulary == "report_items":
        from oversight.incidents.art26.vocabulary import REPORT_ITEMS

        return next((ja if lang == "ja" else en for code, ja, en in REPORT_ITEMS if code == key), None)
    if vocabulary == "contract_params":
        from contracts.assembly import load_library

        spec = load_library().param_spec(key)
        return spec.label.get(lang) if spec else None
    if vocabulary == "contract_clauses":
        return _vocabulary_value("contract_clauses", key, lang)
    return None


def _vocabulary_value(vocabulary: str, code: str, lang: str) -> str:
    if vocabulary == "data_items":
        from oversight.vocabulary import data_item_label

        return data_item_label(code, lang)
    if vocabulary in ("causes", "events", "certainty"):
        from oversight.incidents.art26.vocabulary import CAUSES, CERTAINTY_LABELS, EVENT_LABELS

        if vocabulary == "causes":
            cause = CAUSES.get(code)
            return (cause.ja if lang == "ja" else cause.en) if cause else words(code)
        pair = (EVENT_LABELS if vocabulary == "events" else CERTAINTY_LABELS).get(code)
        return (pair[0] if lang == "ja" else pair[1]) if pair else words(code)
    if vocabulary == "contract_clauses" or vocabulary.startswith("contract_variant:"):
        from contracts.assembly import load_library

        clauses = load_library().clauses
        if vocabulary == "contract_clauses":
            return clauses[code].title.get(lang) if code in clauses else code
        clause = clauses.get(vocabulary.split(":", 1)[1])
        label = clause.variant_labels.get(code) if clause else None
        return label.get(lang) if label else code
    if vocabulary.startswith("contract_param:"):
        from contracts.assembly import load_library

        param = load_library().param_spec(vocabulary.split(":", 1)[1])
        choice = param.choices.get(code) if param else None
        return choice[0].get(lang) if choice else code
    if vocabulary == "contract_templates":
        from contracts.assembly import load_library

        template = load_library().templates.get(code)
        return template.label.get(lang) if template else code
    return code


def _choice(choices: str, code: str, lang: str) -> str:
    if choices in ALL_CHOICE_SETS:
        return ALL_CHOICE_SETS[choices].label(code, lang)
    entry = labels()["codes"].get(choices, {}).get(code)
    return _pick(entry, lang) if entry else code


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def format_value(value, spec: Mapping, table: Mapping, lang: str, refs: References) -> str:
    """One value as a person reads it; never None, False or a Python literal."""
    separator = "、" if lang == "ja" else ", "
    if _is_empty(value):
        return EMPTY
    if isinstance(value, bool):
        return _pick(labels()["words"]["yes" if value else "no"], lang)
    refers = spec.get("refers_to")
    if isinstance(value, list):
        if refers == "organisation":
            value = [v for v in value if v in refs.organisations]  # never the name, nor a trace, of another's
        parts = [format_value(v, spec, table, lang, refs) for v in value]
        return (" / " if any(isinstance(v, Mapping) for v in value) else separator).join(parts) or EMPTY
    if isinstance(value, Mapping):
        if set(value) <= {"ja", "en"}:
            return str(value.get(lang) or value.get("ja") or value.get("en") or EMPTY)
        return separator.join(f"{_key_label(table, k, lang)}: {format_value(v, _spec(table, k), table, lang, refs)}"
                              for k, v in value.items() if not _is_empty(v))
    if refers == "organisation" and isinstance(value, int):
        return refs.organisations.get(value) or _pick(labels()["words"]["hidden_organisation"], lang)
    if refers and isinstance(value, int):
        return f"#{value}"
    if isinstance(value, str) and spec.get("choices"):
        return _choice(spec["choices"], value, lang)
    if isinstance(value, str) and spec.get("vocabulary"):
        return _vocabulary_value(spec["vocabulary"], value, lang)
    if isinstance(value, int | float):
        return f"{value:,}"
    return _text(str(value), lang)


def _text(text: str, lang: str) -> str:
    if MOMENT.match(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        return f"{to_jst(moment):%Y-%m-%d %H:%M} JST"
    if DAY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return text
        return f"{day.year}年{day.month}月{day.day}日" if lang == "ja" else day.isoformat()
    return text


@dataclass(frozen=True)
class Change:
    """One changed field: its label and the values before and after, formatted."""

    label: str
    before: str
    after: str


def changes(record: TrailRecord, lang: str, refs: References) -> list[Change]:
    """The fields the record changed (all that it set, for a creation), labelled, in the snapshot's order."""
    table = labels()["fields"].get(field_table(record), {})
    before, after = _flatten(record.before), _flatten(record.after)
    keys = list(dict.fromkeys([*after, *before]))
    result = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old == new or (_is_empty(old) and _is_empty(new)):
            continue
        spec = _spec(table, key)
        result.append(Change(_key_label(table, key, lang), format_value(old, spec, table, lang, refs),
                             format_value(new, spec, table, lang, refs)))
    return result


@dataclass(frozen=True)
class Row:
    """One record as the page shows it."""

    record: TrailRecord
    action: str
    object_type: str
    object_url: str | None
    changes: list[Change]
    has_before: bool


def rows(actor, records: list[TrailRecord], lang: str, visible: perm.VisibleIds | None) -> list[Row]:
    """The page's records, ready for the template (`visible`: the viewer's perm.visible_ids)."""
    refs = references(actor, records, visible)
    return [Row(r, action_label(r.action, lang), object_type_label(r.object_type, lang), object_url(actor, r, refs),
                changes(r, lang, refs), r.before is not None) for r in records]
