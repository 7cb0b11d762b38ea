"""Sign-in, sign-out and password changes; each function owns its transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import passwords, sessions
from app.auth.models import User


class PasswordRejected(ValueError):
    """A new password that fails the policy or a wrong current password."""


def find_user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(db: Session, email: str, password: str) -> User | None:
    """Return the active user these credentials belong to, upgrading an old hash on the way."""
    user = find_user_by_email(db, email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.commit()
    return user


def sign_in(db: Session, user: User, *, ip: str | None, user_agent: str | None) -> str:
    token = sessions.open_session(db, user, ip=ip, user_agent=user_agent)
    db.commit()
    return token


def sign_out(db: Session, token: str) -> None:
    sessions.revoke_session(db, token)
    db.commit()


def change_password(db: Session, user: User, current: str, new: str, *, keep_token: str) -> None:
    """Change a password and end every other session of that user."""
    if not passwords.verify_password(user.password_hash, current):
        raise PasswordRejected("Your current password is not correct.")
    problem = passwords.password_problem(new)
    if problem:
        raise PasswordRejected(problem)
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    sessions.revoke_user_sessions(db, user.id, keep_token=keep_token)
    db.commit()
