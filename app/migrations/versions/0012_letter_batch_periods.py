"""backups retention and letter batch periods (placeholder: filled in by its owner during issue 8).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
