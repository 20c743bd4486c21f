"""index of ad links by network (reports: was a network seen before a period?)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:50:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_finding_links_network", "finding_links", ["network"])


def downgrade() -> None:
    op.drop_index("ix_finding_links_network", "finding_links")
