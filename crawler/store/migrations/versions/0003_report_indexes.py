"""indexes for reports over periods: visits by start time, network sightings by network

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:40:00
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_visits_started', 'visits', ['started_at'])
    op.create_index('ix_finding_networks_network', 'finding_networks', ['network'])


def downgrade() -> None:
    op.drop_index('ix_finding_networks_network', 'finding_networks')
    op.drop_index('ix_visits_started', 'visits')
