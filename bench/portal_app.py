"""The app as `python -m bench portal` serves it with gunicorn: the production app plus one bench-only route.

`gunicorn bench.portal_app:app` builds the app from the environment (DATABASE_URL, SECRET_KEY, MAIL_SERVER) as
`gunicorn 'oversight:create_app()'` does, then adds POST /api/v1/bench/bare-insert: the baseline of the
benchmark. It is an API resource like the others (an `ApiBlueprint`, so the same bearer-token check runs before
it, CSRF-exempt like every API blueprint) that reads the JSON body with the API's own `json_object()` and inserts
ONE draft notification row (entrustment, filer and recipient taken from the body as given), then commits. So
the gap between it and POST /api/v1/notifications is what filing adds on top of "an authenticated request that
writes a row", under the same server, workers, database and load.

Production code never gets this route: only this module registers it, and only gunicorn in the benchmark (and
the benchmark's in-process probe, through `create`) imports it.
"""

from __future__ import annotations

from oversight.api.base import ApiBlueprint, json_object
from oversight.extensions import api, csrf, db
from oversight.notifications.models import Notification

BARE_PATH = "/api/v1/bench/bare-insert"

blp = ApiBlueprint("bench_bare", __name__, url_prefix="/bench",
                   description="Benchmark only: one authenticated insert, the baseline of `python -m bench portal`.")


@blp.route("/bare-insert", methods=["POST"])
def bare_insert():
    """Insert one draft notification from the body's ids and title; nothing is checked or derived"""
    body = json_object()
    n = Notification(entrustment_id=int(body["entrustment_id"]), filer_id=int(body["filer_id"]),
                     recipient_id=int(body["recipient_id"]), title=str(body.get("title") or "")[:200], facts={},
                     status="draft")
    db.session.add(n)
    db.session.flush()  # the INSERT … RETURNING id; read the id now so the commit is not followed by a reload
    new_id = n.id
    db.session.commit()
    return {"id": new_id}, 201


def create(config=None, overrides: dict | None = None):
    """The production app (`oversight.create_app(config, overrides)`) with the bench route registered."""
    from oversight import create_app

    app = create_app(config, overrides)
    csrf.exempt(blp)
    api.register_blueprint(blp)
    return app


def __getattr__(name: str):
    # `app` is built on first access (gunicorn's getattr), so importing this module builds nothing.
    if name == "app":
        globals()["app"] = application = create()
        return application
    raise AttributeError(name)
