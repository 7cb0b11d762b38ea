"""A digest of the database, read as its owner, to show that a refused import changed nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, func, select

from app.db import Base, normalise_url

# Tables an import may change in place (an upsert, a counter, a replaced entry), so their rows are hashed;
# every other table is only counted (an import adds to them or leaves them alone).
IN_PLACE = ("pupils", "marks", "pupil_weeks", "school_sessions", "school_counters", "calendar_entries")


class Snapshot:
    """Reads the tables through its own connection (the owner, so RLS hides no rows); remembers the last
    digest while nothing is written, so examples in a row that are all refused read the database once each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._last: dict[str, str] | None = None

    def digest(self) -> dict[str, str]:
        """Every table's row count, and a hash of the rows of the IN_PLACE tables."""
        if self._last is not None:
            return self._last
        tables = Base.metadata.sorted_tables
        with self.engine.connect() as conn:
            counts = conn.execute(
                select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables))
            ).one()
            found = {t.name: str(n) for t, n in zip(tables, counts, strict=True)}
            for t in tables:
                if t.name in IN_PLACE:
                    rows = conn.execute(select(t).order_by(*t.primary_key.columns)).all()
                    found[t.name] += "/" + hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        assert not found["pupils"].startswith("0/"), "the snapshot cannot see the world's pupils"
        return found

    def changed(self, before: dict[str, str]) -> list[str]:
        """The tables whose rows differ from `before`; the state now is remembered if none does."""
        self._last = None
        after = self.digest()
        differ = [name for name in before if before[name] != after[name]]
        self._last = None if differ else after
        return differ

    def written(self) -> None:
        """Something was written on purpose: the next digest reads the database again."""
        self._last = None


@contextmanager
def snapshot_of(database_url: str) -> Iterator[Snapshot]:
    engine = create_engine(normalise_url(database_url))
    try:
        yield Snapshot(engine)
    finally:
        engine.dispose()
