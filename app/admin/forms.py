"""Forms for managing schools and people."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp


class SchoolForm(FlaskForm):
    urn = IntegerField(
        "URN", validators=[DataRequired(), NumberRange(100000, 999999, "A URN has six digits.")]
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    phase = SelectField(
        "Phase",
        choices=[
            SelectChoice("primary", "Primary"),
            SelectChoice("secondary", "Secondary"),
            SelectChoice("special", "Special"),
            SelectChoice("alternative", "Alternative provision"),
        ],
    )
    la_code = StringField(
        "Local authority code", validators=[Optional(), Regexp(r"^\d{3}$", message="Three digits, e.g. 926.")]
    )


class PersonForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    title = StringField("Job title", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role")
    place = SelectField("Where", description="The trust, or one of its schools.")
    safeguarding = BooleanField("Designated safeguarding lead (or deputy): may read safeguarding notes")


class ActionForm(FlaskForm):
    """CSRF carrier for the one-button actions (deactivate, reactivate, reset password)."""


class TokenForm(FlaskForm):
    name = StringField("What will use this token", validators=[DataRequired(), Length(max=100)])
