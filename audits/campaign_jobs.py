"""A campaign over thousands of audits runs in the worker (`flask worker`), with its progress on the jobs page:
launched by the clock when more are due than it opens itself (a job of the system, seen by the operators), or by
a privacy office for its own organisation (its own job)."""

from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from oversight import permissions as perm
from oversight.errors import Forbidden
from oversight.jobs import kinds, services

KIND = "audit-campaign"


def submit_for_clock(as_of: date, total: int):
    """The clock's campaign of the day: every audit due, opened by the worker (the same job all day)."""
    from audits.campaigns import CLOCK

    return services.submit(CLOCK, KIND, {"scope": "all", "day": as_of.isoformat()}, key=f"clock:{as_of.isoformat()}",
                           total=total)


def submit_for_organisation(actor, auditor_id: int, within_days: int, total: int):
    """A privacy office's campaign: its organisation's audits falling due within `within_days`."""
    from oversight.timeutil import today_jst

    day = today_jst().isoformat()
    return services.submit(actor, KIND, {"scope": "organisation", "auditor_id": auditor_id,
                                         "within_days": within_days, "day": day},
                           key=f"{auditor_id}:{within_days}:{day}", total=total)


def _run(run) -> dict:
    from audits.campaigns import open_due_audits

    params = run.params
    auditor_id = params.get("auditor_id") if params.get("scope") == "organisation" else None
    actor = run.actor
    if auditor_id is not None and not perm.is_admin(actor) and (
            getattr(actor, "organisation_id", None) != auditor_id or not perm.allows(actor, "audit.run")):
        raise Forbidden(_l("Your role does not allow this action."))
    opening = _l("Opening the audits due")
    run.progress(0, message=opening)
    result = open_due_audits(auditor_id=auditor_id, within_days=params.get("within_days"), actor=actor,
                             progress=lambda done, total: run.progress(done, total, message=opening))
    run.progress(result.due, result.due, message=_l("Done"))
    return result.to_dict()


def _summary(job) -> str:
    result = job.result or {}
    if "opened" not in result:
        return ""
    return _("%(opened)s audits opened (%(skipped)s already open), %(mailed)s requests mailed.",
             opened=result["opened"], skipped=result["skipped"], mailed=result["mailed"])


def _link(job) -> str | None:
    return url_for("campaigns.audits", status="open")


def register() -> None:
    """Declare the campaign as a kind of job (audits.init_app calls it)."""
    kinds.register_kind(KIND, _run, ja="定期監査の一斉開始", en="Audit campaign", action="audit.run",
                        summary=_summary, link=_link, system=True)
