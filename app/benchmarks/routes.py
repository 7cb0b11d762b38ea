"""Pages for benchmarks."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("benchmarks", __name__)
