"""What the clause library holds, as loaded: clauses, templates, their parameters and compiled texts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_MAX_LENGTH = 500


@dataclass(frozen=True)
class Bi:
    """A text in Japanese and English."""

    ja: str
    en: str

    def get(self, lang: str) -> str:
        return self.ja if lang.startswith("ja") else self.en


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    label: Bi
    owner: str
    default: Any = None
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    unit: Bi | None = None
    choices: Mapping[str, tuple[Bi, Bi | None]] = field(default_factory=dict)  # code → (label, text)


Segment = tuple  # ("lit", s) | ("param", name) | ("ref", id, para) | ("refs", ids) | ("para", n)


@dataclass(frozen=True)
class TextSpec:
    ja: tuple[Segment, ...]
    en: tuple[Segment, ...]
    when: tuple[str, bool] | None = None  # (name, expected truth)


@dataclass(frozen=True)
class ParagraphSpec:
    text: TextSpec
    items: tuple[TextSpec, ...] = ()


@dataclass(frozen=True)
class ClauseSpec:
    id: str
    version: str
    title: Bi
    source: str
    params: Mapping[str, ParamSpec]
    variants: Mapping[str, tuple[ParagraphSpec, ...]]  # "" when the clause has no variants
    variant_labels: Mapping[str, Bi]
    default_variant: str

    @property
    def has_variants(self) -> bool:
        return "" not in self.variants


@dataclass(frozen=True)
class TemplateSpec:
    id: str
    version: str
    title: Bi
    label: Bi
    date_style: str
    item_style: str
    terms: Mapping[str, Bi]
    roles: Mapping[str, Bi]
    params: Mapping[str, ParamSpec]
    preamble: tuple[TextSpec, ...]
    closing: TextSpec
    clauses: tuple[str, ...]
    variants: Mapping[str, str]
    flags: Mapping[str, bool]


@dataclass(frozen=True)
class Library:
    clauses: Mapping[str, ClauseSpec]
    templates: Mapping[str, TemplateSpec]
    version: str
    path: Path

    def param_spec(self, name: str) -> ParamSpec | None:
        for template in self.templates.values():
            if name in template.params:
                return template.params[name]
        for clause in self.clauses.values():
            if name in clause.params:
                return clause.params[name]
        return None
