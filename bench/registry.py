"""The registry benchmark: the upward chain through the API, the organisation list page, app memory.

Requests go through the real app with Flask's test client (the whole WSGI stack, no network or server).
Each figure has a baseline measured in the same run, interleaved run by run so that drift hits both alike.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from bench import REPO_ROOT, BenchConfig, figure, median_ms, p95_ms
from bench import seed as seeding

WARMUP = 5
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ROW_RE = re.compile(r'<tr[^>]*>\s*<td><a href="/organisations/\d+">')

# The hub's entrustments and every ancestor of them, joined to both parties.
RAW_CHAIN_UP = """
WITH RECURSIVE up(id, parent_id) AS (
    SELECT id, parent_id FROM entrustment WHERE contractor_id = ?
    UNION
    SELECT e.id, e.parent_id FROM entrustment e JOIN up ON e.id = up.parent_id
)
SELECT e.*, c.name, c.name_kana, c.corporate_number, k.name, k.name_kana, k.corporate_number
FROM up
JOIN entrustment e ON e.id = up.id
JOIN organisation c ON c.id = e.consignor_id
JOIN organisation k ON k.id = e.contractor_id
"""
RAW_WALK = """
WITH RECURSIVE up(id, parent_id) AS (
    SELECT id, parent_id FROM entrustment WHERE contractor_id = ?
    UNION
    SELECT e.id, e.parent_id FROM entrustment e JOIN up ON e.id = up.parent_id
)
SELECT id FROM up
"""
# The list page's own two statements: the page of organisations, then their certifications.
RAW_PAGE = """
SELECT id, name, name_kana, corporate_number, kind, industry, address, report_authority,
       registered_by_org_id, created_at, updated_at
FROM organisation ORDER BY name_kana, name, id LIMIT ? OFFSET ?
"""
RAW_CERTIFICATIONS = """
SELECT id, organisation_id, record_id, scheme, number, scope, expires_on, verified_on, verified_by_id
FROM certification WHERE organisation_id IN (?) ORDER BY organisation_id, expires_on
"""


class BenchmarkError(RuntimeError):
    """The app did not answer as the benchmark expects (a wrong figure is worse than none)."""


def _sql(statement: str, dialect: str) -> str:
    return statement.replace("?", "%s") if dialect == "postgresql" else statement


def memory_mb() -> dict[str, float]:
    """Resident set size now and at its peak, in MB (from /proc, else from getrusage)."""
    status = Path("/proc/self/status")
    if status.exists():
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        return {"rss": int(fields["VmRSS"].split()[0]) / 1024, "peak": int(fields["VmHWM"].split()[0]) / 1024}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rss": peak, "peak": peak}


def interleaved(runs: int, *callables: Callable[[], object], warmup: int = WARMUP) -> list[list[float]]:
    """Time the callables `runs` times each, in turn, after `warmup` untimed rounds; seconds per callable."""
    for _ in range(warmup):
        for fn in callables:
            fn()
    times: list[list[float]] = [[] for _ in callables]
    for _ in range(runs):
        for fn, samples in zip(callables, times, strict=True):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
    return times


def seed_in_subprocess(database_url: str) -> dict:
    """Seed in a child process, so that this (the app) process's memory is not the seeder's."""
    done = subprocess.run([sys.executable, "-m", "bench.seed", database_url], cwd=REPO_ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchmarkError(f"seeding failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class RawQuery:
    """Statements run on the DBAPI connection itself (psycopg / sqlite3), fetching every row.

    A statement's parameters may be a callable of the previous statement's rows (an IN list is expanded).
    """

    def __init__(self, engine, *statements: tuple[str, tuple | Callable[[list], tuple]]):
        self.connection = engine.raw_connection()
        self.dialect = engine.dialect.name
        self.statements = statements
        self.rows = 0

    def __call__(self) -> None:
        cursor = self.connection.cursor()
        self.rows = 0
        rows: list = []
        for sql, params in self.statements:
            if callable(params):
                params = params(rows)
                sql = sql.replace("(?)", "(" + ", ".join(["?"] * len(params)) + ")")
            cursor.execute(_sql(sql, self.dialect), params)
            rows = cursor.fetchall()
            self.rows += len(rows)
        cursor.close()
        self.connection.rollback()

    def close(self) -> None:
        self.connection.close()


def _count_statements(engine, fn: Callable[[], object]) -> list[str]:
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


# ---------------------------------------------------------------- (a) the upward chain

def chain_up_route(app) -> str | None:
    """The URL rule of GET /api/v1/organisations/<id>/chain/up, if the API has it."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/organisations/") and rule.rule.endswith("/chain/up") \
                and "GET" in (rule.methods or ()):
            return rule.rule
    return None


