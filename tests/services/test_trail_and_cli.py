"""The audit trail is append-only and tamper-evident; the CLI verifies it, creates the first admin, loads the demo."""

from sqlalchemy import func, select, text

from oversight.extensions import db
from oversight.registry import services as registry
from oversight.registry.models import Entrustment, Organisation
from oversight.trail import services as trail
from oversight.trail.models import TrailRecord
from tests.factories import SYSTEM, gen_chain, gen_organisation


def test_an_edit_records_who_when_and_before_after():
    org = gen_organisation("東都システム", address="東京都江東区")
    registry.update_organisation(SYSTEM, org.id, {"address": "東京都港区"})
    record = db.session.scalars(select(TrailRecord).order_by(TrailRecord.seq.desc())).first()
    assert record.action == "update" and record.actor_name == "system:tests"
    assert record.before["address"] == "東京都江東区" and record.after["address"] == "東京都港区"
    assert record.at.tzinfo is not None


def test_rewriting_history_is_detected(app):
    gen_chain(2)
    assert trail.verify().ok
    db.session.execute(text("UPDATE trail_record SET actor_name = 'someone else' WHERE seq = 2"))
    db.session.commit()
    result = trail.verify()
    assert not result.ok and result.first_bad_seq == 2
    runner = app.test_cli_runner()
    outcome = runner.invoke(args=["verify-trail"])
    assert outcome.exit_code == 1 and "BROKEN at record 2" in outcome.output


def test_deleting_a_record_is_detected():
    gen_chain(2)
    db.session.execute(text("DELETE FROM trail_record WHERE seq = 3"))
    db.session.commit()
    result = trail.verify()
    assert result.first_bad_seq == 3 and result.reason == "sequence gap: record 3 is missing"


def test_the_cli_creates_the_first_admin_and_refuses_a_short_password(app):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-admin", "--email", "root@example.jp"], input="short\nshort\n")
    assert short.exit_code == 1 and "password" in short.output
    ok = runner.invoke(args=["create-admin", "--email", "root@example.jp"],
                       input="a long enough password\na long enough password\n")
    assert ok.exit_code == 0, ok.output
    assert runner.invoke(args=["verify-trail"]).output.startswith("trail OK")


def test_the_demo_has_a_four_tier_chain_an_unapproved_subcontractor_and_a_many_consignor_vendor(app):
    result = app.test_cli_runner().invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert "privacy@sakura-hd.example" in result.output
    assert db.session.scalar(select(func.count(Organisation.id))) >= 13
    flagged = registry.search_entrustments(SYSTEM, flagged=True).items
    assert [e.contractor.name for e in flagged] == ["有限会社北斗オペレーション"]
    deepest = max(registry.link_states(db.session.scalars(select(Entrustment.id)).all()).values(),
                  key=lambda s: s.depth)
    assert deepest.depth == 3  # four tiers: consignor → 1 → 2 → 3 → 4
    album = db.session.scalar(select(Organisation).where(Organisation.name == "株式会社フォトアルバム工房"))
    up = registry.chain_up(SYSTEM, album.id)
    assert len({p[0].link.consignor_id for p in up.paths}) == 11
    again = app.test_cli_runner().invoke(args=["load-demo", "--if-empty"])
    assert "already present" in again.output
