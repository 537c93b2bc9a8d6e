"""Log in and out, language, one's own account (password, API tokens), and user management."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from oversight.accounts import password_policy, services
from oversight.accounts.auth import requires
from oversight.accounts.forms import LoginForm, PasswordForm, TokenForm, UserForm
from oversight.accounts.login import LoginRefused, log_in, log_out
from oversight.accounts.models import ApiToken, User
from oversight.choices import ROLE
from oversight.errors import ValidationFailed
from oversight.extensions import db, limiter
from oversight.forms import ActionForm, attach_errors, flash_errors, form_data, select_choices
from oversight.registry.models import Organisation
from oversight.templating import lang

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("dashboard.index")


def _failed(response) -> bool:
    return response.status_code in (401, 429)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed,
               exempt_when=lambda: not current_app.config["LOGIN_RATE_LIMIT"])
def login():
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = log_in(form.email.data, form.password.data, address=request.remote_addr or "")
        except LoginRefused as refusal:
            form.password.errors = [str(refusal.message)]
            status = refusal.status
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    elif form.errors:
        status = 401
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated and ActionForm().validate_on_submit():
        log_out(current_user._get_current_object())
        logout_user()
        flash(_("Logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.post("/language/<any(ja_JP, en):code>")
def language(code: str):
    session["lang"] = code
    if current_user.is_authenticated:
        services.set_language(current_user._get_current_object(), code)
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    password_form = PasswordForm(prefix="pw")
    token_form = TokenForm(prefix="token")
    new_secret = None
    if "pw-new_password" in request.form:
        if password_form.validate_on_submit():
            try:
                user = services.change_password(current_user._get_current_object(),
                                                password_form.current_password.data or "",
                                                password_form.new_password.data or "")
            except ValidationFailed as error:
                attach_errors(password_form, error)
            else:
                login_user(user)  # the user itself: given the current_user proxy, every later look-up recursed
                flash(_("Password changed. Your other sessions have ended."), "success")
                return redirect(url_for("accounts.account"))
    elif "token-name" in request.form and token_form.validate_on_submit():
        try:
            _token, new_secret = services.issue_token(current_user, token_form.name.data)
        except ValidationFailed as error:
            attach_errors(token_form, error)
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                                .order_by(ApiToken.id)).all()
    return render_template("accounts/account.html", password_form=password_form, token_form=token_form,
                           tokens=tokens, new_secret=new_secret, action_form=ActionForm(),
                           min_password_length=password_policy.MIN_LENGTH)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if ActionForm().validate_on_submit():
        services.revoke_token(current_user, token_id)
        flash(_("Token revoked."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/users", methods=["GET", "POST"])
@requires("user.manage")
def users():
    form = UserForm()
    form.role.choices = select_choices(ROLE.form_choices(lang()))
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name_kana)).all()
    form.organisation_id.choices = select_choices([("", "—")] + [(o.id, o.name) for o in organisations])
    if form.validate_on_submit():
        try:
            user = services.create_user(current_user, form_data(form))
        except ValidationFailed as error:
            attach_errors(form, error)
        else:
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for("accounts.users"))
    listing = db.session.scalars(select(User).order_by(User.organisation_id, User.email)).all()
    return render_template("accounts/users.html", form=form, users=listing), (422 if form.errors else 200)


@bp.post("/users/<int:user_id>/<any(enable, disable):action>")
@requires("user.manage")
def user_enabled(user_id: int, action: str):
    if ActionForm().validate_on_submit():
        try:
            user = services.set_user_enabled(current_user, user_id, action == "enable")
        except ValidationFailed as error:
            flash_errors(error)
        else:
            flash(_("User %(email)s enabled.", email=user.email) if user.is_enabled
                  else _("User %(email)s disabled; their sessions have ended.", email=user.email), "success")
    return redirect(url_for("accounts.users"))
