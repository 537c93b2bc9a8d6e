"""The audit dashboard at scale: `python -m bench audit_dashboard`.

On the synthetic registry of `bench.seed` (10,000 organisations, 30,000 entrustments), every live entrustment gets
periodic audits (one to three, due from 15 months back to 9 months ahead; past ones mostly closed and scored, some
overdue) and a fifth of the audits findings of each severity, inserted in bulk. Then, through the real app (Flask's
test client), GET /audits/dashboard as the privacy office of the consignor with the most entrustments in view,
beside a bare indexed query of the same consignor's audits grouped by due day and status (the least any such page
must read), measured in the same run. The SQL statements of the page are counted for that consignor and for one
with a single entrustment: they must be the same. The operator admin's dashboard (every audit, every vendor's tier)
is reported beside it for information.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

from bench import BenchConfig, figure, median_ms, p95_ms
from bench import seed as seeding
from bench.registry import BenchmarkError, RawQuery, _count_statements, interleaved, login, seed_in_subprocess

TARGET_MS = 200
SEED = 20261208
PASSWORD = "bench-dashboard-password-2026"  # noqa: S105
RAW_AUDITS = """
SELECT due_on, status, count(*) FROM audit
WHERE auditor_id = ? AND status <> 'cancelled' GROUP BY due_on, status
"""
FINDING_MIX = ("critical", "high", "high", "medium", "medium", "medium", "low", "low")


def _seed_audits(engine, today: date) -> dict:
    """Audits and findings for every live entrustment, by its consignor; returns their counts."""
    from sqlalchemy import text

    from audits.audit_models import Audit, Finding

    rng = random.Random(SEED)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        live = conn.execute(text("SELECT id, consignor_id, contractor_id FROM entrustment "
                                 "WHERE status IN ('active', 'approved') ORDER BY id")).all()
    audits, findings = [], []
    audit_id = 0
    for entrustment_id, consignor_id, contractor_id in live:
        days = rng.sample(range(-450, 270), rng.randint(1, 3))
        for offset in days:
            audit_id += 1
            due = today + timedelta(days=offset)
            past = offset < 0
            status = ("closed" if rng.random() < 0.8 else rng.choice(("open", "submitted", "in_review"))) if past \
                else "open"
            audits.append({"id": audit_id, "auditor_id": consignor_id, "entrustment_id": entrustment_id,
                           "vendor_id": contractor_id, "kind": "questionnaire", "status": status, "due_on": due,
                           "tier": "", "tier_reasons": [], "checklist": [], "owner_name": "", "opened_by_name": "",
                           "opened_at": now, "closed_by_name": "", "conclusion": "", "updated_at": now,
                           "score_percent": round(rng.uniform(35, 100), 1) if status == "closed" else None})
            if rng.random() < 0.2:
                for _ in range(rng.randint(1, 3)):
                    age = rng.randrange(0, 400)
                    findings.append({
                        "auditor_id": consignor_id, "vendor_id": contractor_id, "entrustment_id": entrustment_id,
                        "audit_id": audit_id, "origin": "review", "severity": rng.choice(FINDING_MIX),
                        "title": "指摘", "detail": "", "owner_name": "", "due_on": today + timedelta(days=90 - age),
                        "status": "closed" if rng.random() < 0.5 else "open", "created_by_name": "",
                        "created_at": now - timedelta(days=age), "closed_by_name": "", "updated_at": now})
    with engine.begin() as conn:
        for start in range(0, len(audits), 5000):
            conn.execute(Audit.__table__.insert(), audits[start:start + 5000])
        for start in range(0, len(findings), 5000):
            conn.execute(Finding.__table__.insert(), findings[start:start + 5000])
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('audit', 'id'), :n)"), {"n": audit_id})
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return {"audits": len(audits), "findings": len(findings), "live_entrustments": len(live)}


def _consignors(engine) -> tuple[int, int]:
    """The consignor with the most direct entrustments, and one with exactly one."""
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT consignor_id, count(*) FROM entrustment WHERE parent_id IS NULL "
                                 "GROUP BY consignor_id ORDER BY count(*) DESC, consignor_id")).all()
    single = next((c for c, n in rows if n == 1), rows[-1][0])
    return rows[0][0], single


def _user(app, organisation_id: int, email: str) -> None:
    from oversight.accounts import services as accounts
    from oversight.extensions import db

    with app.app_context():
        accounts.create_user(None, {"email": email, "name": "bench", "role": "privacy_office", "password": PASSWORD,
                                    "organisation_id": organisation_id})
        db.session.remove()


def _page(client):
    def call():
        response = client.get("/audits/dashboard")
        if response.status_code != 200:
            raise BenchmarkError(f"GET /audits/dashboard: {response.status_code}")
        return response
    return call


def run(backend: str, *, keep: bool = False, runs: int = 40) -> dict[str, dict]:
    """Seed, add the audits and findings, measure the dashboard against the bare query, drop the database."""
    with seeding.throwaway_database(backend, keep=keep) as url:
        started = time.perf_counter()
        manifest = seed_in_subprocess(url)
        from oversight import create_app
        from oversight.extensions import db
        from oversight.timeutil import today_jst

        app = create_app(BenchConfig, {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            engine = db.engine
        seeded = _seed_audits(engine, today_jst())
        big, single = _consignors(engine)
        _user(app, big, "dash-big@bench.example")
        _user(app, single, "dash-one@bench.example")
        print(f"seeded in {time.perf_counter() - started:.1f} s: {manifest['organisations']:,} organisations, "
              f"{seeded['audits']:,} audits, {seeded['findings']:,} findings")
        client = login(app, "dash-big@bench.example", PASSWORD)
        small = login(app, "dash-one@bench.example", PASSWORD)
        admin = login(app, manifest["admin_email"], manifest["admin_password"])
        page, admin_page = _page(client), _page(admin)
        body = page().get_data(as_text=True)
        import re

        shown = re.search(r"(\d[\d,]*) entrustments you can see|閲覧できる委託 ([\d,]+) 件", body)
        statements_big = len(_count_statements(engine, page))
        statements_one = len(_count_statements(engine, _page(small)))
        raw = RawQuery(engine, (RAW_AUDITS, (big,)))
        try:
            page_times, raw_times, admin_times = interleaved(runs, page, raw, admin_page)
        finally:
            raw.close()
        value, baseline = median_ms(page_times), median_ms(raw_times)
        constant = statements_big == statements_one
        results = {
            "audit_dashboard_page": figure(
                value, "ms", baseline, f"< {TARGET_MS} ms median; constant SQL statements",
                value < TARGET_MS and constant, p95=round(p95_ms(page_times), 3),
                baseline_p95=round(p95_ms(raw_times), 3), runs=runs, statements=statements_big,
                statements_one_entrustment=statements_one, constant=constant,
                entrustments_in_view=(shown.group(1) or shown.group(2)) if shown else None, **seeded,
                via="Flask test client, GET /audits/dashboard as the privacy office of the consignor with the most "
                    "direct entrustments (three charts and tables, tiers of every entrustment in view)",
                baseline_query="that consignor's audits grouped by due day and status, fetchall on the DBAPI "
                               "connection"),
            "audit_dashboard_page_operator_admin": figure(
                median_ms(admin_times), "ms", baseline, "information: every audit and every vendor's tier", None,
                p95=round(p95_ms(admin_times), 3), runs=runs,
                via="Flask test client, GET /audits/dashboard as the operator admin (all 30,000 entrustments)"),
        }
        for entry in results.values():
            entry["backend"] = backend
        engine.dispose()
    return results
