"""Audits: due diligence at selection, audit campaigns, questionnaires (data), findings, scheduled jobs.

Pure modules (no Flask, no database): `questionnaire` (the plain dataclasses), `parsing` and `library` (load and
validate the YAML library in questionnaires/), `answers`, `scoring`, `cadence`, `tiers` and `tier_policy`.
`models`, `visibility` (who sees which selection and request), the services `selection`, `responses` (answers,
evidence, submission), `links` (respondent links) and `workbook` (the Excel round trip), `views`, `assist_views`,
`link_views` (blueprint "audits"), `api` and `cli` plug into the app through `init_app`, imported lazily so that
this package stays importable without Flask. Periodic audits (CAMPAIGNS.md): the pure `checklists` and
`campaign_policy`, `risk` (the facts of each entrustment from the database), `schedule`, `campaigns` (opening),
`audit_services`, `audit_reminders`, `campaign_jobs`, `campaign_views` (blueprint "campaigns"), `campaign_api`,
`campaign_cli`. Review and findings: `declarations` and
`crosscheck_rules` (pure), `review`, `findings`, `crosschecks`, `obligations`, `finding_reminders`, `history`, with
`finding_views` (blueprint "findings"), `finding_api` and `finding_cli`, plugged in by `finding_plugin`. Answer once,
share with many: `company_models`, `company_answers` (services), `answer_changes` (pure), `sharing_views`,
`company_api`. Starting an entrustment without an approving review: `activation_check` (plugged into
oversight.registry.activation) and `selection_policy` (selection_policy.yaml).
May import: the core (permissions, uow, mail, files, outbox, trail)
and the registry's public modules.
"""


def init_app(app) -> None:
    """Plug audits into the app: the blueprint (with the respondent-link and assisted-answer pages), the API, the
    commands, the reminder of overdue conditions, who sees which selection and request, the contract gap it adds,
    and the dashboard's and the entrustment page's sections."""
    from sqlalchemy import select

    from audits import (  # noqa: F401
        api,
        assist_views,
        audit_models,
        audit_visibility,
        cli,
        conditions,
        link_views,
        sharing_views,  # noqa: F401 - answer once, share with many (the API: _register_sharing)
    )
    from audits.activation_check import check_selection
    from audits.models import QuestionnaireRequest, Selection
    from audits.selection_gaps import unselected_gaps
    from audits.views import bp
    from audits.visibility import restrict_requests, restrict_selections
    from contracts.services import add_gap_source
    from oversight import permissions as perm
    from oversight.api import register_api_blueprint
    from oversight.registry.activation import register_activation_check
    from oversight.scheduler import register_job

    if "audits" not in app.blueprints:
        app.register_blueprint(bp)
    register_api_blueprint(api.blp)
    cli.init_app(app)
    perm.register_visibility("selection", Selection.id, lambda actor: restrict_selections(select(Selection.id), actor))
    # The addressed vendor opens its request, but reads in the trail only what its own users did there: the
    # consignor's sending, scoring and decision records stay the consignor's.
    perm.register_visibility(
        "questionnaire_request", QuestionnaireRequest.id,
        lambda actor: restrict_requests(select(QuestionnaireRequest.id), actor),
        trail_ids=lambda actor: select(QuestionnaireRequest.id).join(Selection).where(
            Selection.consignor_id == actor.organisation_id))
    audit_visibility.register()
    from audits import pack_audits, pack_selection

    pack_selection.register()  # the evidence pack's selection and audits sections
    pack_audits.register()
    _register_sharing(app)
    register_job("selection-condition-reminders", conditions.enqueue_overdue_reminders, 3600)
    from audits import finding_plugin

    finding_plugin.init_app(app)
    add_gap_source(unselected_gaps)  # 「選定審査の記録なし」 in the contract gap analysis
    register_activation_check("selection", check_selection)  # starting one without it: a reason, or not at all
    app.jinja_env.globals["selection_conditions"] = _open_conditions  # the dashboard's section (audits/_dashboard)
    app.jinja_env.globals["selection_decision"] = _decision  # the entrustment page's line (audits/_entrustment)
    app.jinja_env.globals["selection_start_override"] = _start_override
    app.jinja_env.globals["labels_outcome"] = _outcome_label
    from audits import reporting

    reporting.init_app(app)  # monthly handling reports and the audit dashboard
    _init_campaigns(app)
    _register_mail_objects()


def _register_mail_objects() -> None:
    """What the audits' mails are about, linked from the outbox's page of each mail."""
    from flask_babel import lazy_gettext as _l

    from oversight.outbox.views import register_object_page

    register_object_page("questionnaire_request", _l("Questionnaire"), "audits.request_page", "request_id")
    register_object_page("audit", _l("Audit"), "campaigns.audit_page", "audit_id")
    register_object_page("finding", _l("Finding"), "findings.show", "finding_id")


def _init_campaigns(app) -> None:
    """Periodic audit campaigns: their pages, API, `flask audits`, the clock's jobs (opening what is due, the
    reminders), the worker's campaign job, and the entrustment page's tier line (audits/CAMPAIGNS.md)."""
    from audits import campaign_api, campaign_cli, campaign_jobs
    from audits.audit_reminders import send_due_reminders
    from audits.campaign_views import bp as campaigns_bp
    from audits.campaigns import open_due_on_clock
    from oversight.api import register_api_blueprint
    from oversight.scheduler import register_job

    if "campaigns" not in app.blueprints:
        app.register_blueprint(campaigns_bp)
    register_api_blueprint(campaign_api.blp)
    campaign_cli.init_app(app)
    campaign_jobs.register()
    register_job("audits-open-due", open_due_on_clock, 900)
    register_job("audit-reminders", send_due_reminders, 3600)
    app.jinja_env.globals["audit_tier"] = _audit_tier
    app.jinja_env.globals["audit_labels_bound"] = _bound_label


def _audit_tier(entrustment):
    from flask_login import current_user

    from audits.schedule import entrustment_tier

    return entrustment_tier(current_user, entrustment) if current_user.is_authenticated else None


def _bound_label(code: str) -> str:
    from audits.audit_labels import BOUND_BY

    return str(BOUND_BY.get(code, code))


def _open_conditions():
    from flask_login import current_user

    from audits.selection import open_conditions

    return open_conditions(current_user) if current_user.is_authenticated else []


def _decision(entrustment):
    from flask_login import current_user

    from audits.selection import decision_for

    return decision_for(current_user, entrustment)


def _start_override(entrustment, decision):
    from audits.selection import start_override_for

    return start_override_for(entrustment, decision)


def _outcome_label(code: str) -> str:
    from audits.labels import OUTCOMES

    return str(OUTCOMES.get(code, code))


def _register_sharing(app) -> None:
    """Answer once, share with many: who sees a company's answers and a share, the API, the request page's part."""
    from sqlalchemy import select

    from audits.company_answers import restrict_company_answers, restrict_shares
    from audits.company_api import blp
    from audits.company_models import AnswerShare, CompanyAnswers
    from audits.sharing_views import answer_sharing
    from oversight import permissions as perm
    from oversight.api import register_api_blueprint

    perm.register_visibility("company_answers", CompanyAnswers.id,
                             lambda actor: restrict_company_answers(select(CompanyAnswers.id), actor))
    perm.register_visibility("answer_share", AnswerShare.id,
                             lambda actor: restrict_shares(select(AnswerShare.id), actor))
    register_api_blueprint(blp)
    app.jinja_env.globals["answer_sharing"] = answer_sharing
