"""JSON API under /api/v1: one module per resource, token authentication, OpenAPI served by the app."""

from oversight.extensions import csrf


def register_api(api) -> None:
    """Register every API blueprint on the flask-smorest Api."""
    from audits import api as audits_api
    from contracts import api as contracts_api
    from oversight.api import entrustments, incidents, notifications, organisations

    for blueprint in (organisations.blp, entrustments.blp, incidents.blp, notifications.blp, contracts_api.blp,
                      audits_api.blp):
        # Bearer tokens only: a session cookie never authenticates the API, so there is nothing to forge.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
