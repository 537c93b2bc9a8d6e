"""The demo shows a campaign at once: the clock's first sweep after `flask load-demo` opens the call centre's audit
at UFサポート and mails the vendor, while last time's flag and finding (the findings demo) stay to be followed."""

from __future__ import annotations

from sqlalchemy import select

from audits.audit_models import Audit, Finding
from audits.campaign_demo import CALL_CENTRE
from oversight import demo
from oversight.accounts.system import SystemActor
from oversight.extensions import db
from oversight.outbox.models import OutboxMessage
from oversight.registry.models import Entrustment
from oversight.scheduler import registered_jobs, run_job


def test_the_clocks_first_sweep_opens_the_call_centres_audit_and_mails_the_vendor(app):
    demo.load(SystemActor(name="demo"))
    db.session.commit()
    call_centre = db.session.scalar(select(Entrustment).where(Entrustment.data_set == CALL_CENTRE))
    [last] = db.session.scalars(select(Audit).where(Audit.entrustment_id == call_centre.id)).all()
    assert last.status == "closed" and any(f.status != "closed" for f in last.findings)
    last_id = last.id
    db.session.commit()  # the clock's sweep writes from its own session

    assert run_job(app, next(j for j in registered_jobs() if j.name == "audits-open-due"))

    opened = db.session.scalar(select(Audit).where(Audit.entrustment_id == call_centre.id, Audit.status == "open"))
    assert opened is not None and opened.kind == "questionnaire" and opened.opened_by_name == "スケジューラ / clock"
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == f"audit:{opened.id}:opened"))
    assert "staff@uf-support.example" in mail.recipients and "定期監査" in mail.subject
    assert db.session.scalar(select(Finding).where(Finding.check.is_not(None), Finding.audit_id == last_id))
