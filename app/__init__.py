"""Turnout's Flask application."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app; imported lazily so `tenants` can import `app.db` without a cycle."""
    from app.factory import build_app

    return build_app(overrides)
