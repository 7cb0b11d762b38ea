"""Tenancy: trusts, schools, memberships, the tenant context and its enforcement."""

from tenants import scoping as _scoping  # noqa: F401 - registers the ORM scoping events
