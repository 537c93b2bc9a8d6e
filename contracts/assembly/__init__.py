"""Clause assembly (pure): load the clause library, validate a request, number articles, resolve references.

The library is data (`contracts/clauses/*.yaml`, templates in `contracts/clauses/templates/`); this package
checks it strictly when it loads (every placeholder declared, Japanese and English texts with the same
placeholders, references to existing clauses, templates naming existing clauses) and turns a request —
template, parameters, omitted clauses, variants, language — into a `Document`: numbered articles
(第1条 …) with their paragraphs and items, cross-references rendered after numbering, parties and date.
Nothing here imports Flask, the database or python-docx; the renderer (`docx_render`) and the HTML
preview both read the same Document.

Every refusal is an `AssemblyError` carrying `Problem`s that name the offending parameter or clause, in
Japanese and English; the caller shows them and generates nothing.

The package, along its steps: `specs` (what the library holds), `library` (its loader), `values` (parameter
values), `request` (what to assemble, resolved against the library), `document` (the document model and
`assemble`), `errors`.
Callers import from the package.
"""

from contracts.assembly.document import Article, Document, Item, Paragraph, Party, assemble, format_date
from contracts.assembly.errors import AssemblyError, LibraryError, Problem
from contracts.assembly.library import CLAUSES_DIR, LANGUAGES, LAYOUTS, load_library
from contracts.assembly.request import ContractRequest, Resolved, in_scope_params, request_from_mapping, resolve
from contracts.assembly.specs import Bi, ClauseSpec, Library, ParamSpec, TemplateSpec
from contracts.assembly.values import XML_INVALID, clean_text, coerce_value, to_json_value

__all__ = [
    "CLAUSES_DIR", "LANGUAGES", "LAYOUTS", "XML_INVALID", "Article", "AssemblyError", "Bi", "ClauseSpec",
    "ContractRequest", "Document", "Item", "Library", "LibraryError", "ParamSpec", "Paragraph", "Party", "Problem",
    "Resolved", "TemplateSpec", "assemble", "clean_text", "coerce_value", "format_date", "in_scope_params",
    "load_library", "request_from_mapping", "resolve", "to_json_value",
]
