"""an ad's landing screenshot is named with its folder, as every other stored file is

Crawls before this stored each finding_links.screenshot as the bare file name the crawler gave it (the
findings were made before the visit's files were stored in their run's folder), so reports and notice packs
could not find the landing pages' screenshots. The folder is the visit's run's.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    links = sa.table("finding_links", sa.column("id", sa.Integer()), sa.column("visit_id", sa.Integer()),
                     sa.column("screenshot", sa.Text()))  # fmt: skip
    visits = sa.table("visits", sa.column("id", sa.Integer()), sa.column("run_id", sa.Integer()))
    connection = op.get_bind()
    bare = connection.execute(
        sa.select(links.c.id, links.c.screenshot, visits.c.run_id)
        .join(visits, visits.c.id == links.c.visit_id)
        .where(links.c.screenshot.is_not(None), ~links.c.screenshot.contains("/"))
    ).all()
    for row_id, name, run_id in bare:
        folder = f"run-{run_id}" if run_id is not None else "no-run"
        connection.execute(links.update().where(links.c.id == row_id).values(screenshot=f"{folder}/{name}"))


def downgrade() -> None:
    pass  # the names with their folder are right for every version
