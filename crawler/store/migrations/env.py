"""Alembic environment: migrations run on the connection `open_store` hands over (or on a URL)."""

from alembic import context
from sqlalchemy import create_engine

from moneytrail.crawler.store.schema import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    from moneytrail.crawler.store.db import default_url

    connection = create_engine(context.config.get_main_option("sqlalchemy.url") or default_url()).connect()

context.configure(
    connection=connection, target_metadata=target_metadata, render_as_batch=connection.dialect.name == "sqlite"
)
with context.begin_transaction():
    context.run_migrations()
