"""Sign-in, sign-out and password changes; each function owns its transaction."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.services import Actor, record, record_for_user, trusts_of_user
from app.auth import passwords, sessions
from app.auth.models import User


class PasswordRejected(ValueError):
    """A new password that fails the policy or a wrong current password."""


def find_user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(db: Session, email: str, password: str) -> User | None:
    """Return the active user these credentials belong to, upgrading an old hash on the way.

    A refusal is audited (committed on its own): on the chains of the account's trusts, or on the
    platform's for an address with no account. The person is told only that it did not match.
    """
    user = find_user_by_email(db, email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        _record_refusal(db, email, user, "wrong password" if not ok else "the account is deactivated")
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
        db.commit()
    return user


def _record_refusal(db: Session, email: str, user: User | None, why: str) -> None:
    typed = email.strip()[:254]
    if user is None:  # an address with no account (or a password typed into the email box: kept out)
        shown = typed if "@" in typed else "(not an email address)"
        record(db, "login_failed", "Sign-in refused: no account with this email address", trust_id=None,
               actor=Actor(None, shown, shown if "@" in typed else None))  # fmt: skip
    else:
        for trust_id in trusts_of_user(db, user.id):
            record(db, "login_failed", f"Sign-in refused: {why}", trust_id=trust_id, actor=Actor.of(user))
    db.commit()


def sign_in(db: Session, user: User, *, ip: str | None, user_agent: str | None, how: str) -> str:
    """Open the session and audit the sign-in in one transaction; `how` says which factors were used."""
    token = sessions.open_session(db, user, ip=ip, user_agent=user_agent)
    record_for_user(db, "login", f"Signed in {how}", user)
    db.commit()
    return token


def sign_out(db: Session, token: str, user: User) -> None:
    sessions.revoke_session(db, token)
    record_for_user(db, "logout", "Signed out", user)
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
    record_for_user(db, "password_changed", "Changed their password; their other sessions were ended", user)
    db.commit()
