"""Evidence packs (監督証跡パック): per contractor and period, one zip proving the consignor supervised — selection,
contract, audits, subcontract approvals, notifications and incidents, a trail extract — with a summary (.docx and
PDF) and a manifest of every file's SHA-256 (`flask verify-pack`).

`models`, `services` (ask, see, download), `build` (the worker's job, as the requesting user), `sections` (the
registry of section builders each area adds from its init_app), `document` (the summary's blocks, pure), `writer`
(the streamed zip), `manifest` (the check, pure), `summary` (.docx and PDF), `views`, `api`, `cli`. May import: the
core, the registry's public modules, contracts.docx_render, notifications.receipt (the fonts), jobs and trail.
"""


def init_app(app) -> None:
    """Register the packs' pages, API, commands, job kind, the clock's expiry and visibility."""
    from sqlalchemy import select

    from oversight import permissions as perm
    from oversight.api import register_api_blueprint
    from oversight.jobs import kinds
    from oversight.packs import api, build, cli
    from oversight.packs.models import PACK_STATUS, EvidencePack
    from oversight.packs.services import KIND, expire_packs, restrict_packs
    from oversight.packs.views import bp, job_link, job_summary
    from oversight.scheduler import register_job

    if "packs" not in app.blueprints:
        app.register_blueprint(bp)
    register_api_blueprint(api.blp)
    cli.init_app(app)
    perm.register_visibility("evidence_pack", EvidencePack.id,
                             lambda actor: restrict_packs(select(EvidencePack.id), actor))
    app.jinja_env.globals["pack_status"] = PACK_STATUS
    kinds.register_kind(KIND, build.build, ja="監督証跡パックの作成", en="Evidence pack build", action="pack.build",
                        summary=job_summary, link=job_link)
    register_job("packs-expire", expire_packs, 3600)
