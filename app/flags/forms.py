"""Forms for the flag rules page: the thresholds as typed, and the CSRF token for each action.

The values are read and checked by app.flags.services (the rules engine decides what is valid), so
the fields here are plain text in number inputs and carry no validators of their own.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.widgets import NumberInput


def _threshold(label: str, description: str, step: str = "0.1", top: int = 100) -> StringField:
    return StringField(label, description=description, widget=NumberInput(step=step, min=0, max=top))


class RulesForm(FlaskForm):
    """The thresholds; the rule rows are a table the template draws and the service reads."""

    green_from = _threshold(
        "Green from (%)", "Pupils whose attendance this year is at or above this are green."
    )
    red_upto = _threshold(
        "Red up to (%)",
        "At or below this is red: persistent absence. Between red and green is amber.",
    )
    purple_upto = _threshold(
        "Purple up to (%)", "At or below this is purple: severe absence. It must be below red."
    )
    new_below = _threshold(
        "New below (possible sessions)",
        "Pupils with fewer possible sessions than this so far this year are grey “new”, whatever "
        "their attendance. Two sessions make a day.",
        step="1",
        top=400,
    )


class RestoreForm(FlaskForm):
    """CSRF carrier for restoring the defaults."""
