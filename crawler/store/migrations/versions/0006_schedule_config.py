"""schedules keep a whole crawl configuration

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("config", sa.JSON(), nullable=True))
    schedules = sa.table(
        "schedules",
        sa.column("id", sa.Integer()),
        sa.column("watchlist", sa.String()),
        sa.column("profiles", sa.JSON()),
        sa.column("pages", sa.Integer()),
        sa.column("config", sa.JSON()),
    )
    connection = op.get_bind()
    for sid, watchlist, profiles, pages in connection.execute(
        sa.select(schedules.c.id, schedules.c.watchlist, schedules.c.profiles, schedules.c.pages)
    ):  # the crawl configuration record (version 1) of what a schedule held
        record = {"version": 1, "watchlist": watchlist, "profiles": list(profiles or []), "pages": pages}
        connection.execute(schedules.update().where(schedules.c.id == sid).values(config=record))


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("config")
