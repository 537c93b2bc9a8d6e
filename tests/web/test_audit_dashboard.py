"""The audit dashboard: audits due and overdue by month, open findings by severity and age, vendors by tier and
score — each chart beside a table of its numbers, only what the user may see, in the same number of SQL statements
for three audits as for sixty."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import event

from audits.audit_models import Audit, Finding
from oversight.accounts.services import issue_token
from oversight.extensions import db
from oversight.timeutil import JST, today_jst
from tests.factories import PASSWORD, gen_shared_vendor, gen_user


@contextmanager
def counted():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _audit(auditor, entrustment, due_days: int, status: str = "open", score: float | None = None) -> Audit:
    audit = Audit(auditor_id=auditor.id, entrustment_id=entrustment.id, vendor_id=entrustment.contractor_id,
                  kind="questionnaire", status=status, due_on=today_jst() + timedelta(days=due_days),
                  score_percent=score)
    db.session.add(audit)
    return audit


def _finding(auditor, entrustment, severity: str, age_days: int, due_days: int = 30) -> Finding:
    finding = Finding(auditor_id=auditor.id, vendor_id=entrustment.contractor_id, entrustment_id=entrustment.id,
                      severity=severity, title=f"{severity}の指摘", due_on=today_jst() + timedelta(days=due_days),
                      created_at=datetime.combine(today_jst() - timedelta(days=age_days), time(12), JST))
    db.session.add(finding)
    return finding


@pytest.fixture
def world():
    """京都市 audits the album vendor: one audit closed with 72.5 %, one overdue, one due next month; one high finding
    40 days old and past its due day. 大津市, a sibling consignor of the same vendor, has an overdue audit and a
    critical finding of its own that 京都市 must never count."""
    w = gen_shared_vendor()
    kyoto, otsu = w.albums["kyoto"], w.albums["otsu"]
    _audit(w.kyoto, kyoto, -60, "closed", 72.5)
    _audit(w.kyoto, kyoto, -10)
    _audit(w.kyoto, kyoto, 35)
    _finding(w.kyoto, kyoto, "high", 40, due_days=-3)
    _audit(w.otsu, otsu, -5)
    _finding(w.otsu, otsu, "critical", 2)
    db.session.commit()
    return w


def _cells(html: str, table: str, row_attr: str, row: str) -> list[str]:
    body = re.search(rf'<table id="{table}">.*?</table>', html, re.S).group(0)
    found = re.search(rf'<tr {row_attr}="{row}"[^>]*>(.*?)</tr>', body, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", found, re.S)]


def test_the_privacy_office_sees_its_own_audits_findings_and_vendor_tiers_beside_their_charts(world, make_client):
    client = make_client()
    client.login(world.kyoto_privacy.email, PASSWORD)
    page = client.get("/audits/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3 and html.count('class="chart-with-table"') == 3
    assert "<script" not in html  # drawn on the server: nothing to fetch, nothing to run
    months = re.findall(r'<tr data-month="[^"]+"[^>]*><th scope="row">[^<]+</th><td>(\d+)</td><td>(\d+)</td>'
                        r'<td>(\d+)</td><td>(\d+)</td>', html)
    due, overdue, upcoming, closed = (sum(int(m[i]) for m in months) for i in range(4))
    assert (due, overdue, upcoming, closed) == (3, 1, 1, 1)  # 大津市's overdue audit is not counted
    assert _cells(html, "findings-by-severity", "data-severity", "high") == ["高", "0", "1", "0", "0", "1", "1"]
    assert _cells(html, "findings-by-severity", "data-severity", "critical")[-2:] == ["0", "0"]
    # The vendor: high (an open high finding), its last score 72.5 in the 60–79 band.
    assert _cells(html, "vendors-by-tier", "data-tier", "high") == ["高", "0", "1", "0", "0", "1"]
    assert "大津市" not in html


def test_the_api_gives_the_same_figures(app, world):
    token = issue_token(world.kyoto_privacy, "dashboard")[1]
    body = app.test_client().get("/api/v1/audits/dashboard", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert sum(m["overdue"] for m in body["audits_by_month"]) == 1 and len(body["audits_by_month"]) == 12
    high = next(f for f in body["open_findings"] if f["severity"] == "high")
    assert high == {"severity": "high", "by_age_days": {"0_30": 0, "31_90": 1, "91_180": 0, "181_up": 0},
                    "overdue": 1, "total": 1}
    assert next(t for t in body["vendors_by_tier"] if t["tier"] == "high")["by_score"]["60_79"] == 1
    assert body["vendors"] == 1


def test_the_shared_vendor_and_a_role_without_audits_get_no_dashboard(world, make_client):
    for user in (world.vendor_staff, gen_user(world.kyoto, "legal")):
        client = make_client()
        client.login(user.email, PASSWORD)
        assert client.get("/audits/dashboard").status_code == 403


def test_the_dashboard_costs_the_same_statements_for_sixty_audits_as_for_three(world, make_client):
    client = make_client()
    client.login(world.kyoto_privacy.email, PASSWORD)
    client.get("/audits/dashboard")  # warm: the tier policy is read once
    with counted() as few:
        assert client.get("/audits/dashboard").status_code == 200
    for n in range(60):
        _audit(world.kyoto, world.albums["kyoto"], -201 + n * 7, "closed" if n % 3 else "open", 50 + n % 40)
        _finding(world.kyoto, world.albums["kyoto"], ("critical", "high", "medium", "low")[n % 4], n * 5)
    db.session.commit()
    with counted() as many:
        html = client.get("/audits/dashboard").get_data(as_text=True)
    assert "audits-by-month" in html
    assert len(many) == len(few), "\n".join(many)
