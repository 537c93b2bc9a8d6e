"""A test client that behaves like a browser: it carries the CSRF token of the pages it has seen."""

from __future__ import annotations

import re

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class WebClient:
    def __init__(self, client):
        self.client = client
        self.token: str | None = None

    def get(self, url, **kwargs):
        response = self.client.get(url, **kwargs)
        match = CSRF_RE.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def post(self, url, data=None, *, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/login")
            data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = "correct horse battery staple"):
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password})
        self.get("/")
        return response

    def __getattr__(self, name):
        return getattr(self.client, name)


def text_of(response) -> str:
    """The page text without tags, for asserting what a user reads."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
