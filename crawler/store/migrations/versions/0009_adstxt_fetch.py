"""ads.txt fetches: the content type of the answer and the redirects followed

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("adstxt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_type", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("hops", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("adstxt", schema=None) as batch_op:
        batch_op.drop_column("hops")
        batch_op.drop_column("content_type")
