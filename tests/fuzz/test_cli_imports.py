"""`turnout import pupils|marks|calendar` with hypothesis-made files: exit 0 or exit 1 with every problem by
line, never a traceback, and nothing written when refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from hypothesis import given

from app.cli import main
from tests.conftest import World
from tests.fuzz.conftest import bounded
from tests.fuzz.csv_faults import Fuzzed, malformed
from tests.fuzz.snapshot import Snapshot
from tests.fuzz.tables import CALENDAR, MARKS, PUPILS, calendar_tables, mark_tables, pupil_tables

EXAMPLES = 10


@pytest.mark.parametrize("kind", ["pupils", "marks", "calendar"])
def test_an_import_command_refuses_a_bad_file_in_words_and_writes_nothing(
    kind: str, app: Flask, world: World, snap: Snapshot, on_roll: tuple[str, ...], tmp_path: Path
) -> None:
    tables, spec = {
        "pupils": (pupil_tables(), PUPILS),
        "marks": (mark_tables(on_roll), MARKS),
        "calendar": (calendar_tables(), CALENDAR),
    }[kind]
    file = tmp_path / "import.csv"

    @bounded(EXAMPLES)
    @given(malformed(tables, spec))
    def run(fuzzed: Fuzzed) -> None:
        file.write_bytes(fuzzed.data)
        before = snap.digest()
        result = CliRunner().invoke(main, ["import", kind, "--school", str(world.a1.urn), str(file)],
                                    catch_exceptions=False)  # fmt: skip
        if result.exit_code == 0:
            snap.written()
            assert not fuzzed.must_reject, f"accepted a file with {fuzzed.fault}"
            return
        assert result.exit_code == 1, result.output
        assert "import.csv was not imported; nothing was written." in result.output
        if fuzzed.line is not None:
            assert f"line {fuzzed.line}" in result.output, result.output
        assert snap.changed(before) == []

    run()
