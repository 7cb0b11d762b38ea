"""Allocate per-school integer ids atomically (UPDATE ... RETURNING works on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from tenants.models import SchoolCounter


def allocate(db: Session, school_id: int, name: str, count: int = 1) -> int:
    """Reserve `count` consecutive ids for a school and return the first; the caller commits."""
    last = db.scalar(
        update(SchoolCounter)
        .where(SchoolCounter.school_id == school_id, SchoolCounter.name == name)
        .values(value=SchoolCounter.value + count)
        .returning(SchoolCounter.value)
    )
    if last is None:
        db.add(SchoolCounter(school_id=school_id, name=name, value=count))
        db.flush()
        last = count
    return last - count + 1
