"""Use cases of contracts. Each checks the role, then the entrustment's visibility, and owns its transaction.

The web views, the API and the CLI call these. Assembly, rendering and gap analysis are pure modules;
this one only reads and writes records, converts them to requests and facts, and writes the trail.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contracts import assembly, gaps
from contracts.docx_render import render_docx
from contracts.models import Contract, ContractVersion
from contracts.permissions import can_edit_contract
from oversight import permissions as perm
from oversight import uow
from oversight.errors import Forbidden, NotFound, ValidationFailed
from oversight.extensions import db
from oversight.registry import chain
from oversight.registry import queries as chain_queries
from oversight.registry import services as registry
from oversight.registry.models import Entrustment, Organisation
from oversight.trail import services as trail

LIVE_STATUSES = ("proposed", "approved", "active")
MAX_PORTFOLIO = 2000
MAX_UPLOAD_BYTES = gaps.MAX_DOCX_BYTES

# Storage country (ISO 3166 alpha-2 in the registry) → the words the storage clause uses.
COUNTRIES = {
    "JP": ("日本国内", "Japan"), "US": ("アメリカ合衆国", "the United States"), "SG": ("シンガポール", "Singapore"),
    "IE": ("アイルランド", "Ireland"), "DE": ("ドイツ", "Germany"), "GB": ("英国", "the United Kingdom"),
    "KR": ("大韓民国", "the Republic of Korea"), "TW": ("台湾", "Taiwan"), "CN": ("中華人民共和国", "China"),
    "IN": ("インド", "India"), "PH": ("フィリピン", "the Philippines"), "VN": ("ベトナム", "Viet Nam"),
    "AU": ("オーストラリア", "Australia"), "FR": ("フランス", "France"), "NL": ("オランダ", "the Netherlands"),
}


def _lang() -> str:
    locale = get_locale()
    return "ja" if locale is None or locale.language == "ja" else "en"


def _invalid(error: assembly.AssemblyError) -> ValidationFailed:
    return ValidationFailed(error.by_field(_lang()))


def get_entrustment(actor, entrustment_id: int) -> Entrustment:
    """The entrustment whose contract the actor wants, if its role and visibility allow; else 403/404."""
    perm.require(actor, "contract.view")
    return registry.get_entrustment(actor, entrustment_id)


def get_contract(actor, entrustment_id: int) -> tuple[Entrustment, Contract | None]:
    """The entrustment and its contract (None if none is recorded yet)."""
    e = get_entrustment(actor, entrustment_id)
    contract = db.session.scalar(select(Contract).where(Contract.entrustment_id == e.id))
    return e, contract


def contractual_notice_hours(entrustment_id: int) -> int | None:
    """Hours from knowing or suspecting an incident within which the contractor must report it, as agreed in the
    entrustment's recorded contract (the same `notice_hours` its clauses are generated from); None when no
    contract is recorded or its incident-notice clause is left out."""
    stored = db.session.scalar(select(Contract.parameters).where(Contract.entrustment_id == entrustment_id))
    hours = ((stored or {}).get("params") or {}).get("notice_hours")
    return hours if isinstance(hours, int) and not isinstance(hours, bool) and hours > 0 else None


def default_request(e: Entrustment) -> dict:
    """A request with parameters taken from the entrustment: parties, data items, persons, My Number, storage."""
    path = chain_queries.chain_path(e)
    country = (e.storage_country or "JP").upper()
    ja, en = COUNTRIES.get(country, (country, country))
    params = {
        "consignor_name": e.consignor.name, "consignor_address": e.consignor.address or "",
        "contractor_name": e.contractor.name, "contractor_address": e.contractor.address or "",
        "service_description": (e.purpose or e.data_set or "").strip()[:500],
        "data_categories": e.data_categories or "", "data_items": list(e.data_items or []),
        "person_count": e.person_count or None, "includes_sensitive": bool(e.includes_sensitive),
        "includes_my_number": bool(e.includes_my_number), "storage_location": {"ja": ja, "en": en},
        "start_date": e.start_on.isoformat() if e.start_on else None,
        "end_date": e.end_on.isoformat() if e.end_on else None,
    }
    template = "full"
    if e.parent_id is not None:
        template = "subcontract"
        params["original_consignor_name"] = path[0].consignor.name
    variants = {"subcontracting": "prohibited" if e.subcontracting_terms == "prohibited" else "prior_approval"}
    return {"template": template, "language": "ja", "layout": "stacked", "params": params, "omit": [],
            "variants": variants}


def current_request(e: Entrustment, contract: Contract | None) -> dict:
    """The stored contract's request, or the defaults from the entrustment when none is recorded."""
    return contract.request_data() if contract else default_request(e)


