"""Casework forms: types and lengths here; the casework rules (support before enforcement, 6-week reviews) in services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.interventions.models import ACTION_LABELS, STAGE_LABELS
from app.interventions.services import REVIEW_OUTCOMES

SMART_ROWS = 5  # rows offered on the support plan form; empty rows are ignored


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _owner_field(label: str = "Owner", field_id: str = "owner") -> SelectField:
    return SelectField(
        label, coerce=int, validators=[InputRequired(message="Choose who owns this.")], id=field_id
    )


class OpenCaseForm(FlaskForm):
    stage = SelectField("Stage", choices=_choices({s.value: label for s, label in STAGE_LABELS.items()}))
    owner = _owner_field("Case owner")
    reason = TextAreaField(
        "Why is the case opened?",
        description="What the attendance shows and what is already known about the reasons.",
        validators=[DataRequired(message="Say why the case is opened."), Length(max=4000)],
    )
    opened_on = DateField(
        "Opened on", validators=[InputRequired(message="Give the date the case is opened.")]
    )


class StepForm(FlaskForm):
    """The weekly next step as one action: which action, who owns it and when it is due."""

    step = StringField(validators=[DataRequired()])
    kind = SelectField("Action", choices=_choices(ACTION_LABELS), id="step_kind")
    owner = _owner_field(field_id="step_owner")
    due_on = DateField(
        "Due by", validators=[InputRequired(message="Give the date it is due.")], id="step_due_on"
    )


class ActionForm(FlaskForm):
    kind = SelectField("Action", choices=_choices(ACTION_LABELS))
    owner = _owner_field()
    due_on = DateField("Due by", description="For an action still to do.", validators=[Optional()])
    done_on = DateField("Done on", description="For an action already done.", validators=[Optional()])
    notes = TextAreaField("Notes", validators=[Length(max=4000)])
    outcome = TextAreaField("Outcome", validators=[Length(max=2000)], id="action_outcome")
    follow_up_on = DateField("Follow up by", validators=[Optional()])
    restricted = BooleanField(
        "Safeguarding note: only staff with the DSL permission may read the notes and outcome"
    )


class PlanForm(FlaskForm):
    """The attendance support meeting record; SMART rows are read from smart-N-what/who/by."""

    met_on = DateField("Meeting date", validators=[InputRequired(message="Give the date of the meeting.")])
    working_well = TextAreaField("What is working well", validators=[Length(max=4000)])
    worries = TextAreaField("What we are worried about", validators=[Length(max=4000)])
    needs_to_happen = TextAreaField("What needs to happen", validators=[Length(max=4000)])
    review_on = DateField(
        "Review date",
        description="At most 6 weeks after the meeting.",
        validators=[InputRequired(message="Give the review date.")],
    )


class ReviewForm(FlaskForm):
    reviewed_on = DateField("Reviewed on", validators=[InputRequired(message="Give the date of the review.")])
    outcome = SelectField("Outcome", choices=_choices(REVIEW_OUTCOMES), id="review_outcome")


class CloseForm(FlaskForm):
    closed_on = DateField("Closed on", validators=[InputRequired(message="Give the closing date.")])
    outcome = TextAreaField(
        "How did the case end?",
        validators=[DataRequired(message="Say how the case ended."), Length(max=2000)],
    )