def bench_chain_up(app, engine, manifest: dict, runs: int) -> dict:
    """(a) GET …/chain/up for the hub vs the same recursive query on the DBAPI connection."""
    hub = manifest["hub_id"]
    url = f"/api/v1/organisations/{hub}/chain/up"
    headers = {"Authorization": f"Bearer {manifest['token']}"}
    rule = chain_up_route(app)
    if rule is None:
        raise BenchmarkError("the API has no GET /api/v1/organisations/<id>/chain/up to measure")
    client = app.test_client()

    def subject() -> bytes:
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise BenchmarkError(f"GET {url}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        return response.get_data()

    raw = RawQuery(engine, (RAW_CHAIN_UP, (hub,)))
    walk = RawQuery(engine, (RAW_WALK, (hub,)))
    try:
        body = subject()
        api_times, raw_times, walk_times = interleaved(runs, subject, raw, walk)
    finally:
        raw.close()
        walk.close()
    value, baseline = median_ms(api_times), median_ms(raw_times)
    return figure(value, "ms", baseline, "≤ 5×", value <= 5 * baseline,
                  p95=round(p95_ms(api_times), 3), baseline_p95=round(p95_ms(raw_times), 3), runs=runs,
                  via=f"Flask test client, GET {url}, Authorization: Bearer (route {rule})",
                  response_bytes=len(body), rows=raw.rows,
                  baseline_query="WITH RECURSIVE upward from the hub's entrustments, joined to both parties, "
                                 "fetchall on the DBAPI connection",
                  walk_only_ms=round(median_ms(walk_times), 3),
                  walk_only_query="the same WITH RECURSIVE returning ids only (no joins)",
                  hub_consignors=manifest["hub_consignors"], hub_holdings=manifest["hub_holdings"])


# ---------------------------------------------------------------- (c) an incident at the hub: its fan-out

def bench_fan_out(app, engine, manifest: dict, runs: int) -> dict:
    """The consignors an incident at the hub touches, with each chain (incidents.chains.fan_out), vs the raw
    recursive query; and, for information, opening such an incident (fan-out, parties, one assessment per
    chain, inserts) in a transaction that is rolled back."""
    from oversight import uow
    from oversight.accounts.system import SystemActor
    from oversight.extensions import db
    from oversight.incidents import chains
    from oversight.incidents import services as incidents

    hub = manifest["hub_id"]
    actor = SystemActor(name="bench")
    facts = {"data_items": ["name", "address", "credit_card_number"], "cause": "ransomware", "max_persons": 5000,
             "occurred_on": "2026-11-16", "known_at": "2026-11-17T10:00:00+09:00"}

    def subject():
        with app.app_context():
            return chains.fan_out(hub, "engagements")

    def open_and_roll_back():
        with app.app_context():
            with uow.atomic(dry_run=True):
                incident = incidents.open_incident(actor, {"organisation_id": hub, "title": "bench", "facts": facts})
                parties = len(incident.parties)
            db.session.remove()
            return parties

    raw = RawQuery(engine, (RAW_CHAIN_UP, (hub,)))
    try:
        paths = subject()
        fan_times, raw_times = interleaved(runs, subject, raw)
        parties = open_and_roll_back()
        open_times = interleaved(max(5, runs // 4), open_and_roll_back)[0]
    finally:
        raw.close()
    value, baseline = median_ms(fan_times), median_ms(raw_times)
    consignors = len({p.organisation_ids[0] for p in paths})
    return figure(value, "ms", baseline, "≤ 5×", value <= 5 * baseline,
                  p95=round(p95_ms(fan_times), 3), baseline_p95=round(p95_ms(raw_times), 3), runs=runs,
                  via="oversight.incidents.chains.fan_out(hub, 'engagements') in an app context",
                  baseline_query="WITH RECURSIVE upward from the hub's entrustments, joined to both parties, "
                                 "fetchall on the DBAPI connection",
                  chains=len(paths), consignors=consignors, parties=parties,
                  open_incident_ms=round(median_ms(open_times), 3),
                  open_incident_via="services.open_incident at the hub (fan-out, parties, one Art. 26 assessment "
                                    "per chain, inserts, trail), rolled back")


# ---------------------------------------------------------------- (b) the organisation list page

def login(app, email: str, password: str):
    """A test client logged in through the real form, CSRF token included."""
    client = app.test_client()
    match = CSRF_RE.search(client.get("/login").get_data(as_text=True))
    if not match:
        raise BenchmarkError("no csrf_token on /login")
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": match.group(1)})
    if response.status_code != 302:
        raise BenchmarkError(f"login failed: {response.status_code}")
    return client


def _page(client, expected_rows: int) -> Callable[[], bytes]:
    def call() -> bytes:
        response = client.get("/organisations")
        if response.status_code != 200:
            raise BenchmarkError(f"GET /organisations: {response.status_code}")
        body = response.get_data()
        rows = len(ROW_RE.findall(body.decode()))
        if rows != expected_rows:
            raise BenchmarkError(f"GET /organisations showed {rows} rows, expected {expected_rows}")
        return body

    return call


def bench_list_page(app, engine, manifest: dict, runs: int) -> dict:
    """(b) GET /organisations (50 rows) vs its SELECT + certification load; statements per page size."""
    client = login(app, manifest["admin_email"], manifest["admin_password"])
    page = _page(client, 50)
    counts = {}
    for per_page in (10, 50):
        with mock.patch.dict(app.config, {"PAGE_SIZE": per_page}):
            _page(client, per_page)()
            counts[per_page] = len(_count_statements(engine, _page(client, per_page)))
    raw = RawQuery(engine, (RAW_PAGE, (50, 0)), (RAW_CERTIFICATIONS, lambda rows: tuple(r[0] for r in rows)))
    try:
        page_times, raw_times = interleaved(runs, page, raw)
    finally:
        raw.close()
    value, baseline = median_ms(page_times), median_ms(raw_times)
    constant = counts[10] == counts[50]
    return figure(value, "ms", baseline, "< 50 ms median; constant SQL statements", value < 50 and constant,
                  p95=round(p95_ms(page_times), 3), baseline_p95=round(p95_ms(raw_times), 3), runs=runs,
                  queries_per_page_10=counts[10], queries_per_page_50=counts[50], constant=constant,
                  via="Flask test client, GET /organisations, logged in as the admin through the login form "
                      "(CSRF token from /login); per_page 10 by patching services.search_organisations",
                  baseline_query="the page's SELECT … ORDER BY name_kana, name, id LIMIT 50 + its certifications, "
                                 "fetchall on the DBAPI connection",
                  rows=50, baseline_rows=raw.rows)


# ---------------------------------------------------------------- (c) memory

def app_memory(before: dict[str, float], requests: int) -> dict:
    """(c) RSS after serving the benchmark vs RSS right after create_app."""
    after = memory_mb()
    return figure(after["rss"], "MB", before["rss"], "none set (reported)", None,
                  peak_mb=round(after["peak"], 1), growth_mb=round(after["rss"] - before["rss"], 1),
                  requests_served=requests,
                  note="peak (VmHWM) includes the one Argon2id login (64 MiB working memory by default)")


def run(backend: str, *, keep: bool = False, runs: int = 40) -> dict[str, dict]:
    """Create and seed a database, measure the three figures in this process, drop the database."""
    with seeding.throwaway_database(backend, keep=keep) as url:
        started = time.perf_counter()
        manifest = seed_in_subprocess(url)
        print(f"seeded in {time.perf_counter() - started:.1f} s: {manifest['organisations']:,} organisations, "
              f"{manifest['entrustments']:,} entrustments (max depth {manifest['max_depth']}), hub "
              f"#{manifest['hub_id']} holds {manifest['hub_holdings']} for {manifest['hub_consignors']} "
              f"original consignors")
        print(f"  statuses {manifest['statuses']}; origins {manifest['origins']}; terms {manifest['terms']}")
        from flask import request_finished

        from oversight import create_app
        from oversight.extensions import db

        app = create_app(BenchConfig, {"SQLALCHEMY_DATABASE_URI": url})
        before = memory_mb()
        served = []
        request_finished.connect(lambda sender, **extra: served.append(1), app, weak=False)
        with app.app_context():
            engine = db.engine
        results = {"chain_up_api": bench_chain_up(app, engine, manifest, runs),
                   "organisation_list_page": bench_list_page(app, engine, manifest, runs),
                   "incident_fan_out": bench_fan_out(app, engine, manifest, runs)}
        results["app_memory"] = app_memory(before, len(served))
        for entry in results.values():
            entry["backend"] = backend
        engine.dispose()
    return results
