"""JSON API under /api/v1: one module per resource, token authentication, OpenAPI served by the app."""


def register_api(api) -> None:
    """Register every API blueprint on the flask-smorest Api."""
