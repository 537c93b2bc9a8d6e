"""Contract clauses: the clause library (data), contract records, .docx rendering and gap analysis.

Pure modules (no Flask, no database): `assembly`, `era`, `gaps`; `docx_render` is the only one importing
python-docx. `models`, `services`, `views` (blueprint "contracts"), `cli` and `api` plug into the app.
"""


def init_app(app) -> None:
    """Plug contracts into the app: the blueprint, the API and the CLI commands (models are imported with them)."""
    from contracts import api, cli, pack_section
    from contracts.views import bp
    from oversight.api import register_api_blueprint

    if "contracts" not in app.blueprints:
        app.register_blueprint(bp)
    register_api_blueprint(api.blp)
    cli.init_app(app)
    pack_section.register()  # the evidence pack's contracts section
