"""Check register rows a block at a time: each distinct value once, then whole columns with numpy.

A school's year is half a million rows but only a few thousand distinct UPNs, a couple of hundred
dates and a handful of codes, so every text is resolved once and the per-row tests (on roll, a second
mark for a session, minutes only with L or U) run as array operations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from itertools import repeat

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.registers.codes import LATE_CODES, CodeError, lookup
from app.registers.fields import shown
from app.registers.mark_arrays import CODE_LIST, SESSIONS, Marks
from app.registers.mark_blocks import Block
from app.registers.marks import SchoolSession
from app.registers.models import Pupil

MAX_MINUTES = 300
_MISSING = -1  # what a cell that failed its check maps to; every valid value is >= 0
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)  # \d alone takes "２０２４" too
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LATE = np.array([code in LATE_CODES for code in CODE_LIST])
_Z = CODE_LIST.index("Z")


class Column:
    """One CSV column: each distinct text resolved once, to a value (>= 0) or to a problem."""

    def __init__(self, name: str, resolve: Callable[[str], int | str]) -> None:
        self.name, self._resolve = name, resolve
        self.values: dict[str, int] = {}
        self.problems: dict[str, str] = {}

    def map(self, cells: Sequence[str]) -> np.ndarray:
        """The cells' values, _MISSING where a cell is wrong (its message is in `problems`)."""
        for text in set(cells).difference(self.values, self.problems):
            found = self._resolve(text)
            if isinstance(found, str):
                self.problems[text] = found
            else:
                self.values[text] = found
        return np.fromiter(map(self.values.get, cells, repeat(_MISSING)), np.int32, len(cells))


class BlockChecker:
    """Everything the per-row rules need about one school, loaded once per import."""

    def __init__(self, db: Session, school_id: int, today: date, header: list[str]) -> None:
        pupils = db.execute(
            select(Pupil.id, Pupil.upn, Pupil.admission_date, Pupil.leaving_date).where(
                Pupil.school_id == school_id
            )
        ).all()
        self.width = max((p.id for p in pupils), default=0) + 1
        self.upns = [""] * self.width
        self.admitted = np.full(self.width, 10**7, np.int32)
        self.leaving = np.full(self.width, 10**7, np.int32)
        by_upn = {}
        for pid, upn, admitted, left in pupils:
            by_upn[upn] = pid
            self.upns[pid] = upn
            self.admitted[pid] = admitted.toordinal()
            if left:
                self.leaving[pid] = left.toordinal()
        self.recorded = np.array(
            sorted(
                day.toordinal() * 2 + SESSIONS.index(session)
                for day, session in db.execute(
                    select(SchoolSession.date, SchoolSession.session).where(
                        SchoolSession.school_id == school_id
                    )
                )
            ),
            np.int64,
        )
        self.columns = [
            (header.index("upn"), Column("upn", _upn_resolver(by_upn))),
            (header.index("date"), Column("date", _date_resolver(today))),
            (header.index("session"), Column("session", _session)),
            (header.index("code"), Column("code", _code)),
        ]
        self.minutes = (
            (header.index("minutes_late"), Column("minutes_late", _minutes))
            if "minutes_late" in header
            else None
        )
        self._slots: dict[int, int] = {}  # date ordinal -> row of `_seen`
        self._seen = np.zeros((16, self.width * 2), bool)

    def check(self, block: Block) -> tuple[Marks, list[tuple[int, str | None, str]]]:
        """The block's valid rows, and (position, column, message) for each kept row that is wrong."""
        problems: list[tuple[int, str | None, str]] = []
        cells = block.columns
        values = []
        for position, column in self.columns:
            mapped = column.map(cells[position])
            for i in np.flatnonzero(mapped == _MISSING).tolist():
                problems.append((i, column.name, column.problems[cells[position][i]]))
            values.append(mapped)
        pupil, day, session, code = values
        ok = (pupil != _MISSING) & (day != _MISSING) & (session != _MISSING) & (code != _MISSING)
        minutes = np.zeros(len(pupil), np.int32)
        if self.minutes is not None:
            position, column = self.minutes
            minutes = column.map(cells[position])
            not_late = ok & (minutes != 0) & ~_LATE[code]
            bad_number = ok & (minutes == _MISSING) & _LATE[code]
            for i in np.flatnonzero(not_late | bad_number).tolist():
                message = (
                    f"minutes late are recorded only with L or U, not {CODE_LIST[code[i]]}"
                    if not_late[i]
                    else column.problems[cells[position][i]]
                )
                problems.append((i, column.name, message))
            ok &= ~(not_late | bad_number)
        off_roll = ok & ((day < self.admitted[pupil]) | (day > self.leaving[pupil])) & (code != _Z)
        for i in np.flatnonzero(off_roll).tolist():
            problems.append((i, "date", f"pupil {self.upns[pupil[i]]} is not on roll on {_iso(day[i])}"))
        ok &= ~off_roll
        positions = np.flatnonzero(ok)
        marks = Marks(pupil, day, session, code, minutes)
        if len(positions) < len(ok):
            marks = marks.take(positions)
        for i in np.flatnonzero(self._repeats(marks)).tolist():
            upn, day_text, session_text = (
                self.upns[marks.pupil[i]],
                _iso(marks.day[i]),
                SESSIONS[marks.session[i]],
            )
            problems.append(
                (int(positions[i]), None, f"a second mark for UPN {upn} on {day_text} {session_text}")
            )
        return marks, problems

    def _repeats(self, marks: Marks) -> np.ndarray:
        """Rows that mark a pupil's session already marked earlier in the file (this block or before)."""
        days, inverse = np.unique(marks.day, return_inverse=True)
        slots = np.fromiter(map(self._slot, days.tolist()), np.int64, len(days))
        flat = (slots[inverse] * self.width + marks.pupil) * 2 + marks.session
        seen = self._seen.reshape(-1)
        repeats = seen[flat]
        order = np.argsort(flat, kind="stable")
        ordered = flat[order]
        repeats[order[1:][ordered[1:] == ordered[:-1]]] = True
        seen[flat] = True
        return repeats

    def _slot(self, ordinal: int) -> int:
        slot = self._slots.get(ordinal)
        if slot is None:
            slot = self._slots[ordinal] = len(self._slots)
            if slot == len(self._seen):
                self._seen = np.concatenate([self._seen, np.zeros_like(self._seen)])
        return slot

    def is_recorded(self, marks: Marks) -> np.ndarray:
        """Rows for sessions the school had recorded before this import (these go through the merge)."""
        if not len(self.recorded):
            return np.zeros(len(marks), bool)
        return np.isin(marks.day.astype(np.int64) * 2 + marks.session, self.recorded)


