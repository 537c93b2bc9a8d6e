"""Clause assembly (pure): load the clause library, validate a request, number articles, resolve references.

The library is data (`contracts/clauses/*.yaml`, templates in `contracts/clauses/templates/`); this module
checks it strictly when it loads (every placeholder declared, Japanese and English texts with the same
placeholders, references to existing clauses, templates naming existing clauses) and turns a request —
template, parameters, omitted clauses, variants, language — into a `Document`: numbered articles
(第1条 …) with their paragraphs and items, cross-references rendered after numbering, parties and date.
Nothing here imports Flask, the database or python-docx; the renderer (`docx_render`) and the HTML
preview both read the same Document.

Every refusal is an `AssemblyError` carrying `Problem`s that name the offending parameter or clause, in
Japanese and English; the caller shows them and generates nothing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from contracts import era

CLAUSES_DIR = Path(__file__).resolve().parent / "clauses"
LANGUAGES = ("ja", "en", "bilingual")
LAYOUTS = ("stacked", "columns")
PARAM_TYPES = ("int", "str", "bool", "date", "choice", "items")
DEFAULT_MAX_LENGTH = 500
MAX_ITEMS = 200

# ---------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    """One refusal: the field it concerns (a parameter name, `template`, `omit`, `variants.<clause>` …)."""

    field: str
    en: str
    ja: str

    def message(self, lang: str = "en") -> str:
        return self.ja if lang.startswith("ja") else self.en


class AssemblyError(ValueError):
    """The request cannot be assembled; `problems` says why, naming each parameter or clause."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.en}" for p in self.problems))

    def by_field(self, lang: str = "en") -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for p in self.problems:
            out.setdefault(p.field, []).append(p.message(lang))
        return out


