"""Marks as columns of small integers: the form in which imports check, write and count them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np

from app.registers.codes import CODES

CODE_LIST = tuple(CODES)
SESSIONS = ("AM", "PM")


@dataclass
class Marks:
    """Pupil ids, date ordinals, sessions (0 AM, 1 PM), code indexes (CODE_LIST) and minutes late (0: none)."""

    pupil: np.ndarray
    day: np.ndarray
    session: np.ndarray
    code: np.ndarray
    minutes: np.ndarray

    def __len__(self) -> int:
        return len(self.pupil)

    def take(self, rows: np.ndarray) -> Marks:
        return Marks(
            self.pupil[rows], self.day[rows], self.session[rows], self.code[rows], self.minutes[rows]
        )

    @classmethod
    def of(cls, entries: Iterable[tuple[int, date, str, str, int | None]]) -> Marks:
        """From (pupil id, date, session, code, minutes late) tuples."""
        rows = [
            (pupil, day.toordinal(), SESSIONS.index(session), CODE_LIST.index(code), minutes or 0)
            for pupil, day, session, code, minutes in entries
        ]
        columns = np.array(rows, np.int64).reshape(-1, 5).T
        return cls(*(column.astype(np.int32) for column in columns))
