"""Synthetic pupils and register files at realistic sizes and code mixes, for `make bench`."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from stdnum.gb import upn as stdnum_upn

# Roughly the national mix of a secondary school's sessions (DfE 2025/26 year to date).
CODE_WEIGHTS = {
    "/": 900,
    "L": 20,
    "I": 32,
    "M": 6,
    "O": 8,
    "N": 4,
    "G": 5,
    "U": 3,
    "C": 4,
    "E": 2,
    "B": 3,
    "V": 3,
    "R": 1,
    "#": 2,
}


def upn_for(school_number: int, serial: int) -> str:
    body = f"801{school_number % 10000:04d}{serial // 1000 % 100:02d}{serial % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body


def school_days(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def write_pupils_csv(path: Path, school_number: int, pupils: int, admitted: date) -> list[str]:
    upns = [upn_for(school_number, i) for i in range(pupils)]
    with path.open("w") as f:
        f.write("upn,legal_surname,legal_forename,date_of_birth,sex,year_group,admission_date\n")
        for i, upn in enumerate(upns):
            year = 7 + i % 5
            f.write(
                f"{upn},Pupil{i},Test,{2019 - year}-0{1 + i % 9}-1{i % 9},{'FM'[i % 2]},{year},{admitted}\n"
            )
    return upns


def mark_lines(upns: list[str], days: list[date], seed: int) -> Iterator[str]:
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    codes = list(CODE_WEIGHTS)
    weights = list(CODE_WEIGHTS.values())
    yield "upn,date,session,code,minutes_late\n"
    for upn in upns:
        picks = rng.choices(codes, weights, k=len(days) * 2)
        for i, day in enumerate(days):
            text = day.isoformat()
            for j, session in enumerate(("AM", "PM")):
                code = picks[i * 2 + j]
                if code == "/" and session == "PM":
                    code = "\\"
                minutes = rng.randint(2, 25) if code in ("L", "U") else ""
                yield f"{upn},{text},{session},{code},{minutes}\n"


def write_marks_csv(path: Path, upns: list[str], days: list[date], seed: int = 1) -> int:
    count = 0
    with path.open("w") as f:
        for line in mark_lines(upns, days, seed):
            f.write(line)
            count += 1
    return count - 1
