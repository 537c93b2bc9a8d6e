"""Transport and caching: Secure cookies and HSTS when served over HTTPS, and nothing but static files cached."""

from __future__ import annotations

from flask import current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app) -> None:
    """Apply the HTTPS setting (HTTPS=1, or a BASE_URL starting with https://), trust the configured reverse
    proxies, and set the caching headers."""
    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if app.config["HTTPS"] or app.config["BASE_URL"].startswith("https://"):
        app.config.update(HTTPS=True, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True,
                          PREFERRED_URL_SCHEME="https")
    app.after_request(_headers)


def _headers(response):
    # Every page and API answer may carry personal data (names, contacts, incidents): no browser or proxy
    # may keep a copy. Static files carry none.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    if current_app.config["HTTPS"]:
        response.headers.setdefault("Strict-Transport-Security",
                                    f"max-age={current_app.config['HSTS_MAX_AGE']}; includeSubDomains")
    return response
