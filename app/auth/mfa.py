"""Two-step sign-in with TOTP codes (RFC 6238) and one-time recovery codes; each function owns its commit.

Secrets stay on the server (the users row); a code is accepted once (the time step of the last code used
is kept, and only a later step passes), and recovery codes are argon2 hashes, each spent by one update.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app.audit.services import record_about_user, record_for_user
from app.auth import passwords
from app.auth.models import RecoveryCode, User
from app.auth.sessions import revoke_user_sessions
from app.db import utcnow
from tenants.models import Membership, Role, School, Trust
from tenants.scoping import UNSCOPED

ISSUER = "Turnout"
DRIFT_STEPS = 1  # a code from the 30 seconds before or after is still accepted (phone clocks drift)
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 10  # about 50 bits each; shown as two groups of five


class MfaRefused(ValueError):
    """A code that does not match, or a step that is not allowed, with a message for the person."""


class StillRequired(MfaRefused):
    """Turning it off while a trust requires it: refused before any code is checked, so not a wrong code."""


def normal_code(text: str) -> str:
    """What was typed, without the spaces and dashes people copy with it, in lower case."""
    return "".join(text.split()).replace("-", "").lower()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads (typed in or opened on the phone)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """A secret in groups of four, easier to type into an authenticator app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step whose code this is (within the drift allowed), or None."""
    code = normal_code(code)
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(at)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def requiring_trusts(db: Session, user_id: int) -> list[str]:
    """The names of the trusts (of the account's active roles) that require two-step sign-in."""
    trust_ids = select(Membership.trust_id).where(Membership.user_id == user_id, Membership.active.is_(True))
    school_trusts = (
        select(School.trust_id)
        .join(Membership, Membership.school_id == School.id)
        .where(Membership.user_id == user_id, Membership.active.is_(True))
    )
    return list(
        db.scalars(
            select(Trust.name)
            .where(Trust.mfa_required.is_(True), Trust.id.in_(trust_ids) | Trust.id.in_(school_trusts))
            .order_by(Trust.name)
            .execution_options(**UNSCOPED)  # resolving access, as at sign-in: no tenant context yet
        )
    )


def enrolled(user: User) -> bool:
    return user.mfa_secret is not None


def use_code(db: Session, user: User, code: str, at: datetime | None = None) -> bool:
    """Accept a current code once: the update succeeds only for a later time step than the last used."""
    if user.mfa_secret is None:
        return False
    step = matching_step(user.mfa_secret, code, at or utcnow())
    if step is None:
        return False
    spent = db.execute(
        update(User)
        .where(User.id == user.id, or_(User.mfa_last_step.is_(None), User.mfa_last_step < step))
        .values(mfa_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount == 1:
        user.mfa_last_step = step
    return spent.rowcount == 1


def use_recovery_code(db: Session, user: User, code: str) -> int | None:
    """Spend a recovery code; returns how many are left, or None if it matches no unused code."""
    code = normal_code(code)
    if len(code) != _RECOVERY_LENGTH:
        return None
    unused = db.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        if passwords.verify_password(row.code_hash, code):
            spent = db.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            return len(unused) - 1 if spent.rowcount == 1 else None
    return None


def recovery_codes_left(db: Session, user: User) -> int:
    return len(
        db.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def _new_recovery_codes(db: Session, user: User) -> list[str]:
    """Replace the account's recovery codes; the plain codes are returned once, to be shown once."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    db.add_all(RecoveryCode(user_id=user.id, code_hash=passwords.hash_password(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def pending_secret(db: Session, user: User, *, fresh: bool = False) -> str:
    """The secret being set up: the same on a reload (a scanned code still works), a new one when `fresh`."""
    if fresh or user.mfa_pending_secret is None:
        user.mfa_pending_secret = pyotp.random_base32()
        db.commit()
    return user.mfa_pending_secret


def confirm(db: Session, user: User, code: str, at: datetime | None = None) -> list[str]:
    """Switch two-step sign-in on (or to a new authenticator) once a code from it matches."""
    at = at or utcnow()
    secret = user.mfa_pending_secret
    step = matching_step(secret, code, at) if secret else None
    if secret is None or step is None:
        raise MfaRefused(
            "That code does not match. Check the authenticator shows Turnout for this account, and type "
            "the 6 digits it shows now."
        )
    replacing = enrolled(user)
    user.mfa_secret, user.mfa_pending_secret, user.mfa_enabled_at, user.mfa_last_step = secret, None, at, step
    codes = _new_recovery_codes(db, user)
    words = "moved to a new authenticator" if replacing else "set up"
    record_for_user(
        db, "mfa_enrolled", f"Two-step sign-in {words}, with {RECOVERY_CODES} new recovery codes", user
    )
    db.commit()
    return codes


def begin_replacement(db: Session, user: User, code: str) -> None:
    """Start moving to a new authenticator, for a code from the current one (which works until then)."""
    if not use_code(db, user, code):
        raise MfaRefused("That code does not match, or was used already: type the code shown now.")
    user.mfa_pending_secret = pyotp.random_base32()
    db.commit()


def renew_recovery_codes(db: Session, user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), for a current authenticator code."""
    if not use_code(db, user, code):
        raise MfaRefused("That code does not match, or was used already: type the code shown now.")
    codes = _new_recovery_codes(db, user)
    record_for_user(
        db, "mfa_codes_renewed", f"{RECOVERY_CODES} new recovery codes; the old ones stopped working", user
    )
    db.commit()
    return codes


def disable(db: Session, user: User, code: str) -> None:
    """Switch two-step sign-in off, for a current code, unless a trust of the account requires it."""
    required = requiring_trusts(db, user.id)
    if required:
        raise StillRequired(
            f"{' and '.join(required)} requires two-step sign-in, so it cannot be turned off. "
            "You can move it to a new authenticator instead."
        )
    if not use_code(db, user, code):
        raise MfaRefused("That code does not match, or was used already: type the code shown now.")
    user.mfa_secret = user.mfa_pending_secret = user.mfa_enabled_at = user.mfa_last_step = None
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record_for_user(db, "mfa_disabled", "Two-step sign-in turned off", user)
    db.commit()


def record_failure(db: Session, user: User, why: str) -> None:
    """A wrong code at sign-in or on the account page, committed on its own."""
    record_for_user(db, "mfa_failed", why, user)
    db.commit()


def trust_people(db: Session, trust: Trust) -> list[tuple[User, bool]]:
    """Everyone with an active role in the trust or its schools, with whether they use two-step sign-in."""
    schools = select(School.id).where(School.trust_id == trust.id)
    users = db.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.active.is_(True),
            (Membership.trust_id == trust.id) | Membership.school_id.in_(schools),
        )
        .order_by(User.name)
        .distinct()
    )
    return [(user, enrolled(user)) for user in users]


def _only_in(db: Session, user_id: int, trust: Trust) -> bool:
    """Every active role of the account is in this trust (or its schools), so its leader answers for it."""
    places = db.execute(
        select(Membership.trust_id, School.trust_id)
        .outerjoin(School, School.id == Membership.school_id)
        .where(Membership.user_id == user_id, Membership.active.is_(True))
        .execution_options(**UNSCOPED)  # roles elsewhere must count against, not vanish from the answer
    ).all()
    return bool(places) and all((own or school_trust) == trust.id for own, school_trust in places)


def _leads(db: Session, user_id: int) -> bool:
    return (
        db.scalar(
            select(Membership.id)
            .where(
                Membership.user_id == user_id,
                Membership.role == Role.TRUST_LEADER,
                Membership.active.is_(True),
            )
            .execution_options(**UNSCOPED)
            .limit(1)
        )
        is not None
    )


def reset_for(db: Session, trust: Trust, user_id: int, *, by_user_id: int) -> User:
    """A trust leader clears a lost authenticator: the person sets up a new one at their next sign-in
    (if the trust requires it) or may; their sessions end. LookupError for anyone not wholly the trust's."""
    user = db.get(User, user_id)
    if user is None or user.id == by_user_id or not _only_in(db, user.id, trust):
        raise LookupError("no such person in this trust")
    if user.is_platform_admin or _leads(db, user.id):
        raise MfaRefused(
            f"{user.name} leads a trust or runs the platform, so their two-step sign-in is reset only by "
            "Turnout's administrators: one leader could otherwise reset another's password and authenticator "
            "and sign in as them."
        )
    if not enrolled(user):
        raise MfaRefused(f"{user.name} does not use two-step sign-in, so there is nothing to reset.")
    user.mfa_secret = user.mfa_pending_secret = user.mfa_enabled_at = user.mfa_last_step = None
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    revoke_user_sessions(db, user.id)
    record_about_user(
        db,
        "mfa_disabled",
        f"Two-step sign-in of {user.name} reset by a trust leader; their sessions were ended",
        user,
    )
    db.commit()
    return user