class LibraryError(ValueError):
    """The clause library itself is inconsistent (a lawyer's edit broke it); lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("clause library: " + "; ".join(problems))


# ---------------------------------------------------------------- text sanitising

XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]+")


def clean_text(value: str, *, single_line: bool = True) -> str:
    """NFC, without the characters XML 1.0 cannot carry (C0 controls, lone surrogates, U+FFFE/FFFF).

    A party name like "A&B <株式会社>\\x01" keeps its & and <> (the renderers escape them) and loses the
    control character, which would otherwise make the .docx unreadable.
    """
    value = XML_INVALID.sub("", unicodedata.normalize("NFC", value))
    if single_line:
        value = _LINE_BREAKS.sub(" ", value)
    return value.strip()


# ---------------------------------------------------------------- the library


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


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PARAM_RE = re.compile(rf"^{_NAME}$")
_REF_RE = re.compile(rf"^ref:({_NAME})(?:#(\d+))?$")
_REFS_RE = re.compile(rf"^refs\?:({_NAME}(?:,{_NAME})*)$")
_PARA_RE = re.compile(r"^para:(\d+)$")


def _compile(text: str, where: str, problems: list[str]) -> tuple[Segment, ...]:
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: missing text")
        return ()
    segments: list[Segment] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > pos:
            segments.append(("lit", text[pos:match.start()]))
        body = match.group(1)
        if m := _REF_RE.match(body):
            segments.append(("ref", m.group(1), int(m.group(2)) if m.group(2) else None))
        elif m := _REFS_RE.match(body):
            segments.append(("refs", tuple(m.group(1).split(","))))
        elif m := _PARA_RE.match(body):
            segments.append(("para", int(m.group(1))))
        elif _PARAM_RE.match(body):
            segments.append(("param", body))
        else:
            problems.append(f"{where}: malformed placeholder {{{body}}}")
        pos = match.end()
    if pos < len(text):
        segments.append(("lit", text[pos:]))
    for kind, *rest in segments:
        if kind == "lit" and ("{" in rest[0] or "}" in rest[0]):
            problems.append(f"{where}: unbalanced brace in text")
    return tuple(segments)


def _placeholders(segments: tuple[Segment, ...]) -> set:
    # {This_agreement} and {this_agreement} are the same term, capitalised for the start of an English sentence.
    return {(s[0], s[1].lower(), *s[2:]) if s[0] == "param" else s for s in segments if s[0] != "lit"}


def _bi(raw, where: str, problems: list[str]) -> Bi:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("ja"), str) or not isinstance(raw.get("en"), str):
        problems.append(f"{where}: needs `ja` and `en` texts")
        return Bi("", "")
    return Bi(raw["ja"], raw["en"])


def _text_spec(raw, where: str, problems: list[str]) -> TextSpec:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: must be a mapping with ja/en")
        return TextSpec((), ())
    ja = _compile(raw.get("ja"), f"{where}.ja", problems)
    en = _compile(raw.get("en"), f"{where}.en", problems)
    if _placeholders(ja) != _placeholders(en):
        problems.append(f"{where}: the Japanese and English texts use different placeholders")
    when = raw.get("when")
    parsed_when = None
    if when is not None:
        if not isinstance(when, str) or not _PARAM_RE.match(when.lstrip("!")):
            problems.append(f"{where}: `when` must name a parameter or flag")
        else:
            parsed_when = (when.lstrip("!"), not when.startswith("!"))
    return TextSpec(ja, en, parsed_when)


def _paragraphs(raw, where: str, problems: list[str]) -> tuple[ParagraphSpec, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: needs a non-empty list of paragraphs")
        return ()
    out = []
    for i, para in enumerate(raw, 1):
        text = _text_spec(para, f"{where}[{i}]", problems)
        items_raw = para.get("items", []) if isinstance(para, Mapping) else []
        items = tuple(_text_spec(item, f"{where}[{i}].items[{j}]", problems) for j, item in enumerate(items_raw, 1))
        out.append(ParagraphSpec(text, items))
    if out and out[0].text.when is not None:
        problems.append(f"{where}[1]: the first paragraph cannot be conditional")
    return tuple(out)


def _param_specs(raw, owner: str, problems: list[str]) -> dict[str, ParamSpec]:
    specs: dict[str, ParamSpec] = {}
    if raw is None:
        return specs
    if not isinstance(raw, Mapping):
        problems.append(f"{owner}.params: must be a mapping")
        return specs
    for name, body in raw.items():
        where = f"{owner}.params.{name}"
        if not _PARAM_RE.match(str(name)) or not isinstance(body, Mapping):
            problems.append(f"{where}: bad parameter declaration")
            continue
        kind = body.get("type")
        if kind not in PARAM_TYPES:
            problems.append(f"{where}: type must be one of {', '.join(PARAM_TYPES)}")
            continue
        choices = {}
        if kind == "choice":
            for code, choice in (body.get("choices") or {}).items():
                label = _bi(choice.get("label") if isinstance(choice, Mapping) else None,
                            f"{where}.choices.{code}.label", problems)
                text = choice.get("text") if isinstance(choice, Mapping) else None
                choices[str(code)] = (label, _bi(text, f"{where}.choices.{code}.text", problems) if text else None)
            if not choices:
                problems.append(f"{where}: a choice parameter needs choices")
        spec = ParamSpec(
            name=name, type=kind, owner=owner, label=_bi(body.get("label"), f"{where}.label", problems),
            default=body.get("default"), required=bool(body.get("required", False)),
            minimum=body.get("min"), maximum=body.get("max"),
            max_length=int(body.get("max_length", DEFAULT_MAX_LENGTH)),
            unit=_bi(body["unit"], f"{where}.unit", problems) if body.get("unit") else None,
            choices=choices,
        )
        if spec.default is not None:
            try:
                coerce_value(spec, spec.default)
            except _Invalid as error:
                problems.append(f"{where}: the default is invalid ({error.en})")
        specs[name] = spec
    return specs


def _load_yaml(path: Path, problems: list[str]):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        problems.append(f"{path.name}: cannot be read ({error})")
        return None


def _load_clause(path: Path, problems: list[str]) -> ClauseSpec | None:
    raw = _load_yaml(path, problems)
    if not isinstance(raw, Mapping):
        problems.append(f"{path.name}: not a clause")
        return None
    cid = raw.get("id")
    if cid != path.stem:
        problems.append(f"{path.name}: id must be {path.stem!r} (the file name), not {cid!r}")
        return None
    if not raw.get("version"):
        problems.append(f"{cid}: needs a version")
    params = _param_specs(raw.get("params"), cid, problems)
    variants: dict[str, tuple[ParagraphSpec, ...]] = {}
    labels: dict[str, Bi] = {}
    default_variant = ""
    if "variants" in raw:
        block = raw["variants"] or {}
        options = block.get("options") or {}
        if not options:
            problems.append(f"{cid}.variants: needs options")
        for name, option in options.items():
            labels[name] = _bi(option.get("label"), f"{cid}.variants.{name}.label", problems)
            variants[name] = _paragraphs(option.get("paragraphs"), f"{cid}.variants.{name}", problems)
        default_variant = block.get("default", "")
        if default_variant not in variants:
            problems.append(f"{cid}.variants: the default {default_variant!r} is not an option")
        if "paragraphs" in raw:
            problems.append(f"{cid}: has both variants and paragraphs")
    else:
        variants[""] = _paragraphs(raw.get("paragraphs"), cid, problems)
    return ClauseSpec(id=cid, version=str(raw.get("version", "")),
                      title=_bi(raw.get("title"), f"{cid}.title", problems),
                      source=str(raw.get("source", "")), params=params, variants=variants, variant_labels=labels,
                      default_variant=default_variant)


def _load_template(path: Path, problems: list[str]) -> TemplateSpec | None:
    raw = _load_yaml(path, problems)
    if not isinstance(raw, Mapping):
        problems.append(f"templates/{path.name}: not a template")
        return None
    tid = raw.get("id")
    if tid != path.stem:
        problems.append(f"templates/{path.name}: id must be {path.stem!r}, not {tid!r}")
        return None
    where = f"template {tid}"
    terms = {name: _bi(value, f"{where}.terms.{name}", problems) for name, value in (raw.get("terms") or {}).items()}
    roles = {name: _bi(value, f"{where}.roles.{name}", problems) for name, value in (raw.get("roles") or {}).items()}
    for role in ("consignor", "contractor"):
        if role not in roles:
            problems.append(f"{where}: needs roles.{role}")
    date_style = raw.get("date_style", "era")
    item_style = raw.get("item_style", "kanji")
    if date_style not in ("era", "gregorian"):
        problems.append(f"{where}: date_style must be era or gregorian")
    if item_style not in ("kanji", "paren"):
        problems.append(f"{where}: item_style must be kanji or paren")
    clauses = raw.get("clauses") or []
    if not isinstance(clauses, list) or not all(isinstance(c, str) for c in clauses) or not clauses:
        problems.append(f"{where}: clauses must be a list of clause ids")
        clauses = []
    if len(set(clauses)) != len(clauses):
        problems.append(f"{where}: lists a clause twice")
    return TemplateSpec(
        id=tid, version=str(raw.get("version", "")), title=_bi(raw.get("title"), f"{where}.title", problems),
        label=_bi(raw.get("label") or raw.get("title"), f"{where}.label", problems), date_style=date_style,
        item_style=item_style, terms=terms, roles=roles, params=_param_specs(raw.get("params"), tid, problems),
        preamble=tuple(_text_spec(p, f"{where}.preamble[{i}]", problems)
                       for i, p in enumerate(raw.get("preamble") or [], 1)),
        closing=_text_spec(raw.get("closing"), f"{where}.closing", problems),
        clauses=tuple(clauses), variants=dict(raw.get("variants") or {}),
        flags={k: bool(v) for k, v in (raw.get("flags") or {}).items()},
    )


def _texts_of(clause: ClauseSpec):
    for paragraphs in clause.variants.values():
        for para in paragraphs:
            yield para.text
            yield from para.items


def _check_library(clauses: dict[str, ClauseSpec], templates: dict[str, TemplateSpec], problems: list[str]) -> None:
    all_flags = {name for t in templates.values() for name in t.flags}
    declared: dict[str, ParamSpec] = {}
    for spec in [p for t in templates.values() for p in t.params.values()] + \
            [p for c in clauses.values() for p in c.params.values()]:
        other = declared.setdefault(spec.name, spec)
        if other.type != spec.type:
            problems.append(f"parameter {spec.name!r} is declared as {other.type} by {other.owner} "
                            f"and as {spec.type} by {spec.owner}")
    for clause in clauses.values():
        for text in _texts_of(clause):
            for seg in text.ja:
                if seg[0] == "param" and seg[1] not in clause.params and not any(
                        seg[1] in t.terms or seg[1] in t.params for t in templates.values()):
                    problems.append(f"{clause.id}: placeholder {{{seg[1]}}} is not a parameter of the clause "
                                    "nor a template term")
                if seg[0] == "ref" and seg[1] not in clauses:
                    problems.append(f"{clause.id}: refers to unknown clause {seg[1]!r}")
                if seg[0] == "refs":
                    for target in seg[1]:
                        if target not in clauses:
                            problems.append(f"{clause.id}: refers to unknown clause {target!r}")
            if text.when and text.when[0] not in clause.params and text.when[0] not in all_flags \
                    and text.when[0] not in declared:
                problems.append(f"{clause.id}: `when: {text.when[0]}` names no parameter or flag")
    for template in templates.values():
        for cid in template.clauses:
            if cid not in clauses:
                problems.append(f"template {template.id!r} lists clause {cid!r}, which is not in the library")
                continue
            for text in _texts_of(clauses[cid]):
                for seg in text.ja:
                    if seg[0] == "param" and seg[1] not in clauses[cid].params and seg[1] not in template.terms \
                            and seg[1] not in template.params:
                        problems.append(f"template {template.id!r}: clause {cid!r} needs the term {{{seg[1]}}}")
        for cid, variant in template.variants.items():
            if cid not in clauses or variant not in clauses[cid].variants:
                problems.append(f"template {template.id!r}: no variant {variant!r} of clause {cid!r}")
        for text in (*template.preamble, template.closing):
            for seg in text.ja:
                if seg[0] == "param" and seg[1] not in template.params and seg[1] not in template.terms:
                    problems.append(f"template {template.id!r}: placeholder {{{seg[1]}}} is not declared")
                elif seg[0] in ("ref", "refs", "para"):
                    problems.append(f"template {template.id!r}: references belong in clauses, not the preamble")


def load_library(path: Path | str = CLAUSES_DIR) -> Library:
    """Load and check the clause library at `path` (cached per path); LibraryError lists every problem."""
    return _load_library_cached(Path(path).resolve())


@cache
def _load_library_cached(path: Path) -> Library:
    problems: list[str] = []
    digest = hashlib.sha256()
    clauses: dict[str, ClauseSpec] = {}
    for file in sorted(path.glob("*.yaml")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
        clause = _load_clause(file, problems)
        if clause:
            clauses[clause.id] = clause
    templates: dict[str, TemplateSpec] = {}
    for file in sorted((path / "templates").glob("*.yaml")):
        digest.update(b"templates/" + file.name.encode() + b"\0" + file.read_bytes())
        template = _load_template(file, problems)
        if template:
            templates[template.id] = template
    if not clauses:
        problems.append(f"no clauses in {path}")
    _check_library(clauses, templates, problems)
    if problems:
        raise LibraryError(problems)
    return Library(clauses=clauses, templates=templates, version=digest.hexdigest()[:16], path=path)


# ---------------------------------------------------------------- parameter values


class _Invalid(Exception):
    def __init__(self, en: str, ja: str):
        super().__init__(en)
        self.en, self.ja = en, ja


_TRUE = {"1", "true", "yes", "y", "on", "はい", "有", "あり"}
_FALSE = {"0", "false", "no", "n", "off", "いいえ", "無", "なし", ""}


def _localised_str(spec: ParamSpec, value) -> str | Bi:
    if isinstance(value, Mapping):
        if not isinstance(value.get("ja"), str) or not isinstance(value.get("en"), str):
            raise _Invalid("must be text, or an object with `ja` and `en` texts",
                           "文字列、又は ja と en の文字列を持つオブジェクトで指定してください")
        ja, en = clean_text(value["ja"]), clean_text(value["en"])
        if max(len(ja), len(en)) > spec.max_length:
            raise _Invalid(f"must be at most {spec.max_length} characters",
                           f"{spec.max_length}文字以内で指定してください")
        return Bi(ja, en)
    if not isinstance(value, str):
        raise _Invalid("must be text", "文字列で指定してください")
    text = clean_text(value)
    if len(text) > spec.max_length:
        raise _Invalid(f"must be at most {spec.max_length} characters", f"{spec.max_length}文字以内で指定してください")
    return text


def coerce_value(spec: ParamSpec, value):
    """A typed value for `spec` from JSON or form input (strings); `_Invalid` says what is wrong."""
    kind = spec.type
    if kind == "int":
        if isinstance(value, bool):
            raise _Invalid("must be a whole number", "整数で指定してください")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip().replace(",", "").replace("_", "")
            if not re.fullmatch(r"[+-]?\d{1,15}", text):
                raise _Invalid("must be a whole number", "整数で指定してください")
            value = int(text)
        if not isinstance(value, int):
            raise _Invalid("must be a whole number", "整数で指定してください")
        lo, hi = spec.minimum, spec.maximum
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            unit = f" {spec.unit.en}" if spec.unit else ""
            unit_ja = spec.unit.ja if spec.unit else ""
            raise _Invalid(f"must be between {lo:,} and {hi:,}{unit} (was {value:,})",
                           f"{lo:,}{unit_ja}以上{hi:,}{unit_ja}以下で指定してください（指定値：{value:,}）")
        return value
    if kind == "str":
        return _localised_str(spec, value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _Invalid("must be true or false", "はい又はいいえで指定してください")
    if kind == "date":
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            day = value
        elif isinstance(value, str):
            try:
                day = date.fromisoformat(unicodedata.normalize("NFKC", value).strip().replace("/", "-"))
            except ValueError:
                raise _Invalid("must be a date (YYYY-MM-DD)", "日付（YYYY-MM-DD）で指定してください") from None
        else:
            raise _Invalid("must be a date (YYYY-MM-DD)", "日付（YYYY-MM-DD）で指定してください")
        if day < era.GREGORIAN_ADOPTED or day.year > 2999:
            raise _Invalid("is out of range", "範囲外の日付です")
        return day
    if kind == "choice":
        if not isinstance(value, str) or value not in spec.choices:
            allowed = ", ".join(spec.choices)
            raise _Invalid(f"must be one of: {allowed} (was {value!r})",
                           f"次のいずれかで指定してください：{allowed}（指定値：{value}）")
        return value
    if kind == "items":
        if isinstance(value, str):
            value = [v for v in re.split(r"[,、;\n]+", value)]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str | Mapping) for v in value):
            raise _Invalid("must be a list of texts", "文字列のリストで指定してください")
        items = []
        for v in value:
            item = _localised_str(spec, v)
            if item:
                items.append(item)
        if len(items) > MAX_ITEMS:
            raise _Invalid(f"at most {MAX_ITEMS} entries", f"{MAX_ITEMS}件以内で指定してください")
        return tuple(items)
    raise AssertionError(kind)  # pragma: no cover


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def to_json_value(value):
    """Typed parameter value → JSON (dates as ISO strings, Bi as {ja, en})."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Bi):
        return {"ja": value.ja, "en": value.en}
    if isinstance(value, tuple | list):
        return [to_json_value(v) for v in value]
    return value


