"""The registry: organisations (identity, own profile, a tenant's record), entrustments down the chain of
contractors, their approval (事前承認制), and import/export of both.

`chain` (pure: the chain rules, no Flask, no database), `models` and `import_models`, `queries` (the public chain
queries other areas use: ancestors, descendants, links), `visibility` (who sees what, declared to
oversight.permissions), `permissions` (who may change what), `services`, `organisations` and `seen` (use cases),
`contacts`, `importexport` (CSV/XLSX), `views` and `importexport_views` (blueprints), `organisations_api` and
`entrustments_api` (/api/v1). May import: the core and accounts; other areas import `queries`, `services`,
`contacts` and `models`.
"""


def init_app(app) -> None:
    """Plug the registry into the app: its models, visibility rules, blueprints and API."""
    from oversight.api import register_api_blueprint
    from oversight.registry import cli, entrustments_api, import_models, models, organisations_api, visibility  # noqa: F401
    from oversight.registry.importexport_views import bp as importexport_bp
    from oversight.registry.views import bp

    visibility.register()
    from oversight.registry import pack_sections

    pack_sections.register()  # the evidence pack's overview and subcontract sections
    app.register_blueprint(bp)
    app.register_blueprint(importexport_bp)
    register_api_blueprint(organisations_api.blp)
    register_api_blueprint(entrustments_api.blp)
    cli.init_app(app)
    # Other areas plug in checks an entrustment must pass to start: oversight.registry.activation.
