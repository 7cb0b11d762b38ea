"""Forms for the admission register; values are parsed by registers.fields, shared with imports."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.registers.models import LEAVING_REASONS


class CsrfOnly(FlaskForm):
    """A form whose fields are parsed by registers.fields; it carries the CSRF token."""


class LeaverForm(FlaskForm):
    leaving_date = DateField("Leaving date (last day on roll)", validators=[DataRequired()])
    reason = SelectField(
        "Ground for removal (regulation 9)", choices=[SelectChoice(r, r) for r in LEAVING_REASONS]
    )


class ContactForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    relationship_to_pupil = StringField(
        "Relationship to the pupil", validators=[DataRequired(), Length(max=100)]
    )
    address = TextAreaField("Address", validators=[Optional(), Length(max=500)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    email = EmailField("Email", validators=[Optional(), Length(max=254)])
    parental_responsibility = BooleanField("Has parental responsibility")
    lives_with_pupil = BooleanField("The pupil lives with this person")
    emergency_contact = BooleanField("Emergency contact")
    priority = IntegerField("Call order", default=1, validators=[NumberRange(min=1, max=9)])


class ImportForm(FlaskForm):
    file = FileField(
        "Pupils CSV file", validators=[FileRequired(), FileAllowed(["csv"], "Choose a .csv file.")]
    )
