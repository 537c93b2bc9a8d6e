"""Every review, finding and obligation route × every kind of user: the auditing consignor's own roles (procurement
reads audits but may not review), the audited vendor's staff, a vendor user without the answering role, a sibling
consignor of the same vendor (大津市, which audits it too), an operator admin, anonymous visitors.

anonymous → the login page; a role that may never do the action → 403; an object the user may not see → 404 (never
revealed); a visible object on the wrong side (the vendor closing, the auditor remediating) → 403; otherwise anything
but 403/404/500. The API twins follow the same rules.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import url_for

from audits import findings
from audits.audit_models import Audit
from oversight.accounts.services import issue_token
from oversight.extensions import db
from oversight.permissions import ROLE_ACTIONS
from oversight.registry import services as registry
from oversight.timeutil import today_jst
from tests.audits.audit_world import PDF, answer_audit, gen_audit_world
from tests.factories import PASSWORD, SYSTEM, gen_organisation, gen_user
from tests.helpers import matrix_failures, sent_to_login


@dataclass(frozen=True)
class Route:
    method: str
    actions: tuple[str, ...]
    objects: str = ""  # audit | finding | evidence | approval
    data: tuple = ()
    side: str = "read"  # read | auditor | vendor | either | approver (the original consignor)


READ = ("audit.view", "questionnaire.answer", "finding.remediate")
FINDING_READ = ("audit.view", "finding.remediate")
ROUTES: dict[str, Route] = {
    "findings.review_page": Route("GET", READ, "audit"),
    "findings.answer_review": Route("POST", ("audit.review",), "audit", (("verdict", "accepted"),), "auditor"),
    "findings.answer_revise": Route("POST", ("questionnaire.answer",), "audit", (("comment", "修正"),), "vendor"),
    "findings.send_back": Route("POST", ("questionnaire.answer",), "audit", (), "vendor"),
    "findings.cross_checks": Route("POST", ("audit.review",), "audit", (), "auditor"),
    "findings.index": Route("GET", FINDING_READ),
    "findings.obligations_page": Route("GET", ("audit.view", "finding.remediate", "selection.view",
                                               "entrustment.view")),
    "findings.new": Route("GET", ("finding.manage",)),
    "findings.show": Route("GET", FINDING_READ, "finding"),
    "findings.comment": Route("POST", ("finding.manage", "finding.remediate"), "finding", (("text", "確認中"),),
                              "either"),
    "findings.remediation": Route("POST", ("finding.remediate",), "finding", (("text", "是正しました"),), "vendor"),
    "findings.close": Route("POST", ("finding.manage",), "finding", (("verification", "確認した"),), "auditor"),
    "findings.reopen": Route("POST", ("finding.manage",), "finding", (("reason", "不足"),), "auditor"),
    "findings.evidence": Route("GET", FINDING_READ, "evidence"),
    "findings.approval_close": Route("POST", ("entrustment.decide",), "approval", (("closing", "met"),), "approver"),
    "findings.approval_due": Route("POST", ("entrustment.decide",), "approval", (("due_on", "DUE"),), "approver"),
}


def test_every_findings_route_has_a_rule(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("findings.")}
    assert endpoints == set(ROUTES)


def _conditioned_subcontract(parent):
    e = registry.propose_subcontract(SYSTEM, parent.id, {"contractor_id": gen_organisation().id,
                                                         "data_set": "再委託（条件付き）", "person_count": 10})
    registry.decide_subcontract(SYSTEM, e.id, approve=True, conditions="年1回の実地監査を受け入れること")
    return e


@pytest.fixture
def world():
    w = gen_audit_world()
    w.vendor_privacy = gen_user(w.vendor, "privacy_office", email="privacy@uf.example")
    for audit in (w.audit, w.otsu_audit):
        answer_audit(w.staff, audit, {"per_sub_status": "unchanged", "per_cert_held": ["none"],
                                      "per_sub_declared": f"東都コール株式会社, {w.sub.corporate_number}"})
    w.finding = findings.raise_finding(w.auditor, {"audit_id": w.audit.id, "severity": "low", "title": "記録の不備"})
    w.otsu_finding = findings.raise_finding(w.otsu_privacy, {"audit_id": w.otsu_audit.id, "severity": "low",
                                                             "title": "大津市の指摘"})
    for f in (w.finding, w.otsu_finding):
        findings.propose_remediation(w.staff, f.id, {"text": "是正"}, [("記録.pdf", PDF + str(f.id).encode())])
    w.approval = _conditioned_subcontract(w.entrustment)
    w.otsu_approval = _conditioned_subcontract(w.otsu_entrustment)
    return w


def _url(app, endpoint: str, route: Route, w, foreign: bool) -> str:
    args = {}
    if route.objects == "audit":
        args["audit_id"] = (w.otsu_audit if foreign else w.audit).id
    if route.objects in ("finding", "evidence"):
        f = w.otsu_finding if foreign else w.finding
        args["finding_id"] = f.id
        if route.objects == "evidence":
            args["evidence_id"] = f.evidence[0].id
    if route.objects == "approval":
        args["entrustment_id"] = (w.otsu_approval if foreign else w.approval).id
    if endpoint in ("findings.answer_review", "findings.answer_revise"):
        args["question_id"] = "per_logs_reviewed"
    with app.test_request_context():
        return url_for(endpoint, **args)


def _send(client, route: Route, url: str):
    if route.method == "GET":
        return client.get(url)
    data = {k: ((today_jst() + timedelta(days=30)).isoformat() if v == "DUE" else v) for k, v in route.data}
    if url.endswith("/remediation"):
        data["files"] = (io.BytesIO(PDF + b"%matrix"), "追加.pdf")
        return client.post(url, data, content_type="multipart/form-data")
    return client.post(url, data)


def _sides(route) -> tuple[str, ...]:
    return ("own", "sibling") if route.objects else ("own",)


# (organisation in the world, role): "sakura" audits the vendor, "vendor" is audited, "otsu" audits it too.
USERS = [("sakura", role) for role in ROLE_ACTIONS if role not in ("admin", "contractor_user")] + [
    ("vendor", "contractor_user"), ("vendor", "privacy_office"), ("otsu", "procurement"), ("otsu", "privacy_office"),
    (None, "admin")]


def _expected(route: Route, org: str | None, role: str, foreign: bool) -> set[int] | None:
    """The refusal the rule demands (None: anything but a refusal)."""
    actions = ROLE_ACTIONS[role]
    if not any(a in actions for a in route.actions):
        return {403}
    if role == "admin":
        return {403} if route.side in ("vendor", "approver") and route.objects != "approval" else None
    if not route.objects:
        return None
    own = org == ("otsu" if foreign else "sakura")
    if route.objects == "approval":
        sees = own or org == "vendor"  # the vendor is the subcontract's consignor
        return None if own else ({403} if sees else {404})
    reads_as_auditor = own and "audit.view" in actions
    vendor_action = "questionnaire.answer" if route.objects == "audit" else "finding.remediate"
    reads_as_vendor = org == "vendor" and vendor_action in actions
    if not (reads_as_auditor or reads_as_vendor):
        return {404}
    if route.side == "vendor" and not reads_as_vendor:
        return {403}
    if route.side == "auditor" and not reads_as_auditor:
        return {403}
    return None


@pytest.mark.parametrize(("org", "role"), USERS, ids=[f"{o}-{r}" for o, r in USERS])
def test_each_user_gets_exactly_what_the_rules_allow_on_the_web(app, world, make_client, org, role):
    user = gen_user(getattr(world, org) if org else None, role=role)
    failures = matrix_failures(
        make_client, user, ROUTES, password=PASSWORD, sides=_sides,
        send=lambda client, endpoint, route, side: _send(
            client, route, _url(app, endpoint, route, world, side == "sibling")),
        allowed=lambda route, side: _expected(route, org, role, side == "sibling"))
    assert not failures, f"{org} {role}\n" + "\n".join(failures)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_anonymous_visitors_are_sent_to_the_login_page(app, world, client, endpoint):
    route = ROUTES[endpoint]
    assert sent_to_login(_send(client, route, _url(app, endpoint, route, world, False)))


def test_a_sibling_consignor_reads_nothing_of_anothers_audit_of_the_shared_vendor(world, make_client):
    client = make_client()
    client.login(world.otsu_privacy.email, PASSWORD)
    for url in ("/findings", "/obligations", f"/findings/{world.otsu_finding.id}",
                f"/audits/{world.otsu_audit.id}/review", f"/registry/organisations/{world.vendor.id}",
                f"/organisations/{world.vendor.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "さくら商事" not in page and "会員データ" not in page and "記録の不備" not in page, url
    listing = client.get("/findings").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'data-finding="(\d+)"', listing)}
    otsus = {f.id for f in db.session.get(Audit, world.otsu_audit.id).findings}
    assert world.otsu_finding.id in shown and shown <= otsus


def test_the_vendor_sees_each_consignors_audit_on_its_own_page_only(world, make_client):
    client = make_client()
    client.login(world.staff.email, PASSWORD)
    page = client.get(f"/findings/{world.finding.id}").get_data(as_text=True)
    assert "記録の不備" in page and "大津市" not in page and "卒業アルバム" not in page
    otsu = client.get(f"/audits/{world.otsu_audit.id}/review").get_data(as_text=True)
    assert "さくら商事" not in otsu and "会員データ" not in otsu


# ---------------------------------------------------------------- the API twins

API_ROUTES = [
    ("GET", "/api/v1/findings", FINDING_READ, "", "read"),
    ("POST", "/api/v1/findings", ("finding.manage",), "audit", "auditor"),
    ("GET", "/api/v1/findings/{finding}", FINDING_READ, "finding", "read"),
    ("POST", "/api/v1/findings/{finding}/comments", ("finding.manage", "finding.remediate"), "finding", "either"),
    ("POST", "/api/v1/findings/{finding}/remediation", ("finding.remediate",), "finding", "vendor"),
    ("POST", "/api/v1/findings/{finding}/closing", ("finding.manage",), "finding", "auditor"),
    ("POST", "/api/v1/findings/{finding}/reopening", ("finding.manage",), "finding", "auditor"),
    ("GET", "/api/v1/obligations", ("audit.view", "finding.remediate", "selection.view", "entrustment.view"), "",
     "read"),
    ("POST", "/api/v1/approval-conditions/{approval}/closing", ("entrustment.decide",), "approval", "approver"),
    ("GET", "/api/v1/audits/{audit}/review", ("audit.view", "questionnaire.answer"), "audit", "read"),
    ("POST", "/api/v1/audits/{audit}/answers/{question}/review", ("audit.review",), "audit", "auditor"),
    ("POST", "/api/v1/audits/{audit}/answers/{question}/revision", ("questionnaire.answer",), "audit", "vendor"),
    ("POST", "/api/v1/audits/{audit}/cross-checks", ("audit.review",), "audit", "auditor"),
]
API_BODIES = {
    "findings": {"severity": "low", "title": "API経由の指摘"}, "comments": {"text": "確認中"},
    "remediation": {"text": "是正", "files": [{"filename": "記録.pdf",
                                                "content_base64": base64.b64encode(PDF + b"%api").decode()}]},
    "closing": {"verification": "確認した", "closing": "met"}, "reopening": {"reason": "不足"},
    "review": {"verdict": "accepted"}, "revision": {"comment": "修正"},
}


def test_every_findings_api_route_has_a_rule(app):
    documented = {(m, p) for m, p, *_ in API_ROUTES}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/v1/findings", "/api/v1/obligations", "/api/v1/approval-conditions")) or (
                rule.rule.startswith("/api/v1/audits/") and rule.endpoint.startswith("findings_api.")):
            path = re.sub(r"<[^>]*finding_id>", "{finding}", rule.rule)
            path = re.sub(r"<[^>]*entrustment_id>", "{approval}", path)
            path = re.sub(r"<[^>]*audit_id>", "{audit}", re.sub(r"<[^>]*question_id>", "{question}", path))
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


@pytest.mark.parametrize(("org", "role"), USERS, ids=[f"{o}-{r}" for o, r in USERS])
def test_each_user_gets_exactly_what_the_rules_allow_in_the_api(app, world, org, role):
    user = gen_user(getattr(world, org) if org else None, role=role)
    headers = {"Authorization": f"Bearer {issue_token(user, 'matrix')[1]}"}
    failures = []
    for method, template, actions, objects, side in API_ROUTES:
        for foreign in (False, True):
            if not objects and foreign:
                continue
            audit = world.otsu_audit if foreign else world.audit
            finding = world.otsu_finding if foreign else world.finding
            approval = world.otsu_approval if foreign else world.approval
            url = template.format(audit=audit.id, finding=finding.id, approval=approval.id,
                                  question="per_logs_reviewed")
            body = API_BODIES.get(url.rsplit("/", 1)[-1], {}) if method == "POST" else None
            if template == "/api/v1/findings" and method == "POST":
                body = {**body, "audit_id": audit.id}
            response = app.test_client().open(url, method=method, json=body, headers=headers)
            expected = _expected(Route(method, actions, objects, side=side), org, role, foreign)
            status = response.status_code
            ok = status in expected if expected else status not in (401, 403, 404, 500)
            if not ok:
                failures.append(f"{org} {role} {method} {template} ({'sibling' if foreign else 'own'}): {status} "
                                f"{response.get_data(as_text=True)[:160]}")
    assert not failures, "\n".join(failures)