def _resolve(data: Mapping) -> tuple[assembly.Document, assembly.Resolved]:
    try:
        request = assembly.request_from_mapping(data)
        library = assembly.load_library()
        return assembly.assemble(request, library), assembly.resolve(request, library)
    except assembly.AssemblyError as error:
        raise _invalid(error) from error


def preview(actor, entrustment_id: int, data: Mapping | None = None) -> assembly.Document:
    """The document the contract (or `data`, unsaved) would produce; ValidationFailed names bad parameters."""
    e, contract = get_contract(actor, entrustment_id)
    document, _ = _resolve(data if data is not None else current_request(e, contract))
    return document


def _stored(resolved: assembly.Resolved) -> dict:
    library = assembly.load_library()
    scope = assembly.in_scope_params(library, resolved.template, resolved.clause_ids)
    return {"params": {name: assembly.to_json_value(resolved.values.get(name)) for name in scope},
            "omit": list(resolved.request.omit), "variants": dict(resolved.request.variants)}


@uow.atomic()
def save_contract(actor, entrustment_id: int, data: Mapping) -> Contract:
    """Create or update the contract of an entrustment from a request mapping (validated; nothing on error)."""
    e, contract = get_contract(actor, entrustment_id)
    if not can_edit_contract(actor, e):
        raise Forbidden(_l("Only the consignor's legal or privacy staff can edit this contract."))
    _document, resolved = _resolve(data)
    before = contract.snapshot() if contract else None
    if contract is None:
        contract = Contract(entrustment_id=e.id, status="draft")
        db.session.add(contract)
    contract.template = resolved.template.id
    contract.language = resolved.request.language
    contract.layout = resolved.request.layout
    contract.parameters = _stored(resolved)
    contract.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    after = contract.snapshot()
    if after != before:
        trail.record(actor, "contract_create" if before is None else "contract_update", "entrustment", e.id,
                     label=str(e), before=before, after=after)
    return contract


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def _filename(document: assembly.Document, e: Entrustment, number: int) -> str:
    title = document.title.ja if document.language != "en" else document.title.en
    name = _UNSAFE_FILENAME.sub("_", f"{title}_{e.contractor.name}_v{number}").strip(" ._")
    return f"{name[:150]}.docx"


@uow.atomic()
def generate(actor, entrustment_id: int) -> ContractVersion:
    """Render the contract as .docx and keep it as a new version with its request and SHA-256."""
    e, contract = get_contract(actor, entrustment_id)
    if not can_edit_contract(actor, e):
        raise Forbidden(_l("Only the consignor's legal or privacy staff can generate this contract."))
    data = current_request(e, contract)
    document, resolved = _resolve(data)
    content = render_docx(document)
    if contract is None:
        contract = Contract(entrustment_id=e.id, template=resolved.template.id, language=resolved.request.language,
                            layout=resolved.request.layout, parameters=_stored(resolved),
                            updated_by_id=getattr(actor, "id", None))
        db.session.add(contract)
        db.session.flush()
    last = db.session.scalar(select(ContractVersion.number).where(ContractVersion.contract_id == contract.id)
                             .order_by(ContractVersion.number.desc()).limit(1)) or 0
    version = ContractVersion(
        contract_id=contract.id, number=last + 1, template=document.template_id, language=document.language,
        parameters={"request": resolved.request.to_json(), "resolved": _stored(resolved),
                    "document": document.summary()},
        library_version=document.library_version, filename=_filename(document, e, last + 1), content=content,
        size=len(content), sha256=hashlib.sha256(content).hexdigest(), created_by_id=getattr(actor, "id", None),
        created_by_name=getattr(actor, "email", None) or getattr(actor, "name", ""))
    db.session.add(version)
    contract.status = "generated"
    db.session.flush()
    trail.record(actor, "contract_generate", "entrustment", e.id, label=str(e), after={
        "contract_id": contract.id, "version": version.number, "template": version.template,
        "language": version.language, "sha256": version.sha256, "library_version": version.library_version})
    return version


