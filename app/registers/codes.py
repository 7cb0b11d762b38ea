"""The national attendance and absence codes in force from 19 August 2024 (DfE)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from app.registers.fields import shown

_CODES_CSV = Path(__file__).resolve().parent.parent / "reference" / "attendance_codes_2024.csv"

PRESENT = "present"
AEA = "approved_educational_activity"
AUTHORISED = "authorised"
UNAUTHORISED = "unauthorised"

# Codes withdrawn in August 2024, and what replaced them.
RETIRED = {
    "H": "G (holiday not granted) or C (exceptional circumstances)",
    "J": "J1 (interview)",
    "Y": "one of Y1 to Y7",
}


@dataclass(frozen=True)
class Code:
    code: str
    meaning: str
    category: str
    counts_in_possible: bool


def _load() -> dict[str, Code]:
    with _CODES_CSV.open(newline="", encoding="utf-8") as f:
        return {
            row["code"]: Code(
                row["code"], row["meaning"], row["category"], row["counts_in_possible"] == "yes"
            )
            for row in csv.DictReader(f)
        }


CODES: dict[str, Code] = _load()
LATE_CODES = frozenset({"L", "U"})


class CodeError(ValueError):
    """A code that cannot be entered in a 2024 register, with what to use instead."""


def lookup(text: str) -> Code:
    """Find a code, accepting lower case and a '/' or '\\' in either session."""
    value = text.strip()
    code = CODES.get(value) or CODES.get(value.upper())
    if code is not None:
        return code
    retired = RETIRED.get(value.upper())
    if retired:
        raise CodeError(f"code '{value}' was withdrawn in August 2024; use {retired}")
    raise CodeError(f"'{shown(value)}' is not a national attendance code")
