"""Flask extensions shared by the blueprints."""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = None  # sessions are server-side rows; see auth.sessions

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def login_account_key() -> str:
    """Rate-limit key for the account being tried, whatever address it comes from."""
    return "account:" + (request.form.get("email") or "").strip().lower()
