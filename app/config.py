"""Settings from TURNOUT_* environment variables, with embedded defaults that run anywhere."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _default_secret(instance: Path) -> str:
    """Keep one random secret per instance folder so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config; tests pass overrides instead of touching the environment."""
    instance = Path(os.environ.get("TURNOUT_INSTANCE_PATH", "instance")).resolve()
    overrides = overrides or {}
    secret = overrides.get("SECRET_KEY") or os.environ.get("TURNOUT_SECRET_KEY")
    config: dict[str, Any] = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": os.environ.get("TURNOUT_DATABASE_URL", f"sqlite:///{instance}/turnout.db"),
        "DB_APP_ROLE": os.environ.get("TURNOUT_DB_APP_ROLE", "turnout_app"),
        "STORAGE_URL": os.environ.get("TURNOUT_STORAGE_URL", f"file://{instance}/objects"),
        "S3_ENDPOINT_URL": os.environ.get("TURNOUT_S3_ENDPOINT_URL") or None,  # None: AWS itself
        "SECRET_KEY": secret or _default_secret(instance),
        "SESSION_IDLE_MINUTES": int(os.environ.get("TURNOUT_SESSION_IDLE_MINUTES", "30")),
        "SESSION_MAX_HOURS": int(os.environ.get("TURNOUT_SESSION_MAX_HOURS", "12")),
        "RATELIMIT_STORAGE_URI": os.environ.get("TURNOUT_RATELIMIT_STORAGE_URL", "memory://"),
        "LOGIN_LIMIT": os.environ.get("TURNOUT_LOGIN_LIMIT", "10 per 15 minutes"),
        "SESSION_COOKIE_SECURE": _env_bool("TURNOUT_SECURE_COOKIES", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "turnout_session",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    }
    config.update(overrides)
    return config
