from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from oversight.dashboard.services import attention

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return render_template("dashboard/index.html", attention=attention(current_user))
