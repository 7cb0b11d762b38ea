"""The weekly view's named filters and banding matrix, worked out on the server from the week's rows,
so the grid, its count and both exports show the same pupils."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from typing import Any

from flask import abort

from app.flags.rules import FLAGS, STEPS, TRENDS
from app.registers.models import SEN_STATUSES, YEAR_GROUPS
from app.registers.school_view import BANDS

YES_NO = ("Yes", "No")


@dataclass(frozen=True)
class WeekFilters:
    """What the attendance lead has picked; an empty choice means everyone."""

    years: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    trends: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    sen: tuple[str, ...] = ()
    fsm: tuple[str, ...] = ()
    eal: tuple[str, ...] = ()
    looked_after: tuple[str, ...] = ()
    bands: tuple[int, ...] = ()

    @classmethod
    def of(cls, *values: Any) -> WeekFilters:
        """Read the controls' values in field order; a value no control offers is a bad request."""
        allowed: dict[str, Any] = {
            "years": YEAR_GROUPS, "flags": FLAGS, "trends": TRENDS, "steps": STEPS, "sen": SEN_STATUSES,
            "fsm": YES_NO, "eal": YES_NO, "looked_after": YES_NO, "bands": range(len(BANDS)),
        }  # fmt: skip
        chosen: dict[str, tuple] = {}
        for field, value in zip(fields(cls), values, strict=True):
            picked = [] if value is None else value if isinstance(value, list) else [value]
            if any(not isinstance(v, str | int) or isinstance(v, bool) for v in picked):
                abort(400)
            if field.name == "forms":
                if any(len(str(v)) > 20 for v in picked):
                    abort(400)
            elif any(v not in allowed[field.name] for v in picked):
                abort(400)
            chosen[field.name] = tuple(picked)
        return cls(**chosen)

    def keep(self, row: dict) -> bool:
        return all(
            not wanted or row[key] in wanted
            for wanted, key in (
                (self.years, "year"), (self.forms, "form"), (self.flags, "flag"), (self.trends, "trend_key"),
                (self.steps, "next_step"), (self.sen, "sen_code"), (self.fsm, "fsm"), (self.eal, "eal"),
                (self.looked_after, "looked_after"), (self.bands, "band"),
            )
        )  # fmt: skip

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def apply(rows: list[dict], filters: WeekFilters) -> list[dict]:
    return [row for row in rows if filters.keep(row)] if filters.active else rows


@dataclass(frozen=True)
class Matrix:
    """Pupils by 5% band of year-to-date absence and year group (design.md "Banding")."""

    years: list[str]
    counts: Counter[tuple[str, int]]
    left_out: int  # too few possible sessions to band

    def total(self, band: int) -> int:
        return sum(self.counts[(year, band)] for year in self.years)


def matrix(rows: list[dict]) -> Matrix:
    counts = Counter((row["year"], row["band"]) for row in rows if row["band"] is not None)
    years = [y for y in YEAR_GROUPS if any(key[0] == y for key in counts)]
    return Matrix(years, counts, sum(row["band"] is None for row in rows))


def band_label(index: int) -> str:
    low, high = BANDS[index]
    return f"{low}% or more" if high == 100 else f"{low}% to under {high}%"