def list_versions(actor, entrustment_id: int) -> list[ContractVersion]:
    """Generated versions of the entrustment's contract, newest first (without loading their bytes)."""
    _e, contract = get_contract(actor, entrustment_id)
    if contract is None:
        return []
    return list(db.session.scalars(select(ContractVersion).where(ContractVersion.contract_id == contract.id)
                                   .order_by(ContractVersion.number.desc())))


def get_version(actor, version_id: int) -> ContractVersion:
    """One generated version, if the actor may see its entrustment; NotFound otherwise."""
    perm.require(actor, "contract.view")
    version = db.session.get(ContractVersion, version_id)
    if version is None or not perm.can_see(actor, "entrustment", version.contract.entrustment_id):
        raise NotFound(_l("Contract version not found."))
    return version


# ---------------------------------------------------------------- gap analysis


@dataclass
class GapRow:
    """One entrustment in the gap analysis: its contract, the contract's gaps, and its approval state in the
    registry (an unapproved subcontract carries its 無承認再委託 flag here as everywhere)."""

    entrustment: Entrustment
    contract: Contract | None
    gaps: list[gaps.Gap]
    link: chain.LinkState

    @property
    def worst(self) -> str | None:
        return gaps.worst(self.gaps)

    @property
    def violation(self) -> bool:
        """True for a subcontract without the approval it needs (unapproved, or despite a prohibition)."""
        return self.link.violation


@dataclass
class Portfolio:
    rows: list[GapRow]
    by_contractor: dict[int, list[GapRow]] = field(default_factory=dict)
    contractors: dict[int, Organisation] = field(default_factory=dict)
    truncated: bool = False

    def counts(self) -> dict[str, int]:
        out = {"high": 0, "medium": 0, "low": 0, "ok": 0, "violation": 0}
        for row in self.rows:
            out[row.worst or "ok"] += 1
            out["violation"] += row.violation
        return out


def _clause_titles() -> dict[str, gaps.Text]:
    library = assembly.load_library()
    return {cid: gaps.Text(c.title.ja, c.title.en) for cid, c in library.clauses.items()}


def contract_gaps(e: Entrustment, contract: Contract | None, policy: gaps.Policy | None = None) -> list[gaps.Gap]:
    """Gaps of one entrustment's contract (a missing contract is itself the gap)."""
    if contract is None:
        return [gaps.no_contract_gap()]
    try:
        resolved = assembly.resolve(assembly.request_from_mapping(contract.request_data()))
    except assembly.AssemblyError as error:
        return [gaps.Gap("invalid", "high", None, gaps.Text(
            "契約の条件が現在の条項ライブラリで検証できません：" + "; ".join(p.ja for p in error.problems),
            "The contract's terms do not validate against the current clause library: "
            + "; ".join(p.en for p in error.problems)))]
    facts = gaps.facts_from_resolved(resolved, e.subcontracting_terms)
    facts = gaps.ContractFacts(clauses=facts.clauses, variants=facts.variants, values=facts.values,
                               registry_subcontracting_terms=facts.registry_subcontracting_terms,
                               clause_titles=_clause_titles())
    return gaps.analyse(facts, policy)


