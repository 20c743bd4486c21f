"""findings: networks, links, miners and publisher ids per visit (or per ads.txt file)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _source_columns():
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"), nullable=True),
        sa.Column("adstxt_id", sa.Integer(), sa.ForeignKey("adstxt.id", ondelete="CASCADE"), nullable=True),
        sa.Column("site", sa.String(length=253), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "finding_networks",
        *_source_columns(),
        sa.Column("network", sa.String(length=300), nullable=False),
        sa.Column("evidence", sa.String(length=20), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_finding_networks_site", "finding_networks", ["site", "network"])
    op.create_index("ix_finding_networks_visit_id", "finding_networks", ["visit_id"])
    op.create_index("ix_finding_networks_adstxt_id", "finding_networks", ["adstxt_id"])

    op.create_table(
        "finding_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"), nullable=False),
        sa.Column("site", sa.String(length=253), nullable=False),
        sa.Column("network", sa.String(length=300), nullable=False),
        sa.Column("advertiser", sa.String(length=253), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("brokers", sa.JSON(), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("landing_url", sa.Text(), nullable=True),
        sa.Column("landing_title", sa.Text(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("screenshot", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_finding_links_site", "finding_links", ["site", "network"])
    op.create_index("ix_finding_links_advertiser", "finding_links", ["advertiser"])
    op.create_index("ix_finding_links_visit_id", "finding_links", ["visit_id"])

    op.create_table(
        "finding_miners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"), nullable=False),
        sa.Column("site", sa.String(length=253), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("site_key", sa.String(length=300), nullable=True),
        sa.Column("wallet", sa.String(length=300), nullable=True),
        sa.Column("pool", sa.Text(), nullable=True),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_finding_miners_visit_id", "finding_miners", ["visit_id"])
    op.create_index("ix_finding_miners_site", "finding_miners", ["site"])

    op.create_table(
        "finding_ids",
        *_source_columns(),
        sa.Column("id_type", sa.String(length=40), nullable=False),
        sa.Column("id_value", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("network", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_finding_ids_value", "finding_ids", ["id_type", "id_value"])
    op.create_index("ix_finding_ids_visit_id", "finding_ids", ["visit_id"])
    op.create_index("ix_finding_ids_adstxt_id", "finding_ids", ["adstxt_id"])
    op.create_index("ix_finding_ids_site", "finding_ids", ["site"])


def downgrade() -> None:
    for table in ("finding_ids", "finding_miners", "finding_links", "finding_networks"):
        op.drop_table(table)
