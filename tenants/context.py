"""The tenant context: which schools and trusts the code running now may touch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


class NoTenantContext(RuntimeError):
    """Raised when tenant data is queried with no tenant context: fail closed, never open."""


@dataclass(frozen=True)
class TenantContext:
    """Schools and trusts visible to the current principal, and why (for audit and debugging)."""

    school_ids: frozenset[int]
    trust_ids: frozenset[int]
    reason: str

    @classmethod
    def of(cls, school_ids: Iterable[int], trust_ids: Iterable[int], reason: str) -> TenantContext:
        return cls(frozenset(school_ids), frozenset(trust_ids), reason)

    def rls_setting(self) -> str:
        """The comma-separated school ids that the PostgreSQL policies read."""
        return ",".join(str(i) for i in sorted(self.school_ids))


_current: ContextVar[TenantContext | None] = ContextVar("turnout_tenant_context", default=None)


def current() -> TenantContext:
    """Return the active context or raise: no context means no tenant data."""
    ctx = _current.get()
    if ctx is None:
        raise NoTenantContext("tenant data queried without a tenant context")
    return ctx


def current_or_none() -> TenantContext | None:
    """Return the active context, if any, for code that can work without one."""
    return _current.get()


@contextmanager
def use(ctx: TenantContext) -> Iterator[TenantContext]:
    """Run a block with the given tenant context, restoring the previous one afterwards."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def activate(ctx: TenantContext | None) -> object:
    """Set the context for the rest of a request; returns a token for `deactivate`."""
    return _current.set(ctx)


def deactivate(token: object) -> None:
    """Undo `activate` at the end of a request."""
    _current.reset(token)  # type: ignore[arg-type]
