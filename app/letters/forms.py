"""Forms for letters: a template's wording, and what to generate for one pupil or a filtered list.

Cross-field rules (an invitation needs a meeting; no letter dated ahead) and merge fields are checked
by the services, which own what is valid; dates here only need to parse when given.
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.letters.wording import GENERATE

FLAG_CHOICES = [SelectChoice(value, label) for value, label in (
    ("", "Any flag"), ("green", "✓ Green"), ("amber", "! Amber"), ("red", "▲ Red"), ("purple", "◆ Purple"),
    ("new", "○ New"),
)]  # fmt: skip


class TemplateForm(FlaskForm):
    """A template's title and text, with merge fields written {{ field_name }}."""

    title = StringField("Title", description="The letter's heading, or the certificate's main line.")
    body = TextAreaField(
        "Text",
        description="Plain text: leave a blank line between paragraphs. Put a merge field in double "
        "braces, like {{ days_missed }}; the fields are listed below.",
        render_kw={"rows": 18},
    )


class CsrfForm(FlaskForm):
    """CSRF carrier for resetting a template."""


class GenerateForm(FlaskForm):
    """One pupil's letter: the kind, the date its figures run to, and a meeting for an invitation."""

    kind = SelectField("Kind of letter", choices=[SelectChoice(k, v) for k, v in GENERATE.items()])
    letter_date = DateField(
        "Letter date", validators=[Optional()], default=date.today,
        description="The figures run from the start of the school year to this day.",
    )  # fmt: skip
    meeting_date = DateField("Meeting date (invitations only)", validators=[Optional()])
    meeting_time = TimeField(
        "Meeting time (invitations only)", validators=[Optional()], description="For example 09:30."
    )


class BatchForm(GenerateForm):
    """A batch: the same, for pupils chosen by year group, form and their flag at the letter's date."""

    year_group = SelectField("Year group", choices=[SelectChoice("", "Any year group")])
    form_name = SelectField("Form", choices=[SelectChoice("", "Any form")])
    flag = SelectField(
        "Flag at the letter's date",
        choices=FLAG_CHOICES,
        description="From attendance in the school year up to the letter's date: the flag that picks a "
        "traffic-light letter's wording.",
    )
