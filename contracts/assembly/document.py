"""The document model a resolved request assembles into: numbered articles (第1条 …) with their paragraphs and
items, cross-references rendered after numbering, parties and date. The renderer (`docx_render`) and the HTML
preview both read it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from contracts import era
from contracts.assembly.errors import AssemblyError, Problem
from contracts.assembly.library import load_library
from contracts.assembly.request import ContractRequest, Resolved, in_scope_params, request_from_mapping, resolve
from contracts.assembly.specs import Bi, Library, ParamSpec, Segment, TextSpec


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
