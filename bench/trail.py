"""The audit trail at a million records: `python -m bench trail`.

Data: the synthetic registry of bench.seed (10,000 organisations, 30,000 entrustments), then TRAIL_RECORDS trail
records bulk-inserted in chunks (COPY on PostgreSQL) with their HMAC chain computed as the app computes it, spread
over two years: changes to entrustments, organisations, incidents, notifications and users by 3,000 actors. The
viewer is an auditor of the consignor with the most direct entrustments, so every page goes through the
visibility rule (restrict_trail); a colleague of the auditor made COLLEAGUE_RECORDS of them, and one of its
entrustments carries HOT_RECORDS (long enough to page through).

Figures (each the median over `runs` requests through Flask's test client, logged in through the form, beside the
bare query of the same page — the statement the page runs for its rows, compiled by the app and run on the DBAPI
connection with fetchall — interleaved run by run):
  trail_page               the headline: filtered by object type and a month (JST), then its second page
  trail_page_unfiltered    the newest page of everything the auditor may see
  trail_page_object        one entrustment's records, second page
  trail_page_actor         a colleague's records (by name)
and, once each, for information: the scheduler's incremental check after 1,000 new records, and the full walk of
the whole chain (what the page used to do on every view).
"""

from __future__ import annotations

import json
import random
import re
import time
from datetime import UTC, datetime, timedelta

from bench import BenchConfig, figure, median_ms, p95_ms
from bench import seed as seeding

