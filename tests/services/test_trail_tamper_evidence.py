"""The trail's tamper evidence reaches past the database: its hashes are keyed with a secret the database does
not hold, and signed checkpoints outside it show records removed or rewritten, even by someone with the key."""

import json
from datetime import datetime, time, timedelta

from sqlalchemy import delete, select, text, update

from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.registry import services as registry
from oversight.timeutil import JST, today_jst, utcnow
from oversight.trail import anchors, checks
from oversight.trail.integrity import GENESIS, chain_rows, derived_key, keyed_hash, legacy_hash, seal_legacy, verify
from oversight.trail.models import TrailCheck, TrailRecord
from tests.factories import SYSTEM, gen_chain, gen_organisation

STOLEN_KEY = "test-trail-key"  # what TestConfig uses: "the key stolen" means the attacker has exactly this


def verify_trail(app):
    """`flask verify-trail`: its exit status and everything it printed."""
    outcome = app.test_cli_runner().invoke(args=["verify-trail"])
    return outcome.exit_code, outcome.output


def history(records: int = 6, now: datetime | None = None) -> None:
    """Registry work that leaves at least `records` trail records, then the scheduler's check and checkpoint."""
    org = gen_organisation("東都システム", address="東京都江東区")
    for n in range(records):
        registry.update_organisation(SYSTEM, org.id, {"address": f"東京都江東区{n + 1}丁目"})
    checks.run_check(now)


def rows() -> list[dict]:
    columns = TrailRecord.__table__.c
    return [dict(r._mapping) for r in db.session.execute(select(*columns).order_by(columns.seq))]


def rewrite_from(seq: int, hasher, until: int | None = None, **changes) -> None:
    """What someone who can write the database does: change record `seq`, then recompute every hash from there
    (up to record `until`) so that each link holds again."""
    records = rows()
    prev = records[seq - 2]["hash"] if seq > 1 else GENESIS
    for row in records[seq - 1:until]:
        if row["seq"] == seq:
            row.update(changes)
        row["prev_hash"] = prev
        row["hash"] = prev = hasher(row)
        db.session.execute(update(TrailRecord).where(TrailRecord.seq == row["seq"]).values(
            **{k: v for k, v in row.items() if k != "id"}))
    db.session.commit()


def newest_seq() -> int:
    return db.session.scalar(select(TrailRecord.seq).order_by(TrailRecord.seq.desc()).limit(1))


def test_an_intact_trail_matches_its_checkpoint(app):
    history()
    status, output = verify_trail(app)
    assert status == 0, output
    assert "matches the checkpoint of" in output and f"(record {newest_seq()})" in output


def test_deleting_the_newest_records_shows_as_truncation(app):
    history()
    anchored = newest_seq()
    db.session.execute(delete(TrailRecord).where(TrailRecord.seq > anchored - 2))
    db.session.commit()

    status, output = verify_trail(app)

    assert status == checks.EXIT_TRUNCATED
    assert f"trail TRUNCATED: {anchored - 2} records" in output
    assert f"records {anchored - 1} to {anchored} are gone" in output


def test_deleting_every_record_shows_as_truncation(app):
    history()
    anchored = newest_seq()
    db.session.execute(delete(TrailRecord))
    db.session.commit()

    status, output = verify_trail(app)

    assert status == checks.EXIT_TRUNCATED and f"records 1 to {anchored} are gone" in output


def test_the_scheduler_reports_the_truncation_on_the_page_too(app):
    history()
    db.session.execute(delete(TrailRecord).where(TrailRecord.seq == newest_seq()))
    db.session.commit()

    checks.run_check(utcnow() + timedelta(days=1))  # the day's full check

    stored = db.session.get(TrailCheck, checks.CHECK_ID)
    assert not stored.ok and stored.problem == "truncated"


def test_rewriting_a_record_and_recomputing_the_hashes_without_the_key_is_detected(app):
    history()
    rewrite_from(2, legacy_hash, actor_name="someone@else.example")  # plain SHA-256, as the trail once was

    status, output = verify_trail(app)

    assert status == checks.EXIT_BROKEN and "trail BROKEN at record 2" in output


def test_a_guessed_key_does_not_help(app):
    history()
    wrong = derived_key("chain", "a-guessed-key")
    rewrite_from(2, lambda row: keyed_hash(row, wrong), actor_name="someone@else.example")

    status, output = verify_trail(app)

    assert status == checks.EXIT_BROKEN and "trail BROKEN at record 2: content does not match its hash" in output


def test_with_the_key_stolen_a_rewrite_still_differs_from_the_checkpoint(app):
    history()
    anchored = newest_seq()
    stolen = derived_key("chain", STOLEN_KEY)
    rewrite_from(2, lambda row: keyed_hash(row, stolen), actor_name="someone@else.example")

    status, output = verify_trail(app)

    assert status == checks.EXIT_REWRITTEN
    assert f"trail REWRITTEN at record {anchored}: it differs from the checkpoint" in output


def test_with_the_key_stolen_removing_records_still_shows_at_the_checkpoint(app):
    history()
    anchored = newest_seq()
    stolen = derived_key("chain", STOLEN_KEY)
    db.session.execute(delete(TrailRecord).where(TrailRecord.seq == 3))
    db.session.commit()
    records = [r for r in rows() if r["seq"] > 3]
    for row in records:  # close the gap: renumber and re-hash everything after it, with the key
        db.session.execute(delete(TrailRecord).where(TrailRecord.seq == row["seq"]))
    db.session.commit()
    replayed = [{k: v for k, v in r.items() if k not in ("id", "seq", "prev_hash", "hash")} for r in records]
    chain_rows(replayed, (2, rows()[1]["hash"]), key=stolen)
    db.session.execute(TrailRecord.__table__.insert(), replayed)
    db.session.commit()

    status, output = verify_trail(app)

    assert status == checks.EXIT_TRUNCATED and f"records {anchored} to {anchored} are gone" in output


