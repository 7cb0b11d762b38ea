"""Calendar pages: a school's terms, holidays and closures; a trust pushing one calendar to its schools."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calendars", __name__)
