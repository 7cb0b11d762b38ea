"""PostgreSQL's binary COPY format, built from numpy columns without a Python object per row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
_TRAILER = b"\xff\xff"
EPOCH = date(2000, 1, 1).toordinal()  # binary dates count days from here


def payload(columns: list[tuple[np.ndarray, str]]) -> bytes:
    """One COPY stream: (values, big-endian numpy type) per column, e.g. '>i4' for integer and date
    (days since EPOCH), '>i2' for smallint, 'S2' for two-character text. No column may be NULL."""
    layout = [("fields", ">i2")]
    for i, (_, kind) in enumerate(columns):
        layout += [(f"length{i}", ">i4"), (f"value{i}", kind)]
    rows = np.empty(len(columns[0][0]) if columns else 0, np.dtype(layout))
    rows["fields"] = len(columns)
    for i, (values, kind) in enumerate(columns):
        rows[f"length{i}"] = np.dtype(kind).itemsize
        rows[f"value{i}"] = values
    return _SIGNATURE + rows.tobytes() + _TRAILER


def read(cursor: Any, query: str, params: Sequence[Any], kinds: Sequence[str]) -> list[np.ndarray]:
    """Run COPY (query) TO STDOUT in binary and return its columns; every value must be non-NULL
    and of the given big-endian numpy type ('>i4' for integer and date, '>i8' for bigint)."""
    layout = [("fields", ">i2")]
    for i, kind in enumerate(kinds):
        layout += [(f"length{i}", ">i4"), (f"value{i}", kind)]
    with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)", params) as copy:
        data = b"".join(bytes(chunk) for chunk in copy)
    rows = np.frombuffer(
        data,
        np.dtype(layout),
        offset=len(_SIGNATURE),
        count=(len(data) - len(_SIGNATURE) - 2) // np.dtype(layout).itemsize,
    )
    return [rows[f"value{i}"].astype(kind.replace(">", "=")) for i, kind in enumerate(kinds)]
