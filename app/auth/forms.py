"""Sign-in and password forms (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", message="The two passwords differ.")],
    )


_CODE_INPUT = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "spellcheck": "false",
    "maxlength": "9",
}


class CodeForm(FlaskForm):
    """A 6-digit code from an authenticator app (spaces allowed, as some apps show them)."""

    code = StringField(
        "6-digit code from your authenticator app",
        validators=[DataRequired("Type the 6-digit code your authenticator app shows now."), Length(max=9)],
        render_kw=_CODE_INPUT,
    )


class RecoveryForm(FlaskForm):
    """A one-time recovery code, for when the phone is lost."""

    recovery_code = StringField(
        "Recovery code",
        validators=[DataRequired("Type one of your recovery codes, such as abcde-fghjk."), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )


class RequirementForm(FlaskForm):
    required = BooleanField("Everyone with a role in this trust must use two-step sign-in")
