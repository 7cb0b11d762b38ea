"""Forms for taking a register and amending a mark."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

SESSIONS = [SelectChoice("AM", "Morning (AM)"), SelectChoice("PM", "Afternoon (PM)")]


class RegisterForm(FlaskForm):
    group = SelectField("Form or year group", validate_choice=True)
    day = DateField("Date", validators=[Optional()])
    session = SelectField("Session", choices=SESSIONS)
    reason = StringField("Reason for any change to marks already recorded", validators=[Length(max=500)])


class AmendForm(FlaskForm):
    day = DateField("Date", validators=[DataRequired()])
    session = SelectField("Session", choices=SESSIONS)
    code = StringField("New code", validators=[DataRequired(), Length(max=2)])
    minutes_late = IntegerField("Minutes late (L or U only)", validators=[Optional(), NumberRange(1, 300)])
    reason = StringField("Reason for the change", validators=[DataRequired(), Length(max=500)])
