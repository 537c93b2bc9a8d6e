"""Vocabularies that lawyers edit, loaded from the YAML files beside this module."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

try:  # libyaml when PyYAML was built with it: the same documents, read several times faster
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader

HERE = Path(__file__).parent


def read_yaml(path: Path):
    """A YAML data file, read with the safe loader."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)


@cache
def data_items() -> dict[str, dict]:
    """Data-item entries by code, in file order."""
    entries = read_yaml(HERE / "data_items.yaml")
    return {entry["code"]: entry for entry in entries}


def data_item_label(code: str, lang: str) -> str:
    entry = data_items().get(code)
    if not entry:
        return code
    return entry["ja"] if lang.startswith("ja") else entry["en"]


def sensitive_items() -> frozenset[str]:
    return frozenset(code for code, e in data_items().items() if e.get("sensitive"))


@cache
def references() -> dict[str, dict]:
    """The reference documents by their number ("000" …), with the names a user reads."""
    entries = yaml.safe_load((HERE / "references.yaml").read_text(encoding="utf-8"))
    return {entry["code"]: entry for entry in entries}


_REFERENCE = re.compile(r"(?<![0-9])(00[0-9])(?![0-9])")


def cite(source: str, lang: str) -> str:
    """A source as cited in the rules ("002 規則7条2号 (PPC Q&A)") with each reference number replaced by the
    document's name."""
    def name(match: re.Match) -> str:
        entry = references().get(match.group(1))
        return (entry["ja"] if lang.startswith("ja") else entry["en"]) if entry else match.group(1)

    return _REFERENCE.sub(name, source or "")
