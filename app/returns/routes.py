"""Pages for returns."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("returns", __name__)
