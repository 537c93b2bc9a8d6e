"""The questionnaire library (pure): the YAML files lawyers keep, loaded, checked, frozen and thawed.

`load_all()` reads every `audits/questionnaires/*.yaml` through `audits.parsing.parse` into the dataclasses of
`audits.questionnaire` (re-exported here), by (id, version); one `LibraryError` lists every problem in every file,
and nothing is loaded while one remains. `freeze()` writes the canonical JSON of a questionnaire (every default
explicit, keys sorted, UTF-8) and its SHA-256, so that the app stores what a vendor was asked and never reads the
YAML again for it; `thaw()` reads it back through the same `parse`, so a frozen copy passes the same checks as a
file. Nothing here imports Flask or the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from audits.parsing import LibraryError, Problem, parse
from audits.questionnaire import (
    AGGREGATES,
    BAND_TYPES,
    CHOICE_TYPES,
    FORMAT,
    PURPOSES,
    RESULTS,
    SEVERITIES,
    TYPES,
    Band,
    Bi,
    Category,
    Choice,
    Dependency,
    Question,
    Questionnaire,
    RedFlag,
)

__all__ = ["AGGREGATES", "PURPOSES", "QUESTIONNAIRES_DIR", "RESULTS", "SEVERITIES", "TYPES", "Band", "Bi", "Category",
           "Choice", "Dependency", "LibraryError", "Problem", "Question", "Questionnaire", "RedFlag", "current",
           "freeze", "load_all", "load_file", "parse", "thaw", "to_data"]

QUESTIONNAIRES_DIR = Path(__file__).resolve().parent / "questionnaires"
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, 8× faster, where PyYAML has it


def load_file(path: Path) -> Questionnaire:
    """Read and validate one YAML file."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise LibraryError([Problem(path.name, "(file)", f"cannot be read ({error})")]) from error
    return parse(raw, path.name)


def load_all(directory: Path = QUESTIONNAIRES_DIR) -> Mapping[tuple[str, str], Questionnaire]:
    """Every questionnaire in `directory` by (id, version); one LibraryError naming every problem in every file."""
    problems: list[Problem] = []
    found: dict[tuple[str, str], Questionnaire] = {}
    origin: dict[tuple[str, str], str] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            questionnaire = load_file(path)
        except LibraryError as error:
            problems += error.problems
            continue
        if questionnaire.key in found:
            problems.append(Problem(path.name, "version", f"{questionnaire.id} version {questionnaire.version} is "
                                                          f"already defined in {origin[questionnaire.key]}"))
            continue
        found[questionnaire.key] = questionnaire
        origin[questionnaire.key] = path.name
    if problems:
        raise LibraryError(problems)
    return MappingProxyType(found)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def current(questionnaire_id: str, directory: Path = QUESTIONNAIRES_DIR) -> Questionnaire:
    """The highest version of a questionnaire in the library (KeyError if there is none)."""
    versions = [q for (qid, _), q in load_all(directory).items() if qid == questionnaire_id]
    if not versions:
        raise KeyError(questionnaire_id)
    return max(versions, key=lambda q: _version_key(q.version))


# ---------------------------------------------------------------- freezing


def _bi_data(text: Bi | None) -> dict | None:
    return None if text is None else {"ja": text.ja, "en": text.en}


def _outcome_data(item: Choice | Band) -> dict:
    data: dict[str, Any] = {"label": _bi_data(item.label), "result": item.result}
    if item.score is not None:
        data["score"] = item.score
    if item.red_flag is not None:
        data["red_flag"] = {"severity": item.red_flag.severity, "reason": _bi_data(item.red_flag.reason)}
    return data


def _question_data(q: Question) -> dict:
    data: dict[str, Any] = {"id": q.id, "category": q.category, "type": q.type, "text": _bi_data(q.text),
                            "guideline": q.guideline, "weight": q.weight, "required": q.required}
    if q.help is not None:
        data["help"] = _bi_data(q.help)
    if q.depends_on is not None:
        data["depends_on"] = {"question": q.depends_on.question, "answers": list(q.depends_on.answers)}
    if q.type in CHOICE_TYPES:
        data["choices"] = [{"code": c.code, **_outcome_data(c), **({"exclusive": True} if c.exclusive else {})}
                           for c in q.choices]
    if q.type == "multiple_choice":
        data["aggregate"] = q.aggregate
    if q.type in BAND_TYPES and q.bands:
        data["bands"] = [{**({"up_to": b.up_to} if b.up_to is not None else {}), **_outcome_data(b)}
                         for b in q.bands]
    if q.type == "number":
        data.update({"integer": q.integer, **({"min": q.minimum} if q.minimum is not None else {}),
                     **({"max": q.maximum} if q.maximum is not None else {}),
                     **({"unit": _bi_data(q.unit)} if q.unit is not None else {})})
    if q.type == "date":
        data["dates"] = q.dates
    if q.type == "text":
        data["max_length"] = q.max_length
    if q.type == "evidence":
        data["max_files"] = q.max_files
    if q.declares:
        data["declares"] = q.declares
    if q.scheme:
        data["scheme"] = q.scheme
    return data


def to_data(questionnaire: Questionnaire) -> dict:
    """The questionnaire as YAML-shaped plain data, every default explicit: `parse(to_data(q)) == q`."""
    q = questionnaire
    data: dict[str, Any] = {"format": FORMAT, "id": q.id, "version": q.version, "purpose": q.purpose,
                            "title": _bi_data(q.title), "source": q.source,
                            "categories": [{"id": c.id, "title": _bi_data(c.title),
                                            **({"guideline": c.guideline} if c.guideline else {}),
                                            **({"description": _bi_data(c.description)} if c.description else {})}
                                           for c in q.categories],
                            "questions": [_question_data(question) for question in q.questions]}
    if q.description is not None:
        data["description"] = _bi_data(q.description)
    return data


def freeze(questionnaire: Questionnaire) -> tuple[bytes, str]:
    """(canonical JSON as UTF-8 bytes, its SHA-256 in hex): what a sent request keeps of its questionnaire."""
    content = json.dumps(to_data(questionnaire), ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                         allow_nan=False).encode("utf-8")
    return content, hashlib.sha256(content).hexdigest()


def thaw(content: bytes | str, sha256: str | None = None) -> Questionnaire:
    """The questionnaire from its frozen JSON, through the same checks as a YAML file; with `sha256`, the copy
    must be the one that was frozen (LibraryError otherwise)."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    if sha256 is not None and hashlib.sha256(raw).hexdigest() != sha256:
        raise LibraryError([Problem("<frozen>", "sha256", "the frozen questionnaire does not match its hash")])
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LibraryError([Problem("<frozen>", "(file)", f"not valid UTF-8 JSON ({error})")]) from error
    return parse(data, "<frozen>")
