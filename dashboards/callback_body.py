"""The shape of a _dash-update-component body, checked before Dash reads it: a forged or broken body is a
400 naming what is wrong, never a server error from deep inside Dash."""

from __future__ import annotations

from typing import Any


def problem(body: Any, callbacks: dict[str, dict[str, Any]]) -> str | None:
    """Why the body cannot be a call of one of the registered callbacks, or None if it can."""
    if not isinstance(body, dict):
        return "send a JSON object"
    output = body.get("output")
    spec = callbacks.get(output) if isinstance(output, str) else None
    if spec is None or "callback" not in spec:
        return "no callback of this app has that output"
    for part in ("inputs", "state"):
        given = body.get(part, [])
        if (
            not isinstance(given, list)
            or len(given) != len(spec.get(part, []))
            or not all(map(_entry, given))
        ):
            return f"'{part}' does not match the callback's {part}"
    several = output.startswith("..")  # Dash writes several outputs as "..a.x...b.y.."
    parts = output[2:-2].split("...") if several else [output]
    outputs = body.get("outputs") if several else [body.get("outputs")]
    if not isinstance(outputs, list) or len(outputs) != len(parts) or not all(map(_output, parts, outputs)):
        return "'outputs' does not match the callback's outputs"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) and "." in c for c in changed):
        return "'changedPropIds' should be a list of 'id.property' strings"
    if _has_nul(body):
        return "a value holds a NUL character, which no page sends (and PostgreSQL cannot store)"
    return None


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(_has_nul, value))
    return False


def _output(part: str, item: object) -> bool:
    """One output: {id, property}, or for a pattern-matching id ('{...}.property') the list of its matches."""
    if part.startswith("{"):
        return isinstance(item, list) and all(map(_entry, item))
    return isinstance(item, dict) and _entry(item)


def _entry(item: object) -> bool:
    """An input, state or output: {id, property, ...}, or for a pattern-matching id the list of its matches."""
    if isinstance(item, list):
        return all(map(_entry, item))
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), str | dict)
        and isinstance(item.get("property"), str)
    )
