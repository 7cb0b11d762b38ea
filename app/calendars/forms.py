"""Calendar forms: types and what must be given here; whether the entries make a calendar is the services'."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, Field, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.calendars.csvfile import control_character
from app.calendars.spans import KIND_LABELS, Kind
from app.clock import YEARS

ONE_DAY_KINDS = (Kind.INSET.value, Kind.CLOSURE.value)  # may leave the last day empty
DATE_LIMITS = {"min": f"{YEARS[0]}-01-01", "max": f"{YEARS[-1]}-12-31"}  # the date picker offers only these


def _in_years(_form: FlaskForm, field: Field) -> None:
    """A year-1 or year-2150 date is a typing mistake, and its academic year cannot be worked out or shown."""
    if field.data is not None and field.data.year not in YEARS:
        raise ValidationError(f"Give a date from {YEARS[0]} to {YEARS[-1]}.")


def _csv_field(label: str) -> FileField:
    return FileField(
        label,
        description="UTF-8 with the header kind,name,start,end; dates as YYYY-MM-DD.",
        validators=[FileRequired("Choose a CSV file."), FileAllowed(["csv"], "Choose a .csv file.")],
    )


class EntryForm(FlaskForm):
    """One term, half-term, holiday, INSET day or closure; a one-day INSET day or closure needs no end."""

    kind = SelectField("Kind", choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()])
    name = StringField(
        "Name",
        description="For example 'Autumn term' or 'October half-term'. An INSET day or closure may leave it empty.",
        validators=[Length(max=100)],
    )
    start = DateField(
        "First day",
        validators=[InputRequired(message="Give the first day."), _in_years],
        render_kw=DATE_LIMITS,
    )
    end = DateField(
        "Last day",
        description="Leave empty for a one-day INSET day or closure.",
        validators=[Optional(), _in_years],
        render_kw=DATE_LIMITS,
    )

    def validate_name(self, field: StringField) -> None:
        if not (field.data or "").strip() and self.kind.data not in ONE_DAY_KINDS:
            raise ValidationError("Give a name, for example 'Autumn term'.")
        found = control_character(field.data or "")
        if found:
            raise ValidationError(f"The name holds a control character ({found}): type it as plain text.")

    def validate(self, extra_validators: dict | None = None) -> bool:
        """An empty last day stops the field's own checks (Optional), so it is checked here."""
        valid = super().validate(extra_validators)
        if self.end.data is None and not self.end.errors and self.kind.data not in ONE_DAY_KINDS:
            self.end.errors = ["Give the last day (only an INSET day or closure may be one day)."]
            return False
        return valid


class CsrfForm(FlaskForm):
    """CSRF carrier for removing an entry."""


class ImportForm(FlaskForm):
    file = _csv_field("Calendar CSV file")


class PushForm(FlaskForm):
    """The trust's calendar file and the schools it goes to (the page ticks them all at first)."""

    file = _csv_field("Trust calendar CSV file")
    schools = SelectMultipleField(
        "Schools to push to",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

    def validate_schools(self, field: SelectMultipleField) -> None:
        """Checked here, not by InputRequired, so no single checkbox is marked required."""
        if not field.data:
            raise ValidationError("Tick at least one school.")
