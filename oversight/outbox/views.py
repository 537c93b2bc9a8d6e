"""The outbox pages (operator admins): every queued mail, and one mail with its delivery record."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from oversight.accounts.auth import requires
from oversight.forms import ActionForm, one_button
from oversight.outbox import browse
from oversight.outbox.models import OUTBOX_STATUS, OUTBOX_STATUSES
from oversight.outbox.services import configuration_problem

bp = Blueprint("outbox", __name__)

# What each object a mail is about is called, and the page it links to.
OBJECT_PAGES = {
    "notification": (_l("Incident notification"), "notifications.show", "notification_id"),
    "incident": (_l("Incident"), "incidents.incident", "incident_id"),
    "organisation": (_l("Organisation"), "registry.organisation", "organisation_id"),
    "entrustment": (_l("Entrustment"), "registry.entrustment", "entrustment_id"),
}


def register_object_page(object_type: str, label, endpoint: str, argument: str) -> None:
    """An area names the objects its mails are about and the page each links to, from its init_app."""
    OBJECT_PAGES[object_type] = (label, endpoint, argument)


def about(message) -> tuple[str, str | None] | None:
    """What a mail is about — its name and number, and the link to its page — if it names an object."""
    if not message.object_type or message.object_id is None:
        return None
    target = OBJECT_PAGES.get(message.object_type)
    if target is None:
        return f"{message.object_type} #{message.object_id}", None
    name, endpoint, argument = target
    return f"{name} #{message.object_id}", url_for(endpoint, **{argument: message.object_id})


@bp.get("/outbox")
@requires("outbox.view")
def index():
    status = request.args.get("status") or None
    page = request.args.get("page", "1")
    listing = browse.messages(current_user, status=status if status in OUTBOX_STATUSES else None,
                              page=int(page) if page.isdigit() else 1)
    return render_template("outbox/index.html", page=listing, status=status, statuses=OUTBOX_STATUS,
                           unconfigured=configuration_problem(current_app.config),
                           mail_server=current_app.config.get("MAIL_SERVER"))


@bp.get("/outbox/<int:message_id>")
@requires("outbox.view")
def show(message_id: int):
    message = browse.message(current_user, message_id)
    return render_template("outbox/show.html", m=message, about=about(message), form=ActionForm(),
                           statuses=OUTBOX_STATUS, unconfigured=configuration_problem(current_app.config))


@bp.post("/outbox/<int:message_id>/send-again")
@requires("outbox.view")
def send_again(message_id: int):
    browse.message(current_user, message_id)  # an unknown id: 404 before anything
    one_button(lambda: browse.send_again(current_user, message_id), _("The mail is queued to be sent again."))
    return redirect(url_for("outbox.show", message_id=message_id))
