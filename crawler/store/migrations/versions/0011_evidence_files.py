"""visits keep their archive (a WARC) and a SHA-256 of every evidence file they left

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visits") as batch:
        batch.add_column(sa.Column("archive", sa.Text(), nullable=True))
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_evidence_files_visit_id", "evidence_files", ["visit_id"])


def downgrade() -> None:
    op.drop_index("ix_evidence_files_visit_id", table_name="evidence_files")
    op.drop_table("evidence_files")
    with op.batch_alter_table("visits") as batch:
        batch.drop_column("archive")
