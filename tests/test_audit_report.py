"""make audit fails on any known vulnerability and never passes quietly when nothing could be looked up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from infra.audit_report import summarise

CLEAN = {"name": "flask", "version": "3.1.2", "vulns": []}
SKIPPED = {
    "name": "alembic",
    "skip_reason": "Dependency not found on PyPI and could not be audited: alembic (1.20.1)",
}
VULNERABLE = {
    "name": "jinja2",
    "version": "3.1.2",
    "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"], "aliases": ["CVE-2024-22195"]}],
}


def test_a_known_vulnerability_fails_and_is_named() -> None:
    lines, passed = summarise({"dependencies": [CLEAN, VULNERABLE]}, strict=False)
    assert not passed
    assert lines[0] == "VULNERABLE jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)"
    assert lines[1] == "pip-audit: 1 known vulnerabilities in 2 installed packages"


def test_packages_that_could_not_be_audited_are_counted_loudly() -> None:
    lines, passed = summarise({"dependencies": [CLEAN, SKIPPED]}, strict=False)
    assert passed
    assert lines[-1].startswith("pip-audit WARNING: 1 of 2 packages could not be audited")
    assert summarise({"dependencies": [CLEAN, SKIPPED]}, strict=True)[1] is False


def test_no_report_fails(tmp_path: Path) -> None:
    """pip-audit that stopped early (timeout, no network) writes no report: the step fails, saying so."""
    script = Path(__file__).resolve().parents[1] / "infra" / "audit_report.py"
    missing = subprocess.run(  # noqa: S603 - this repository's own script
        [sys.executable, str(script), str(tmp_path / "none.json")], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 1 and "wrote no report" in missing.stderr
    (tmp_path / "clean.json").write_text(json.dumps({"dependencies": [CLEAN]}))
    clean = subprocess.run(  # noqa: S603 - the venv's own pip-audit report script
        [sys.executable, str(script), str(tmp_path / "clean.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert clean.returncode == 0 and "0 known vulnerabilities in 1 installed packages" in clean.stdout
