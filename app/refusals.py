"""The one shape every use case's refusal takes: nothing saved, and a message per field to act on."""

from __future__ import annotations


class Refused(ValueError):
    """Nothing was saved; `problems` maps a form field (or a row) to what is wrong with it."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems
