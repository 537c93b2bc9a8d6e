"""Every page a demo user can open reads as words for people: no Python values (None, False, dicts, lists), no bare
reference numbers for sources (the what-users-see issue). The walk covers every GET route of the web UI, with the
objects of the demo each user may open."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from audits.audit_models import Audit, Finding
from audits.company_models import CompanyAnswers
from audits.models import QuestionnaireRequest, Selection
from contracts.models import ContractVersion
from oversight import demo
from oversight.accounts.system import SystemActor
from oversight.extensions import db
from oversight.incidents.models import Incident, IncidentParty
from oversight.jobs.models import Job
from oversight.notifications.models import Notification
from oversight.outbox.models import OutboxMessage
from oversight.packs.models import EvidencePack
from oversight.registry.models import Entrustment, Organisation

# Routes that answer with a file, not a page, or that need an object the demo has none of.
NOT_PAGES = {"static", "favicon", "contracts.download", "importexport.export", "importexport.preview",
             "notifications.receipt", "notifications.attachment", "accounts.login", "trail.export", "audits.static",
             "audits.evidence", "audits.workbook_export", "audits.link_page", "audits.link_evidence",
             "findings.evidence", "packs.download", "audits.company_evidence"}
INTERNALS = re.compile(r"\bNone\b|\bFalse\b|\bTrue\b|\{'|\['|\{\"|\[\"|<built-in|object at 0x")
BARE_SOURCE = re.compile(r"[(（\[]\s*00[0-4]\b")
USERS = ("privacy@sakura-hd.example", "csirt@sakura-hd.example", "audit@sakura-hd.example",
         "legal@sakura-hd.example", "staff@photo-album.example", "staff@uf-support.example",
         "privacy@kyoto-city.example", "admin@oversight.example")


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _candidates() -> dict[tuple[str, ...], list[tuple[int, ...]]]:
    """Ids of the demo's objects, per set of route arguments."""
    def ids(model, limit=12):
        return [(i,) for i in db.session.scalars(select(model.id).order_by(model.id).limit(limit))]
    consignor_parties = db.session.execute(select(IncidentParty.incident_id, IncidentParty.id).where(
        IncidentParty.role == "consignor").order_by(IncidentParty.id)).all()
    return {("organisation_id",): ids(Organisation, 40), ("entrustment_id",): ids(Entrustment, 40),
            ("incident_id",): ids(Incident), ("notification_id",): ids(Notification),
            ("message_id",): ids(OutboxMessage, 5), ("version_id",): ids(ContractVersion), ("job_id",): ids(Job),
            ("incident_id", "party_id"): [tuple(row) for row in consignor_parties],
            ("selection_id",): ids(Selection), ("request_id",): ids(QuestionnaireRequest),
            ("audit_id",): ids(Audit), ("finding_id",): ids(Finding), ("pack_id",): ids(EvidencePack),
            ("answers_id",): ids(CompanyAnswers)}


@pytest.fixture
def demo_world(app, monkeypatch, tmp_path):
    demo.load(SystemActor(name="demo"))
    db.session.commit()
    _a_vendor_list_applied_by_the_worker(app, monkeypatch)
    _an_evidence_pack_built_by_the_worker(app, monkeypatch, tmp_path)


def _an_evidence_pack_built_by_the_worker(app, monkeypatch, tmp_path):
    """The privacy office's evidence pack of 東都 for the demo's year."""
    from oversight.accounts.models import User
    from oversight.packs import services as packs

    monkeypatch.setitem(app.config, "EVIDENCE_PACK_DIR", str(tmp_path / "packs"))
    privacy = db.session.scalar(select(User).where(User.email == "privacy@sakura-hd.example"))
    toto = db.session.scalar(select(Organisation).where(Organisation.name == "株式会社東都システムサービス"))
    packs.request_pack(privacy, {"contractor_id": toto.id, "period_from": "2026-01-01", "period_to": "2026-12-31"})


def _a_vendor_list_applied_by_the_worker(app, monkeypatch):
    """The demo has no job: the privacy office imports a vendor list large enough for the worker."""
    from oversight.accounts.models import User
    from oversight.jobs import registry_import
    from oversight.registry import importexport

    monkeypatch.setitem(app.config, "IMPORT_WORKER_ROWS", 1)
    privacy = db.session.scalar(select(User).where(User.email == "privacy@sakura-hd.example"))
    rows = "名称 (name),法人番号 (corporate_number)\r\n委託先甲株式会社,\r\n委託先乙株式会社,\r\n"
    batch = importexport.stage_import(privacy, "organisations", "vendors.csv", rows.encode())
    registry_import.submit_apply(privacy, batch.id)


def test_no_page_of_the_demo_shows_internals_or_bare_reference_numbers(app, demo_world, make_client):
    candidates = _candidates()
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in NOT_PAGES
             and not r.rule.startswith("/api/")]
    problems, opened = [], set()
    for email in USERS:
        client = make_client()
        client.login(email, demo.DEMO_PASSWORD)
        for rule in rules:
            args = tuple(sorted(rule.arguments))
            for values in candidates.get(args, []) if args else [()]:
                url = rule.rule
                for arg, value in zip(args, values, strict=True):
                    url = url.replace(f"<int:{arg}>", str(value))
                response = client.get(url)
                if response.status_code in (403, 404):
                    continue
                assert response.status_code == 200, (email, url, response.status_code)
                opened.add(rule.endpoint)
                text = _text(response.get_data(as_text=True))
                for pattern in (INTERNALS, BARE_SOURCE):
                    found = pattern.search(text)
                    if found:
                        problems.append(f"{email} {url}: …{text[max(0, found.start() - 60):found.end() + 60]}…")
    assert not problems, "\n".join(problems[:30])
    unopened = {r.endpoint for r in rules} - opened
    assert not unopened, f"no demo user could open: {sorted(unopened)}"
