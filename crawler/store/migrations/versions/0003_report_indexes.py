"""indexes for reports over periods: visits by start time, findings by visit (covering what the period
aggregates read, so SQLite answers them from the indexes), network sightings by network

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:40:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_visits_started", "visits", ["started_at", "status", "site_id", "final_site"])
    op.create_index("ix_finding_links_period", "finding_links", ["visit_id", "site", "kind", "category"])
    op.create_index("ix_finding_networks_period", "finding_networks", ["visit_id", "site", "network"])
    op.create_index("ix_finding_ids_period", "finding_ids", ["visit_id", "site", "id_type", "id_value", "source"])
    op.create_index("ix_finding_networks_network", "finding_networks", ["network"])


def downgrade() -> None:
    for name, table in (
        ("ix_finding_networks_network", "finding_networks"),
        ("ix_finding_ids_period", "finding_ids"),
        ("ix_finding_networks_period", "finding_networks"),
        ("ix_finding_links_period", "finding_links"),
        ("ix_visits_started", "visits"),
    ):
        op.drop_index(name, table)
