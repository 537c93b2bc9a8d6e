"""Periodic audits for the tests, built through the services: さくら商事 supervises 東都システム (the call centre, its
audit due in ten days) and, through it, UFサポート (a subcontract); 大津市 is a sibling consignor of 東都 whose own
entrustment is not due. Each organisation has the users a story needs."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from types import SimpleNamespace

from audits.campaigns import open_due_audits
from oversight.registry import services as registry
from oversight.timeutil import today_jst
from tests.factories import SYSTEM, gen_entrustment, gen_organisation, gen_subcontract, gen_user


def start_for_due_in(days: int, months: int, today: date | None = None) -> date:
    """A start date whose first audit, `months` months on, falls due about `days` days from today (a business day
    at most four days earlier)."""
    target = (today or today_jst()) + timedelta(days=days)
    year, month = divmod(target.year * 12 + target.month - 1 - months, 12)
    day = min(target.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day) + timedelta(days=1)


def gen_audit_world(*, due_in: int = 10) -> SimpleNamespace:
    """The world of the campaign stories (see the module's docstring)."""
    sakura, otsu = gen_organisation("さくら商事株式会社"), gen_organisation("大津市教育委員会", kind="public_body")
    toto, ufs = gen_organisation("株式会社東都システム"), gen_organisation("株式会社ユーエフ・サポート")
    registry.add_contact(SYSTEM, toto.id, {"role": "general", "name": "東都 品質管理部",
                                           "email": "quality@toto.example"})
    members = gen_entrustment(sakura, toto, data_set="会員の問合せ対応データ", data_items=["name", "phone"],
                              person_count=1_380_000, start_on=start_for_due_in(due_in, 6).isoformat())
    album = gen_entrustment(otsu, toto, data_set="大津市 卒業アルバム", data_items=["name"], person_count=420,
                            start_on=(today_jst() - timedelta(days=30)).isoformat())
    call_centre = gen_subcontract(members, ufs, data_set="会員の問合せ対応データ（大阪センター）",
                                  person_count=1_200_000, data_items=["name", "phone"])
    return SimpleNamespace(
        sakura=sakura, otsu=otsu, toto=toto, ufs=ufs, members=members, album=album, call_centre=call_centre,
        privacy=gen_user(sakura, "privacy_office", email="privacy@sakura.example"),
        auditor=gen_user(sakura, "auditor", email="auditor@sakura.example"),
        procurement=gen_user(sakura, "procurement", email="procurement@sakura.example"),
        otsu_privacy=gen_user(otsu, "privacy_office", email="privacy@otsu.example"),
        toto_staff=gen_user(toto, "contractor_user", email="staff@toto.example"),
        ufs_staff=gen_user(ufs, "contractor_user", email="staff@ufs.example"))


def honest_answers(*subcontractors) -> dict:
    """Answers that the cross-checks find true: the subcontractors the registry has (organisations), no
    certification claimed that is not on record, staff trained today (within the period)."""
    declared = "\n".join(f"{org.name}, {org.corporate_number}" for org in subcontractors)
    return {"per_cert_held": ["none"], "per_training_date": today_jst().isoformat(),
            **({"per_sub_status": "unchanged", "per_sub_declared": declared} if subcontractors else
               {"per_sub_status": "none"})}


def open_world_audit(world):
    """Let the clock open what is due (the call centre's audit); return that audit."""
    from audits.audit_models import Audit
    from oversight.extensions import db

    open_due_audits()
    return db.session.query(Audit).filter_by(entrustment_id=world.members.id).one()


def gen_due_vendors(world, count: int, *, due_in: int = 10) -> list:
    """`count` more vendors of さくら, each with a call-centre entrustment whose audit falls due in about `due_in`
    days, and staff to mail."""
    made = []
    for n in range(count):
        vendor = gen_organisation(f"委託先{n:03d}株式会社")
        gen_user(vendor, "contractor_user", email=f"staff{n:03d}@vendor.example")
        made.append(gen_entrustment(world.sakura, vendor, data_set=f"会員データ{n:03d}", person_count=150_000,
                                    start_on=start_for_due_in(due_in, 6).isoformat()))
    return made


def answer(staff, audit, overrides: dict | None = None, *, submit: bool = True):
    """The vendor's staff answer the audit's questionnaire as well as they can (then `overrides`) and submit."""
    from audits.models import QuestionnaireRequest
    from oversight.extensions import db
    from tests.audits.selection_world import answer_all

    return answer_all(staff, db.session.get(QuestionnaireRequest, audit.request_id), overrides, submit=submit)