# ---------------------------------------------------------------- requests


@dataclass(frozen=True)
class ContractRequest:
    """What to assemble. `clauses`, when given, replaces the template's list (a custom selection)."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)
    omit: tuple[str, ...] = ()
    variants: Mapping[str, str] = field(default_factory=dict)
    language: str = "ja"
    layout: str = "stacked"
    clauses: tuple[str, ...] | None = None

    def to_json(self) -> dict:
        out = {"template": self.template, "language": self.language, "layout": self.layout,
               "params": {k: to_json_value(v) for k, v in self.params.items()},
               "omit": list(self.omit), "variants": dict(self.variants)}
        if self.clauses is not None:
            out["clauses"] = list(self.clauses)
        return out


REQUEST_KEYS = {"template", "params", "omit", "variants", "language", "layout", "clauses"}


def request_from_mapping(data: Mapping) -> ContractRequest:
    """A ContractRequest from JSON (the CLI's parameter file, the API, a stored contract)."""
    problems = []
    if not isinstance(data, Mapping):
        raise AssemblyError([Problem("request", "must be a JSON object", "JSONオブジェクトで指定してください")])
    for key in sorted(set(data) - REQUEST_KEYS):
        problems.append(Problem(key, f"unknown key {key!r}; allowed: {', '.join(sorted(REQUEST_KEYS))}",
                                f"不明な項目「{key}」です"))
    template = data.get("template")
    if not isinstance(template, str) or not template:
        problems.append(Problem("template", "is required", "テンプレートを指定してください"))
    params = data.get("params", {}) or {}
    if not isinstance(params, Mapping):
        problems.append(Problem("params", "must be an object", "オブジェクトで指定してください"))
        params = {}
    omit = data.get("omit", []) or []
    if not isinstance(omit, list | tuple) or not all(isinstance(o, str) for o in omit):
        problems.append(Problem("omit", "must be a list of clause ids", "条項IDのリストで指定してください"))
        omit = []
    variants = data.get("variants", {}) or {}
    if not isinstance(variants, Mapping) or not all(isinstance(v, str) for v in variants.values()):
        problems.append(Problem("variants", "must map clause ids to variant names",
                                "条項IDと選択肢の対応で指定してください"))
        variants = {}
    clauses = data.get("clauses")
    if clauses is not None and (not isinstance(clauses, list | tuple) or not all(isinstance(c, str) for c in clauses)):
        problems.append(Problem("clauses", "must be a list of clause ids", "条項IDのリストで指定してください"))
        clauses = None
    if problems:
        raise AssemblyError(problems)
    return ContractRequest(template=template, params=dict(params), omit=tuple(omit), variants=dict(variants),
                           language=str(data.get("language", "ja")), layout=str(data.get("layout", "stacked")),
                           clauses=tuple(clauses) if clauses is not None else None)


@dataclass(frozen=True)
class Resolved:
    """A validated request: the clauses included (in order), their variants and every parameter value."""

    template: TemplateSpec
    clause_ids: tuple[str, ...]
    variants: Mapping[str, str]
    values: Mapping[str, Any]
    request: ContractRequest


def in_scope_params(library: Library, template: TemplateSpec, clause_ids) -> dict[str, ParamSpec]:
    """The parameters a document with these clauses uses: the template's, then each clause's in order."""
    specs = dict(template.params)
    for cid in clause_ids:
        for name, spec in library.clauses[cid].params.items():
            specs.setdefault(name, spec)
    return specs


def _param_label(spec: ParamSpec) -> tuple[str, str]:
    return f"{spec.label.en} ({spec.name})", f"「{spec.label.ja}」（{spec.name}）"


def resolve(request: ContractRequest, library: Library | None = None) -> Resolved:
    """Validate a request against the library; AssemblyError names every bad parameter, clause or variant."""
    library = library or load_library()
    problems: list[Problem] = []
    template = library.templates.get(request.template)
    if template is None:
        raise AssemblyError([Problem("template", f"unknown template {request.template!r}; "
                                     f"available: {', '.join(sorted(library.templates))}",
                                     f"テンプレート「{request.template}」はありません")])
    if request.language not in LANGUAGES:
        problems.append(Problem("language", f"must be one of {', '.join(LANGUAGES)}", "言語の指定が不正です"))
    if request.layout not in LAYOUTS:
        problems.append(Problem("layout", f"must be one of {', '.join(LAYOUTS)}", "レイアウトの指定が不正です"))
    base = request.clauses if request.clauses is not None else template.clauses
    for cid in base:
        if cid not in library.clauses:
            field_name = "clauses" if request.clauses is not None else "template"
            problems.append(Problem(field_name, f"clause {cid!r} is not in the clause library"
                                    + ("" if request.clauses is not None else f" (template {template.id!r} lists it)"),
                                    f"条項「{cid}」は条項ライブラリにありません"))
    if len(set(base)) != len(base):
        problems.append(Problem("clauses", "lists a clause twice", "同じ条項が二度指定されています"))
    for cid in request.omit:
        if cid not in library.clauses:
            problems.append(Problem("omit", f"unknown clause id {cid!r}", f"条項ID「{cid}」はありません"))
        elif cid not in base:
            problems.append(Problem("omit", f"clause {cid!r} is not in template {template.id!r}",
                                    f"条項「{cid}」はこのテンプレートに含まれていません"))
    clause_ids = tuple(c for c in base if c in library.clauses and c not in request.omit)
    if not clause_ids and not problems:
        problems.append(Problem("omit", "a document needs at least one clause", "条項が一つもありません"))
    variants: dict[str, str] = {}
    for cid in clause_ids:
        clause = library.clauses[cid]
        if clause.has_variants:
            variants[cid] = template.variants.get(cid, clause.default_variant)
    for cid, variant in request.variants.items():
        key = f"variants.{cid}"
        if cid not in library.clauses:
            problems.append(Problem(key, f"unknown clause id {cid!r}", f"条項ID「{cid}」はありません"))
        elif not library.clauses[cid].has_variants:
            problems.append(Problem(key, f"clause {cid!r} has no variants", f"条項「{cid}」には選択肢がありません"))
        elif variant not in library.clauses[cid].variants:
            allowed = ", ".join(library.clauses[cid].variants)
            problems.append(Problem(key, f"clause {cid!r} has no variant {variant!r}; allowed: {allowed}",
                                    f"条項「{cid}」に選択肢「{variant}」はありません（選択可能：{allowed}）"))
        elif cid in variants:
            variants[cid] = variant
    specs = in_scope_params(library, template, clause_ids)
    for name in request.params:
        if name not in specs and library.param_spec(name) is None:
            problems.append(Problem(name, f"unknown parameter {name!r}", f"不明なパラメータ「{name}」です"))
    values: dict[str, Any] = dict(template.flags)
    for name, spec in specs.items():
        raw = request.params.get(name)
        if _empty(raw):
            raw = spec.default
        if _empty(raw):
            if spec.required:
                en, ja = _param_label(spec)
                problems.append(Problem(name, f"{en} is required", f"{ja}は必須です"))
            values[name] = None
            continue
        try:
            values[name] = coerce_value(spec, raw)
        except _Invalid as error:
            en, ja = _param_label(spec)
            problems.append(Problem(name, f"{en} {error.en}", f"{ja}：{error.ja}"))
    if problems:
        raise AssemblyError(problems)
    return Resolved(template=template, clause_ids=clause_ids, variants=variants, values=values, request=request)


# ---------------------------------------------------------------- the document model


@dataclass(frozen=True)
class Item:
    marker: Bi
    text: Bi


@dataclass(frozen=True)
class Paragraph:
    number: int
    marker: Bi  # empty for the first paragraph; ２ / 2. for the others
    text: Bi
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Article:
    number: int
    clause_id: str
    version: str
    variant: str
    title: Bi
    heading: Bi  # 第1条（目的） / Article 1 (Purpose)
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Party:
    role: Bi
    name: str
    address: str
    representative: str


@dataclass(frozen=True)
class Document:
    template_id: str
    template_version: str
    library_version: str
    title: Bi
    preamble: tuple[Bi, ...]
    articles: tuple[Article, ...]
    closing: Bi
    date_text: Bi
    parties: tuple[Party, ...]
    language: str
    layout: str
    translation_note: Bi | None
    request: ContractRequest

    def paragraph_count(self) -> int:
        """Paragraphs a renderer writes for one language (headings, paragraphs, items, front and back)."""
        body = sum(1 + sum(1 + len(p.items) for p in a.paragraphs) for a in self.articles)
        return 1 + len(self.preamble) + body + 2 + 4 * len(self.parties)

    def summary(self) -> dict:
        """JSON-able facts about the document, stored with each generated version."""
        return {"template": self.template_id, "template_version": self.template_version,
                "library_version": self.library_version,
                "articles": [{"number": a.number, "clause": a.clause_id, "version": a.version,
                              **({"variant": a.variant} if a.variant else {})} for a in self.articles]}


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_KANJI = "〇一二三四五六七八九"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def kanji_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一 (for item numbers 一、二 …; up to 99)."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    return (("" if tens == 0 else ("十" if tens == 1 else _KANJI[tens] + "十")) + (_KANJI[ones] if ones else ""))


def roman_number(n: int) -> str:
    """1 → i, 4 → iv, 9 → ix (English item markers where the Japanese uses 一、二)."""
    table = ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    out = []
    for value, letters in table:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def _join_ja(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "、".join(parts[:-1]) + "及び" + parts[-1]


def _join_en(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def format_date(day: date | None, lang: str, style: str) -> str:
    """令和8年4月1日 (era style) or 2026年4月1日; 1 April 2026 in English; a blank line to fill in by hand."""
    if day is None:
        if lang == "ja":
            return era.blank_era_date() if style == "era" else "\u3000\u3000\u3000\u3000年\u3000\u3000月\u3000\u3000日"
        return "____ (day) ____ (month) ______ (year)"
    if lang == "ja":
        return era.format_era(day) if style == "era" else f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


@dataclass
class _Context:
    resolved: Resolved
    numbers: dict[str, int]
    para_counts: dict[str, int]
    labels: Callable[[str], Bi]
    omitted: frozenset
    specs: Mapping[str, ParamSpec]
    clause_id: str = ""
    problems: list = field(default_factory=list)


def _value_text(ctx: _Context, name: str, lang: str) -> str:
    template = ctx.resolved.template
    if name in template.terms:
        return template.terms[name].get(lang)
    value = ctx.resolved.values.get(name)
    spec = ctx.specs.get(name)
    if value is None:
        if spec is not None and spec.type == "date":
            return format_date(None, lang, template.date_style)
        return ""
    if isinstance(value, Bi):
        return value.get(lang)
    if isinstance(value, bool):
        return ("はい" if value else "いいえ") if lang == "ja" else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return format_date(value, lang, template.date_style)
    if isinstance(value, tuple):
        labels = [v.get(lang) if isinstance(v, Bi) else ctx.labels(v).get(lang) for v in value]
        return ("、" if lang == "ja" else ", ").join(labels)
    if spec is not None and spec.type == "choice":
        label, text = spec.choices[value]
        return (text or label).get(lang)
    return str(value)


def _missing_ref(ctx: _Context, target: str) -> None:
    field_name = "omit" if target in ctx.omitted else "clauses"
    ctx.problems.append(Problem(
        field_name,
        f"clause {ctx.clause_id!r} refers to clause {target!r}, which this document leaves out; "
        f"include {target!r} or leave out {ctx.clause_id!r} too",
        f"条項「{ctx.clause_id}」が、この文書に含まれない条項「{target}」を参照しています。"
        f"「{target}」を含めるか、「{ctx.clause_id}」も除いてください"))


def _render(segments: tuple[Segment, ...], ctx: _Context, lang: str) -> str:
    out = []
    for seg in segments:
        kind = seg[0]
        if kind == "lit":
            out.append(seg[1])
        elif kind == "param":
            out.append(_value_text(ctx, seg[1], lang))
        elif kind == "ref":
            target, para = seg[1], seg[2]
            number = ctx.numbers.get(target)
            if number is None:
                _missing_ref(ctx, target)
                out.append("第?条" if lang == "ja" else "Article ?")
                continue
            if para is not None and para > ctx.para_counts[target]:
                ctx.problems.append(Problem("clauses", f"clause {ctx.clause_id!r} refers to paragraph {para} of "
                                            f"{target!r}, which has {ctx.para_counts[target]} in this document",
                                            f"条項「{ctx.clause_id}」が条項「{target}」の第{para}項を参照していますが、"
                                            "この文書にはその項がありません"))
            if lang == "ja":
                out.append(f"第{number}条" + (f"第{para}項" if para else ""))
            else:
                out.append(f"Article {number}" + (f"({para})" if para else ""))
        elif kind == "refs":
            numbers = sorted(ctx.numbers[t] for t in seg[1] if t in ctx.numbers)
            if not numbers:
                ctx.problems.append(Problem("omit", f"clause {ctx.clause_id!r} refers only to clauses this document "
                                            "leaves out", f"条項「{ctx.clause_id}」の参照先が全て除かれています"))
                continue
            if lang == "ja":
                out.append(_join_ja([f"第{n}条" for n in numbers]))
            else:
                out.append(("Article " if len(numbers) == 1 else "Articles ") + _join_en([str(n) for n in numbers]))
        elif kind == "para":
            if seg[1] > ctx.para_counts.get(ctx.clause_id, 0):
                ctx.problems.append(Problem("clauses", f"clause {ctx.clause_id!r} refers to its own paragraph "
                                            f"{seg[1]}, which this document does not have",
                                            f"条項「{ctx.clause_id}」が存在しない第{seg[1]}項を参照しています"))
            out.append(f"第{seg[1]}項" if lang == "ja" else f"paragraph {seg[1]}")
    return "".join(out)


def _applies(text: TextSpec, values: Mapping[str, Any]) -> bool:
    if text.when is None:
        return True
    name, expected = text.when
    return bool(values.get(name)) == expected


def _bi_text(text: TextSpec, ctx: _Context) -> Bi:
    return Bi(_render(text.ja, ctx, "ja"), _render(text.en, ctx, "en"))


def _default_labels(code: str) -> Bi:
    try:
        from oversight.vocabulary import data_items  # pure YAML vocabulary, no Flask
    except ImportError:  # pragma: no cover - contracts used on its own
        return Bi(code, code)
    entry = data_items().get(code) or next(
        (e for e in data_items().values() if code in (e["ja"], e["en"])), None)
    return Bi(entry["ja"], entry["en"]) if entry else Bi(code, code)


def assemble(request: ContractRequest | Mapping, library: Library | None = None, *,
             labels: Callable[[str], Bi] | None = None) -> Document:
    """Validate and assemble: numbered articles, resolved references, parties and date. Pure."""
    library = library or load_library()
    if isinstance(request, Mapping):
        request = request_from_mapping(request)
    resolved = resolve(request, library)
    template, values = resolved.template, resolved.values
    selected = {cid: [p for p in library.clauses[cid].variants[resolved.variants.get(cid, "")]
                      if _applies(p.text, values)] for cid in resolved.clause_ids}
    ctx = _Context(resolved=resolved, numbers={cid: n for n, cid in enumerate(resolved.clause_ids, 1)},
                   para_counts={cid: len(paras) for cid, paras in selected.items()},
                   labels=labels or _default_labels, omitted=frozenset(request.omit),
                   specs=in_scope_params(library, template, resolved.clause_ids))
    articles = []
    kanji = template.item_style == "kanji"
    for number, cid in enumerate(resolved.clause_ids, 1):
        clause = library.clauses[cid]
        ctx.clause_id = cid
        paragraphs = []
        several = len(selected[cid]) > 1
        for pn, para in enumerate(selected[cid], 1):
            items = [i for i in para.items if _applies(i, values)]
            paragraphs.append(Paragraph(
                number=pn,
                marker=Bi(str(pn).translate(_FULLWIDTH), f"{pn}.") if several and pn > 1 else Bi("", ""),
                text=_bi_text(para.text, ctx),
                items=tuple(Item(marker=Bi(kanji_number(i) if kanji else f"({i})",
                                           f"({roman_number(i)})" if kanji else f"({i})"),
                                 text=_bi_text(item, ctx)) for i, item in enumerate(items, 1)),
            ))
        articles.append(Article(
            number=number, clause_id=cid, version=clause.version, variant=resolved.variants.get(cid, ""),
            title=clause.title, heading=Bi(f"第{number}条（{clause.title.ja}）",
                                           f"Article {number} ({clause.title.en})"),
            paragraphs=tuple(paragraphs)))
    ctx.clause_id = f"template:{template.id}"
    preamble = tuple(_bi_text(p, ctx) for p in template.preamble)
    closing = _bi_text(template.closing, ctx)
    if ctx.problems:
        raise AssemblyError(list(dict.fromkeys(ctx.problems)))

    def party(role: str) -> Party:
        def text(name: str) -> str:
            value = values.get(f"{role}_{name}")
            return value.ja if isinstance(value, Bi) else (value or "")
        return Party(role=template.roles[role], name=text("name"), address=text("address"),
                     representative=text("representative"))

    contract_date = values.get("contract_date")
    note = None
    if request.language == "bilingual":
        this = template.terms.get("This_agreement", Bi("本契約", "This Agreement"))
        note = Bi(f"{this.ja}は日本語を正文とし、英語の訳文は参考のためのものとする。",
                  f"{this.en} is made in Japanese; the English translation is for reference only and the "
                  "Japanese text prevails.")
    return Document(
        template_id=template.id, template_version=template.version, library_version=library.version,
        title=template.title, preamble=preamble, articles=tuple(articles), closing=closing,
        date_text=Bi(format_date(contract_date, "ja", template.date_style),
                     format_date(contract_date, "en", template.date_style)),
        parties=(party("consignor"), party("contractor")), language=request.language, layout=request.layout,
        translation_note=note, request=request)

