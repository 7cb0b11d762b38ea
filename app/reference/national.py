"""England's headline absence by phase and cohort (national_headlines.csv), for reference lines."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HEADLINES = Path(__file__).parent / "national_headlines.csv"


@dataclass(frozen=True)
class NationalFigure:
    period: str
    absence: float
    persistent: float | None
    who: str  # which pupils, in words


_WHO = {
    "fsm": "pupils on free school meals", "not_fsm": "pupils not on free school meals",
    "ehc_plan": "pupils with an EHC plan", "sen_support": "pupils with SEN support", "no_sen": "pupils with no SEN",
}  # fmt: skip


@cache
def _rows() -> dict[tuple[str, str], NationalFigure]:
    """The latest period for each phase and cohort (the file lists periods oldest first)."""
    found: dict[tuple[str, str], NationalFigure] = {}
    with _HEADLINES.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            persistent = row["persistent_absence_pct"]
            phase, cohort = row["phase"], row["cohort"]
            who = _WHO.get(cohort) or ("all pupils" if phase == "all" else f"all {phase} pupils")
            found[(phase, cohort)] = NationalFigure(
                row["period"],
                float(row["overall_absence_pct"]),
                float(persistent) if persistent else None,
                who,
            )
    return found


def national(cohort: str, phase: str = "all") -> NationalFigure | None:
    """England's figure for a cohort (fsm, not_fsm, ehc_plan, sen_support, no_sen) or for all pupils of
    a phase (cohort "all")."""
    return _rows().get((phase, cohort))
