"""an ad followed to its advertiser keeps the pirate page as it was just before the click that opened it

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("finding_links") as batch:
        batch.add_column(sa.Column("page_screenshot", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("finding_links") as batch:
        batch.drop_column("page_screenshot")
