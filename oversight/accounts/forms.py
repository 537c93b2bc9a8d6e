from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail"))
    password = PasswordField(_l("Password"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"))
    new_password = PasswordField(_l("New password"))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"))


class UserForm(FlaskForm):
    email = StringField(_l("E-mail"))
    name = StringField(_l("Name"))
    role = SelectField(_l("Role"))
    organisation_id = SelectField(_l("Organisation"), coerce=lambda v: int(v) if v else None,
                                  validate_choice=False)
    password = PasswordField(_l("Initial password"))
