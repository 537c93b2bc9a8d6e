"""A request to assemble (template, parameters, omitted clauses, variants, language, layout), read from JSON
and resolved against the library into every clause and parameter value, or refused naming each problem."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.assembly.errors import AssemblyError, Problem
from contracts.assembly.library import LANGUAGES, LAYOUTS, load_library
from contracts.assembly.specs import Library, ParamSpec, TemplateSpec
from contracts.assembly.values import InvalidValue, coerce_value, is_blank, to_json_value


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
        if is_blank(raw):
            raw = spec.default
        if is_blank(raw):
            if spec.required:
                en, ja = _param_label(spec)
                problems.append(Problem(name, f"{en} is required", f"{ja}は必須です"))
            values[name] = None
            continue
        try:
            values[name] = coerce_value(spec, raw)
        except InvalidValue as error:
            en, ja = _param_label(spec)
            problems.append(Problem(name, f"{en} {error.en}", f"{ja}：{error.ja}"))
    if problems:
        raise AssemblyError(problems)
    return Resolved(template=template, clause_ids=clause_ids, variants=variants, values=values, request=request)
