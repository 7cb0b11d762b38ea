"""Server-side login sessions: the cookie carries a random token, the database its hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from app.auth.models import User, UserSession
from app.db import utcnow

TOUCH_EVERY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, user: User, *, ip: str | None, user_agent: str | None) -> str:
    """Record a new login and return the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    db.add(
        UserSession(
            id=_digest(token),
            user_id=user.id,
            ip_address=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    return token


def load_session(
    db: Session, token: str, *, idle: timedelta, max_age: timedelta, now: datetime | None = None
) -> UserSession | None:
    """Return the live session for a token; revoked, idle, expired or deactivated gives None."""
    now = now or utcnow()
    row = db.get(UserSession, _digest(token))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > max_age:
        row.revoked_at = now
        db.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        db.commit()
    return row


def revoke_session(db: Session, token: str) -> None:
    db.execute(
        update(UserSession)
        .where(UserSession.id == _digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_user_sessions(db: Session, user_id: int, *, keep_token: str | None = None) -> None:
    """End every session of a user (deactivation, password change), optionally but one."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep_token is not None:
        query = query.where(UserSession.id != _digest(keep_token))
    db.execute(query.values(revoked_at=utcnow()))


def purge_sessions(db: Session, *, older_than: timedelta) -> int:
    """Delete sessions that ended long ago; they hold no record anyone needs."""
    cutoff = utcnow() - older_than
    result = db.execute(
        delete(UserSession).where((UserSession.revoked_at < cutoff) | (UserSession.last_seen_at < cutoff))
    )
    return result.rowcount
