"""JSON API under /api/v1: what every resource shares (token authentication and refusals in `base`, common schemas,
pagination, idempotent writes, and `register_api_blueprint`). Each resource lives in its area (e.g.
`oversight.incidents.api`) and is registered by the area's init_app."""

from oversight.extensions import api, csrf


def register_api_blueprint(blueprint) -> None:
    """Register one area's API blueprint on the flask-smorest Api."""
    # Bearer tokens only: a session cookie never authenticates the API, so there is nothing to forge.
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint)


def init_app(app) -> None:
    """Register the API's own scheduler job: expiring old idempotency keys."""
    from oversight.api.idempotency import prune_expired
    from oversight.scheduler import register_job

    register_job("idempotency-key-expiry", prune_expired, 3600)
