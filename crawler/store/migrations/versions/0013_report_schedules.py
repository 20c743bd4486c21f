"""schedules can make reports: a report schedule holds what to report (kind, period, formats, filters, folder)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("report", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("report")
