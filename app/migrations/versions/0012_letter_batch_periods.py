"""Letter batches made by the half-termly job carry their half-term and part, unique per school and kind,
so a re-run (or a second run the same day) finds the batch already made instead of making it again.

Backups and retention reviews need no table: a backup is its objects and its manifest (written last), and
a retention review is its CSV and summary under the school's prefix in versioned object storage.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letter_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period", sa.String(length=60), nullable=True))
        batch_op.create_index(
            "uq_letter_batches_school_id_kind_period", ["school_id", "kind", "period"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("letter_batches", schema=None) as batch_op:
        batch_op.drop_index("uq_letter_batches_school_id_kind_period")
        batch_op.drop_column("period")
