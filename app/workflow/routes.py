"""Workflow pages: my tasks, a school's task board and playbook, and the trust playbook."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workflow", __name__)