def _iso(ordinal: int) -> str:
    return date.fromordinal(int(ordinal)).isoformat()


def _upn_resolver(by_upn: dict[str, int]) -> Callable[[str], int | str]:
    def resolve(text: str) -> int | str:
        upn = text.strip().upper()
        found = by_upn.get(upn)
        return (
            found
            if found is not None
            else f"UPN {shown(upn) or '(blank)'} is not on this school's admission register"
        )

    return resolve


def _date_resolver(today: date) -> Callable[[str], int | str]:
    def resolve(text: str) -> int | str:
        text = text.strip()
        if not _ISO_DATE.match(text):
            return f"'{shown(text)}' is not a date in the form YYYY-MM-DD"
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return f"'{shown(text)}' is not a real date"
        if day.weekday() >= 5:
            return f"{text} is a {_WEEKDAY_NAMES[day.weekday()]}; registers are not taken at weekends"
        if day > today:
            return f"{text} is in the future"
        return day.toordinal()

    return resolve


def _session(text: str) -> int | str:
    session = text.strip().upper()
    return SESSIONS.index(session) if session in SESSIONS else f"'{shown(text)}' should be AM or PM"


def _code(text: str) -> int | str:
    try:
        return CODE_LIST.index(lookup(text).code)
    except CodeError as exc:
        return str(exc)


def _minutes(text: str) -> int | str:
    """0 for a blank cell, else the minutes; whether the code allows them is checked per row."""
    raw = text.strip()
    if not raw:
        return 0
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_MINUTES:  # int() fails on '²'
        return f"'{shown(raw)}' is not a number of minutes from 1 to {MAX_MINUTES}"
    return int(raw)
