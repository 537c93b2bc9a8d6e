"""The clause library loader (`contracts/clauses/*.yaml`, templates in `contracts/clauses/templates/`): it checks
the library strictly (every placeholder declared, Japanese and English texts with the same placeholders,
references to existing clauses, templates naming existing clauses) and lists every problem it finds."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

from contracts.assembly.errors import LibraryError
from contracts.assembly.specs import (
    DEFAULT_MAX_LENGTH,
    Bi,
    ClauseSpec,
    Library,
    ParagraphSpec,
    ParamSpec,
    Segment,
    TemplateSpec,
    TextSpec,
)
from contracts.assembly.values import InvalidValue, coerce_value

CLAUSES_DIR = Path(__file__).resolve().parents[1] / "clauses"
LANGUAGES = ("ja", "en", "bilingual")
LAYOUTS = ("stacked", "columns")
PARAM_TYPES = ("int", "str", "bool", "date", "choice", "items")


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
            except InvalidValue as error:
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