TRAIL_RECORDS = 1_000_000
CHUNK = 20_000
ACTORS = 3_000
COLLEAGUE_RECORDS = 3_000
HOT_RECORDS = 600
NEW_RECORDS = 1_000
START = datetime(2024, 4, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
TARGET_MS = 200.0
AUDITOR_EMAIL = "bench-auditor@oversight.example"
COLLEAGUE_NAME = "監査 太郎"
PASSWORD = "bench-auditor-password-2026"
ROW_RE = re.compile(r'<tr id="record-(\d+)">')
OLDER_RE = re.compile(r'href="([^"]+)" rel="next"')
COLUMNS = ("seq", "at", "actor_user_id", "actor_name", "actor_org_id", "action", "object_type", "object_id",
           "object_label", "before", "after", "request_id", "prev_hash", "hash")


class BenchmarkError(RuntimeError):
    """The app did not answer as the benchmark expects (a wrong figure is worse than none)."""


# ---------------------------------------------------------------- seeding

def _auditor_organisation(db) -> int:
    from sqlalchemy import func, select

    from oversight.registry.models import Entrustment

    return db.session.execute(
        select(Entrustment.consignor_id, func.count()).where(Entrustment.parent_id.is_(None))
        .group_by(Entrustment.consignor_id).order_by(func.count().desc(), Entrustment.consignor_id).limit(1)).first()[0]


def _rows(rng: random.Random, count: int, first_seq: int, total: int, people: dict) -> list[dict]:
    """`count` plain records (no seq or hashes yet) for positions first_seq … of `total`, in time order."""
    rows = []
    for i in range(count):
        position = first_seq + i
        at = START + SPAN * (position / total) + timedelta(microseconds=rng.randrange(1000))
        pick = rng.random()
        if position % (total // COLLEAGUE_RECORDS) == 0:
            actor = people["colleague"]
        else:
            actor = people["actors"][rng.randrange(ACTORS)]
        if position % (total // HOT_RECORDS) == 1:
            kind, object_id = "entrustment", people["hot_entrustment"]
        elif pick < 0.55:
            kind, object_id = "entrustment", rng.randrange(1, seeding.N_ENTRUSTMENTS + 1)
        elif pick < 0.80:
            kind, object_id = "organisation", rng.randrange(1, seeding.N_ORGANISATIONS + 1)
        elif pick < 0.88:
            kind, object_id = "incident", rng.randrange(1, 5_000)
        elif pick < 0.95:
            kind, object_id = "notification", rng.randrange(1, 5_000)
        else:
            kind, object_id = "user", rng.randrange(1, ACTORS)
        action, before, after = {
            "entrustment": ("update", {"status": "approved", "person_count": 1200},
                            {"status": "active", "person_count": 1500 + i % 100}),
            "organisation": ("update", {"address": "東京都港区芝公園1-1"},
                             {"address": f"東京都港区芝公園{i % 9 + 1}-2"}),
            "incident": ("incident_facts", {"max_persons": 800}, {"max_persons": 1200, "cause": "lost_outside"}),
            "notification": ("notification_acknowledge", None,
                             {"receipt_number": f"R{object_id:05d}-000001", "acknowledged_at": at.isoformat()}),
            "user": ("update", {"is_enabled": True}, {"is_enabled": False}),
        }[kind]
        rows.append({"at": at, "actor_user_id": actor[0], "actor_name": actor[1], "actor_org_id": actor[2],
                     "action": action, "object_type": kind, "object_id": object_id,
                     "object_label": f"{kind} {object_id}", "before": before, "after": after,
                     "request_id": f"{position:032x}"})
    return rows


def _copy(raw, rows: list[dict]) -> None:
    """PostgreSQL COPY of hashed rows (json columns as text)."""
    with raw.cursor() as cursor, cursor.copy(f"COPY trail_record ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in ("before", "after") and row[c] is not None
                            else row[c] for c in COLUMNS])


def seed_trail(app, total: int) -> dict:
    """The auditor, its colleague and `total` chained trail records; what the figures need to know."""
    from sqlalchemy import select

    from oversight.accounts import services as accounts
    from oversight.extensions import db
    from oversight.registry.models import Entrustment
    from oversight.trail.integrity import chain_rows, head
    from oversight.trail.models import TrailRecord

    rng = random.Random(20260401)
    with app.app_context():
        org_id = _auditor_organisation(db)
        auditor = accounts.create_user(None, {"email": AUDITOR_EMAIL, "name": "監査 花子", "role": "auditor",
                                              "password": PASSWORD, "organisation_id": org_id})
        colleague = accounts.create_user(None, {"email": "bench-colleague@oversight.example", "name": COLLEAGUE_NAME,
                                                "role": "privacy_office", "password": PASSWORD,
                                                "organisation_id": org_id})
        hot = db.session.scalar(select(Entrustment.id).where(Entrustment.consignor_id == org_id)
                                .order_by(Entrustment.id).limit(1))
        people = {"colleague": (colleague.id, colleague.email, org_id), "hot_entrustment": hot,
                  "actors": [(10_000 + n, f"user{n}@vendor{n % 997}.example.jp", rng.randrange(1, 10_001))
                             for n in range(ACTORS)]}
        after = head()
        facts = {"organisation_id": org_id, "auditor_id": auditor.id, "hot_entrustment": hot,
                 "colleague": COLLEAGUE_NAME, "first_seq": after[0] + 1}
        db.session.commit()
        engine = db.engine
        raw = engine.raw_connection()
        try:
            for start in range(0, total, CHUNK):
                rows = _rows(rng, min(CHUNK, total - start), start + 1, total, people)
                after = chain_rows(rows, after)
                if engine.dialect.name == "postgresql":
                    _copy(raw, rows)
                    raw.commit()
                else:
                    with engine.begin() as conn:
                        conn.execute(TrailRecord.__table__.insert(), rows)
        finally:
            raw.close()
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        if engine.dialect.name == "sqlite":  # fold the load's write-ahead log into the database, as it settles
            raw = engine.raw_connection()
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        engine.dispose()  # connections opened before ANALYZE would plan without its statistics
        facts["last_seq"] = after[0]
        facts["records"] = db.session.scalar(select(TrailRecord.seq).order_by(TrailRecord.seq.desc()).limit(1))
        db.session.remove()
    return facts


# ---------------------------------------------------------------- timing

def _page(client, path: str, minimum_rows: int):
    def call() -> bytes:
        response = client.get(path)
        if response.status_code != 200:
            raise BenchmarkError(f"GET {path}: {response.status_code} {response.get_data(as_text=True)[:500]}")
        body = response.get_data()
        rows = len(ROW_RE.findall(body.decode()))
        if rows < minimum_rows:
            raise BenchmarkError(f"GET {path} showed {rows} rows, expected at least {minimum_rows}")
        return body

    return call


def _page_statement(app, auditor_id: int, args: dict) -> str:
    """The SQL the page runs for its rows, with its parameters inlined (the bare query of the same page)."""
    from oversight.accounts.models import User
    from oversight.extensions import db
    from oversight.trail import browse
    from oversight.trail.models import TrailRecord

    with app.test_request_context():
        user = db.session.get(User, auditor_id)
        query = browse.filtered(user, browse.parse_filters(args))
        if args.get("before"):
            query = query.where(TrailRecord.seq < int(args["before"]))
        query = query.order_by(TrailRecord.seq.desc()).limit(app.config["PAGE_SIZE"] + 1)
        text = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        db.session.remove()
    return text


def measure_page(app, engine, client, auditor_id: int, path: str, runs: int, minimum_rows: int) -> dict:
    """One page through the app against its bare query."""
    from urllib.parse import parse_qsl, urlsplit

    from bench.registry import RawQuery, interleaved

    args = dict(parse_qsl(urlsplit(path).query))
    raw = RawQuery(engine, (_page_statement(app, auditor_id, args), ()))
    page = _page(client, path, minimum_rows)
    try:
        page_times, raw_times = interleaved(runs, page, raw)
    finally:
        raw.close()
    value, baseline = median_ms(page_times), median_ms(raw_times)
    return figure(value, "ms", baseline, f"< {TARGET_MS:.0f} ms median", value < TARGET_MS,
                  p95=round(p95_ms(page_times), 3), baseline_p95=round(p95_ms(raw_times), 3), runs=runs,
                  path=path, rows_shown=len(ROW_RE.findall(page().decode())), baseline_rows=raw.rows,
                  via="Flask test client, logged in as an auditor of the consignor with the most direct entrustments "
                      "(visibility rule applied), through the login form",
                  baseline_query="the page's own row SELECT (compiled by the app, parameters inlined) on the DBAPI "
                                 "connection, fetchall")


def second_page(client, path: str) -> str:
    """The path of the 'older' link on the first page of `path`."""
    match = OLDER_RE.search(client.get(path).get_data(as_text=True))
    if not match:
        raise BenchmarkError(f"{path}: no link to older records")
    return match.group(1).replace("&amp;", "&")


def measure_checks(app, facts: dict) -> dict:
    """The scheduler's incremental check after NEW_RECORDS new records, beside the full walk of the chain."""
    from oversight.extensions import db
    from oversight.trail import checks
    from oversight.trail.integrity import chain_rows, head
    from oversight.trail.models import TrailRecord

    with app.app_context():
        started = time.perf_counter()
        full = checks.run_check(full=True)  # the day's full check (and the first checkpoint)
        walk = time.perf_counter() - started
        if "ok" not in full:
            raise BenchmarkError(f"the seeded chain does not verify: {full}")
        rows = _rows(random.Random(1), NEW_RECORDS, facts["records"] + 1, TRAIL_RECORDS,
                     {"colleague": (None, "system:bench", None), "hot_entrustment": facts["hot_entrustment"],
                      "actors": [(None, "system:bench", None)] * ACTORS})
        chain_rows(rows, head())
        db.session.execute(TrailRecord.__table__.insert(), rows)
        db.session.commit()
        started = time.perf_counter()
        summary = checks.run_check()
        incremental = time.perf_counter() - started
        db.session.remove()
    if "ok" not in summary:
        raise BenchmarkError(f"incremental check: {summary}")
    return figure(incremental * 1000, "ms", walk * 1000, "none set (reported)", None,
                  new_records=NEW_RECORDS, full_check=full, incremental_check=summary,
                  note="value: the scheduler's incremental check (walk the new records, compare with the last "
                       "checkpoint, store the result); baseline: the daily full check, a walk of the whole chain, "
                       "which the page used to run on every view")


def run(backend: str, *, keep: bool = False, runs: int = 40) -> dict[str, dict]:
    """Seed a registry and a million trail records, time the trail page as an auditor, drop the database."""
    from bench.registry import login, seed_in_subprocess
    from oversight import create_app
    from oversight.extensions import db

    with seeding.throwaway_database(backend, keep=keep) as url:
        started = time.perf_counter()
        seed_in_subprocess(url)
        anchor_path = seeding.WORK_DIR / f"trail-anchors-{time.time_ns()}.jsonl"
        app = create_app(BenchConfig, {"SQLALCHEMY_DATABASE_URI": url, "TRAIL_ANCHOR_PATH": str(anchor_path)})
        facts = seed_trail(app, TRAIL_RECORDS)
        print(f"  seeded in {time.perf_counter() - started:.0f} s: {facts['records']:,} trail records over the "
              f"registry; auditor of organisation #{facts['organisation_id']}")
        with app.app_context():
            engine = db.engine
        client = login(app, AUDITOR_EMAIL, PASSWORD)
        month = (START + SPAN / 2).date()
        headline = f"/trail?object_type=entrustment&from={month.replace(day=1)}&to={month.replace(day=28)}"
        shapes = {
            "trail_page": (second_page(client, headline), 1),
            "trail_page_unfiltered": ("/trail", 50),
            "trail_page_object": (second_page(client, f"/trail?object_type=entrustment&object_id="
                                                      f"{facts['hot_entrustment']}"), 50),
            "trail_page_actor": (f"/trail?actor={facts['colleague']}", 50),
        }
        results = {}
        for name, (path, minimum) in shapes.items():
            results[name] = measure_page(app, engine, client, facts["auditor_id"], path, runs, minimum)
            print(f"  {name}: {results[name]['value']:.1f} ms (bare query {results[name]['baseline']:.1f} ms) "
                  f"{path}")
        results["trail_check_incremental"] = measure_checks(app, facts)
        print(f"  incremental check of {NEW_RECORDS:,} new records: {results['trail_check_incremental']['value']:.0f} "
              f"ms; full walk of {facts['records']:,}: {results['trail_check_incremental']['baseline'] / 1000:.1f} s")
        for entry in results.values():
            entry["backend"] = backend
            entry["trail_records"] = facts["records"]
            if backend != "postgresql" and entry.get("passed") is not None:
                entry["note"] = "the target is defined for PostgreSQL; on SQLite reported for information"
                entry["passed"] = None
        engine.dispose()
        anchor_path.unlink(missing_ok=True)
    return results
