"""The incident pages at scale: the deadline board with 5,000 open incidents and 20,000 parties, and the page of
the hub vendor's incident that touches 150 consignors.

On the synthetic registry of `bench.seed` (10,000 organisations, the 150-consignor hub), through the real app
with Flask's test client, each beside a bare indexed query of what the page shows, measured in the same run.
"""

from __future__ import annotations

import random
import re
import time
from datetime import UTC, date, datetime, timedelta

from bench import BenchConfig, figure, median_ms, p95_ms
from bench import seed as seeding
from bench.registry import BenchmarkError, RawQuery, _count_statements, interleaved, login, seed_in_subprocess

INCIDENTS = 5_000
PARTIES_PER_INCIDENT = 4  # where it happened and three consignors: 20,000 parties
BOARD_ROW = re.compile(r'<tr class="bucket-')
RAW_BOARD = """
SELECT p.id, p.incident_id, p.organisation_id, p.role, p.must_report, p.quick_from, p.quick_to, p.final_due,
       p.notice_from, p.notice_to, p.next_due, p.quick_reported_at, p.final_reported_at,
       i.title, o.name, o.name_kana
FROM incident_party p JOIN incident i ON i.id = p.incident_id JOIN organisation o ON o.id = p.organisation_id
WHERE i.status = 'open' AND p.next_due IS NOT NULL
ORDER BY p.next_due, p.incident_id, p.id LIMIT 100
"""
RAW_HUB_PAGE = """
SELECT p.*, o.name, o.kind FROM incident_party p JOIN organisation o ON o.id = p.organisation_id
WHERE p.incident_id = ? ORDER BY p.id
"""


def _seed_board(engine, manifest: dict) -> None:
    """5,000 open incidents with 20,000 parties owing reports on spread-out days, inserted in bulk."""
    from oversight.incidents.models import Incident, IncidentParty

    rng = random.Random(20261207)
    today = date.today()
    now = datetime.now(UTC)
    organisations = manifest["organisations"]
    incidents, parties = [], []
    for n in range(1, INCIDENTS + 1):
        incident_id = 1_000_000 + n
        chosen = rng.sample(range(1, organisations + 1), PARTIES_PER_INCIDENT)
        origin = chosen[0]
        incidents.append({"id": incident_id, "organisation_id": origin, "scope": "engagements", "title": f"事案{n}",
                          "status": "open", "facts": {"cause": "theft", "known_at": "2026-11-20"},
                          "created_at": now, "updated_at": now})
        known = today - timedelta(days=rng.randrange(0, 40))
        for k in range(PARTIES_PER_INCIDENT):
            org = chosen[k]
            owes = k > 0
            quick_to, final_due = known + timedelta(days=5), known + timedelta(days=30)
            parties.append({
                "incident_id": incident_id, "organisation_id": org, "role": "origin" if k == 0 else "consignor",
                "paths": [], "entrustment_paths": [], "facts": {}, "consignor_notices": {}, "must_report": owes,
                "exempt": not owes, "quick_from": known + timedelta(days=3) if owes else None,
                "quick_to": quick_to if owes else None, "final_due": final_due if owes else None,
                "next_due": (quick_to if quick_to >= today else final_due) if owes else None,
                "person_notice_alternative": ""})
    with engine.begin() as conn:
        conn.execute(Incident.__table__.insert(), incidents)
        for start in range(0, len(parties), 5000):
            conn.execute(IncidentParty.__table__.insert(), parties[start:start + 5000])
    with engine.connect() as conn:  # fresh statistics, as a running database has them
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def bench_board(app, engine, manifest: dict, runs: int) -> dict:
    """GET /incidents as an operator admin (every party) vs the bare indexed query of the page's 100 rows."""
    client = login(app, manifest["admin_email"], manifest["admin_password"])

    def page(number: int = 1):
        def call():
            response = client.get(f"/incidents?page={number}")
            if response.status_code != 200:
                raise BenchmarkError(f"GET /incidents: {response.status_code}")
            rows = len(BOARD_ROW.findall(response.get_data(as_text=True)))
            if rows != 100:
                raise BenchmarkError(f"the board showed {rows} rows, expected 100")
        return call

    first = page()
    counts = {n: len(_count_statements(engine, page(n))) for n in (1, 50)}
    raw = RawQuery(engine, (RAW_BOARD, ()))
    try:
        page_times, raw_times = interleaved(runs, first, raw)
    finally:
        raw.close()
    value, baseline = median_ms(page_times), median_ms(raw_times)
    constant = counts[1] == counts[50]
    return figure(value, "ms", baseline, "< 200 ms median; constant SQL statements", value < 200 and constant,
                  p95=round(p95_ms(page_times), 3), baseline_p95=round(p95_ms(raw_times), 3), runs=runs,
                  incidents=INCIDENTS, parties=INCIDENTS * PARTIES_PER_INCIDENT, statements_page_1=counts[1],
                  statements_page_50=counts[50], constant=constant,
                  via="Flask test client, GET /incidents (board page 1, 100 rows, bucket counts), operator admin",
                  baseline_query="the page's 100 rows ordered by next_due, joined to incident and organisation, "
                                 "fetchall on the DBAPI connection")


