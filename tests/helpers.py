"""A test client that behaves like a browser: it carries the CSRF token of the pages it has seen."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager

from flask import g, has_app_context

from oversight.extensions import db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def fresh_g():
    """Requests made inside a test's app context would share its `g` (Flask reuses the context), and
    with it Flask-Login's cached user and Flask-WTF's cached CSRF token: give each request its own."""
    if not has_app_context():
        yield
        return
    saved = dict(g.__dict__)
    g.__dict__.clear()
    try:
        yield
    finally:
        g.__dict__.clear()
        g.__dict__.update(saved)


class WebClient:
    def __init__(self, client):
        self.client = client
        self.token: str | None = None

    def open(self, *args, **kwargs):
        with fresh_g():
            return self.client.open(*args, **kwargs)

    def get(self, url, **kwargs):
        with fresh_g():
            response = self.client.get(url, **kwargs)
        match = response.mimetype == "text/html" and CSRF_RE.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def post(self, url, data=None, *, csrf=True, **kwargs):
        if kwargs.get("json") is None:
            data = dict(data or {})
            if csrf:
                if self.token is None:
                    self.get("/login")
                data.setdefault("csrf_token", self.token)
            kwargs["data"] = data
        with fresh_g():
            return self.client.post(url, **kwargs)

    def request(self, method: str, url: str, **kwargs):
        with fresh_g():
            return self.client.open(url, method=method, **kwargs)

    def login(self, email: str, password: str = "correct horse battery staple"):
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password})
        self.get("/")
        return response

    def __getattr__(self, name):
        return getattr(self.client, name)


def text_of(response) -> str:
    """The page text without tags, for asserting what a user reads."""
    return plain_text(response.get_data(as_text=True))


def plain_text(html: str) -> str:
    """A piece of a page without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def all_at_once(app, secret: str, url: str, times: int, **kwargs) -> list[tuple[int, dict]]:
    """POST `url` (with `kwargs`: json, headers…) `times` times at the same moment, each from its own API client
    holding `secret`; the (status, body) answers."""
    from tests.api.conftest import ApiClient  # which imports this module

    # A token's first use records it (a write to its row); used once before, the requests do not queue behind it.
    assert ApiClient(app.test_client(), secret).get("/api/v1/engagements").status_code == 200
    db.session.commit()
    db.session.close()  # SQLite: no transaction of the test's own may hold the database while the requests run
    start, answers, lock = threading.Barrier(times), [], threading.Lock()

    def post() -> None:
        client = ApiClient(app.test_client(), secret)
        start.wait()
        response = client.post(url, **kwargs)
        with lock:
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=post) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == times
    return answers


def sent_to_login(response) -> bool:
    """An anonymous visitor's request ends at the login page (a POST without a session may be refused for CSRF)."""
    return response.status_code == 400 or (response.status_code == 302 and "/login" in response.headers["Location"])


def matrix_failures(make_client, user, routes: dict, *, sides, send, allowed, password: str) -> list[str]:
    """The authorisation matrix for one user on the web: every route, on each side `sides(route)` gives ("own",
    "sibling"), from a fresh logged-in client; `allowed(route, side)` is the set of statuses the rules allow, or None
    for anything but a refusal (403, 404, 500). The routes that broke the rules, with what they answered."""
    failures = []
    for endpoint, route in sorted(routes.items()):
        for side in sides(route):
            client = make_client()
            client.login(user.email, password)
            status = send(client, endpoint, route, side).status_code
            expected = allowed(route, side)
            if not (status in expected if expected else status not in (403, 404, 500)):
                failures.append(f"{route.method} {endpoint} ({side}): {status}, expected {expected or 'no refusal'}")
    return failures
