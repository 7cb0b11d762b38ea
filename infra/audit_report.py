"""`make audit`: read pip-audit's JSON report, fail on any known vulnerability, and say how much was audited.

pip-audit skips a package it cannot look up ("could not be audited") without failing; a green audit that
looked nothing up would be a false comfort, so the count of skipped packages is printed on one loud line,
and `--strict` (AUDIT_STRICT=1) turns any skip into a failure where the vulnerability service answers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def summarise(report: dict, *, strict: bool) -> tuple[list[str], bool]:
    """The lines to print and whether the audit passed."""
    packages = report.get("dependencies", [])
    found = [(p, v) for p in packages for v in p.get("vulns", [])]
    skipped = [p for p in packages if "skip_reason" in p]
    lines = [
        f"VULNERABLE {p['name']} {p.get('version', '?')}: {v['id']} (fixed in {', '.join(v.get('fix_versions', [])) or 'no release yet'})"
        for p, v in found
    ]
    lines.append(f"pip-audit: {len(found)} known vulnerabilities in {len(packages)} installed packages")
    if skipped:
        lines.append(
            f"pip-audit WARNING: {len(skipped)} of {len(packages)} packages could not be audited "
            f"(vulnerability service unreachable or without them), e.g. {skipped[0]['skip_reason']}"
        )
    return lines, not found and not (strict and skipped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report", type=Path, help="pip-audit's report (-f json -o FILE)")
    parser.add_argument("--strict", action="store_true", help="fail when any package could not be audited")
    args = parser.parse_args()
    if not args.report.exists():
        sys.exit(f"pip-audit wrote no report at {args.report}: it did not run to the end")
    lines, passed = summarise(json.loads(args.report.read_text()), strict=args.strict)
    print("\n".join(lines))
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
