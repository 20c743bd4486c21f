"""an advertiser no data classifies is "unclassified" (was "other", which read as a category of its own)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 04:00:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE finding_links SET category = 'unclassified' WHERE category = 'other'")


def downgrade() -> None:
    op.execute("UPDATE finding_links SET category = 'other' WHERE category = 'unclassified'")
