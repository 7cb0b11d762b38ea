"""Settings from TURNOUT_* environment variables, with embedded defaults that run anywhere.

In production (TURNOUT_ENV=production) the defaults that are only safe on one laptop are refused.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEVELOPMENT, PRODUCTION = "development", "production"
MIN_SECRET_LENGTH = 32
# Secrets that appear in examples and tutorials: a key anyone can read signs anyone's session.
_PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "replace_me", "example", "your-secret",
                 "not-a-secret", "secret-key", "secret_key", "turnout-demo", "test-secret")  # fmt: skip


class UnsafeConfig(RuntimeError):
    """Production settings that would put children's data at risk: the app refuses to start."""


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
    environment = overrides.get("TURNOUT_ENV") or os.environ.get("TURNOUT_ENV") or DEVELOPMENT
    secret = overrides.get("SECRET_KEY") or os.environ.get("TURNOUT_SECRET_KEY")
    if not secret and environment != PRODUCTION:  # production must be given one: see production_problems
        secret = _default_secret(instance)
    config: dict[str, Any] = {
        "TURNOUT_ENV": environment,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": os.environ.get("TURNOUT_DATABASE_URL", f"sqlite:///{instance}/turnout.db"),
        "DB_APP_ROLE": os.environ.get("TURNOUT_DB_APP_ROLE", "turnout_app"),
        "STORAGE_URL": os.environ.get("TURNOUT_STORAGE_URL", f"file://{instance}/objects"),
        "S3_ENDPOINT_URL": os.environ.get("TURNOUT_S3_ENDPOINT_URL") or None,  # None: AWS itself
        "SECRET_KEY": secret,
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


def production_problems(config: dict[str, Any], *, debug: bool) -> list[str]:
    """Every reason these settings are unsafe in production, each naming the setting to change."""
    environment = config.get("TURNOUT_ENV")
    if environment not in (DEVELOPMENT, PRODUCTION):
        return [f"TURNOUT_ENV is {environment!r}: set it to {PRODUCTION!r} or {DEVELOPMENT!r}"]
    if environment != PRODUCTION:
        return []
    problems = []
    if debug:
        problems.append("debug mode is on: unset FLASK_DEBUG (the debugger runs any code a visitor sends)")
    if config.get("TESTING"):
        problems.append("TESTING is on: it is for the test suite only")
    if not config.get("WTF_CSRF_ENABLED", True):
        problems.append("WTF_CSRF_ENABLED is off: forms would accept requests forged by other sites")
    problems += _secret_problems(config.get("SECRET_KEY"))
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("TURNOUT_SECURE_COOKIES is off: session cookies would travel over plain HTTP")
    if str(config.get("DATABASE_URL", "")).startswith("sqlite"):
        problems.append(
            "TURNOUT_DATABASE_URL is SQLite: production needs PostgreSQL (row-level security, several hosts)"
        )
    return problems


def _secret_problems(secret: str | None) -> list[str]:
    if not secret:
        return ["TURNOUT_SECRET_KEY is not set: every web host needs the same long random secret"]
    lowered = secret.lower()
    if len(secret) < MIN_SECRET_LENGTH:
        return [
            f"TURNOUT_SECRET_KEY has {len(secret)} characters: use at least {MIN_SECRET_LENGTH} random ones"
        ]
    if any(placeholder in lowered for placeholder in _PLACEHOLDERS) or len(set(secret)) < 10:
        return ["TURNOUT_SECRET_KEY is an example value: generate one, e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`"]  # fmt: skip
    return []


def refuse_unsafe_production(config: dict[str, Any], *, debug: bool) -> None:
    """Stop before serving anything when production settings are unsafe, listing every problem."""
    problems = production_problems(config, debug=debug)
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise UnsafeConfig(f"Turnout refuses to start with these settings:\n{listed}")
