"""API tokens: created by a school lead, shown once, stored as a SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.models import ApiToken
from app.db import utcnow
from tenants.models import School

PREFIX = "tnt_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Session, school: School, name: str, *, by_id: int, by_name: str) -> tuple[ApiToken, str]:
    """Make a token for one school; the secret is returned once and never stored."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        school_id=school.id,
        name=name.strip()[:100] or "MIS integration",
        token_hash=digest(secret),
        prefix=secret[:12],
        created_by_id=by_id,
        created_by_name=by_name,
    )
    db.add(token)
    db.commit()
    return token, secret


def tokens_of(db: Session, school: School) -> list[ApiToken]:
    return list(
        db.scalars(
            select(ApiToken).where(ApiToken.school_id == school.id).order_by(ApiToken.created_at.desc())
        )
    )


def revoke(db: Session, school: School, token_id: str) -> ApiToken | None:
    try:
        key = uuid.UUID(token_id)
    except ValueError:
        return None
    token = db.get(ApiToken, (school.id, key))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        db.commit()
    return token


def authenticate(db: Session, school: School, secret: str) -> ApiToken | None:
    """The live token of this school matching the secret, if any."""
    token = db.scalar(
        select(ApiToken).where(ApiToken.school_id == school.id, ApiToken.token_hash == digest(secret))
    )
    if token is None or token.revoked_at is not None:
        return None
    token.last_used_at = utcnow()
    return token
