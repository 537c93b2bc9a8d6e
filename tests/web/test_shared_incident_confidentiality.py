"""A vendor's consignors never see each other (DESIGN.md; the 146-school vendor of reference 001): in a shared
incident each consignor, and the contractor in between, walks every incident and notification route of the web and
the API, and no body it receives — pages, JSON, receipt PDFs, its mail — names or numbers a sibling."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from flask import url_for

from oversight.extensions import db
from oversight.incidents import services as incidents
from oversight.notifications import drafts, filing
from oversight.notifications import services as notifications
from oversight.outbox.models import OutboxMessage
from tests.api.conftest import ApiClient
from tests.factories import PASSWORD, STOLEN_LAPTOP, gen_shared_vendor

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
AREAS = ("incidents.", "notifications.", "dashboard.", "trail.")
API_PATHS = ("/api/v1/incidents", "/api/v1/deadlines", "/api/v1/notifications", "/api/v1/engagements",
             "/api/v1/notification-breaches")


@pytest.fixture
def shared():
    """The vendor loses the album data of all three consignors; it notifies 京都市, 大津市 and the studio, which
    forwards to さくら学園; each consignor records something of its own."""
    w = gen_shared_vendor()
    incident = incidents.open_incident(w.vendor_staff, {"title": "制作担当者のノートPCの盗難", "scope": "engagements",
                                                        "facts": STOLEN_LAPTOP})
    notice = {"title": "ノートPCの盗難", "facts": STOLEN_LAPTOP, "incident_id": incident.id}
    sent = {key: filing.file_new(w.vendor_staff, {**notice, "entrustment_id": w.albums[key].id},
                                        [("報告.pdf", PDF)]) for key in ("kyoto", "otsu", "sakura")}
    forwarded = filing.forward(w.studio_staff, sent["sakura"].id, {"message": "写真館から転送します"})
    filing.acknowledge(w.kyoto_privacy, sent["kyoto"].id)
    for user, org in ((w.kyoto_privacy, w.kyoto), (w.otsu_privacy, w.otsu), (w.sakura_csirt, w.sakura)):
        party = incident.party_for(org.id)
        incidents.record_party_facts(user, incident.id, party.id, {"facts": {"max_persons": 400}, "note": org.name})
        incidents.record_for_party(user, incident.id, party.id, "quick_report", {"at": "2026-11-23T10:00:00+09:00"})
    drafts.create_draft(w.vendor_staff, {**notice, "entrustment_id": w.albums["otsu"].id})
    w.incident, w.sent, w.forwarded = incident, sent, forwarded
    return w


def _viewers(w):
    """Each viewer, its organisation, and the organisations of the other branches it must never see."""
    return [(w.kyoto_privacy, w.kyoto, (w.otsu, w.sakura, w.studio)),
            (w.otsu_privacy, w.otsu, (w.kyoto, w.sakura, w.studio)),
            (w.sakura_csirt, w.sakura, (w.kyoto, w.otsu)),
            (w.studio_staff, w.studio, (w.kyoto, w.otsu))]


def _organisation_ids(value, found: set[int]) -> set[int]:
    """Every organisation id in a JSON body: objects under organisation-like keys, ids in paths, recipients."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("organisation", "consignor", "filer", "recipient", "contractor") and isinstance(item, dict):
                found.add(item.get("id"))
            if key in ("path",) and isinstance(item, list):
                found.update(i for i in item if isinstance(i, int))
            if key in ("organisation_id", "filer_id", "recipient_id", "consignor_id") and isinstance(item, int):
                found.add(item)
            _organisation_ids(item, found)
    elif isinstance(value, list):
        for item in value:
            _organisation_ids(item, found)
    return found


