"""Rollup counters for many marks at once: counted per key and code with numpy, in bounded memory."""

from __future__ import annotations

import numpy as np

from app.registers.codes import CODES
from app.registers.mark_arrays import CODE_LIST
from app.registers.measures import COUNTERS, contribution

_CONTRIBUTION = np.array([contribution(CODES[code], None) for code in CODE_LIST], np.int64)
_MINUTES = COUNTERS.index("minutes_late")
_COMPACT_AT = 1 << 20  # (key, code) pairs held before they are summed again


class Tally:
    """Sessions and minutes late per (key, code); a key is any integer below 2**57."""

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._held = 0

    def add(self, keys: np.ndarray, codes: np.ndarray, minutes: np.ndarray, sign: int = 1) -> None:
        """Count marks in (sign 1), or take them out (sign -1, for the entry an amendment replaces)."""
        if not len(keys):
            return
        pairs = keys.astype(np.int64) * len(CODE_LIST) + codes
        self._parts.append(_sum_by(pairs, np.full(len(keys), sign), minutes * sign))
        self._held += len(self._parts[-1][0])
        if self._held > _COMPACT_AT:
            self._compact()

    def _compact(self) -> None:
        pairs, sessions, minutes = (np.concatenate(part) for part in zip(*self._parts, strict=True))
        self._parts = [_sum_by(pairs, sessions, minutes)]
        self._held = len(self._parts[0][0])

    def totals(self) -> tuple[np.ndarray, np.ndarray]:
        """The keys with any change, and their counter deltas (one row each, COUNTERS order)."""
        if not self._parts:
            return np.zeros(0, np.int64), np.zeros((0, len(COUNTERS)), np.int64)
        self._compact()
        pairs, sessions, minutes = self._parts[0]
        keys, codes = np.divmod(pairs, len(CODE_LIST))
        unique, inverse = np.unique(keys, return_inverse=True)
        totals = np.zeros((len(unique), len(COUNTERS)), np.int64)
        np.add.at(totals, inverse, _CONTRIBUTION[codes] * sessions[:, None])
        np.add.at(totals[:, _MINUTES], inverse, minutes)
        changed = totals.any(axis=1)
        return unique[changed], totals[changed]


def _sum_by(pairs: np.ndarray, sessions: np.ndarray, minutes: np.ndarray) -> tuple[np.ndarray, ...]:
    unique, inverse = np.unique(pairs, return_inverse=True)
    return (
        unique,
        np.bincount(inverse, weights=sessions).astype(np.int64),
        np.bincount(inverse, weights=minutes).astype(np.int64),
    )
