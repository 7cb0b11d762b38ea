"""Workflow compliance pages and exports: on-time rates by cadence and role, and the tasks missed."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("compliance", __name__)
