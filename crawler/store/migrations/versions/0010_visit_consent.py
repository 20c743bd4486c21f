"""visits record their cookie consent: the outcome and the consent platform (CMP) answered

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("consent", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("consent_cmp", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("consent_cmp")
        batch.drop_column("consent")
