"""A live server in a thread and Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from oversight.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def live_server(app):
    """Serve the test app on a free local port for the duration of one test."""
    server = make_server("127.0.0.1", 0, _whole_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def _whole_responses(app):
    """Werkzeug's development server leaves a response's file open when the browser drops the connection (the
    favicon, a page left mid-load), which the suite's warnings-as-errors then blames on a later test: read each
    response whole and close it before the server sends it."""
    def wsgi(environ, start_response):
        result = app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()
    return wsgi


@pytest.fixture
def release_database():
    """Call before driving the browser: the test's own session must not hold a (locking) transaction."""
    def release():
        db.session.commit()
        db.session.remove()
    return release


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Debian's chromium is required for browser tests (apt-get install chromium): {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
