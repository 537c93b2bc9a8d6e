"""The trail: hash-chained change records (who, when, before/after), signed checkpoints, and their reading.

`models`, `services` (`record` in the caller's transaction), `integrity` and `anchors` (the hash chain and its
checkpoints), `checks` (the scheduled check), `visibility` (which records a user reads: through each object type's
rule in oversight.permissions, so a new type is covered by declaring it), `browse` and `display` (the page and the
CSV export), `views` (blueprint "trail"), `cli` (`flask verify-trail`). May import: the core, accounts, outbox;
every area writes through `services.record`.
"""


def init_app(app) -> None:
    """Plug the trail into the app: its models, blueprint, command and the scheduled check."""
    from oversight.scheduler import register_job
    from oversight.trail import checks, cli, models  # noqa: F401 - models: `flask db check` must see its tables
    from oversight.trail.views import bp

    app.register_blueprint(bp)
    cli.init_app(app)
    from oversight.trail import pack_section

    pack_section.register()  # the evidence pack's trail extract
    register_job("trail-check", checks.run_check, 60)
