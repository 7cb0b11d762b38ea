"""The half-signed-in state between a right password and a right code: a server row the cookie names.

It grants nothing but the code (or set-up) step. It ends after five minutes, after five wrong codes, or
when used; an account's wrong codes are also counted across challenges, so signing in again with the
password does not buy fresh guesses.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.auth.models import LoginChallenge, User
from app.db import utcnow

LIFETIME = timedelta(minutes=5)
MAX_FAILURES = 5  # per challenge
ACCOUNT_FAILURES = 10  # per account in ACCOUNT_WINDOW, whichever challenge they came through
ACCOUNT_WINDOW = timedelta(minutes=15)
CODE, ENROL = "code", "enrol"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_challenge(db: Session, user: User, purpose: str, *, ip: str | None) -> str:
    """Start the second step for an account; returns the token for the cookie (the caller commits)."""
    db.execute(delete(LoginChallenge).where(LoginChallenge.created_at < utcnow() - timedelta(days=1)))
    token = secrets.token_urlsafe(32)
    db.add(LoginChallenge(id=_digest(token), user_id=user.id, purpose=purpose, failures=0, ip_address=ip))
    return token


def live_challenge(db: Session, token: str | None, now: datetime | None = None) -> LoginChallenge | None:
    """The challenge a cookie names if it may still be answered: not used, not expired, not worn out."""
    if not token:
        return None
    row = db.get(LoginChallenge, _digest(token))
    now = now or utcnow()
    if row is None or row.done_at is not None or row.failures >= MAX_FAILURES:
        return None
    if now - row.created_at > LIFETIME:
        return None
    return row


def account_locked(db: Session, user_id: int, now: datetime | None = None) -> bool:
    """Too many wrong codes for this account lately, across all its challenges."""
    since = (now or utcnow()) - ACCOUNT_WINDOW
    wrong = db.scalar(
        select(func.coalesce(func.sum(LoginChallenge.failures), 0)).where(
            LoginChallenge.user_id == user_id, LoginChallenge.created_at >= since
        )
    )
    return int(wrong or 0) >= ACCOUNT_FAILURES


def count_failure(db: Session, challenge: LoginChallenge) -> int:
    """Count a wrong code in the database (not the cookie); returns how many tries this challenge has left."""
    db.execute(
        update(LoginChallenge)
        .where(LoginChallenge.id == challenge.id)
        .values(failures=LoginChallenge.failures + 1)
        .execution_options(synchronize_session=False)
    )
    db.refresh(challenge)
    return max(MAX_FAILURES - challenge.failures, 0)


def finish(db: Session, challenge: LoginChallenge) -> bool:
    """Mark the challenge used; False if another request used it first (it works once)."""
    done = db.execute(
        update(LoginChallenge)
        .where(LoginChallenge.id == challenge.id, LoginChallenge.done_at.is_(None))
        .values(done_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1