def _pdf_text(data: bytes, tmp_path) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (make test installs it)"
    path = tmp_path / "receipt.pdf"
    path.write_bytes(data)
    return subprocess.run([pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _visible_notifications(user) -> list:
    lists = notifications.lists(user)
    return [*lists.received, *lists.sent]


def _web_urls(app, w, user) -> dict[str, list[str]]:
    """Every GET route of the incident, notification, dashboard and trail pages, with the ids this user may open."""
    mine = _visible_notifications(user)
    urls: dict[str, list[str]] = {}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith(AREAS) or "GET" not in rule.methods:
                continue
            targets = [{}]
            if "incident_id" in rule.arguments:
                targets = [{"incident_id": w.incident.id}]
            if "party_id" in rule.arguments:
                own = w.incident.party_for(user.organisation_id)
                targets = [{"incident_id": w.incident.id, "party_id": own.id}] if own.role == "consignor" else []
            if "notification_id" in rule.arguments:
                targets = []
                for n in mine:
                    target = {"notification_id": n.id}
                    if "attachment_id" in rule.arguments:
                        if not n.attachments:
                            continue
                        target["attachment_id"] = n.attachments[0].id
                    targets.append(target)
            urls[rule.endpoint] = [url_for(rule.endpoint, **t) for t in targets if set(rule.arguments) <= set(t)]
    return urls


def test_no_body_a_consignor_receives_names_or_numbers_a_sibling(app, shared, make_client, tmp_path):
    w = shared
    walked: set[str] = set()
    for user, org, siblings in _viewers(w):
        names = [s.name for s in siblings]
        ids = {s.id for s in siblings}
        client = make_client()
        client.login(user.email, PASSWORD)
        for endpoint, urls in _web_urls(app, w, user).items():
            for url in urls:
                response = client.get(url)
                if response.status_code in (403, 404):  # a role that may not open it: nothing leaks either
                    assert not any(n in response.get_data(as_text=True) for n in names)
                    continue
                assert response.status_code == 200, (user.email, url, response.status_code)
                walked.add(endpoint)
                if endpoint == "notifications.attachment":
                    continue  # the file the filer attached: its bytes, not our words
                if response.mimetype == "application/pdf":
                    body = _pdf_text(response.get_data(), tmp_path)
                elif response.mimetype.startswith("text/"):
                    body = response.get_data(as_text=True)
                else:
                    continue
                leaked = [n for n in names if n in body]
                assert not leaked, (user.email, url, leaked)
                assert not [i for i in ids if re.search(rf"/organisations/{i}\b", body)], (user.email, url)

        from oversight.accounts.services import issue_token

        api = ApiClient(app.test_client(), issue_token(user, "walk")[1])
        api_urls = ["/api/v1/incidents", f"/api/v1/incidents/{w.incident.id}", "/api/v1/deadlines",
                    "/api/v1/notifications", "/api/v1/engagements", "/api/v1/notification-breaches",
                    *[f"/api/v1/notifications/{n.id}" for n in _visible_notifications(user)]]
        for url in api_urls:
            response = api.get(url)
            assert response.status_code == 200, (user.email, url, response.status_code)
            body = response.get_json()
            text = json.dumps(body, ensure_ascii=False)
            assert not [n for n in names if n in text], (user.email, url)
            assert not (_organisation_ids(body, set()) & ids), (user.email, url)
        for n in _visible_notifications(user):
            if n.is_filed:
                pdf = api.get(f"/api/v1/notifications/{n.id}/receipt")
                assert pdf.status_code == 200
                assert not [s for s in names if s in _pdf_text(pdf.get_data(), tmp_path)]
        party = w.incident.party_for(org.id)
        if party.role == "consignor":
            patched = api.patch(f"/api/v1/incidents/{w.incident.id}/parties/{party.id}/facts",
                                json={"facts": {"max_persons": 390}})
            assert patched.status_code == 200
            text = json.dumps(patched.get_json(), ensure_ascii=False)
            assert not [n for n in names if n in text]

        addresses = {c.email for c in org.contacts} | {user.email}
        for message in db.session.query(OutboxMessage):
            if addresses & set(message.recipients):
                mail = f"{message.subject}\n{message.body}"
                assert not [n for n in names if n in mail], (user.email, message.key)

    expected = {"incidents.index", "incidents.incident", "incidents.party_facts", "notifications.index",
                "notifications.show", "notifications.receipt", "notifications.attachment", "notifications.breaches",
                "dashboard.index"}
    assert expected <= walked, sorted(expected - walked)


def test_every_incident_and_notification_get_route_is_walked(app):
    """A new page in these areas must be added to the walk above (or to this list, with the reason)."""
    known = {"incidents.index", "incidents.incident", "incidents.new", "incidents.party_facts", "notifications.index",
             "notifications.new", "notifications.show", "notifications.receipt", "notifications.attachment",
             "notifications.breaches", "dashboard.index", "trail.index", "trail.export"}
    found = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(AREAS) and "GET" in r.methods}
    assert found <= known, f"walk these too: {sorted(found - known)}"
    api = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith(API_PATHS) and "GET" in r.methods}
    number = "<int(min=1, max=2147483647):notification_id>"
    assert api <= {"/api/v1/incidents", "/api/v1/incidents/<int(min=1, max=2147483647):incident_id>",
                   "/api/v1/deadlines", "/api/v1/notifications", "/api/v1/engagements",
                   "/api/v1/notification-breaches", f"/api/v1/notifications/{number}",
                   f"/api/v1/notifications/{number}/receipt"}, sorted(api)
