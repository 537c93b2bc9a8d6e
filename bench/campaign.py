"""Periodic audit campaigns: `python -m bench campaign`.

* launching 1,000 audits: three consignors each entrust call-centre data (150,000 persons: tier high, every six
  months) to the same 1,000 vendors, started so that every audit falls due in ten days. `open_due_audits` for one
  consignor — the schedule of every live entrustment read from the database (audits.risk), then 1,000 audits
  opened, each with its frozen questionnaire request, its mail queued in the outbox and its trail record — is the
  headline; the baseline is a bare `executemany` insert of the same rows (1,000 requests, audits and outbox
  messages) in one transaction. Interleaved, once per consignor (3 repetitions), median wall time.
* the real schedule on the 10,000-organisation synthetic registry (`bench.seed`, 30,000 entrustments, seeded in a
  child process): `audits.schedule.rows_for` over every live entrustment — their risk facts read from the database
  and each one's tier and next due date — beside a bare SELECT of the same entrustment rows.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from bench import BenchConfig, figure
from bench import seed as seeding

VENDORS = 1_000
CONSIGNORS = 3
TARGET_SECONDS = 60.0
SCHEDULE_TARGET_SECONDS = 10.0


def _world(app) -> list[int]:
    """The consignors (with a privacy office) and vendors (with a contact) and their entrustments; consignor ids."""
    from sqlalchemy import insert, select

    from oversight.accounts import services as accounts
    from oversight.corporate_number import with_check_digit
    from oversight.extensions import db
    from oversight.registry.models import Contact, Entrustment, Organisation
    from oversight.timeutil import today_jst, utcnow
    from tests.campaigns.world import start_for_due_in

    with app.app_context():
        db.session.execute(insert(Organisation), [
            {"name": f"ベンチ委託元{c}", "name_kana": "ベンチ", "corporate_number": with_check_digit(f"8{c:011d}")}
            for c in range(CONSIGNORS)] + [
            {"name": f"ベンチ委託先{v:04d}株式会社", "name_kana": "ベンチ", "corporate_number":
             with_check_digit(f"9{v:011d}")} for v in range(VENDORS)])
        ids = db.session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
        consignors, vendors = ids[:CONSIGNORS], ids[CONSIGNORS:]
        db.session.execute(insert(Contact), [{"organisation_id": v, "role": "general", "name": "窓口",
                                              "email": f"contact{n}@vendor.example", "phone": ""}
                                             for n, v in enumerate(vendors)])
        start = start_for_due_in(10, 6, today_jst())
        now = utcnow()
        db.session.execute(insert(Entrustment), [
            {"consignor_id": c, "contractor_id": v, "data_set": f"会員データ{n}", "person_count": 150_000,
             "status": "active", "start_on": start, "data_items": ["name", "phone"], "created_at": now,
             "updated_at": now} for c in consignors for n, v in enumerate(vendors)])
        db.session.commit()
        for n, c in enumerate(consignors):
            accounts.create_user(None, {"email": f"privacy{n}@bench.example", "name": "個人情報保護管理者",
                                        "role": "privacy_office", "password": "bench-campaign-password-2026",
                                        "organisation_id": c})
        db.session.commit()
    return consignors


def _bare_insert(app, round_: int) -> float:
    """The baseline: the same rows a campaign writes, inserted with executemany in one transaction."""
    from sqlalchemy import insert, select

    from audits import library
    from audits.audit_models import Audit
    from audits.models import QuestionnaireRequest
    from oversight.extensions import db
    from oversight.outbox.models import OutboxMessage
    from oversight.registry.models import Entrustment
    from oversight.timeutil import today_jst, utcnow

    with app.app_context():
        q = library.current("periodic")
        frozen, digest = library.freeze(q)
        rows = db.session.execute(select(Entrustment.id, Entrustment.consignor_id, Entrustment.contractor_id)
                                  .limit(VENDORS)).all()
        due = today_jst() + timedelta(days=1000 + round_)
        db.session.commit()
        started = time.perf_counter()
        now = utcnow()
        db.session.execute(insert(QuestionnaireRequest), [
            {"requester_id": r.consignor_id, "vendor_id": r.contractor_id, "questionnaire_id": q.id,
             "questionnaire_version": q.version, "questionnaire_sha256": digest, "questionnaire_frozen": frozen,
             "status": "sent", "due_on": due, "question_count": len(q.questions), "sent_at": now, "created_at": now,
             "updated_at": now, "message": "", "answered_count": 0, "blocked": False, "submitted_by_name": ""}
            for r in rows])
        db.session.execute(insert(Audit), [
            {"auditor_id": r.consignor_id, "entrustment_id": r.id, "vendor_id": r.contractor_id,
             "kind": "questionnaire", "status": "open", "due_on": due, "tier": "high", "tier_reasons": [],
             "checklist": [], "opened_at": now, "updated_at": now} for r in rows])
        db.session.execute(insert(OutboxMessage), [
            {"key": f"bench:{round_}:{r.id}", "recipients": ["x@vendor.example"], "skipped_recipients": [],
             "subject": "件名", "body": "本文", "status": "pending", "attempts": 0, "next_attempt_at": now,
             "created_at": now} for r in rows])
        db.session.commit()
        return time.perf_counter() - started


def _campaign(app, consignor_id: int):
    from audits.campaigns import open_due_audits
    from oversight.extensions import db

    with app.app_context():
        db.session.commit()
        started = time.perf_counter()
        result = open_due_audits(auditor_id=consignor_id)
        elapsed = time.perf_counter() - started
        return elapsed, result


def launch(backend: str, keep: bool) -> dict:
    """Launching 1,000 audits beside the bare insert of the same rows."""
    from flask_migrate import upgrade

    from oversight import create_app
    from oversight.extensions import db

    with seeding.throwaway_database(backend, keep=keep) as url:
        app = create_app(BenchConfig, {"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
        consignors = _world(app)
        walls, bares, results = [], [], []
        for n, consignor in enumerate(consignors):
            elapsed, result = _campaign(app, consignor)
            walls.append(elapsed)
            results.append(result)
            bares.append(_bare_insert(app, n))
        with app.app_context():
            db.engine.dispose()
    wall, bare = statistics.median(walls), statistics.median(bares)
    opened = [len(r.opened) for r in results]
    each = ", ".join(f"{w:.2f}" for w in walls)
    print(f"  launching {VENDORS:,} audits: {wall:.2f} s median of {len(walls)} ({each}); "
          f"bare insert {bare:.3f} s; opened {opened}, mailed {[r.mailed for r in results]}")
    return {"audit_campaign_1000_seconds": figure(
        wall, "s", bare, "< 60 s", wall < TARGET_SECONDS and all(o == VENDORS for o in opened),
        runs=[round(w, 3) for w in walls], baseline_runs=[round(b, 4) for b in bares], opened=opened,
        mailed=[r.mailed for r in results], backend=backend,
        via="audits.campaigns.open_due_audits(auditor_id=…): the schedule of 3,000 live entrustments read from the "
            "database, then 1,000 audits opened (frozen questionnaire request, outbox mail, trail record), 50 per "
            "transaction",
        baseline_loop="executemany of the same 1,000 requests, audits and outbox rows in one transaction")}


def schedule_on_registry(backend: str, keep: bool, runs: int) -> dict:
    """The real schedule (risk facts from the database, tiers, due dates) of the seeded 10,000-organisation
    registry, beside a bare SELECT of the same entrustments."""
    from sqlalchemy import select

    from audits.risk import live_ids
    from audits.schedule import rows_for
    from bench.registry import seed_in_subprocess
    from oversight import create_app
    from oversight.extensions import db
    from oversight.registry.models import Entrustment

    repeats = max(3, min(7, runs // 8))
    with seeding.throwaway_database(backend, keep=keep) as url:
        manifest = seed_in_subprocess(url)
        app = create_app(BenchConfig, {"SQLALCHEMY_DATABASE_URI": url})
        walls, bares, count = [], [], 0
        with app.app_context():
            for _ in range(repeats):
                db.session.rollback()
                started = time.perf_counter()
                db.session.execute(select(Entrustment.__table__).where(Entrustment.id.in_(
                    live_ids(seeding.TODAY)))).all()
                bares.append(time.perf_counter() - started)
                db.session.rollback()
                started = time.perf_counter()
                count = len(rows_for(live_ids(seeding.TODAY), seeding.TODAY))
                walls.append(time.perf_counter() - started)
            db.engine.dispose()
    wall, bare = statistics.median(walls), statistics.median(bares)
    print(f"  schedule of {count:,} live entrustments of the seeded registry ({manifest['organisations']:,} "
          f"organisations): {wall:.2f} s, bare select {bare:.3f} s; median of {repeats}")
    return {"audit_schedule_registry_seconds": figure(
        wall, "s", bare, "< 10 s", wall < SCHEDULE_TARGET_SECONDS, runs=[round(w, 3) for w in walls],
        baseline_runs=[round(b, 4) for b in bares], entrustments=count, backend=backend, repetitions=repeats,
        via="audits.schedule.rows_for(live_ids(2026-04-01)): risk facts from the database (chain, contracts, "
            "audits, findings, incidents, notifications), tier_of and next_due for each",
        baseline_loop="SELECT of the same live entrustment rows")}


def run(backend: str, *, keep: bool = False, runs: int = 40) -> dict[str, dict]:
    """Both figures, each in a database of its own."""
    return {**launch(backend, keep), **schedule_on_registry(backend, keep, runs)}
