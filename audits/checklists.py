"""Checklists of document reviews and on-site audits (pure): the items an auditor records one by one, read from
`audits/checklists/<kind>.yaml` (checklists/README.md describes the format).

`load_checklist(kind)` / `parse_checklist(mapping)` are the one validation path: an unknown key or kind, an item
without Japanese or English text or without its guideline, a duplicate id — one `ChecklistError` lists every
problem, and nothing half-valid is used. An audit keeps its own copy of the items (`as_items`), so a later edit
of the file never changes what was checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CHECKLISTS_DIR = Path(__file__).resolve().parent / "checklists"
KINDS = ("document_review", "onsite")
RESULTS = ("ok", "ng", "na")  # met, not met (a finding to raise), not applicable
MAX_NOTE = 2000


@dataclass(frozen=True)
class Item:
    """One thing to check: its id, its text in Japanese and English, and the guideline it comes from."""

    id: str
    ja: str
    en: str
    guideline: str


@dataclass(frozen=True)
class Checklist:
    """A checklist of one kind of audit, with its version and items in order."""

    id: str
    version: str
    kind: str
    title_ja: str
    title_en: str
    source: str
    items: tuple[Item, ...]

    def as_items(self) -> list[dict]:
        """The items as an audit keeps them, each still to be recorded (result None)."""
        return [{"id": i.id, "text": {"ja": i.ja, "en": i.en}, "guideline": i.guideline, "result": None, "note": ""}
                for i in self.items]


class ChecklistError(ValueError):
    """A checklist is refused; `problems` lists every problem as "file: field: message"."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("checklist refused:\n" + "\n".join(f"  {p}" for p in self.problems))


def load_checklist(kind: str, directory: Path = CHECKLISTS_DIR) -> Checklist:
    """The checklist for `kind` (document_review, onsite), from `<kind>.yaml`; ChecklistError lists every problem."""
    if kind not in KINDS:
        raise ChecklistError([f"{kind}: no checklist for this kind of audit (kinds: {', '.join(KINDS)})"])
    return _load(Path(directory).resolve() / f"{kind}.yaml")


@cache
def _load(path: Path) -> Checklist:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ChecklistError([f"{path.name}: (file): cannot be read ({error})"]) from error
    return parse_checklist(raw, path.name)


def _text(raw, where: str, problems: list[str]) -> tuple[str, str]:
    if isinstance(raw, Mapping) and all(isinstance(raw.get(k), str) and raw[k].strip() for k in ("ja", "en")):
        return raw["ja"].strip(), raw["en"].strip()
    problems.append(f"{where}: needs both ja and en (Japanese and English text)")
    return "", ""


def parse_checklist(raw, file: str = "<checklist>") -> Checklist:
    """A Checklist from its mapping; ChecklistError lists every problem."""
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        raise ChecklistError([f"{file}: (file): not a checklist (a mapping with id, version, kind, title, items)"])
    allowed = {"id", "version", "kind", "title", "source", "items"}
    problems += [f"{key}: unknown key {key!r}" for key in sorted(set(raw) - allowed, key=str)]
    checklist_id, version, kind = raw.get("id"), raw.get("version"), raw.get("kind")
    if not (isinstance(checklist_id, str) and re.fullmatch(r"[a-z][a-z0-9_-]*", checklist_id)):
        problems.append("id: required, in lower-case letters")
    if not (isinstance(version, str) and re.fullmatch(r"\d+(\.\d+)*", version)):
        problems.append("version: required, quoted, numbers and dots (\"2026.1\")")
    if kind not in KINDS:
        problems.append(f"kind: must be one of {', '.join(KINDS)} (got {kind!r})")
    title = _text(raw.get("title"), "title", problems)
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append("source: required (the guideline and references the checklist follows)")
    items: list[Item] = []
    seen: set[str] = set()
    raw_items = raw.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        problems.append("items: required, a non-empty list")
        raw_items = []
    for n, item in enumerate(raw_items):
        where = f"items[{n}]"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: must be an item (id, text, guideline)")
            continue
        problems += [f"{where}.{key}: unknown key {key!r}" for key in sorted(set(item) - {"id", "text", "guideline"},
                                                                           key=str)]
        item_id = item.get("id")
        if not (isinstance(item_id, str) and re.fullmatch(r"[a-z][a-z0-9_]*", item_id)):
            problems.append(f"{where}.id: required, in lower-case letters")
        elif item_id in seen:
            problems.append(f"{where}.id: {item_id!r} is used twice")
        else:
            seen.add(item_id)
        ja, en = _text(item.get("text"), f"{where}.text", problems)
        guideline = item.get("guideline")
        if not isinstance(guideline, str) or not guideline.strip():
            problems.append(f"{where}.guideline: required (the passage the item comes from)")
            guideline = ""
        items.append(Item(str(item_id), ja, en, guideline.strip()))
    if problems:
        raise ChecklistError([f"{file}: {p}" for p in problems])
    return Checklist(checklist_id, version, kind, *title, source.strip(), tuple(items))
