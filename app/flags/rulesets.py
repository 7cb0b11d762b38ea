"""Each trust's flag thresholds and next-step rules: version 0 is design.md's defaults, every change
adds a version, and a snapshot records the version that produced it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.flags.models import FlagRuleSet
from app.flags.rules import RuleSet


def current_rules(db: Session, trust_id: int) -> tuple[int, RuleSet]:
    """The trust's newest rule set and its version."""
    latest = db.scalar(
        select(FlagRuleSet)
        .where(FlagRuleSet.trust_id == trust_id)
        .order_by(FlagRuleSet.version.desc())
        .limit(1)
    )
    if latest is None:
        return 0, RuleSet()
    return latest.version, RuleSet.from_json(latest.definition)


def rules_version(db: Session, trust_id: int, version: int) -> RuleSet:
    """The rule set a snapshot was computed with."""
    if version == 0:
        return RuleSet()
    found = db.get(FlagRuleSet, (trust_id, version))
    assert found is not None, "a snapshot names a version its trust has"
    return RuleSet.from_json(found.definition)


def save_rules(db: Session, trust_id: int, definition: dict[str, Any], by_name: str, by_title: str) -> int:
    """Check and store a new version (RulesInvalid lists every problem); it applies from the next
    computation. The caller commits."""
    checked = RuleSet.from_json(definition)
    version = (
        db.scalar(select(func.max(FlagRuleSet.version)).where(FlagRuleSet.trust_id == trust_id)) or 0
    ) + 1
    db.add(
        FlagRuleSet(
            trust_id=trust_id, version=version, definition=checked.to_json(), created_by_name=by_name,
            created_by_title=by_title,
        )
    )  # fmt: skip
    db.flush()
    return version