def bench_hub_incident(app, engine, manifest: dict, runs: int) -> dict:
    """GET /incidents/<id> of an incident at the 150-consignor hub, as its own staff (who see every party)."""
    from oversight.accounts import services as accounts
    from oversight.accounts.system import SystemActor
    from oversight.extensions import db
    from oversight.incidents import services as incidents

    hub = manifest["hub_id"]
    password = "bench-hub-staff-password-2026"  # noqa: S105
    with app.app_context():
        accounts.create_user(None, {"email": "hub-staff@bench.example", "name": "hub", "role": "contractor_user",
                                    "password": password, "organisation_id": hub})
        incident = incidents.open_incident(SystemActor(name="bench"), {
            "organisation_id": hub, "title": "bench: the hub's server", "scope": "engagements",
            "facts": {"data_items": ["name", "address", "photo"], "cause": "lost_outside", "max_persons": 60_000,
                      "occurred_on": "2026-11-16", "known_at": "2026-11-17T10:00:00+09:00"}})
        incident_id, parties = incident.id, len(incident.parties)
        db.session.remove()
    client = login(app, "hub-staff@bench.example", password)

    def call():
        response = client.get(f"/incidents/{incident_id}")
        if response.status_code != 200:
            raise BenchmarkError(f"GET /incidents/{incident_id}: {response.status_code}")
        return response

    body = call().get_data(as_text=True)
    chains = body.count('<tr class="chain"')
    raw = RawQuery(engine, (RAW_HUB_PAGE, (incident_id,)))
    try:
        page_times, raw_times = interleaved(runs, call, raw)
    finally:
        raw.close()
    value, baseline = median_ms(page_times), median_ms(raw_times)
    return figure(value, "ms", baseline, "< 300 ms median", value < 300,
                  p95=round(p95_ms(page_times), 3), baseline_p95=round(p95_ms(raw_times), 3), runs=runs,
                  parties=parties, chains_shown=chains, page_kb=round(len(body.encode()) / 1024, 1),
                  via="Flask test client, GET /incidents/<id> as a user of the hub (every party, one Art. 26 "
                      "assessment per chain, grouped)",
                  baseline_query="the incident's parties joined to their organisations, fetchall on the DBAPI "
                                 "connection")


def run(backend: str, *, keep: bool = False, runs: int = 40) -> dict[str, dict]:
    """Seed the synthetic registry, add the incidents, measure both pages, drop the database."""
    with seeding.throwaway_database(backend, keep=keep) as url:
        started = time.perf_counter()
        manifest = seed_in_subprocess(url)
        from oversight import create_app
        from oversight.extensions import db

        app = create_app(BenchConfig, {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            engine = db.engine
        _seed_board(engine, manifest)
        print(f"seeded in {time.perf_counter() - started:.1f} s: {manifest['organisations']:,} organisations, "
              f"{INCIDENTS:,} open incidents with {INCIDENTS * PARTIES_PER_INCIDENT:,} parties")
        results = {"deadline_board_page": bench_board(app, engine, manifest, runs),
                   "hub_incident_page": bench_hub_incident(app, engine, manifest, max(10, runs // 2))}
        for entry in results.values():
            entry["backend"] = backend
        engine.dispose()
    return results
