"""How flask-login finds the signed-in user: through a live server-side session row."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, session
from flask_login import UserMixin

from app.auth import sessions
from app.auth.mfa import requiring_trusts
from app.auth.models import User
from app.db import get_session
from app.extensions import login_manager
from tenants.access import Principal, resolve_principal


class SignedIn(UserMixin):
    """The signed-in person, with the roles resolved once per request."""

    def __init__(self, user: User, principal: Principal, token: str, *, mfa_missing: bool = False) -> None:
        self.user = user
        self.principal = principal
        self.token = token
        self.mfa_missing = mfa_missing  # a trust requires two-step sign-in and it is not set up yet

    def get_id(self) -> str:
        return self.token

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name


@login_manager.user_loader
def load_signed_in(token: str) -> SignedIn | None:
    db = get_session()
    row = sessions.load_session(
        db,
        token,
        idle=timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"]),
        max_age=timedelta(hours=current_app.config["SESSION_MAX_HOURS"]),
    )
    if row is None:
        session.clear()
        return None
    user = row.user
    principal = resolve_principal(db, user.id, platform_admin=user.is_platform_admin)
    mfa_missing = user.mfa_secret is None and bool(requiring_trusts(db, user.id))
    db.commit()  # end the read transaction so the next one starts with the tenant setting
    return SignedIn(user, principal, token, mfa_missing=mfa_missing)
