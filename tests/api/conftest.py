"""Clients of the JSON API: each carries one user's bearer token (or none), never a session cookie."""

from __future__ import annotations

import pytest

from oversight.accounts import services as accounts
from tests.helpers import fresh_g


class ApiClient:
    """A test client that sends `Authorization: Bearer <secret>` with every request."""

    def __init__(self, client, secret: str | None):
        self.client = client
        self.secret = secret

    def open(self, method: str, url: str, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if self.secret is not None:
            headers.setdefault("Authorization", f"Bearer {self.secret}")
        # Each request authenticates afresh, as in production: api_actor() caches the user in `g`.
        with fresh_g():
            return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url, **kwargs):
        return self.open("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.open("POST", url, **kwargs)

    def patch(self, url, **kwargs):
        return self.open("PATCH", url, **kwargs)

    def delete(self, url, **kwargs):
        return self.open("DELETE", url, **kwargs)


@pytest.fixture
def api_as(app):
    """api_as(user) is a client holding a new token of `user`; api_as(None) holds no token."""

    def make(user=None, secret: str | None = None) -> ApiClient:
        if user is not None and secret is None:
            secret = accounts.issue_token(user, "tests")[1]
        return ApiClient(app.test_client(), secret)

    return make