def test_an_anchor_line_without_a_valid_signature_is_reported(app):
    history()
    path = app.config["TRAIL_ANCHOR_PATH"]
    with open(path, encoding="utf-8") as file:
        forged = json.loads(file.readline())
    forged["seq"] = 1
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(forged) + "\n")

    status, output = verify_trail(app)

    assert status == checks.EXIT_ANCHOR_DAMAGED and "anchor file DAMAGED: line(s) 2" in output


def test_without_a_checkpoint_yet_the_cli_says_what_it_cannot_see(app):
    gen_chain(1)
    status, output = verify_trail(app)
    assert status == 0 and "not anchored yet" in output


def test_the_scheduler_walks_only_the_new_records_and_anchors_at_most_every_interval(app):
    history(3)
    first = anchors.read_all().anchors
    assert [a.seq for a in first] == [newest_seq()]
    gen_organisation("大和データ")  # one more record

    summary = checks.run_check()

    assert summary.startswith("incremental check, 1 records walked, ok")
    assert len(anchors.read_all().anchors) == 1  # the last checkpoint is younger than TRAIL_ANCHOR_SECONDS
    later = utcnow() + timedelta(seconds=app.config["TRAIL_ANCHOR_SECONDS"])
    assert "anchored record" in checks.run_check(later)
    assert [a.seq for a in anchors.read_all().anchors] == [first[0].seq, newest_seq()]
    stored = db.session.get(TrailCheck, checks.CHECK_ID)
    assert stored.ok and stored.verified_seq == stored.anchored_seq == newest_seq()


def test_an_old_record_edited_in_place_is_caught_by_the_days_full_check(app):
    history()
    db.session.execute(text("UPDATE trail_record SET object_label = 'changed' WHERE seq = 1"))
    db.session.commit()
    gen_organisation("大和データ")

    assert "ok" in checks.run_check()  # the incremental check only looks at what is new
    checks.run_check(utcnow() + timedelta(days=1))

    stored = db.session.get(TrailCheck, checks.CHECK_ID)
    assert not stored.ok and stored.broken_seq == 1 and stored.problem == "content"


def test_the_days_first_checkpoint_is_mailed_to_the_privacy_office(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRAIL_ANCHOR_MAIL_TO", "privacy@sakura-hd.example, audit@sakura-hd.example")
    noon = datetime.combine(today_jst(), time(12), JST)  # both checkpoints on one Japanese day, whenever it runs
    history(2, now=noon)
    gen_organisation("大和データ")
    checks.run_check(noon + timedelta(hours=1))

    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.object_type == "trail")).all()
    assert len(mails) == 1
    assert sorted(mails[0].recipients) == ["audit@sakura-hd.example", "privacy@sakura-hd.example"]
    assert "監査証跡のチェックポイント" in mails[0].subject and '"mac":' in mails[0].body


def test_the_privacy_office_is_told_once_when_a_check_finds_the_chain_broken(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRAIL_ANCHOR_MAIL_TO", "privacy@sakura-hd.example")
    history(2)
    db.session.execute(delete(TrailRecord).where(TrailRecord.seq == newest_seq()))
    db.session.commit()

    checks.run_check(utcnow() + timedelta(days=1))
    checks.run_check(utcnow() + timedelta(days=2))

    alarms = db.session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("trail-broken:%"))).all()
    assert len(alarms) == 1 and "監査証跡の改ざんの疑い" in alarms[0].subject
    assert "records anchored outside the database are gone" in alarms[0].body


def test_records_hashed_before_the_key_are_sealed_by_the_switch_record(app):
    legacy = [{"at": utcnow(), "actor_user_id": None, "actor_name": "system:demo", "actor_org_id": None,
               "action": "create", "object_type": "organisation", "object_id": n, "object_label": f"組織{n}",
               "before": None, "after": {"name": f"組織{n}"}, "request_id": ""} for n in range(1, 4)]
    chain_rows(legacy, hasher=legacy_hash)
    db.session.execute(TrailRecord.__table__.insert(), legacy)
    db.session.commit()
    assert verify().problem == "unsigned"  # plain hashes alone prove nothing

    with db.engine.begin() as connection:
        assert seal_legacy(connection, STOLEN_KEY) == 3
    gen_organisation("大和データ")  # written after the switch, with the key
    assert verify().ok

    rewrite_from(2, legacy_hash, until=3, after={"name": "書き換え"})
    result = verify()
    assert not result.ok and result.first_bad_seq == 4  # the switch record's keyed link to record 3
    rewrite_from(2, legacy_hash, after={"name": "書き換え"})  # and on to the end, all without the key
    assert verify().problem == "unsigned"


def test_deleting_the_switch_record_leaves_the_old_records_unsealed(app):
    legacy = [{"at": utcnow(), "actor_user_id": None, "actor_name": "system:demo", "actor_org_id": None,
               "action": "create", "object_type": "organisation", "object_id": 1, "object_label": "組織",
               "before": None, "after": None, "request_id": ""}]
    chain_rows(legacy, hasher=legacy_hash)
    db.session.execute(TrailRecord.__table__.insert(), legacy)
    db.session.commit()
    with db.engine.begin() as connection:
        seal_legacy(connection, STOLEN_KEY)
    db.session.execute(delete(TrailRecord).where(TrailRecord.seq == 2))
    db.session.commit()

    result = verify()
    assert not result.ok and result.problem == "unsigned" and result.first_bad_seq == 1