# Other areas add gaps about an entrustment beyond its contract (audits: no selection review approved the
# contractor). Each source takes the reader, the entrustments and the policy and returns entrustment id → gaps, in
# bulk (the reader, so that a source shows a consignor's own matters to that consignor only).
GapSource = Callable[[object, list[Entrustment], gaps.Policy], dict[int, list[gaps.Gap]]]
_gap_sources: list[GapSource] = []


def add_gap_source(source: GapSource) -> None:
    """Add a source of gaps about entrustments (registering the same one again is harmless)."""
    if source not in _gap_sources:
        _gap_sources.append(source)


def _other_gaps(actor, entrustments: list[Entrustment], policy: gaps.Policy) -> dict[int, list[gaps.Gap]]:
    found: dict[int, list[gaps.Gap]] = {}
    for source in _gap_sources:
        for entrustment_id, more in source(actor, entrustments, policy).items():
            found.setdefault(entrustment_id, []).extend(more)
    return found


def _together(contract_gaps_: list[gaps.Gap], more: list[gaps.Gap]) -> list[gaps.Gap]:
    return sorted([*contract_gaps_, *more], key=lambda g: (gaps.SEVERITY_ORDER[g.severity], g.code))


def gaps_for_entrustment(actor, entrustment_id: int) -> GapRow:
    """The gap analysis of one entrustment's contract."""
    e, contract = get_contract(actor, entrustment_id)
    policy = gaps.load_policy()
    more = _other_gaps(actor, [e], policy).get(e.id, [])
    return GapRow(e, contract, _together(contract_gaps(e, contract, policy), more), chain_queries.link_state(e))


def portfolio(actor, *, contractor_id: int | None = None) -> Portfolio:
    """Gap analysis of every live entrustment the actor may see (optionally one contractor's), worst first:
    unapproved subcontracts, then by the most severe gap."""
    perm.require(actor, "contract.view")
    if contractor_id is not None:
        registry.get_organisation(actor, contractor_id)
    query = perm.restrict(select(Entrustment).where(Entrustment.status.in_(LIVE_STATUSES)), actor, "entrustment")
    if contractor_id is not None:
        query = query.where(Entrustment.contractor_id == contractor_id)
    entrustments = db.session.scalars(query.options(selectinload(Entrustment.consignor),
                                                    selectinload(Entrustment.contractor))
                                      .order_by(Entrustment.id).limit(MAX_PORTFOLIO + 1)).all()
    truncated = len(entrustments) > MAX_PORTFOLIO
    entrustments = entrustments[:MAX_PORTFOLIO]
    contracts = {c.entrustment_id: c for c in db.session.scalars(
        select(Contract).where(Contract.entrustment_id.in_([e.id for e in entrustments])))} if entrustments else {}
    policy = gaps.load_policy()
    states = chain_queries.link_states([e.id for e in entrustments])
    more = _other_gaps(actor, entrustments, policy)
    rows = [GapRow(e, contracts.get(e.id), _together(contract_gaps(e, contracts.get(e.id), policy),
                                                     more.get(e.id, [])), states[e.id])
            for e in entrustments]
    rows.sort(key=lambda r: (not r.violation, gaps.SEVERITY_ORDER.get(r.worst, 3), -len(r.gaps), r.entrustment.id))
    result = Portfolio(rows=rows, truncated=truncated)
    for row in rows:
        result.by_contractor.setdefault(row.entrustment.contractor_id, []).append(row)
        result.contractors[row.entrustment.contractor_id] = row.entrustment.contractor
    return result


def check_upload(actor, filename: str, content: bytes) -> gaps.DocxCheck:
    """Check an uploaded existing contract (.docx) for the required provisions (a heuristic)."""
    perm.require(actor, "contract.view")
    if not (filename or "").lower().endswith(".docx"):
        raise ValidationFailed({"file": [_l("Upload a Word document (.docx).")]})
    try:
        return gaps.check_docx(content)
    except gaps.UnreadableDocx as error:
        raise ValidationFailed({"file": [error.message.get(_lang())]}) from error
