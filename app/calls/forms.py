"""The call outcome form; its choices are checked by the service, which names every problem by field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.calls.models import CALL_CODES, CALL_OUTCOMES, CALL_SESSIONS
from app.registers.codes import CODES

CODE_LABELS = {"": "Do not change the register", **{c: f"{c}: {CODES[c].meaning}" for c in CALL_CODES}}


class CallForm(FlaskForm):
    day = DateField("Date of the absence", validators=[DataRequired()])
    outcome = RadioField(
        "Outcome of the call",
        choices=[SelectChoice(v, label) for v, label in CALL_OUTCOMES.items()],
        validate_choice=False,
    )
    notes = TextAreaField("Notes", validators=[Length(max=2000)])
    code = SelectField(
        "Change the register to",
        choices=[SelectChoice(v, label) for v, label in CODE_LABELS.items()],
        validate_choice=False,
    )
    sessions = SelectField(
        "Sessions the reason covers",
        choices=[SelectChoice(v, label) for v, label in CALL_SESSIONS.items()],
        validate_choice=False,
    )
